"""The segmenter: where the growing text is cut, and that piece boundaries never matter."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable

import pytest

from wyoming_kokoro.text import Segment, Segmenter, SegmenterConfig, clean_for_speech

REFERENCE = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)

#: Exact cuts, without merging of short sentences.
SENTENCES = SegmenterConfig(min_chars=0)
#: Two segments that use up the short first segment and the ramp.
OPENING = "Hi. It is done. "


def run(pieces: Iterable[str], config: SegmenterConfig | None = None) -> list[Segment]:
    segmenter = Segmenter(config)
    out: list[Segment] = []
    for piece in pieces:
        out += segmenter.push(piece)
    return out + segmenter.finish()


def texts(text: str, config: SegmenterConfig | None = None) -> list[str]:
    return [segment.text for segment in run([text], config)]


def later(text: str, config: SegmenterConfig = SENTENCES) -> list[str]:
    """The segments after the first two (OPENING), where the sentence rules apply."""
    first, second, *rest = texts(OPENING + text, config)
    assert (first, second) == ("Hi.", "It is done.")
    return rest


# --- the reference reply -------------------------------------------------------------------


def test_reference_reply() -> None:
    segments = run([REFERENCE])
    assert [(s.text, s.ends_sentence, s.index) for s in segments] == [
        ("Okay,", False, 0),
        ("I turned on the kitchen lights", False, 1),  # the ramp: about 2 s of audio
        ("and set the thermostat to twenty one degrees.", True, 2),
        ("The front door is locked, and the garage is closed.", True, 3),
        ("Tomorrow it will rain in the afternoon, so take an umbrella.", True, 4),
    ]


def test_reference_reply_streamed_word_by_word_emits_each_segment_when_certain() -> None:
    segmenter = Segmenter()
    emitted: list[tuple[str, str]] = []  # (text pushed so far, segment)
    sent = ""
    for word in re.findall(r"\S+\s*", REFERENCE):
        sent += word
        emitted += [(sent, s.text) for s in segmenter.push(word)]
    emitted += [(sent, s.text) for s in segmenter.finish()]
    # "Okay," leaves as soon as the space after the comma arrives, the ramp as soon as the space
    # after its last word does, a sentence as soon as the first word of the next one shows that
    # its full stop really ends it.
    assert [(pushed.split()[-1], text) for pushed, text in emitted] == [
        ("Okay,", "Okay,"),
        ("lights", "I turned on the kitchen lights"),
        ("The", "and set the thermostat to twenty one degrees."),
        ("Tomorrow", "The front door is locked, and the garage is closed."),
        ("umbrella.", "Tomorrow it will rain in the afternoon, so take an umbrella."),
    ]


def test_waits_while_the_end_is_ambiguous() -> None:
    segmenter = Segmenter(SENTENCES)
    assert [s.text for s in segmenter.push("Hi. ")] == []  # "Hi. " + "there" is no sentence end
    assert [s.text for s in segmenter.push("It is done. Ask Dr.")] == ["Hi.", "It is done."]
    assert segmenter.push(" ") == []
    assert segmenter.push("Smith about it.") == []  # "it." + "com" would be a host name
    assert [s.text for s in segmenter.finish()] == ["Ask Dr. Smith about it."]


def test_finish_resets_for_a_new_text() -> None:
    segmenter = Segmenter()
    assert [s.text for s in segmenter.push("Yes, indeed. ")] == ["Yes,"]
    assert [(s.text, s.index) for s in segmenter.finish()] == [("indeed.", 1)]
    assert [(s.text, s.index) for s in segmenter.push("Sure, ") + segmenter.finish()] == [
        ("Sure,", 0)
    ]


def test_empty_and_unspeakable_input() -> None:
    assert run([]) == []
    assert run(["", "   ", "\n\n"]) == []
    assert texts("🎉 🎉\n\n---\n\n**") == []
    # A segment that cleans to nothing is dropped without using up the short first segment.
    assert texts("🎉🎉\n\nOkay, it works.") == ["Okay,", "it works."]


# --- the first segment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Okay, I turned on the lights.", "Okay,"),
        ("Sure. Here is the plan for today.", "Sure."),
        ("Right; the lights are on now.", "Right;"),
        ("Note: the lights are on now.", "Note:"),
        ("Well — the lights are on now.", "Well —"),
        ("Sure—the lights are on now.", "Sure—"),
        ("Sure - the lights are on now.", "Sure -"),
        (
            "I turned on the kitchen lights and set the thermostat.",
            "I turned on the kitchen lights",
        ),
        ("Tomorrow I will go to the store and buy milk.", "Tomorrow I will go to the store"),
        ("It costs 1,000 dollars, more or less.", "It costs 1,000 dollars,"),
        ("At 10:30 we left, quickly.", "At 10:30 we left,"),
        ("Version 3.5 is out, finally.", "Version 3.5 is out,"),
        ("Dr. Smith is in, today.", "Dr. Smith is in,"),
        ("A well-known fact, surely.", "A well-known fact,"),
        ('He said "yes," and left.', 'He said "yes,"'),
        ("こんにちは、今日はいい天気ですね。", "こんにちは、"),
        ("Bonjour, je m'appelle Marie.", "Bonjour,"),
    ],
)
def test_first_segment(text: str, first: str) -> None:
    segments = texts(text)
    assert segments[0] == first
    assert " ".join(segments) == text or "".join(segments) == text


def test_first_segment_flags() -> None:
    clause, rest = run(["Okay, the lights are on."])
    assert (clause.ends_sentence, rest.ends_sentence) == (False, True)
    words, rest = run(["I turned on the kitchen lights and the heating."])
    assert (words.ends_sentence, rest.ends_sentence) == (False, True)
    (sentence, rest) = run(["Sure. Here is the plan."])
    assert (sentence.ends_sentence, rest.ends_sentence) == (True, True)


def test_first_segment_word_limits_are_configurable() -> None:
    config = SegmenterConfig(first_min_words=2, first_max_words=3, grace_words=0)
    assert texts("Okay, I turned on the lights, then left.", config) == [
        "Okay, I turned",
        "on the lights,",
        "then left.",
    ]
    assert texts("So, well, the lights are on.", config)[0] == "So, well,"
    assert texts("Yes. The lights are on.", config)[0] == "Yes."  # a sentence may be shorter


# --- the second segment: the ramp ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Cut after second_max_words words, later while the last word is a function word.
        (
            "Okay, I turned on the kitchen lights and set the thermostat.",
            ["Okay,", "I turned on the kitchen lights", "and set the thermostat."],
        ),
        (
            "Okay, tomorrow I will go to the store and buy milk.",
            ["Okay,", "tomorrow I will go to the store", "and buy milk."],
        ),
        (
            "Okay, I will set it to the the the the the value now.",
            ["Okay,", "I will set it to the the the the", "the value now."],  # grace is bounded
        ),
        # At the first clause mark or sentence end that has second_min_words words.
        (
            "Okay, the lights are on, the door is locked, and the garage is closed.",
            ["Okay,", "the lights are on,", "the door is locked, and the garage is closed."],
        ),
        ("Yes, of course, I will do that now.", ["Yes,", "of course,", "I will do that now."]),
        (
            "Sure! The lights are on. Anything else?",
            ["Sure!", "The lights are on.", "Anything else?"],
        ),
        # Never a single word, not even a sentence: it would queue hardly any audio.
        (
            "Okay, so, I turned on the kitchen lights.",
            ["Okay,", "so, I turned on the kitchen", "lights."],
        ),
        (
            "Sure. Yes. No. Maybe. That is a longer sentence, really. Ok.",
            ["Sure.", "Yes. No.", "Maybe. That is a longer sentence, really.", "Ok."],
        ),
        ("Okay, done.", ["Okay,", "done."]),  # the end of the text always ends it
        # No ramp after a first segment that already holds second_max_words words.
        (
            "I turned on the kitchen lights and set the thermostat to twenty one degrees.",
            ["I turned on the kitchen lights", "and set the thermostat to twenty one degrees."],
        ),
        (
            "Here is what I did for you today: the lights are on, and the door is locked.",
            ["Here is what I did for you today:", "the lights are on, and the door is locked."],
        ),
        # A first segment that cleans to nothing does not count: the ramp follows the first
        # spoken one.
        (
            "🎉\n\nOkay, the lights are on, the door is locked.",
            ["Okay,", "the lights are on,", "the door is locked."],
        ),
    ],
)
def test_second_segment_ramp(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_second_segment_flags() -> None:
    segments = run(["Okay, I turned on the kitchen lights and set the thermostat. Yes, it is."])
    assert [(s.ends_sentence, s.index) for s in segments] == [(False, 0), (False, 1), (True, 2)]
    segments = run(["Okay, the lights are on, the door is locked."])
    assert [s.ends_sentence for s in segments] == [False, False, True]
    segments = run(["Sure. The lights are on. The door is locked and the garage is closed."])
    assert [s.ends_sentence for s in segments] == [True, True, True]


def test_second_segment_word_limits_are_configurable() -> None:
    config = SegmenterConfig(second_min_words=3, second_max_words=4, grace_words=1)
    text = "Okay, of course, I turned on the lights, then left the house."
    assert texts(text, config) == [
        "Okay,",
        "of course, I turned",  # "of course," is too short for a clause cut
        "on the lights, then left the house.",
    ]
    config = SegmenterConfig(second_max_words=2, grace_words=1)
    assert texts("Okay, I turned on the lights and left.", config)[1] == "I turned"
    assert texts("Okay, I will turn the lights on.", config)[1] == "I will turn"  # grace
    # A first segment of second_max_words words is enough: the second is a sentence.
    assert texts("Okay then, I turned on the lights and left.", config) == [
        "Okay then,",
        "I turned on the lights and left.",
    ]


def test_only_the_first_two_segments_are_cut_at_clauses_and_words() -> None:
    text = "Okay, the lights are on, the door is locked, and the garage is closed. " * 2
    assert texts(text)[2:] == [
        "the door is locked, and the garage is closed.",
        "Okay, the lights are on, the door is locked, and the garage is closed.",
    ]
    assert later("I turned on the kitchen lights and set the thermostat to twenty one.") == [
        "I turned on the kitchen lights and set the thermostat to twenty one."
    ]


# --- sentence ends -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ask Dr. Smith. He knows.", ["Ask Dr. Smith.", "He knows."]),
        ("Mr. and Mrs. Smith met Ms. Jones. Done.", ["Mr. and Mrs. Smith met Ms. Jones.", "Done."]),
        ("Go to St. Louis. Now.", ["Go to St. Louis.", "Now."]),
        ("It was Ali vs. Frazier. Great.", ["It was Ali vs. Frazier.", "Great."]),
        ("Use fruit, e.g. Apples. Good.", ["Use fruit, e.g. Apples.", "Good."]),
        ("One thing, i.e. This one. Good.", ["One thing, i.e. This one.", "Good."]),
        ("Pens, paper, etc. and ink. Good.", ["Pens, paper, etc. and ink.", "Good."]),
        ("Pens, paper, etc. Then ink.", ["Pens, paper, etc.", "Then ink."]),
        ("He lives in the U.S. Army base. Yes.", ["He lives in the U.S. Army base.", "Yes."]),
        ("J. R. R. Tolkien wrote it. Yes.", ["J. R. R. Tolkien wrote it.", "Yes."]),
        ("So did I. Then we left.", ["So did I.", "Then we left."]),
        ("See No. 5 there. Yes.", ["See No. 5 there.", "Yes."]),
        ("Pi is 3.14 roughly. Yes.", ["Pi is 3.14 roughly.", "Yes."]),
        ("It is 10:30 now. Yes.", ["It is 10:30 now.", "Yes."]),
        ("It costs 1,000.50 today. Yes.", ["It costs 1,000.50 today.", "Yes."]),
        ("It was 2020. Then came 2021.", ["It was 2020.", "Then came 2021."]),
        ("Wait... what? Yes.", ["Wait... what?", "Yes."]),
        ("Wait... Then go.", ["Wait...", "Then go."]),
        ("Wait… Then go.", ["Wait…", "Then go."]),
        ("Wait... 3 more.", ["Wait... 3 more."]),
        ("Really?! Yes!!! No?", ["Really?!", "Yes!!!", "No?"]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("He said “stop.” Then he left.", ["He said “stop.”", "Then he left."]),
        ("(It was late.) Then he left.", ["(It was late.)", "Then he left."]),
        ("It is **done.** Then go.", ["It is done.", "Then go."]),
        ("Visit example.com. Then go.", ["Visit example.com.", "Then go."]),
        ("See https://example.com/a.b?c=1. Then go.", ["See example.com.", "Then go."]),
        ("Mail john.doe@example.org. Then go.", ["Mail john.doe@example.org.", "Then go."]),
        ("Read file.txt now. Yes.", ["Read file.txt now.", "Yes."]),
        ("He said no. and left. Yes.", ["He said no. and left.", "Yes."]),
        ("Stop. 5 people came.", ["Stop.", "5 people came."]),
        ("It ships Dec. 5th. Yes.", ["It ships Dec. 5th.", "Yes."]),
        ("Since Sept. 2024 it works. Yes.", ["Since Sept. 2024 it works.", "Yes."]),
        ("Bonjour ! Comment ça va ? Bien.", ["Bonjour !", "Comment ça va ?", "Bien."]),
        ("M. Dupont est là. Oui.", ["M. Dupont est là.", "Oui."]),
        (
            "今日は晴れです。明日は雨です！本当？はい。",
            ["今日は晴れです。", "明日は雨です！", "本当？", "はい。"],
        ),
        ("「行こう。」と言った。", ["「行こう。」", "と言った。"]),
        ("नमस्ते। आप कैसे हैं? ठीक है।", ["नमस्ते।", "आप कैसे हैं?", "ठीक है।"]),
    ],
)
def test_sentence_ends(text: str, expected: list[str]) -> None:
    assert later(text) == expected


def test_sentence_segments_end_sentences() -> None:
    segments = run(["Hi. One. Two!"], SENTENCES)
    assert all(segment.ends_sentence for segment in segments)


def test_short_sentences_are_merged_after_the_second_segment() -> None:
    text = "Yes. No. Maybe. That is a longer sentence, really. Ok."
    assert later(text, SegmenterConfig()) == [
        "Yes. No. Maybe. That is a longer sentence, really.",
        "Ok.",
    ]
    assert later(text) == ["Yes.", "No.", "Maybe.", "That is a longer sentence, really.", "Ok."]


# --- lines, paragraphs, markdown blocks ----------------------------------------------------


def test_paragraphs_lists_and_headings_are_boundaries() -> None:
    text = (
        "## Weather today\n\n"
        "It will rain\nin the afternoon.\n"
        "Take an umbrella\n\n"
        "Steps:\n- close the windows\n* lock the door\n1. Open the garage.\n2. Done\n"
        "> A quote here\n"
        "| Room | State |\n|---|:---:|\n| Kitchen | on |\n\n"
        "---\n\nBye"
    )
    segments = run([text], SENTENCES)
    assert [(s.text, s.ends_sentence) for s in segments] == [
        ("Weather today", True),
        ("It will rain in the afternoon.", True),
        ("Take an umbrella", True),
        ("Steps:", True),
        ("close the windows", True),
        ("lock the door", True),
        ("Open the garage.", True),
        ("Done", True),
        ("A quote here", True),
        ("Room State", True),
        ("Kitchen on", True),
        ("Bye", True),
    ]


def test_a_line_break_is_a_cut_even_after_an_abbreviation() -> None:
    assert later("Ask the Dr.\n\nThe end.") == ["Ask the Dr.", "The end."]
    assert later("Use e.g.\nspoons here.") == ["Use e.g. spoons here."]


# --- code fences ---------------------------------------------------------------------------


def test_code_fences_are_not_read() -> None:
    text = (
        "Here is the code:\n"
        "```python\n"
        "print('Hello. World')  # not read\n"
        "```\n"
        "Run it. Then check.\n"
        "~~~\nmore code\n~~~\n"
        "````markdown\n```\ninner\n```\n````\n"
        "That was all."
    )
    assert texts(text, SENTENCES) == [
        "Here is the code:",
        "Run it.",
        "Then check.",
        "That was all.",
    ]


def test_fence_at_the_start_and_unclosed_fence() -> None:
    assert texts("```\ncode\n```\nOkay, done.") == ["Okay,", "done."]
    assert texts("Okay, look:\n```js\nlet x = 1;\nconsole.log(x)") == ["Okay,", "look:"]


def test_fence_split_across_pieces() -> None:
    pieces = ["Code:\n", "`", "`", "`p", "y\npri", "nt('x. Y')\n`", "``", "\nDone", "."]
    assert [s.text for s in run(pieces)] == ["Code:", "Done."]


def test_backticks_that_are_not_a_fence() -> None:
    assert texts("``x`` and `y` are names.\n``\nok") == ["x and y are names.", "ok"]


# --- long sentences ------------------------------------------------------------------------


def test_long_sentence_is_split_at_clauses_then_words() -> None:
    clause = "the kitchen lights are on and the thermostat is set to twenty one degrees"
    text = OPENING + ", ".join([clause] * 8) + "."
    config = SegmenterConfig(max_chars=200)
    segments = run([text], config)
    assert all(len(s.text) <= 200 for s in segments)
    assert all(s.text.endswith(",") for s in segments[2:-1])  # cut after a clause mark
    assert not any(s.ends_sentence for s in segments[2:-1])
    assert words_of(segments) == re.findall(r"\w+", text)

    no_clauses = OPENING + " ".join([clause] * 8) + "."
    segments = run([no_clauses], config)
    assert all(len(s.text) <= 200 for s in segments)
    assert words_of(segments) == re.findall(r"\w+", no_clauses)


def test_long_run_without_spaces_is_cut_at_max_chars() -> None:
    text = "あ" * 250 + "。"
    config = SegmenterConfig(max_chars=100)
    assert [len(s) for s in texts(text, config)] == [100, 100, 51]


def test_prefers_a_merged_sentence_end_when_too_long() -> None:
    config = SegmenterConfig(max_chars=60, min_chars=20)
    text = OPENING + "Yes. The " + "word " * 20
    assert texts(text, config)[:3] == ["Hi.", "It is done.", "Yes."]


def test_no_word_is_lost_and_no_segment_is_too_long() -> None:
    rng = random.Random(7)
    vocabulary = ["lights", "door", "Dr.", "3.5", "e.g.", "and", "rain", "umbrella", "…", "!"]
    marks = ["", "", "", ",", ".", ";", ":", "?", " —", "\n", "\n\n", "..."]
    for max_chars in (20, 50, 300):
        config = SegmenterConfig(max_chars=max_chars, min_chars=10)
        for _ in range(40):
            text = " ".join(
                rng.choice(vocabulary) + rng.choice(marks) for _ in range(rng.randint(1, 120))
            )
            segments = run([text], config)
            assert all(0 < len(s.text) <= max_chars for s in segments)
            assert [s.index for s in segments] == list(range(len(segments)))
            assert alnum(" ".join(s.text for s in segments)) == alnum(clean_for_speech(text))


#: Forms the verbalizer reads as a whole: no segment boundary may fall inside them. ("221 Baker
#: St." may be cut before "St.", which reads "Street" either way: see test_text_verbalize.py.)
WHOLE_FORMS = [
    "$12.50", "3:30 PM", "Dec. 5th", "7:05 a.m.", "221 Baker", "e.g.", "72 °F", "21.5 °C",
    "1/4 tsp", "3.5 GHz", "€1,000", "Dec. 5", "00:05:00", "1 1/2 cups", "$1.5 million",
]  # fmt: skip


@pytest.mark.parametrize("form", WHOLE_FORMS)
def test_forms_read_as_a_whole_are_never_cut(form: str) -> None:
    """At every position in the short first and second segments, where word cuts happen."""
    words = ["the", "lights", "in", "the", "kitchen", "are", "on", "and", "so", "is", "the"]
    for before in range(len(words) + 1):
        for opening in ("", "Okay, "):
            text = f"{opening}{' '.join(words[:before])} {form} is what I said.".strip()
            segments = texts(text)
            assert any(form in segment for segment in segments), (text, segments)


# --- piece boundaries never matter ---------------------------------------------------------

SPLIT_TEXTS = [
    REFERENCE,
    "Okay, so, the kitchen lights are on and the thermostat is set to the usual. Yes. No. It is "
    "warm — sure; fine: ok, and the door is locked, and the garage is closed.",
    "Sure! Of course. I turned the lights on. Hmm … Yes? Ok.\n\n- the door\n- the garage",
    'Dr. Smith said "stop." Then J. R. R. Tolkien left at 10:30... Really? Yes! It costs '
    "1,000.50 dollars, e.g. for U.S. taxes, etc. and more. Visit https://example.com/a.b.",
    "# Title\n\n- one item\n- two items\n1. First, this.\n\nSee `code.here` and **bold. Text**."
    "\n```py\nprint('x. Y')\n```\nDone — really… Okay.",
    "こんにちは、今日はいい天気ですね。明日は「雨」です！Bonjour ! Ça va ? Très bien, merci.",
    "It costs $12.50 at 3:30 PM on Dec. 5th, 2024. Set 72 °F, 45%, 1/4 tsp. Wake at 7:05 a.m. "
    "Then go to 221 Baker St. in London, e.g. by bus.",
]
FUZZ_PIECES = [
    "Dr.", " ", "Smith", ". ", "Hello", ",", " world", "!", "?", "...", "…", "\n", "\n\n",
    "- ", "* ", "1. ", "# ", "```", "py", "~~~", "`", "e.g.", " etc.", "U.S.", "3.5", "10:30",
    "1,000", '"', "'", ")", "(", "**", "_", "The", "the", "and", " — ", "—", " - ", "x@y.com",
    "https://example.com/a.b?c=1", "🎉", "こんにちは", "、", "。", "！", "Très", "I", "J.",
    ":", ";", "  ", "\t", "|", "> ", "[link](http://a.b/c)", "snake_case", "x" * 30, "\u0301",
]  # fmt: skip
CONFIGS = [
    SegmenterConfig(),
    SegmenterConfig(max_chars=20, min_chars=0, first_max_words=1),
    SegmenterConfig(max_chars=40, min_chars=19, first_min_words=2, first_max_words=3),
    SegmenterConfig(max_chars=30, first_max_words=2, second_min_words=3, second_max_words=4),
]


def key(segments: list[Segment]) -> list[tuple[str, bool, int]]:
    return [(s.text, s.ends_sentence, s.index) for s in segments]


@pytest.mark.parametrize("text", SPLIT_TEXTS)
@pytest.mark.parametrize("config", CONFIGS)
def test_every_split_in_two_gives_the_same_segments(text: str, config: SegmenterConfig) -> None:
    whole = key(run([text], config))
    assert whole
    for cut in range(1, len(text)):
        assert key(run([text[:cut], text[cut:]], config)) == whole, cut


@pytest.mark.parametrize("text", SPLIT_TEXTS)
@pytest.mark.parametrize("config", CONFIGS)
def test_char_by_char_and_token_splits_give_the_same_segments(
    text: str, config: SegmenterConfig
) -> None:
    whole = key(run([text], config))
    assert key(run(list(text), config)) == whole
    rng = random.Random(text)
    for _ in range(30):
        assert key(run(random_pieces(text, rng), config)) == whole


def test_random_texts_split_anywhere_give_the_same_segments() -> None:
    rng = random.Random(2024)
    for trial in range(600):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 50)))
        config = CONFIGS[trial % len(CONFIGS)]
        whole = key(run([text], config))
        assert key(run(random_pieces(text, rng), config)) == whole, text
        assert key(run(list(text), config)) == whole, text
        assert all(0 < len(text) <= config.max_chars for text, _, _ in whole)


# --- cost ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ((SPLIT_TEXTS[1] + " ") * 200)[:30_000],
        SPLIT_TEXTS[2] * 100,
        OPENING + "Hi.\n" + " " * 20_000 + "Yes.",  # a decision waiting on a run of spaces
        OPENING + "Hi" + "!" * 20_000 + " Yes.",
        OPENING + "word " * 6_000,
        "あ" * 20_000,
        "```\n" + "``\n" * 10_000,
    ],
    ids=["sentences", "markdown", "spaces", "marks", "one-long-sentence", "no-spaces", "fence"],
)
def test_char_by_char_push_is_linear(text: str) -> None:
    started = time.perf_counter()
    segments = run(list(text))
    elapsed = time.perf_counter() - started
    assert key(segments) == key(run([text]))
    # Linear work takes tens of milliseconds; rescanning the history (or a waiting decision's
    # whole look-ahead) on every character would be hundreds of millions of steps.
    assert elapsed < 5.0


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_min_words": 0}, "first_min_words"),
        ({"first_min_words": 4, "first_max_words": 3}, "first_max_words"),
        ({"grace_words": -1}, "grace_words"),
        ({"second_min_words": 0}, "second_min_words"),
        ({"second_min_words": 4, "second_max_words": 3}, "second_max_words"),
        ({"max_chars": 10}, "max_chars"),
        ({"min_chars": 300}, "min_chars"),
    ],
)
def test_invalid_config(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SegmenterConfig(**kwargs)


# --- helpers -------------------------------------------------------------------------------


def random_pieces(text: str, rng: random.Random) -> list[str]:
    """Split like an LLM stream: pieces of 1 to 12 characters."""
    pieces = []
    start = 0
    while start < len(text):
        size = rng.randint(1, 12)
        pieces.append(text[start : start + size])
        start += size
    return pieces


def words_of(segments: list[Segment]) -> list[str]:
    return re.findall(r"\w+", " ".join(s.text for s in segments))


def alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())
