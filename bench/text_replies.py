"""LLM-style replies full of written forms, each with the way a person would say it.

Shared by ``text_bench.py`` (latency of the speech-ready text stage) and ``text_wer.py`` (what
a listener hears). The spelled versions are written by hand, as a person reading the reply
aloud would say it, not by the verbalizer.
"""

from __future__ import annotations

#: (as an LLM writes it, as a person says it)
REPLIES: list[tuple[str, str]] = [
    (
        "Your order total is $12.50, and it should arrive on Dec. 5th.",
        "Your order total is twelve dollars and fifty cents, and it should arrive on "
        "December fifth.",
    ),
    (
        "The meeting is at 3:30 PM in room 221. Please bring your laptop.",
        "The meeting is at three thirty PM in room two hundred twenty-one. Please bring your "
        "laptop.",
    ),
    (
        "Preheat the oven to 350°F, then add 1/4 tsp of salt and 2 cups of flour.",
        "Preheat the oven to three hundred fifty degrees Fahrenheit, then add a quarter "
        "teaspoon of salt and two cups of flour.",
    ),
    (
        "It is 21.5 °C in the living room and the humidity is 45%.",
        "It is twenty-one point five degrees Celsius in the living room and the humidity is "
        "forty-five percent.",
    ),
    (
        "The timer is set for 00:05:00. I will let you know when it is done.",
        "The timer is set for five minutes. I will let you know when it is done.",
    ),
    (
        "The new laptop has a 3.5GHz processor, 16 GB of memory and costs €1,000.",
        "The new laptop has a three point five gigahertz processor, sixteen gigabytes of "
        "memory and costs one thousand euros.",
    ),
    (
        "Sherlock Holmes lived at 221 Baker St. in London, e.g. in the stories by Doyle.",
        "Sherlock Holmes lived at two twenty-one Baker Street in London, for example in the "
        "stories by Doyle.",
    ),
    (
        "Your alarm is set for 7:05 a.m. tomorrow. Sleep well!",
        "Your alarm is set for seven oh five AM tomorrow. Sleep well!",
    ),
    (
        "You can reach support at (555) 123-4567 or by mail at help@example.com.",
        "You can reach support at five five five, one two three, four five six seven or by "
        "mail at help at example dot com.",
    ),
    (
        "Version 2.1.3 fixes the bug. Update from v1.9 as soon as you can.",
        "Version two point one point three fixes the bug. Update from version one point nine "
        "as soon as you can.",
    ),
    (
        "The startup raised $1.5M in 2023 and hired 25 people.",
        "The startup raised one point five million dollars in twenty twenty-three and hired "
        "twenty-five people.",
    ),
    (
        "Dr. Smith will see you on Monday at 10:15 AM, not on Friday.",
        "Doctor Smith will see you on Monday at ten fifteen AM, not on Friday.",
    ),
    (
        "The drive is about 120 km, which takes roughly 1.5 hours at 80 km/h.",
        "The drive is about one hundred twenty kilometers, which takes roughly one point five "
        "hours at eighty kilometers per hour.",
    ),
    (
        "The Berlin Wall fell in 1989, and the 1990s brought big changes.",
        "The Berlin Wall fell in nineteen eighty-nine, and the nineteen nineties brought big "
        "changes.",
    ),
    (
        "Take 2 tablets every 4-6 hours, but no more than 8 per day.",
        "Take two tablets every four to six hours, but no more than eight per day.",
    ),
    (
        "Tickets cost £25 for adults and £12.50 for kids under 12.",
        "Tickets cost twenty-five pounds for adults and twelve pounds fifty for kids under twelve.",
    ),
    (
        "The package weighs 2.5 kg and measures 30 cm across.",
        "The package weighs two point five kilograms and measures thirty centimeters across.",
    ),
    (
        "Sales grew 12% this quarter, from 4,500 units to 5,040 units.",
        "Sales grew twelve percent this quarter, from four thousand five hundred units to "
        "five thousand forty units.",
    ),
    (
        "The flight leaves at 14:45 on 2024-12-05 from gate 7.",
        "The flight leaves at fourteen forty-five on December fifth, twenty twenty-four from "
        "gate seven.",
    ),
    (
        "Your battery is at 80% and will last about 6 hrs. The charger uses 65 W.",
        "Your battery is at eighty percent and will last about six hours. The charger uses "
        "sixty-five watts.",
    ),
    (
        "Visit example.com for details, or ask at the front desk on the 3rd floor.",
        "Visit example dot com for details, or ask at the front desk on the third floor.",
    ),
    (
        "It was a 50/50 call, but R&D chose the 2nd option over the 1st.",
        "It was a fifty-fifty call, but R and D chose the second option over the first.",
    ),
    (
        "The energy use today was 12.5 kWh, about $3 at the current rate.",
        "The energy use today was twelve point five kilowatt hours, about three dollars at "
        "the current rate.",
    ),
    (
        "We moved to St. Louis on Jan. 15, 2020, and stayed for 3 years.",
        "We moved to Saint Louis on January fifteenth, twenty twenty, and stayed for three years.",
    ),
]
