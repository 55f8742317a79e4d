# ruff: noqa: RUF001, RUF002, RUF003 - CJK and typographic punctuation is the point here.
"""Cut text that grows piece by piece (LLM tokens) into speakable segments.

The first segment is short so that audio starts early, the second is short too so that it is
ready before the first has finished playing, and the later ones are whole sentences, which the
model phrases naturally. A cut is made only when it is certain: every decision looks at a
bounded amount of text (at most 64 characters) after the candidate position and, when that
text has not arrived yet, the segmenter waits for the next piece (:meth:`Segmenter.finish`
resolves the wait with "end of text"). Decisions therefore depend on the text alone, never on
how it was split into pieces: ``push("Hel"); push("lo. Yes")`` yields the same segments as
``push("Hello. Yes")``.

Where segments are cut:

- First segment: at the first clause mark (``,`` ``;`` ``:`` followed by a space, ``、``, a dash),
  at a sentence end, or after ``first_max_words`` words (up to ``grace_words`` more while the
  last one is a function word such as "the", twice that while it is a number, which is read
  with its unit: "3:30 PM"), whichever comes first. A segment that cleans to nothing (an
  emoji, a rule) is dropped and does not count.
- Second segment (the ramp), after a first one of fewer than ``second_max_words`` words
  ("Okay," "Sure." "Here is the plan:"): cut like the first, with ``second_min_words`` and
  ``second_max_words``, except that it never ends with fewer than ``second_min_words`` words,
  not even at a sentence end (only a line break or the end of the text ends it sooner):
  ``"Okay, I turned on the kitchen lights and set ..."`` gives "Okay," then "I turned on the
  kitchen lights". Segments are synthesized one after another
  while the audio before them plays, so each must take no longer to synthesize than the audio
  already queued: after "Okay," (about 0.6 s of audio) a whole sentence would leave a silence,
  a phrase of a few words does not, and by the third segment enough audio is queued for a
  sentence. A first segment of ``second_max_words`` words or more (a word cut, a sentence)
  already queues about as much audio as a ramp would, so the second one is then a sentence.
  The rule looks at the text alone, so it keeps segments independent of piece boundaries.
- Later segments (from the third, or the second after a long first one): at sentence ends
  (``.`` ``!`` ``?`` ``…`` followed by a space and a capital, ``。`` ``！`` ``？``), at blank
  lines and at line breaks before a line that does not start with a lowercase letter (list
  items, headings, table rows, a new paragraph). Sentences shorter than ``min_chars`` are
  merged with the next one.
- Any segment longer than ``max_chars`` characters is cut before that length: at the last
  sentence end, else the last clause mark (unless it leaves a tiny segment), else the last
  space, else (a run with no space at all, such as Japanese without punctuation) at
  ``max_chars``. Nothing is dropped and no word is cut when there is a space to cut at.

Each language has its own words for the short cuts (:mod:`.phrasing`, chosen by the
``language`` given to :class:`Segmenter`): a French segment does not end on "de la", a Hindi
one does not leave "हैं" (an auxiliary) or "की" (a postposition) to the next one; a mark after a
space (French "Ça va ?") stays with its words; no short cut falls inside a Spanish ``¿…?`` or
``¡…!``, whose closing mark gives the whole phrase its tone. Japanese and Chinese, written
without spaces, are cut at ``、`` ``，`` and their sentence marks.

Not a sentence end: titles and Latin abbreviations (``Dr.`` ``Mr.`` ``St.`` ``vs.`` ``e.g.``
``i.e.``), a month before a number (``Dec. 5th``), initials (``J. R. R.``), dotted acronyms
(``U.S.`` ``a.m.``), any stop followed by a lowercase word (``etc. and``), a stop not followed
by a space (``3.5``, ``example.com``, ``10:30``, ``1,000``), ``...`` unless a capital follows.
Closing quotes and brackets after a stop stay with the sentence they close.

Fenced code blocks (```` ``` ```` or ``~~~`` at the start of a line) are not read: the text
before the fence ends a segment and the block, up to its closing fence, is dropped. An unclosed
fence drops everything after it. A fence that does not start a line is not recognised as one.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

from .normalize import clean_for_speech
from .phrasing import phrasing_for

__all__ = ["Segment", "Segmenter", "SegmenterConfig"]


@dataclass(frozen=True)
class Segment:
    """A piece of text ready to be synthesized."""

    text: str
    """Cleaned, speakable text; never empty."""
    ends_sentence: bool
    """True at a sentence end, a line break or the end of the text; False after a clause or
    word cut (the engine uses it to choose the pause that follows)."""
    index: int
    """0, 1, 2 ... in the order the segments were produced."""


@dataclass(frozen=True)
class SegmenterConfig:
    """Where to cut; every length is counted in characters of the text as received.

    The listener hears nothing until the first segment is synthesized, and synthesis time
    grows with the segment's length; every later segment is synthesized while the audio before
    it plays, and must be ready before that audio runs out. Hence a short first segment (a
    clause, or a few words), a short second one while little audio is queued, and
    sentence-sized ones after them, which the model phrases naturally.
    """

    first_min_words: int = 1
    """Fewest words before a clause mark may end the first segment. One lets "Okay," or "Sure,"
    stand alone: a natural short phrase and the fastest possible start."""
    first_max_words: int = 6
    """With no punctuation, the first segment ends after this many words (about 1.5 s of
    speech): long enough to sound like a phrase, short enough to start fast."""
    second_min_words: int = 2
    """Fewest words in the second segment, even at a sentence end: one more word ("So,"
    "Yes.") would add a pause but hardly any queued audio, leaving the sentence after it to
    start with a silence. Two allow a natural short phrase ("of course,")."""
    second_max_words: int = 6
    """With no punctuation, the second segment ends after this many words: about 2 s of audio,
    which synthesizes (about 0.3 s per second of audio on two CPU cores) while a one-word first
    segment plays. A first segment at least this long makes the second a sentence."""
    grace_words: int = 3
    """A word cut of the first two segments is pushed back by up to this many words while the
    last word is a function word ("the", "to", "and", "my" ...), so a phrase does not end on
    "the"; twice that while it is a number, so a number stays with its unit ("350 °F")."""
    max_chars: int = 300
    """No segment is longer: keeps a segment under the model's 510-phoneme window (English
    needs about one phoneme per character)."""
    min_chars: int = 24
    """After the first segment, a sentence shorter than this is joined to the next one ("Yes.
    It is."), which the model phrases better than a tiny segment followed by a pause."""

    def __post_init__(self) -> None:
        for short in ("first", "second"):
            low, high = getattr(self, f"{short}_min_words"), getattr(self, f"{short}_max_words")
            if low < 1:
                raise ValueError(f"{short}_min_words must be at least 1, got {low}")
            if high < low:
                raise ValueError(
                    f"{short}_max_words ({high}) must be at least {short}_min_words ({low})"
                )
        if self.grace_words < 0:
            raise ValueError(f"grace_words must be 0 or more, got {self.grace_words}")
        if self.max_chars < 20:
            raise ValueError(f"max_chars must be at least 20, got {self.max_chars}")
        if not 0 <= self.min_chars < self.max_chars:
            raise ValueError(
                f"min_chars must be between 0 and max_chars ({self.max_chars}), "
                f"got {self.min_chars}"
            )


# Sentence-final marks. The second set ends a sentence with no space after it (CJK, Devanagari).
_TERMINALS = frozenset(".!?…。！？‼⁇⁈⁉।॥")
_TIGHT_TERMINALS = frozenset("。！？।॥")
# What may close a sentence or a clause after its mark: quotes, brackets, emphasis markers.
_CLOSERS = frozenset("\"'”’»)]}*_`」』）】〉》〕")
_OPENERS = "\"'“‘«([{*_`「『（【〈《〔¿¡"
_WORD_EDGES = _OPENERS + "".join(sorted(_CLOSERS)) + ".,;:!?…"
_CLAUSE_MARKS = frozenset(",;:—–-、，；：")
_TIGHT_CLAUSE_MARKS = frozenset("、，；：")
# "Dr. Smith": a full stop after these is never a sentence end.
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "st", "sr", "jr", "rev", "fr", "gen", "sen",
        "rep", "gov", "capt", "lt", "col", "sgt", "cpl", "hon", "pres", "mt", "vs", "v", "cf",
        "viz", "approx", "fig", "figs", "eq", "vol", "pp", "mme", "mlle", "e.g", "i.e",
    }
)  # fmt: skip
# "Dec. 5th": month abbreviations lean on the day that follows.
_MONTH_ABBREVIATIONS = frozenset(
    {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
# "No. 5": a full stop after these is not a sentence end when a number follows.
_NUMBER_ABBREVIATIONS = _MONTH_ABBREVIATIONS | {"no", "nos", "nr", "p", "ch", "sec", "art", "op"}
# A short (first or second) segment should not end on one of these: they lean on the next word.
_FUNCTION_WORDS = _ABBREVIATIONS | _MONTH_ABBREVIATIONS | frozenset(
    {
        "a", "an", "the", "to", "of", "in", "on", "at", "for", "with", "from", "by", "into",
        "onto", "about", "over", "under", "than", "as", "and", "or", "but", "nor", "so", "if",
        "that", "which", "who", "whose", "my", "your", "his", "her", "its", "our", "their",
        "this", "these", "those", "i", "you", "he", "she", "it", "we", "they", "is", "are",
        "was", "were", "be", "been", "am", "will", "would", "can", "could", "should", "shall",
        "may", "might", "must", "do", "does", "did", "have", "has", "had", "not", "no", "very",
        "some", "any", "each", "every", "all", "just", "also", "i'm", "it's", "don't",
    }
)  # fmt: skip

# Marks that belong to the word before them even after a space (French "Ça va ?", "« oui »").
_LEANING_MARKS = frozenset("?!:;»)]}…")
# Spanish opens a question or an exclamation with these; its closing mark gives the tone.
_INVERTED_OPENERS = frozenset("¿¡")
_INVERTED_CLOSERS = frozenset("?!")

_LOOKAHEAD = 64  # the most text after a position that a decision there may need


class _Verdict(enum.IntEnum):
    """What a scanner returns instead of a position; negative, so never a position itself."""

    WAIT = -1  # the decision needs text that has not arrived yet
    NO_CUT = -2  # not a cut


_WAIT = _Verdict.WAIT
_NO = _Verdict.NO_CUT

#: A cut: (end of the segment's text, where the next segment starts, ends_sentence).
_Cut = tuple[int, int, bool]


class Segmenter:
    """Incremental segmenter: :meth:`push` pieces of text, then :meth:`finish`.

    Work per push is proportional to the new text (plus a bounded look-back), so feeding a
    long text one character at a time stays linear.
    """

    def __init__(self, config: SegmenterConfig | None = None, language: str = "en-us") -> None:
        """``language`` (an espeak code) chooses the words a short segment should not end on."""
        self._config = config or SegmenterConfig()
        phrasing = phrasing_for(language)
        if phrasing is None:
            self._ends_badly = _FUNCTION_WORDS
            self._starts_badly: frozenset[str] = frozenset()
            self._abbreviations = _ABBREVIATIONS
            self._looks_ahead = False
        else:
            self._ends_badly = phrasing.ends_badly | _ABBREVIATIONS | phrasing.abbreviations
            self._starts_badly = phrasing.starts_badly
            self._abbreviations = _ABBREVIATIONS | phrasing.abbreviations
            # A word cut waits for the next word only where that word can change it.
            self._looks_ahead = bool(phrasing.starts_badly) or phrasing.spaced_marks
        self._start_text()

    def push(self, piece: str) -> list[Segment]:
        """Add a piece of text; return the segments that are now complete (possibly none)."""
        if not piece:
            return []
        self._buf += piece
        return self._scan(final=False)

    def finish(self) -> list[Segment]:
        """End of input: return everything left (may be empty), then start over for a new text."""
        out = self._scan(final=True)
        if not (self._fence or self._skip_line):
            self._emit(len(self._buf), len(self._buf), True, out)
        self._start_text()
        return out

    # --- state -----------------------------------------------------------------------------

    def _start_text(self) -> None:
        self._buf = ""  # text from the start of the current segment
        self._prev = ""  # the character just before _buf ("" at the start of the text)
        self._index = 0
        self._short = True  # the current segment is cut short: the first, or the ramp
        self._fence = ""  # inside a fenced code block: its opening run ("```")
        self._skip_line = False  # dropping code up to the next line break
        self._start_checked = False  # whether _buf's start was checked for a fence
        self._start_segment()

    def _start_segment(self) -> None:
        self._pos = 0  # everything before _pos is decided: no cut there
        self._words = 0  # complete words (with a letter or digit) in the segment
        self._in_word = False
        self._word_alnum = False
        self._word_start = 0
        self._content = False  # a non-space character was seen
        self._last_space = 0  # fallback cut positions for an over-long segment
        self._last_clause = 0
        self._last_sentence = 0
        self._inverted = False  # inside a Spanish ¿...? or ¡...!: no short cut before its end

    # --- driver ----------------------------------------------------------------------------

    def _scan(self, final: bool) -> list[Segment]:
        out: list[Segment] = []
        while True:
            if (self._fence or self._skip_line) and not self._drop_code(final):
                break
            if not self._start_checked:
                if self._prev in ("", "\n"):
                    fence = _fence_at(self._buf, final)
                    if fence is None:
                        break
                    if fence:
                        self._fence = fence
                        self._skip_line = True
                        continue
                self._start_checked = True
            cut = self._advance(final)
            if cut is None:
                break
            self._emit(*cut, out)
        return out

    def _emit(self, end: int, resume: int, ends_sentence: bool, out: list[Segment]) -> None:
        raw = self._buf[:end]
        if resume:
            self._prev = self._buf[resume - 1]
            self._buf = self._buf[resume:]
        self._start_segment()
        self._start_checked = self._prev not in ("", "\n")
        text = clean_for_speech(raw)
        if text:
            out.append(Segment(text, ends_sentence, self._index))
            self._index += 1
            # The ramp: a second short segment only while the first queued little audio.
            self._short = self._index == 1 and _count_words(raw) < self._config.second_max_words

    def _drop_code(self, final: bool) -> bool:
        """Drop fenced code; True when ordinary text follows, False when more text is needed."""
        buf = self._buf
        while self._fence or self._skip_line:
            if self._skip_line:
                newline = buf.find("\n")
                if newline < 0:
                    self._buf = ""
                    return False
                buf = buf[newline + 1 :]
                self._skip_line = False
                continue
            fence = _fence_at(buf, final)
            if fence is None:
                self._buf = buf
                return False
            if fence.startswith(self._fence):
                self._fence = ""
            self._skip_line = True
        self._buf = buf
        self._prev = "\n"
        self._start_segment()
        self._start_checked = False
        return True

    # --- the scan over one segment ---------------------------------------------------------

    def _advance(self, final: bool) -> _Cut | None:
        """Scan from the last decided position; return the next cut, or None to wait."""
        buf = self._buf
        n = len(buf)
        limit = self._config.max_chars
        i = self._pos
        while True:
            if i >= limit and n > limit:
                self._pos = i
                return self._forced_cut(i)
            if i >= n:
                break
            c = buf[i]
            if c == "\n":
                decision = self._line_break(i, final)
                if decision == _WAIT:
                    break
                if decision != _NO:
                    return (i, i + 1, True)
            elif c in _TERMINALS:
                step = self._at_sentence_mark(i, final)
                if step == _WAIT:
                    break
                if isinstance(step, tuple):
                    return step
                i = step
                continue
            elif c in _CLAUSE_MARKS:
                clause = self._at_clause_mark(i, final)
                if clause == _WAIT:
                    break
                if isinstance(clause, tuple):
                    return clause
            cut = self._track(i, c, final)
            if cut == _WAIT:
                break
            if isinstance(cut, tuple):
                return cut
            i += 1
        self._pos = i
        return None

    def _at_sentence_mark(self, i: int, final: bool) -> _Cut | int:
        """A cut, _WAIT, or where to go on scanning (after the marks and closing quotes)."""
        decision, end = self._sentence_end(i, final)
        if decision == _WAIT:
            return _WAIT
        if any(mark in _INVERTED_CLOSERS for mark in self._buf[i:end]):
            self._inverted = False
        if decision != _NO and end <= self._config.max_chars:
            if self._short:
                if self._index == 0 or self._words + self._word_alnum >= self._min_words():
                    return (end, end, True)
            elif len(self._buf[:end].strip()) >= self._config.min_chars:
                return (end, end, True)
            self._last_sentence = end
        if not self._in_word:
            self._in_word = True
            self._word_start = i
        self._content = True
        return max(end, i + 1)

    def _at_clause_mark(self, i: int, final: bool) -> _Cut | int:
        """A cut (short segments only), _WAIT, or _NO after noting the clause for long cuts."""
        end = self._clause_end(i, final)
        if end in (_WAIT, _NO):
            return end
        words = self._words + self._word_alnum
        if words and end <= self._config.max_chars:
            if self._short and words >= self._min_words() and not self._inverted:
                return (end, end, False)
            self._last_clause = end
        return _NO

    def _track(self, i: int, c: str, final: bool) -> _Cut | _Verdict | None:
        """Count words (and end a short segment when it has enough of them); _WAIT when that
        depends on text not arrived yet (nothing is counted then)."""
        if not c.isspace():
            if not self._in_word:
                self._in_word = True
                self._word_start = i
            self._content = True
            if not self._word_alnum and c.isalnum():
                self._word_alnum = True
            if c in _INVERTED_OPENERS:
                self._inverted = True
            return None
        if self._in_word:
            done: bool | _Verdict = False
            if self._word_alnum and self._short:
                done = self._phrase_done(i, self._words + 1, final)
                if done == _WAIT:
                    return _WAIT
            self._in_word = False
            if self._word_alnum:
                self._word_alnum = False
                self._words += 1
                if done:
                    return (i, i, False)
        if self._content:
            self._last_space = i
        return None

    def _min_words(self) -> int:
        """Fewest words before a short segment may end at a clause mark."""
        config = self._config
        return config.first_min_words if self._index == 0 else config.second_min_words

    def _phrase_done(self, i: int, words: int, final: bool) -> bool | _Verdict:
        """At the space after a word, the segment's ``words``-th: may the short segment end
        here? _WAIT while that depends on the next word, not arrived yet."""
        config = self._config
        max_words = config.first_max_words if self._index == 0 else config.second_max_words
        if words < max_words or self._inverted:
            return False
        following = self._next_word(i, final) if self._looks_ahead else ""
        if following is None:
            return _WAIT
        if following[:1] in _LEANING_MARKS:  # "Ça va ?": the mark belongs to this segment
            return False
        word = self._buf[self._word_start : i].strip(_WORD_EDGES)
        if word.lower() in _MONTH_ABBREVIATIONS or any(ch.isdigit() for ch in word):
            # A number is read with what follows ("3:30 PM", "1 1/2 cups", "Dec. 5th"): the
            # verbalizer needs both in one segment, so they get a grace of their own.
            return words >= max_words + 2 * config.grace_words
        if words >= max_words + config.grace_words:
            return True
        if following.strip(_WORD_EDGES + "।॥").lower() in self._starts_badly:
            return False
        return word.lower() not in self._ends_badly

    def _next_word(self, i: int, final: bool) -> str | None:
        """The word after the space at ``i`` ("" at the end of the text), None to wait."""
        buf = self._buf
        n, final = _horizon(buf, i, final)
        start = i
        while start < n and buf[start].isspace():
            if buf[start] == "\n":
                return ""
            start += 1
        if start == n:
            return "" if final else None
        if not self._starts_badly:  # only its first character matters
            return buf[start]
        end = start
        while end < n and not buf[end].isspace():
            end += 1
        if end == n and not final:
            return None
        return buf[start:end]

    def _forced_cut(self, i: int) -> _Cut:
        """The segment reached max_chars: cut at the best earlier boundary."""
        limit = self._config.max_chars
        buf = self._buf
        if self._last_sentence:
            return (self._last_sentence, self._last_sentence, True)
        if self._last_clause >= limit // 3:
            return (self._last_clause, self._last_clause, False)
        if i == limit and buf[i].isspace() and self._content:
            return (i, i, False)
        if self._last_space:
            return (self._last_space, self._last_space, False)
        if self._last_clause:
            return (self._last_clause, self._last_clause, False)
        cut = min(i, limit)
        while cut > 1 and _joins_previous(buf[cut]):
            cut -= 1
        return (cut, cut, False)

    # --- decisions at one position ---------------------------------------------------------

    def _line_break(self, i: int, final: bool) -> int:
        """A line break cuts unless the next line goes on with a lowercase word."""
        buf = self._buf
        n, final = _horizon(buf, i, final)
        j = i + 1
        while j < n and buf[j] != "\n" and buf[j].isspace():
            j += 1
        if j == n:
            return i if final else _WAIT
        return _NO if buf[j].islower() else i

    def _sentence_end(self, i: int, final: bool) -> tuple[int, int]:
        """At a sentence mark: (decision, end of the mark with its closing quotes/brackets)."""
        buf = self._buf
        n, final = _horizon(buf, i, final)
        run_end = i
        while run_end < n and buf[run_end] in _TERMINALS:
            run_end += 1
        end = run_end
        while end < n and buf[end] in _CLOSERS:
            end += 1
        if end == n:
            return (end if final else _WAIT), end
        if buf[run_end - 1] in _TIGHT_TERMINALS or (i > 0 and _is_cjk(buf[i - 1])):
            return end, end
        if not buf[end].isspace():
            return _NO, end
        j = end
        while j < n and buf[j] != "\n" and buf[j].isspace():
            j += 1
        if j == n:
            return (end if final else _WAIT), end
        following = buf[j]
        if following == "\n":  # the line break decides
            return _NO, end
        run = buf[i:run_end]
        if "…" in run or run.startswith(".."):
            is_cut = following.isupper() or (following.isalpha() and not following.islower())
            return (end if is_cut else _NO), end
        if following.islower():
            return _NO, end
        if run == "." and self._stop_after_abbreviation(i, following):
            return _NO, end
        return end, end

    def _stop_after_abbreviation(self, i: int, following: str) -> bool:
        """Whether the full stop at ``i`` belongs to an abbreviation or a list number."""
        buf = self._buf
        start = i
        while start > 0 and not buf[start - 1].isspace():
            start -= 1
        word = buf[start:i].lstrip(_OPENERS)
        if word.isdigit() and len(word) <= 3:  # "1. Open the door" at the start of a line
            indent = start
            while indent > 0 and buf[indent - 1] in " \t":
                indent -= 1
            before = buf[indent - 1] if indent else self._prev
            if before in ("", "\n"):
                return True
        return word.lower() in self._abbreviations or _is_abbreviation(word, following)

    def _clause_end(self, i: int, final: bool) -> int:
        """At a clause mark: where the clause ends, or _NO ("3,5", "10:30", a hyphen)."""
        buf = self._buf
        n, final = _horizon(buf, i, final)
        c = buf[i]
        if c in _TIGHT_CLAUSE_MARKS:
            return i + 1
        if c in ",;:":
            end = i + 1
            while end < n and buf[end] in _CLOSERS:
                end += 1
            if end == n:
                return _NO if final else _WAIT
            return end if buf[end].isspace() else _NO
        before = buf[i - 1] if i else self._prev
        if c != "—" and not before.isspace():  # "-" and "–" are dashes only between spaces
            return _NO
        if i + 1 == n:
            return _NO if final else _WAIT
        after = buf[i + 1]
        if c == "—":
            return _NO if after == "—" else i + 1
        return i + 1 if after.isspace() else _NO


def _horizon(text: str, i: int, final: bool) -> tuple[int, bool]:
    """How far a decision at ``i`` may look, and whether that is the end of what it will see.

    A decision never looks further than _LOOKAHEAD characters: a run of spaces or of marks
    that long counts as the end of the text. This keeps decisions independent of piece
    boundaries and bounds the rework when a decision has to wait (a pushed run of 20 000
    spaces costs linear time, not quadratic).
    """
    horizon = i + _LOOKAHEAD
    if len(text) >= horizon:
        return horizon, True
    return len(text), final


def _fence_at(text: str, final: bool) -> str | None:
    """The fence run (```` ``` ```` or ``~~~``) opening ``text``, ``""`` if none, None to wait."""
    n, final = _horizon(text, 0, final)
    j = 0
    while j < n and j < 3 and text[j] in " \t":
        j += 1
    if j == n:
        return "" if final else None
    mark = text[j]
    if mark not in "`~":
        return ""
    k = j
    while k < n and text[k] == mark:
        k += 1
    if k == n and not final:
        return None
    return text[j:k] if k - j >= 3 else ""


def _is_abbreviation(word: str, following: str) -> bool:
    """Whether the full stop after ``word`` is an abbreviation's, given the next character."""
    lowered = word.lower()
    if lowered in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper() and word != "I":  # an initial: "J. R. R. Tolkien"
        return True
    if "." in word and all(part.isalpha() and len(part) <= 2 for part in word.split(".")):
        return True  # "U.S.", "e.g.", "a.m.", "Ph.D."
    return following.isdigit() and lowered in _NUMBER_ABBREVIATIONS  # "No. 5", "p. 12"


def _count_words(text: str) -> int:
    """Words with a letter or digit, as the scan counts them."""
    return sum(any(ch.isalnum() for ch in word) for word in text.split())


def _is_cjk(ch: str) -> bool:
    """Scripts written without spaces, where a sentence mark needs no space after it."""
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _joins_previous(ch: str) -> bool:
    """A character that must not start a segment: a combining mark or a joiner."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in "\u200c\u200d\ufe0e\ufe0f"
