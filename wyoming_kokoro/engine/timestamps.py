"""Word timestamps from the model's own per-token durations.

The model says how many frames each phoneme token lasts; what a listener wants is when each
*written* word is spoken. Three alignments lead there, each a pure function:

1. written words (the cleaned segment) to spoken words (after verbalization): a word-level diff,
   so ``$12.50`` becomes one unit spoken as "twelve dollars and fifty cents";
2. spoken words to the phoneme words the phonemizer produced for the whole segment: one to one
   when the counts agree, else by aligning each word phonemized alone with the segment's
   phonemes (espeak joins some words, "of the" -> "ʌvðə"): words sharing a phoneme word share
   one coarser span, and an alignment too weak to trust gives one span for the whole segment;
3. phoneme characters to frames: one token per character, the pad token first.

Punctuation and cleaned-away markdown are not words. Languages whose phonemizer gives no word
boundaries get no timings at all (:data:`WORDLESS_LANGUAGES`): nothing is invented.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .vocoder_split import SAMPLES_PER_FRAME

#: Languages written without spaces (their phonemizers give no word boundaries either).
WORDLESS_LANGUAGES: dict[str, str] = {
    "ja": "Japanese is written without spaces and its phonemizer gives no word boundaries",
    "cmn": "Chinese is written without spaces and its phonemizer gives no word boundaries",
}

#: Below this share of matched phoneme characters, an alignment is not trusted.
MIN_MATCH = 0.6

#: Phoneme characters that carry no sound of their own (stress, length, liaison marks).
_MARKS = frozenset("ˈˌːˑ‿-")

PhonemizeWords = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class WordTiming:
    """A written word (or a few, when they cannot be told apart) and when it is spoken.

    ``start`` and ``end`` are seconds from the start of the audio they belong to.
    """

    word: str
    start: float
    end: float

    def shifted(self, seconds: float) -> WordTiming:
        """The same word on a timeline starting ``seconds`` earlier."""
        return WordTiming(self.word, round(self.start + seconds, 4), round(self.end + seconds, 4))


@dataclass(frozen=True)
class TimedBatch:
    """One inference of a segment: its phonemes, durations and where its audio went.

    ``offset`` and ``length`` are in samples of the segment's PCM; ``start_sample`` is where the
    kept audio starts on the model's timeline.
    """

    phonemes: str
    durations: NDArray[np.int64]
    start_sample: int
    offset: int
    length: int


@dataclass(frozen=True)
class _PhonemeWord:
    batch: int
    first: int  # index of the first sounding character in the batch's phonemes
    last: int  # one past the last sounding character


def words_of(text: str) -> list[str]:
    """The words of ``text``: whitespace-separated, edge punctuation stripped, sounds only."""
    words = []
    for token in text.split():
        word = _strip_punctuation(token)
        if any(unicodedata.category(char)[0] in "LN" for char in word):
            words.append(word)
    return words


def _strip_punctuation(token: str) -> str:
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


def _key(word: str) -> str:
    return "".join(char for char in word.casefold() if unicodedata.category(char)[0] in "LN")


def written_units(written: Sequence[str], spoken: Sequence[str]) -> list[tuple[list[int], int]]:
    """Which spoken words say which written words: ``(written indices, first spoken index)``.

    Units are in order; each runs up to the next unit's first spoken word. Written words with
    no spoken counterpart are left out; spoken words with no written one join the unit before.
    """
    matcher = difflib.SequenceMatcher(
        None, [_key(word) for word in written], [_key(word) for word in spoken], autojunk=False
    )
    units: list[tuple[list[int], int]] = []
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            units.extend(([i1 + k], j1 + k) for k in range(i2 - i1))
        elif tag == "replace":
            units.append((list(range(i1, i2)), j1))
        elif tag == "insert" and not units:
            units.append(([], j1))
    return units


def phoneme_words(batches: Sequence[str]) -> list[_PhonemeWord]:
    """The space-separated words of each batch's phonemes, by their sounding characters."""
    words = []
    for index, phonemes in enumerate(batches):
        position = 0
        for chunk in phonemes.split(" "):
            sounding = [
                i
                for i, char in enumerate(chunk)
                if char not in _MARKS and unicodedata.category(char)[0] in "LM"
            ]
            if sounding:
                words.append(
                    _PhonemeWord(index, position + sounding[0], position + sounding[-1] + 1)
                )
            position += len(chunk) + 1
    return words


def _skeleton(phonemes: str) -> str:
    return "".join(
        char for char in phonemes if char not in _MARKS and unicodedata.category(char)[0] in "LM"
    )


