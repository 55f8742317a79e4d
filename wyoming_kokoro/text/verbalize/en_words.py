"""English word tables for :mod:`.en`: units, currencies, abbreviations, months.

Kept apart from the rules so that adding a unit or a currency is a one-line change.
"""

from __future__ import annotations

#: Unit symbol after a number -> (singular, plural); British spellings in BRITISH_UNITS.
#: Case matters: "m" is metres, "M" is million (handled as a multiplier), "Mb" is left alone.
UNITS: dict[str, tuple[str, str]] = {
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "ºF": ("degree Fahrenheit", "degrees Fahrenheit"),
    "ºC": ("degree Celsius", "degrees Celsius"),
    "℉": ("degree Fahrenheit", "degrees Fahrenheit"),
    "℃": ("degree Celsius", "degrees Celsius"),
    "° F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "° C": ("degree Celsius", "degrees Celsius"),
    "°": ("degree", "degrees"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "m/s": ("meter per second", "meters per second"),
    "mph": ("mile per hour", "miles per hour"),
    "km²": ("square kilometer", "square kilometers"),
    "m²": ("square meter", "square meters"),
    "sq ft": ("square foot", "square feet"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "nm": ("nanometer", "nanometers"),
    "µm": ("micrometer", "micrometers"),
    "m": ("meter", "meters"),
    "mi": ("mile", "miles"),
    "ft": ("foot", "feet"),
    "yd": ("yard", "yards"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "µg": ("microgram", "micrograms"),
    "mcg": ("microgram", "micrograms"),
    "g": ("gram", "grams"),
    "lbs": ("pound", "pounds"),
    "lb": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "fl oz": ("fluid ounce", "fluid ounces"),
    "mL": ("milliliter", "milliliters"),
    "ml": ("milliliter", "milliliters"),
    "L": ("liter", "liters"),
    "l": ("liter", "liters"),
    "gal": ("gallon", "gallons"),
    "tsp": ("teaspoon", "teaspoons"),
    "cup": ("cup", "cups"),
    "cups": ("cup", "cups"),
    "tbsp": ("tablespoon", "tablespoons"),
    "Tbsp": ("tablespoon", "tablespoons"),
    "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "PB": ("petabyte", "petabytes"),
    "MB/s": ("megabyte per second", "megabytes per second"),
    "GB/s": ("gigabyte per second", "gigabytes per second"),
    "kbps": ("kilobit per second", "kilobits per second"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "W": ("watt", "watts"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"),
    "Wh": ("watt hour", "watt hours"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "MWh": ("megawatt hour", "megawatt hours"),
    "V": ("volt", "volts"),
    "mAh": ("milliamp hour", "milliamp hours"),
    "dB": ("decibel", "decibels"),
    "hPa": ("hectopascal", "hectopascals"),
    "kPa": ("kilopascal", "kilopascals"),
    "psi": ("p s i", "p s i"),
    "ppm": ("part per million", "parts per million"),
    "rpm": ("r p m", "r p m"),
    "fps": ("frame per second", "frames per second"),
    "px": ("pixel", "pixels"),
    "kcal": ("kilocalorie", "kilocalories"),
    "cal": ("calorie", "calories"),
    "ms": ("millisecond", "milliseconds"),
    "sec": ("second", "seconds"),
    "secs": ("second", "seconds"),
    "s": ("second", "seconds"),
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "h": ("hour", "hours"),
}

#: British spellings: "kilometre", "litre".
BRITISH_SPELLING = {"meter": "metre", "liter": "litre"}

#: Currency sign or ISO code -> (singular, plural, minor singular, minor plural).
#: An empty minor unit means amounts are read as decimals ("1.5 yen": "one point five yen").
CURRENCIES: dict[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("US dollar", "US dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₩": ("won", "won", "", ""),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "", ""),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CNY": ("yuan", "yuan", "", ""),
    "INR": ("rupee", "rupees", "paisa", "paise"),
}

#: Written multipliers after an amount ("$1.5M", "10k users").
MULTIPLIERS = {
    "k": "thousand",
    "K": "thousand",
    "M": "million",
    "B": "billion",
    "bn": "billion",
    "thousand": "thousand",
    "million": "million",
    "billion": "billion",
    "trillion": "trillion",
}

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Month abbreviations, read as the month only next to a day or a year ("Dec. 5th", "Dec 2024").
MONTH_ABBREVIATIONS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Sept": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}

#: Abbreviations that always read the same; the stop is theirs (``"etc."``).
FIXED_ABBREVIATIONS = {
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Prof.": "Professor",
    "Jr.": "Junior",
    "Sr.": "Senior",
    "Mt.": "Mount",
    "Ft.": "Fort",
    "Ave.": "Avenue",
    "Blvd.": "Boulevard",
    "Rd.": "Road",
    "Ln.": "Lane",
    "Hwy.": "Highway",
    "Apt.": "Apartment",
    "Gov.": "Governor",
    "Sen.": "Senator",
    "Capt.": "Captain",
    "Lt.": "Lieutenant",
    "Sgt.": "Sergeant",
    "e.g.": "for example",
    "E.g.": "For example",
    "i.e.": "that is",
    "I.e.": "That is",
    "etc.": "et cetera",
    "vs.": "versus",
    "vs": "versus",
    "approx.": "approximately",
    "Approx.": "Approximately",
    "cf.": "compare",
    "a.k.a.": "also known as",
    "aka": "also known as",
    "and/or": "and or",
    "w/o": "without",
    "w/": "with",
}
#: Abbreviations whose stop may also end the sentence ("Pens, paper, etc."): kept there.
STOP_KEEPING_ABBREVIATIONS = frozenset(
    {"etc.", "Jr.", "Sr.", "Ave.", "Blvd.", "Rd.", "Ln.", "Hwy.", "a.k.a."}
)

#: Abbreviations read only before a number ("No. 5", "p. 12").
NUMBER_ABBREVIATIONS = {
    "No.": "number",
    "no.": "number",
    "Nos.": "numbers",
    "No": "number",
    "#": "number",
    "p.": "page",
    "pp.": "pages",
    "Fig.": "figure",
    "fig.": "figure",
    "ch.": "chapter",
    "Ch.": "chapter",
    "vol.": "volume",
    "Vol.": "volume",
    "ca.": "circa",
    "c.": "circa",
}

#: Top-level domains read as a domain name ("example.com"); file extensions are not among them.
TLDS = (
    "com|org|net|edu|gov|mil|int|io|ai|dev|app|co|uk|us|ca|au|de|fr|es|it|nl|eu|jp|ch|se|no|"
    "info|biz|tv|xyz|tech|cloud|online|site|blog|news|shop|store|me|ly|gg"
)
#: How a TLD or a domain label is said when its letters would be misread as a word.
SPOKEN_LABELS = {
    "io": "I O",
    "ai": "AI",
    "uk": "UK",
    "us": "US",
    "eu": "EU",
    "edu": "E D U",
    "de": "D E",
    "fr": "F R",
    "jp": "J P",
    "nl": "N L",
    "ch": "C H",
    "se": "S E",
    "tv": "TV",
    "ly": "L Y",
    "gg": "G G",
    "www": "W W W",
}
