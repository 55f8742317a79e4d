"""Portuguese, Brazil (``pt-br``): the words of :class:`~.romance.RomanceVerbalizer`."""

from __future__ import annotations

from .romance import Currency, RomanceWords, Unit

__all__ = ["PORTUGUESE"]

_REAL = Currency(Unit("real", "reais"), Unit("centavo", "centavos"))
_DOLLAR = Currency(Unit("dólar", "dólares"), Unit("centavo", "centavos"))
_EURO = Currency(Unit("euro", "euros"), Unit("centavo", "centavos"))

PORTUGUESE = RomanceWords(
    num2words="pt_BR",
    decimal="vírgula",
    minus="menos",
    percent="por cento",
    range_to="a",
    and_word="e",
    plus="mais",
    hour=Unit("hora", "horas", feminine=True),
    minute=Unit("minuto", "minutos"),
    second=Unit("segundo", "segundos"),
    months=(
        "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
        "setembro", "outubro", "novembro", "dezembro",
    ),  # fmt: skip
    clock="{h} e {m}",
    clock_whole="{h} {hw}",
    date="{d} de {m} de {y}",
    date_no_year="{d} de {m}",
    first_day="primeiro",
    money="{main} e {minor}",
    currencies={
        "R$": _REAL,
        "BRL": _REAL,
        "€": _EURO,
        "EUR": _EURO,
        "$": _DOLLAR,
        "US$": _DOLLAR,
        "USD": _DOLLAR,
        "£": Currency(Unit("libra", "libras", True), Unit("pêni", "pence")),
        "GBP": Currency(Unit("libra", "libras", True), Unit("pêni", "pence")),
        "¥": Currency(Unit("iene", "ienes")),
        "JPY": Currency(Unit("iene", "ienes")),
        "₹": Currency(Unit("rúpia", "rúpias", True)),
        "INR": Currency(Unit("rúpia", "rúpias", True)),
    },
    units={
        "°C": Unit("grau Celsius", "graus Celsius"),
        "ºC": Unit("grau Celsius", "graus Celsius"),
        "℃": Unit("grau Celsius", "graus Celsius"),
        "°F": Unit("grau Fahrenheit", "graus Fahrenheit"),
        "°": Unit("grau", "graus"),
        "km/h": Unit("quilômetro por hora", "quilômetros por hora"),
        "km": Unit("quilômetro", "quilômetros"),
        "m": Unit("metro", "metros"),
        "cm": Unit("centímetro", "centímetros"),
        "mm": Unit("milímetro", "milímetros"),
        "m²": Unit("metro quadrado", "metros quadrados"),
        "kg": Unit("quilo", "quilos"),
        "g": Unit("grama", "gramas"),
        "mg": Unit("miligrama", "miligramas"),
        "l": Unit("litro", "litros"),
        "L": Unit("litro", "litros"),
        "ml": Unit("mililitro", "mililitros"),
        "min": Unit("minuto", "minutos"),
        "s": Unit("segundo", "segundos"),
        "W": Unit("watt", "watts"),
        "kW": Unit("quilowatt", "quilowatts"),
        "kWh": Unit("quilowatt-hora", "quilowatts-hora"),
        "V": Unit("volt", "volts"),
        "Hz": Unit("hertz", "hertz"),
        "GHz": Unit("gigahertz", "gigahertz"),
        "MB": Unit("megabyte", "megabytes"),
        "GB": Unit("gigabyte", "gigabytes"),
        "TB": Unit("terabyte", "terabytes"),
        "hPa": Unit("hectopascal", "hectopascais"),
        "lx": Unit("lux", "lux"),
        "ppm": Unit("parte por milhão", "partes por milhão", True),
        "dB": Unit("decibel", "decibéis"),
    },
    ordinal_suffixes={"º": "m", "ª": "f"},
    feminine=((r"\bum$", "uma"), (r"\bdois$", "duas"), (r"\bdois(?= mil)", "duas"), (r"entos\b", "entas")),
    abbreviations={
        "Sr.": "senhor", "Sra.": "senhora", "Dr.": "doutor", "Dra.": "doutora", "etc.": "etcétera",
    },  # fmt: skip
    hour_marks="h",
    and_symbol="e",
    feminine_nouns=frozenset(
        {"horas", "pessoas", "vezes", "semanas", "noites", "páginas", "casas", "luzes", "libras"}
    ),
)
