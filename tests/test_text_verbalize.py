"""Speech-ready text: written forms to spoken words, checked case by case and end to end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.text import Segmenter
from wyoming_kokoro.text.verbalize import verbalize

from .helpers import synthesize_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

#: en-us: written -> spoken.
CASES = [
    # cardinals
    ("I have 3 cats.", "I have three cats."),
    ("There are 42 of them.", "There are forty-two of them."),
    (
        "We sold 1,234,567 copies.",
        "We sold one million two hundred thirty-four thousand five hundred sixty-seven copies.",
    ),
    ("It has 100 pages.", "It has one hundred pages."),
    ("Count to 0.", "Count to zero."),
    ("About 1000 people came.", "About one thousand people came."),
    ("It weighs 12.5 tons.", "It weighs twelve point five tons."),
    ("Pi is 3.14159.", "Pi is three point one four one five nine."),
    ("Only .5 left.", "Only point five left."),
    ("It dropped to -5 overnight.", "It dropped to minus five overnight."),
    ("Agent 007 is here.", "Agent zero zero seven is here."),
    ("It is 1000000 strong.", "It is one million strong."),
    ("A 2x faster build.", "A two times faster build."),
    ("10k users joined.", "ten thousand users joined."),
    ("1.5M downloads so far.", "one point five million downloads so far."),
    ("5B parameters.", "five billion parameters."),
    ("The 1,000th visitor.", "The one thousandth visitor."),
    ("Gain: −3 points.", "Gain: minus three points."),
    (
        "It cost 12,345.67 in total.",
        "It cost twelve thousand three hundred forty-five point six seven in total.",
    ),
    # ordinals
    ("She came 1st.", "She came first."),
    ("He was 2nd.", "He was second."),
    ("Our 3rd try.", "Our third try."),
    ("The 4th of them.", "The fourth of them."),
    ("On the 21st floor.", "On the twenty-first floor."),
    ("His 22nd birthday.", "His twenty-second birthday."),
    ("The 23rd time.", "The twenty-third time."),
    ("The 101st day.", "The one hundred first day."),
    ("The 11th hour.", "The eleventh hour."),
    ("The 12th man.", "The twelfth man."),
    ("The 13th floor.", "The thirteenth floor."),
    # ranges
    ("Wait 3-5 days.", "Wait three to five days."),
    ("Pages 10–20.", "Pages ten to twenty."),
    ("From 1990-1995 it grew.", "From nineteen ninety to nineteen ninety-five it grew."),
    ("Ages 18-25 apply.", "Ages eighteen to twenty-five apply."),
    ("In 2023-24 it rained.", "In twenty twenty-three to twenty-four it rained."),
    ("Wait 2 – 3 weeks.", "Wait two to three weeks."),
    # fractions
    ("Add 1/2 cup.", "Add one half of a cup."),
    ("Use 3/4 of it.", "Use three quarters of it."),
    ("About 2/3 of voters.", "About two thirds of voters."),
    ("Cut into 1/8 slices.", "Cut into one eighth slices."),
    ("Mix ½ cup.", "Mix one half of a cup."),
    ("Add ¼ cup.", "Add one quarter of a cup."),
    ("Use ¾ cup.", "Use three quarters of a cup."),
    ("Take 1 1/2 cups.", "Take one and a half cups."),
    ("Bake 2½ hours.", "Bake two and a half hours."),
    ("Open 24/7.", "Open twenty-four seven."),
    ("A 50/50 chance.", "A fifty-fifty chance."),
    ("It is 5/8 done.", "It is five eighths done."),
    # years
    ("In 1984 it began.", "In nineteen eighty-four it began."),
    ("Since 2020 we grew.", "Since twenty twenty we grew."),
    ("It was 1999.", "It was nineteen ninety-nine."),
    ("Born in 1066.", "Born in ten sixty-six."),
    ("The 1990s were fun.", "The nineteen nineties were fun."),
    ("The '80s had style.", "The eighties had style."),
    ("In the 60s we sang.", "In the sixties we sang."),
    ("The 2010s flew by.", "The twenty tens flew by."),
    ("From 1900 to 1950.", "From nineteen hundred to nineteen fifty."),
    ("Back in 2005 we met.", "Back in two thousand five we met."),
    ("The 1800s saw change.", "The eighteen hundreds saw change."),
    ("I have 2024 points left.", "I have two thousand twenty-four points left."),
    # percent
    ("It is 45% done.", "It is forty-five percent done."),
    ("Up 3.5% today.", "Up three point five percent today."),
    ("A 100% chance.", "A one hundred percent chance."),
    ("Down -2% now.", "Down minus two percent now."),
    ("Between 10-20% off.", "Between ten to twenty percent off."),
    ("Save 10%-20% now.", "Save ten to twenty percent now."),
    ("Battery at 5 %.", "Battery at five percent."),
    # money
    ("It costs $12.50.", "It costs twelve dollars and fifty cents."),
    ("Only $5.", "Only five dollars."),
    ("Just $1.", "Just one dollar."),
    ("It is $0.99 now.", "It is ninety-nine cents now."),
    ("Pay $1,000 now.", "Pay one thousand dollars now."),
    ("Raised $1.5M today.", "Raised one point five million dollars today."),
    ("A $5k budget.", "A five thousand dollar budget."),
    ("About $2 billion.", "About two billion dollars."),
    ("It is €1,000.", "It is one thousand euros."),
    ("Pay €9.99 now.", "Pay nine euros and ninety-nine cents now."),
    ("It is £5.20.", "It is five pounds and twenty pence."),
    ("Only £1.", "Only one pound."),
    ("It is ¥500.", "It is five hundred yen."),
    ("Pay 100 USD.", "Pay one hundred US dollars."),
    ("Pay USD 250.", "Pay two hundred fifty US dollars."),
    ("It is 50 EUR.", "It is fifty euros."),
    ("It costs 3.50 GBP.", "It costs three pounds and fifty pence."),
    ("A CHF 20 fee.", "A twenty Swiss franc fee."),
    ("It costs 5€.", "It costs five euros."),
    ("Only 50¢.", "Only fifty cents."),
    ("Lost -$20 today.", "Lost minus twenty dollars today."),
    ("Spend $10-$20.", "Spend ten to twenty dollars."),
    ("Spend $10-20 each.", "Spend ten to twenty dollars each."),
    ("It is US$40.", "It is forty US dollars."),
    ("It is ₹500.", "It is five hundred rupees."),
    ("Costs $3.5 million.", "Costs three point five million dollars."),
    # times
    ("Meet at 3:30 PM.", "Meet at three thirty PM."),
    ("Leave at 7:05 a.m. Then eat.", "Leave at seven oh five AM. Then eat."),
    ("It starts at 9 AM.", "It starts at nine AM."),
    ("Call at 5pm.", "Call at five PM."),
    ("Wake at 6:00 am.", "Wake at six AM."),
    ("By 11:45 p.m. it ends.", "By eleven forty-five PM it ends."),
    ("It is 14:30 now.", "It is fourteen thirty now."),
    ("It opens at 08:15.", "It opens at eight fifteen."),
    ("Closes at 17:00.", "Closes at seventeen hundred."),
    ("At 12:00 we eat.", "At twelve o'clock we eat."),
    ("At 0:00 it resets.", "At midnight it resets."),
    ("Lunch at 12:30 PM.", "Lunch at twelve thirty PM."),
    ("The timer is set for 00:05:00", "The timer is set for five minutes"),
    ("It ran for 01:30:00.", "It ran for one hour and thirty minutes."),
    ("Done in 1:02:03.", "Done in one hour two minutes and three seconds."),
    ("Logged at 18:20:15.", "Logged at eighteen twenty and fifteen seconds."),
    ("Back at 10:00 P.M.", "Back at ten PM."),
    # dates
    ("It ships Dec. 5th.", "It ships December fifth."),
    ("Due Dec 5.", "Due December fifth."),
    ("On December 25, 2024 we rest.", "On December twenty-fifth, twenty twenty-four we rest."),
    ("On Jan. 1st, 2025 it opens.", "On January first, twenty twenty-five it opens."),
    ("By Sept. 30 please.", "By September thirtieth please."),
    ("On 5 December 2024 it snowed.", "On December fifth, twenty twenty-four it snowed."),
    ("The 4th of July is fun.", "The fourth of July is fun."),
    ("On 2024-12-05 it shipped.", "On December fifth, twenty twenty-four it shipped."),
    ("On 12/05/2024 it shipped.", "On December fifth, twenty twenty-four it shipped."),
    ("On 25/12/2024 it shipped.", "On December twenty-fifth, twenty twenty-four it shipped."),
    ("Due 3/15/24.", "Due March fifteenth, twenty twenty-four."),
    ("In March 2024 it rained.", "In March twenty twenty-four it rained."),
    ("Since Dec 2023 we wait.", "Since December twenty twenty-three we wait."),
    ("On May 5th we met.", "On May fifth we met."),
    ("Due 01.02.2024 at noon.", "Due February first, twenty twenty-four at noon."),
    # units
    ("It is 72°F outside.", "It is seventy-two degrees Fahrenheit outside."),
    (
        "It is 21.5 °C in the living room",
        "It is twenty-one point five degrees Celsius in the living room",
    ),
    ("Set it to 350 °F.", "Set it to three hundred fifty degrees Fahrenheit."),
    ("A 1 km walk.", "A one kilometer walk."),
    ("Run 5 km.", "Run five kilometers."),
    ("Drive 60 mph.", "Drive sixty miles per hour."),
    ("Go 100 km/h.", "Go one hundred kilometers per hour."),
    ("Weighs 5 kg.", "Weighs five kilograms."),
    ("Weighs 2 lbs.", "Weighs two pounds."),
    ("Add 1 lb.", "Add one pound."),
    ("Add 1/4 tsp salt.", "Add one quarter of a teaspoon salt."),
    ("Add 2 tbsp oil.", "Add two tablespoons oil."),
    ("A 3.5GHz chip.", "A three point five gigahertz chip."),
    ("It has 16 GB.", "It has sixteen gigabytes."),
    ("Download 500 MB.", "Download five hundred megabytes."),
    ("A 2 TB disk.", "A two terabyte disk."),
    ("Use 3.5 kWh daily.", "Use three point five kilowatt hours daily."),
    ("A 100 W bulb.", "A one hundred watt bulb."),
    ("It is 6 ft tall.", "It is six feet tall."),
    ("Walk 3 mi.", "Walk three miles."),
    ("Drink 2 L daily.", "Drink two liters daily."),
    ("Add 250 ml water.", "Add two hundred fifty milliliters water."),
    ("It is 5 cm long.", "It is five centimeters long."),
    ("Wait 30 min.", "Wait thirty minutes."),
    ("Wait 5 s.", "Wait five seconds."),
    ("A 20 ms delay.", "A twenty millisecond delay."),
    ("It is 1.5 m long.", "It is one point five meters long."),
    ("Cooks in 2 hrs.", "Cooks in two hours."),
    ("Speed 1 Gbps.", "Speed one gigabit per second."),
    ("A 120 Hz screen.", "A one hundred twenty hertz screen."),
    ("Weighs 3-5 kg.", "Weighs three to five kilograms."),
    ("It is -3°C tonight.", "It is minus three degrees Celsius tonight."),
    ("A 4.7 V cell.", "A four point seven volt cell."),
    ("Eat 2000 kcal.", "Eat two thousand kilocalories."),
    ("It is 1013 hPa.", "It is one thousand thirteen hectopascals."),
    ("At 60 fps.", "At sixty frames per second."),
    ("A 5000 mAh battery.", "A five thousand milliamp hour battery."),
    ("It is 45 dB.", "It is forty-five decibels."),
    # phones
    ("Call (555) 123-4567.", "Call five five five, one two three, four five six seven."),
    ("Call 555-123-4567 now.", "Call five five five, one two three, four five six seven now."),
    ("Dial 555-1234.", "Dial five five five, one two three four."),
    ("Call +1 555 123 4567.", "Call plus one, five five five, one two three, four five six seven."),
    (
        "Ring +44 20 7946 0958.",
        "Ring plus forty-four, two zero, seven nine four six, zero nine five eight.",
    ),
    ("Call 1-800-555-0199.", "Call one, eight zero zero, five five five, zero one nine nine."),
    # versions
    ("Update to 2.1.3 now.", "Update to two point one point three now."),
    ("Use v1.2 today.", "Use version one point two today."),
    ("Try v3.10.1 soon.", "Try version three point ten point one soon."),
    (
        "Ping 192.168.1.10 now.",
        "Ping one hundred ninety-two dot one hundred sixty-eight dot one dot ten now.",
    ),
    (
        "Open 10.0.0.1:8080 please.",
        "Open ten dot zero dot zero dot one port eight thousand eighty please.",
    ),
    # abbreviations
    ("Dr. Smith is in.", "Doctor Smith is in."),
    ("Go to Elm Dr. now.", "Go to Elm Drive now."),
    ("Ask Dr. Lee at 12 Elm Dr. Then wait.", "Ask Doctor Lee at twelve Elm Drive. Then wait."),
    ("Visit St. Louis.", "Visit Saint Louis."),
    ("Go to Elm Dr., St. Louis.", "Go to Elm Drive, Saint Louis."),
    ("Go to 221 Baker St.", "Go to two hundred twenty-one Baker Street."),
    ("Mr. Jones and Mrs. Jones.", "Mister Jones and Missus Jones."),
    ("Ms. Lee is here.", "Miz Lee is here."),
    ("Prof. Xavier teaches.", "Professor Xavier teaches."),
    ("Fruit, e.g. apples.", "Fruit, for example apples."),
    ("One, i.e. this one.", "One, that is this one."),
    ("Pens, paper, etc. and ink.", "Pens, paper, et cetera and ink."),
    ("Pens, paper, etc.", "Pens, paper, et cetera."),
    ("Ali vs. Frazier.", "Ali versus Frazier."),
    ("Cats vs dogs.", "Cats versus dogs."),
    ("See No. 5 please.", "See number five please."),
    ("Call approx. 10 people.", "Call approximately ten people."),
    ("Martin Luther King Jr. spoke.", "Martin Luther King Junior spoke."),
    ("Climb Mt. Everest.", "Climb Mount Everest."),
    ("Tea w/ milk.", "Tea with milk."),
    ("Coffee w/o sugar.", "Coffee without sugar."),
    ("Yes and/or no.", "Yes and or no."),
    # symbols
    ("R&D is key.", "R and D is key."),
    ("Tom & Jerry.", "Tom and Jerry."),
    ("Ping @john now.", "Ping at john now."),
    ("I love C++.", "I love C plus plus."),
    ("2 + 2 = 4.", "two plus two equals four."),
    ("Item #1 is here.", "Item number one is here."),
    ("Use #general please.", "Use hashtag general please."),
    ("Play C# now.", "Play C sharp now."),
    ("Wait ~5 minutes.", "Wait about five minutes."),
    ("It is ≈ 3 hours.", "It is about three hours."),
    ("A 1920x1080 screen.", "A one thousand nine hundred twenty by ten eighty screen."),
    ("5 × 3 is 15.", "five times three is fifteen."),
    ("It is 10 ± 2.", "It is ten plus or minus two."),
    ("If x < 5 stop.", "If x less than five stop."),
    ("If y > 3 go.", "If y greater than three go."),
    ("Go A -> B.", "Go A to B."),
    ("Yes/no answers.", "Yes or no answers."),
    ("It is 90° now.", "It is ninety degrees now."),
    ("x ≥ 3 holds.", "x greater than or equal to three holds."),
    ("Rated 5 * 3.", "Rated five times three."),
    ("So 5 - 3 = 2.", "So five minus three equals two."),
    # emails urls
    ("Mail john.doe@example.com please.", "Mail john dot doe at example dot com please."),
    ("Write to support@my-site.io today.", "Write to support at my dash site dot I O today."),
    ("Visit example.com today.", "Visit example dot com today."),
    ("Go to docs.python.org now.", "Go to docs dot python dot org now."),
    ("See github.com for code.", "See github dot com for code."),
    ("Try openai.com.", "Try openai dot com."),
    (
        "Email first_last+tag@mail.example.co.uk now.",
        "Email first underscore last plus tag at mail dot example dot co dot UK now.",
    ),
    ("Open home-assistant.io now.", "Open home dash assistant dot I O now."),
    # home assistant
    ("The kitchen temperature is 21 °C.", "The kitchen temperature is twenty-one degrees Celsius."),
    ("Humidity is 45 %.", "Humidity is forty-five percent."),
    ("The living room is at 68 °F.", "The living room is at sixty-eight degrees Fahrenheit."),
    ("The alarm is set for 06:30.", "The alarm is set for six thirty."),
    ("The timer is set for 00:10:00", "The timer is set for ten minutes"),
    ("Power usage is 1.2 kW.", "Power usage is one point two kilowatts."),
    ("Energy today: 12.5 kWh.", "Energy today: twelve point five kilowatt hours."),
    ("The battery is at 100%.", "The battery is at one hundred percent."),
    ("Wind speed is 15 km/h.", "Wind speed is fifteen kilometers per hour."),
    ("Rain: 2.5 mm.", "Rain: two point five millimeters."),
    ("The door opened at 7:42 PM.", "The door opened at seven forty-two PM."),
    ("Pressure is 1013 hPa.", "Pressure is one thousand thirteen hectopascals."),
    ("The washer has 0:45:00 left.", "The washer has forty-five minutes left."),
    # unchanged
]

#: Plain words, names and code-like tokens: nothing to verbalize.
UNCHANGED = [
    "Hello there, how are you?",
    "The quick brown fox jumps.",
    "Barack Obama visited Paris.",
    "Call me Ishmael.",
    "Use snake_case names.",
    "Run x86_64 builds.",
    "The MP3 file plays.",
    "COVID-19 is over.",
    "GPT-4 answered.",
    "Use the camelCase style.",
    "Open README.md now.",
    "Edit config.yaml please.",
    "It is I.",
    "St Ives is nice.",
    "The Dr Who show.",
    "A B C D.",
    "Go, go, go!",
    "He said: no.",
    "Well — maybe.",
    "Is it 4K?",
    "Use http2 or h264.",
    "Read file.txt now.",
    "Rock and roll",
    "Café déjà vu.",
    "So... what?",
    "Check Mr Bean.",
]

#: en-gb: day-first dates, "and" in numbers, British spellings.
BRITISH_CASES = [
    ("On 12/05/2024 it shipped.", "On the twelfth of May, twenty twenty-four it shipped."),
    ("It ships Dec. 5th.", "It ships the fifth of December."),
    ("We sold 1,250 copies.", "We sold one thousand two hundred and fifty copies."),
    ("Run 5 km.", "Run five kilometres."),
    ("Drink 2 L daily.", "Drink two litres daily."),
    ("Back in 2005 we met.", "Back in two thousand and five we met."),
    ("It costs £5.20.", "It costs five pounds and twenty pence."),
    ("Meet at 3:30 PM.", "Meet at three thirty PM."),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_english_us(written: str, spoken: str) -> None:
    assert verbalize(written, "en-us") == spoken


@pytest.mark.parametrize(("written", "spoken"), BRITISH_CASES)
def test_english_gb(written: str, spoken: str) -> None:
    assert verbalize(written, "en-gb") == spoken


@pytest.mark.parametrize("text", UNCHANGED)
@pytest.mark.parametrize("language", ["en-us", "en-gb"])
def test_text_with_nothing_to_verbalize_is_unchanged(text: str, language: str) -> None:
    assert verbalize(text, language) == text


@pytest.mark.parametrize("language", ["xx", "de"])
def test_languages_without_rules_pass_through(language: str) -> None:
    text = "Il coûte 12,50 € le 5 déc. à 15:30."
    assert verbalize(text, language) == text


REPLY = (
    "Okay, it costs $12.50 at 3:30 PM on Dec. 5th, 2024, and 72°F is fine for 1/4 tsp. "
    "Wake at 7:05 a.m. then walk to 221 Baker St. in London, e.g. by bus, or Dr. Smith's "
    "office on Elm Dr. near St. Louis, about 3.5 km away. Call (555) 123-4567 or mail "
    "help@example.com, 45% off until 2024-12-05."
)


@pytest.mark.parametrize("language", ["en-us", "en-gb"])
def test_segments_verbalize_as_the_whole_text_does(language: str) -> None:
    """Wherever the segmenter cuts a reply, the segments say what the whole reply says."""
    words = REPLY.split()
    for start in range(len(words)):
        text = " ".join(words[start:])
        segmenter = Segmenter()
        segments = [s.text for s in segmenter.push(text) + segmenter.finish()]
        pieces = " ".join(verbalize(segment, language) for segment in segments)
        assert pieces == verbalize(" ".join(segments), language), (text, segments)


async def test_engine_speaks_verbalized_text(engine: Engine) -> None:
    """Through the real model and Whisper: a price and a date are heard as words."""
    from asr import transcribe

    params = engine.speech_params(voice="af_heart", language="en-us")
    pcm = await synthesize_text(engine, "Your total is $12.50, and it arrives on Dec. 5th.", params)
    heard = transcribe(pcm).lower()
    assert any(form in heard for form in ("$12.50", "twelve dollars", "12 dollars")), heard
    assert "december" in heard, heard