def align_spoken(
    spoken: Sequence[str], alone: Sequence[str], segment: Sequence[str]
) -> list[int] | None:
    """The phoneme word each spoken word starts in, or None when the alignment is unsure.

    ``alone`` holds each spoken word phonemized by itself, ``segment`` the phoneme words of the
    whole segment. Characters are matched in order; a word starts where its first matched
    character lands.
    """
    if len(alone) != len(spoken) or not segment:
        return None
    a_text, a_owner, b_text, b_owner = [], [], [], []
    for index, phonemes in enumerate(alone):
        skeleton = _skeleton(phonemes)
        a_text.append(skeleton)
        a_owner.extend([index] * len(skeleton))
    for index, phonemes in enumerate(segment):
        skeleton = _skeleton(phonemes)
        b_text.append(skeleton)
        b_owner.extend([index] * len(skeleton))
    a, b = "".join(a_text), "".join(b_text)
    if not a or not b:
        return None
    starts: list[int | None] = [None] * len(spoken)
    matched = 0
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            owner = a_owner[block.a + k]
            if starts[owner] is None:
                starts[owner] = b_owner[block.b + k]
        matched += block.size
    if matched < MIN_MATCH * max(len(a), len(b)) or starts[0] is None:
        return None
    result: list[int] = []
    for start in starts:
        value = result[-1] if start is None else start  # unmatched: shares the word before
        if result and value < result[-1]:
            return None
        result.append(value)
    return result


def segment_timings(
    text: str,
    spoken_text: str,
    batches: Sequence[TimedBatch],
    phonemize_words: PhonemizeWords,
    sample_rate: int,
) -> list[WordTiming]:
    """Word timings for one segment, in seconds from the start of its PCM.

    ``text`` is the segment as written (cleaned), ``spoken_text`` what was phonemized. Spans are
    ordered and never overlap; where words cannot be told apart they share one span.
    """
    if not batches or any(len(b.durations) != len(b.phonemes) + 2 for b in batches):
        return []
    written = words_of(text)
    spoken = words_of(spoken_text)
    units_p = phoneme_words([batch.phonemes for batch in batches])
    if not written or not spoken or not units_p:
        return []
    starts: list[int] | None
    if len(spoken) == len(units_p):
        starts = list(range(len(spoken)))
    else:
        segment_words = [
            batches[w.batch].phonemes[w.first : w.last] for w in units_p
        ]  # sounding part of each phoneme word
        starts = align_spoken(spoken, phonemize_words(list(spoken)), segment_words)
    if starts is None:
        groups = [(list(range(len(written))), 0, len(units_p) - 1)]
    else:
        groups = _groups(written_units(written, spoken), starts, len(units_p))
    edges = [_edges(batches, units_p[first], units_p[last]) for _, first, last in groups]
    timings: list[WordTiming] = []
    previous_end = 0
    for (indices, _, _), (raw_start, end) in zip(groups, edges, strict=True):
        start = max(raw_start, previous_end)
        words = " ".join(written[i] for i in indices)
        if end <= start:
            if timings:  # nothing audible of its own: it joins the span before
                last = timings.pop()
                timings.append(WordTiming(f"{last.word} {words}", last.start, last.end))
            continue
        timings.append(WordTiming(words, start / sample_rate, end / sample_rate))
        previous_end = end
    return [WordTiming(t.word, round(t.start, 4), round(t.end, 4)) for t in timings]


def _groups(
    units: list[tuple[list[int], int]], starts: list[int], phoneme_count: int
) -> list[tuple[list[int], int, int]]:
    """Written words with the phoneme words they cover: units that start in the same phoneme
    word merge, and a unit runs up to where the next one starts."""
    merged: list[tuple[list[int], int]] = []
    for indices, first_spoken in units:
        first = starts[first_spoken]
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0] + indices, merged[-1][1])
        else:
            merged.append((list(indices), first))
    groups = []
    for k, (indices, first) in enumerate(merged):
        last = merged[k + 1][1] - 1 if k + 1 < len(merged) else phoneme_count - 1
        if indices:
            groups.append((indices, first, last))
    return groups


def _edges(
    batches: Sequence[TimedBatch], first: _PhonemeWord, last: _PhonemeWord
) -> tuple[int, int]:
    """Samples of the segment's PCM from the first word's first sound to the last word's last.

    A batch's first word starts where its kept audio starts: the model lets a word's first
    sound begin inside the leading pad token (vowels especially), before its own token.
    """
    batch = batches[first.batch]
    start = (
        batch.offset if first.first == _first_sound(batch.phonemes) else _sample(batch, first.first)
    )
    return start, _sample(batches[last.batch], last.last)


def _first_sound(phonemes: str) -> int:
    words = phoneme_words([phonemes])
    return words[0].first if words else -1


def _sample(batch: TimedBatch, char: int) -> int:
    """Where phoneme character ``char`` starts (token ``char + 1``: the pad comes first)."""
    frames = int(np.sum(batch.durations[: char + 1]))
    within = frames * SAMPLES_PER_FRAME - batch.start_sample
    return batch.offset + min(max(within, 0), batch.length)
