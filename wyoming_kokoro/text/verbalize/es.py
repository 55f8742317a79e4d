"""Spanish (``es``): the words of :class:`~.romance.RomanceVerbalizer`."""

from __future__ import annotations

from .romance import Currency, RomanceWords, Unit

__all__ = ["SPANISH"]

_EURO = Currency(Unit("euro", "euros"), Unit("céntimo", "céntimos"))
_DOLLAR = Currency(Unit("dólar", "dólares"), Unit("centavo", "centavos"))

SPANISH = RomanceWords(
    num2words="es",
    decimal="coma",
    minus="menos",
    percent="por ciento",
    range_to="a",
    and_word="y",
    plus="más",
    hour=Unit("hora", "horas", feminine=True),
    minute=Unit("minuto", "minutos"),
    second=Unit("segundo", "segundos"),
    months=(
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre",
    ),  # fmt: skip
    clock="{h} y {m}",
    clock_whole="{h} en punto",
    date="{d} de {m} de {y}",
    date_no_year="{d} de {m}",
    first_day="uno",
    money="{main} con {minor}",
    currencies={
        "€": _EURO,
        "EUR": _EURO,
        "$": _DOLLAR,
        "US$": _DOLLAR,
        "USD": _DOLLAR,
        "R$": Currency(Unit("real", "reales"), Unit("centavo", "centavos")),
        "BRL": Currency(Unit("real", "reales"), Unit("centavo", "centavos")),
        "MXN": Currency(Unit("peso", "pesos"), Unit("centavo", "centavos")),
        "£": Currency(Unit("libra", "libras", True), Unit("penique", "peniques")),
        "GBP": Currency(Unit("libra", "libras", True), Unit("penique", "peniques")),
        "¥": Currency(Unit("yen", "yenes")),
        "JPY": Currency(Unit("yen", "yenes")),
        "₹": Currency(Unit("rupia", "rupias", True)),
        "INR": Currency(Unit("rupia", "rupias", True)),
    },
    units={
        "°C": Unit("grado Celsius", "grados Celsius"),
        "ºC": Unit("grado Celsius", "grados Celsius"),
        "℃": Unit("grado Celsius", "grados Celsius"),
        "°F": Unit("grado Fahrenheit", "grados Fahrenheit"),
        "°": Unit("grado", "grados"),
        "km/h": Unit("kilómetro por hora", "kilómetros por hora"),
        "km": Unit("kilómetro", "kilómetros"),
        "m": Unit("metro", "metros"),
        "cm": Unit("centímetro", "centímetros"),
        "mm": Unit("milímetro", "milímetros"),
        "m²": Unit("metro cuadrado", "metros cuadrados"),
        "kg": Unit("kilo", "kilos"),
        "g": Unit("gramo", "gramos"),
        "mg": Unit("miligramo", "miligramos"),
        "l": Unit("litro", "litros"),
        "L": Unit("litro", "litros"),
        "ml": Unit("mililitro", "mililitros"),
        "h": Unit("hora", "horas", True),
        "min": Unit("minuto", "minutos"),
        "s": Unit("segundo", "segundos"),
        "W": Unit("vatio", "vatios"),
        "kW": Unit("kilovatio", "kilovatios"),
        "kWh": Unit("kilovatio hora", "kilovatios hora"),
        "V": Unit("voltio", "voltios"),
        "Hz": Unit("hercio", "hercios"),
        "GHz": Unit("gigahercio", "gigahercios"),
        "MB": Unit("megabyte", "megabytes"),
        "GB": Unit("gigabyte", "gigabytes"),
        "TB": Unit("terabyte", "terabytes"),
        "hPa": Unit("hectopascal", "hectopascales"),
        "lx": Unit("lux", "lux"),
        "ppm": Unit("parte por millón", "partes por millón", True),
        "dB": Unit("decibelio", "decibelios"),
    },
    ordinal_suffixes={
        "º": "m", "ª": "f", "er": "a", "ro": "m", "do": "m", "to": "m",
        "vo": "m", "no": "m", "mo": "m", "ra": "f", "da": "f", "ta": "f",
    },  # fmt: skip
    feminine=((r"\buno$", "una"), (r"iuno$", "iuna"), (r"ientos\b", "ientas")),
    before_noun=((r"\buno$", "un"), (r"veintiuno$", "veintiún"), (r"\buno(?= mil)", "un")),
    abbreviations={
        "Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor",
        "Dra.": "doctora", "etc.": "etcétera", "p. ej.": "por ejemplo", "aprox.": "aproximadamente",
    },  # fmt: skip
    am_pm=("de la mañana", "de la tarde", "de la noche"),
    and_symbol="y",
    feminine_nouns=frozenset(
        {"horas", "personas", "veces", "semanas", "noches", "páginas", "casas", "luces", "habitaciones", "libras"}
    ),
)
