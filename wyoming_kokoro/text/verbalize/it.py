"""Italian (``it``): the words of :class:`~.romance.RomanceVerbalizer`."""

from __future__ import annotations

from .romance import Currency, RomanceWords, Unit

__all__ = ["ITALIAN"]

_EURO = Currency(Unit("euro", "euro"))
_DOLLAR = Currency(Unit("dollaro", "dollari"))

ITALIAN = RomanceWords(
    num2words="it",
    decimal="virgola",
    minus="meno",
    percent="per cento",
    range_to="a",
    and_word="e",
    plus="più",
    hour=Unit("ora", "ore", feminine=True),
    minute=Unit("minuto", "minuti"),
    second=Unit("secondo", "secondi"),
    months=(
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
        "settembre", "ottobre", "novembre", "dicembre",
    ),  # fmt: skip
    clock="{h} e {m}",
    clock_whole="{h}",
    date="{d} {m} {y}",
    date_no_year="{d} {m}",
    first_day="primo",
    money="{main} e {minor}",
    currencies={
        "€": _EURO,
        "EUR": _EURO,
        "$": _DOLLAR,
        "US$": _DOLLAR,
        "USD": _DOLLAR,
        "CHF": Currency(Unit("franco svizzero", "franchi svizzeri")),
        "R$": Currency(Unit("real", "reais")),
        "BRL": Currency(Unit("real", "reais")),
        "£": Currency(Unit("sterlina", "sterline", True)),
        "GBP": Currency(Unit("sterlina", "sterline", True)),
        "¥": Currency(Unit("yen", "yen")),
        "JPY": Currency(Unit("yen", "yen")),
        "₹": Currency(Unit("rupia", "rupie", True)),
        "INR": Currency(Unit("rupia", "rupie", True)),
    },
    units={
        "°C": Unit("grado Celsius", "gradi Celsius"),
        "ºC": Unit("grado Celsius", "gradi Celsius"),
        "℃": Unit("grado Celsius", "gradi Celsius"),
        "°F": Unit("grado Fahrenheit", "gradi Fahrenheit"),
        "°": Unit("grado", "gradi"),
        "km/h": Unit("chilometro orario", "chilometri orari"),
        "km": Unit("chilometro", "chilometri"),
        "m": Unit("metro", "metri"),
        "cm": Unit("centimetro", "centimetri"),
        "mm": Unit("millimetro", "millimetri"),
        "m²": Unit("metro quadrato", "metri quadrati"),
        "kg": Unit("chilo", "chili"),
        "g": Unit("grammo", "grammi"),
        "mg": Unit("milligrammo", "milligrammi"),
        "l": Unit("litro", "litri"),
        "L": Unit("litro", "litri"),
        "ml": Unit("millilitro", "millilitri"),
        "h": Unit("ora", "ore", True),
        "min": Unit("minuto", "minuti"),
        "s": Unit("secondo", "secondi"),
        "W": Unit("watt", "watt"),
        "kW": Unit("chilowatt", "chilowatt"),
        "kWh": Unit("chilowattora", "chilowattora"),
        "V": Unit("volt", "volt"),
        "Hz": Unit("hertz", "hertz"),
        "GHz": Unit("gigahertz", "gigahertz"),
        "MB": Unit("megabyte", "megabyte"),
        "GB": Unit("gigabyte", "gigabyte"),
        "TB": Unit("terabyte", "terabyte"),
        "hPa": Unit("ettopascal", "ettopascal"),
        "lx": Unit("lux", "lux"),
        "ppm": Unit("parte per milione", "parti per milione", True),
        "dB": Unit("decibel", "decibel"),
    },
    ordinal_suffixes={"º": "m", "ª": "f"},
    feminine=((r"\buno$", "una"),),
    before_noun=((r"^uno$", "un"),),
    abbreviations={
        "Sig.": "signor", "Sig.ra": "signora", "Dott.": "dottor", "Dott.ssa": "dottoressa",
        "ecc.": "eccetera",
    },  # fmt: skip
    midday="mezzogiorno",
    midnight="mezzanotte",
    degree_ordinal=True,
    and_symbol="e",
    feminine_nouns=frozenset({"ore", "persone", "volte", "settimane", "notti", "pagine", "luci", "stanze"}),
)
