"""French (``fr-fr``): the words of :class:`~.romance.RomanceVerbalizer`."""

from __future__ import annotations

from .romance import Currency, RomanceWords, Unit

__all__ = ["FRENCH"]

_EURO = Currency(Unit("euro", "euros"))
_DOLLAR = Currency(Unit("dollar", "dollars"))

FRENCH = RomanceWords(
    num2words="fr",
    decimal="virgule",
    minus="moins",
    percent="pour cent",
    range_to="à",
    and_word="et",
    plus="plus",
    hour=Unit("heure", "heures", feminine=True),
    minute=Unit("minute", "minutes", feminine=True),
    second=Unit("seconde", "secondes", feminine=True),
    months=(
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ),  # fmt: skip
    clock="{h} {hw} {m}",
    clock_whole="{h} {hw}",
    date="{d} {m} {y}",
    date_no_year="{d} {m}",
    first_day="premier",
    money="{main} {minor}",
    currencies={
        "€": _EURO,
        "EUR": _EURO,
        "$": _DOLLAR,
        "US$": _DOLLAR,
        "USD": _DOLLAR,
        "CAD": Currency(Unit("dollar canadien", "dollars canadiens")),
        "CHF": Currency(Unit("franc suisse", "francs suisses")),
        "R$": Currency(Unit("real", "reais")),
        "BRL": Currency(Unit("real", "reais")),
        "£": Currency(Unit("livre", "livres", True)),
        "GBP": Currency(Unit("livre", "livres", True)),
        "¥": Currency(Unit("yen", "yens")),
        "JPY": Currency(Unit("yen", "yens")),
        "₹": Currency(Unit("roupie", "roupies", True)),
        "INR": Currency(Unit("roupie", "roupies", True)),
    },
    units={
        "°C": Unit("degré Celsius", "degrés Celsius"),
        "ºC": Unit("degré Celsius", "degrés Celsius"),
        "℃": Unit("degré Celsius", "degrés Celsius"),
        "°F": Unit("degré Fahrenheit", "degrés Fahrenheit"),
        "°": Unit("degré", "degrés"),
        "km/h": Unit("kilomètre heure", "kilomètres heure"),
        "km": Unit("kilomètre", "kilomètres"),
        "m": Unit("mètre", "mètres"),
        "cm": Unit("centimètre", "centimètres"),
        "mm": Unit("millimètre", "millimètres"),
        "m²": Unit("mètre carré", "mètres carrés"),
        "kg": Unit("kilo", "kilos"),
        "g": Unit("gramme", "grammes"),
        "mg": Unit("milligramme", "milligrammes"),
        "l": Unit("litre", "litres"),
        "L": Unit("litre", "litres"),
        "ml": Unit("millilitre", "millilitres"),
        "min": Unit("minute", "minutes", True),
        "s": Unit("seconde", "secondes", True),
        "W": Unit("watt", "watts"),
        "kW": Unit("kilowatt", "kilowatts"),
        "kWh": Unit("kilowattheure", "kilowattheures"),
        "V": Unit("volt", "volts"),
        "Hz": Unit("hertz", "hertz"),
        "GHz": Unit("gigahertz", "gigahertz"),
        "Mo": Unit("mégaoctet", "mégaoctets"),
        "Go": Unit("gigaoctet", "gigaoctets"),
        "To": Unit("téraoctet", "téraoctets"),
        "MB": Unit("mégaoctet", "mégaoctets"),
        "GB": Unit("gigaoctet", "gigaoctets"),
        "hPa": Unit("hectopascal", "hectopascals"),
        "lx": Unit("lux", "lux"),
        "ppm": Unit("partie par million", "parties par million", True),
        "dB": Unit("décibel", "décibels"),
    },
    ordinal_suffixes={"er": "m", "re": "f", "ère": "f", "e": "m", "ème": "m", "ᵉ": "m"},
    feminine=((r"\bun$", "une"),),
    abbreviations={"M.": "monsieur", "Mme": "madame", "Mlle": "mademoiselle", "etc.": "et cetera"},
    midday="midi",
    midnight="minuit",
    hour_marks="h",
    thousands=". \u00a0\u202f",
    and_symbol="et",
    feminine_nouns=frozenset(
        {"heures", "minutes", "secondes", "personnes", "fois", "semaines", "nuits", "pages", "lumières", "pièces"}
    ),
)
