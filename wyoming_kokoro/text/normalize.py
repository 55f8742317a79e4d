"""Turn LLM-flavoured text (markdown, URLs, emoji) into plain text a voice can read.

:func:`clean_for_speech` works on one piece of complete-ish text (a segment): it must cope with
markup cut in half by segmentation (a ``**`` opened in one sentence and closed in the next), so
stray markers are removed as well as matched pairs. Fenced code blocks span many segments and
are dropped by the :class:`~wyoming_kokoro.text.Segmenter`, not here.

Choices:

- URLs are reduced to their host (``https://www.example.com/a?b=1`` -> ``example.com``):
  a path or query string read aloud is noise, the site name is what a listener needs.
- E-mail addresses are kept as written. Hosts and addresses are then read aloud by the
  speech-ready text stage (:mod:`wyoming_kokoro.text.verbalize`) in the segment's language, as
  a person says them: "example dot com", "name at example dot com".
- Emoji and pictographs are removed; letters of every script and ordinary punctuation are kept.
- Text with no letter or digit left (``"---"``, ``"🎉!"``) becomes ``""``: nothing to say.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["clean_for_speech"]

# Markdown escapes (``\*``) are parked on private-use characters so that the escaped character
# survives the markup removal, then restored.
_ESCAPABLE = "\\`*_{}[]()#+-.!|~>"
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_PARK = {c: chr(0xF0000 + i) for i, c in enumerate(_ESCAPABLE)}
_UNPARK = str.maketrans({v: k for k, v in _PARK.items()})

# Line-level markdown (before anything else, while line starts are still line starts).
_HR = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M)
_TABLE_RULE = re.compile(r"^[ \t]*(?=[^\n]*\|)(?=[^\n]*-)[|:\- \t]+$", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$", re.M)
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_LIST = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M)
_REF_DEF = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$", re.M)

# Links, images, URLs.
_PARENS = r"\((?:[^()\n]|\([^()\n]*\))*\)"
_IMAGE = re.compile(r"!\[([^\]\n]*)\]" + _PARENS)
_LINK = re.compile(r"\[([^\]\n]+)\]" + _PARENS)
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_FOOTNOTE = re.compile(r"\[\^[^\]\n]+\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|[^<>\s@]+@[^<>\s]+)>", re.I)
_MAILTO = re.compile(r"\bmailto:", re.I)
# A URL never ends with sentence punctuation: "see https://x.com." keeps its full stop.
_URL = re.compile(
    r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}*_]",
    re.I,
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")

# Inline code: the code text is kept, protected from emphasis removal (``snake_case``, ``a*b``).
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)

# Emphasis pairs, then stray markers left by a segment cut inside an emphasised span.
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_BOLD_STAR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD_UNDER = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDER = re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)")
_STARS = re.compile(r"\*+")
_UNDER_EDGE = re.compile(r"(?<![^\W_])_+(?=[^\W_])|(?<=[^\W_])_+(?![^\W_])")
_TILDES = re.compile(r"~~+")

# Pictographs: emoji blocks, dingbats, geometric shapes used as bullets, keycaps, flags (tags);
# and U+FFFD, a character lost on the way (a lone UTF-16 surrogate): nothing to say either.
_PICTO = (
    "\U0001f000-\U0001faff"
    "\u2300-\u23ff"
    "\u25a0-\u25ff"
    "\u2600-\u27bf"
    "\u2934\u2935"
    "\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299"
    "\ufffd"
)
_EMOJI = re.compile(f"[{_PICTO}](?:[{_PICTO}\u200d\ufe0e\ufe0f\u20e3]|[\U000e0020-\U000e007f])*")
_EMOJI_LEFTOVER = re.compile("[\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]")
# A removed emoji leaves a gap: none before punctuation ("Great 🎉!" -> "Great!"), else a space.
_EMOJI_GAP_PUNCT = re.compile(r"\s*\x00[\s\x00]*(?=[!?.,;:…]|$)")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def clean_for_speech(text: str) -> str:
    """Return ``text`` as plain speakable text, or ``""`` when nothing speakable remains."""
    text = _ESCAPE.sub(lambda m: _PARK[m.group(1)], _CONTROL.sub("", text))
    text = _strip_block_markup(text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _FOOTNOTE.sub("", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _MAILTO.sub("", text)
    text = _URL.sub(_url_host, text)
    text = _HTML_TAG.sub(" ", text)
    text = _strip_inline_markup(text)
    text = _EMOJI_LEFTOVER.sub("", _EMOJI.sub("\x00", text))
    text = _EMOJI_GAP_PUNCT.sub("", text).replace("\x00", " ")
    text = text.replace("|", " ").translate(_UNPARK)
    text = _SPACES.sub(" ", text).strip()
    return text if any(ch.isalnum() for ch in text) else ""


def _strip_block_markup(text: str) -> str:
    """Remove the markup that only means something at the start of a line."""
    text = _HR.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _REF_DEF.sub("", text)
    text = _HEADING.sub(lambda m: m.group(1) or "", text)
    text = _QUOTE.sub("", text)
    return _LIST.sub("", text)


def _strip_inline_markup(text: str) -> str:
    """Remove emphasis and backticks, leaving the text of inline code spans untouched."""
    parts: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_strip_emphasis(text[last : match.start()]))
        parts.append(match.group(2))
        last = match.end()
    parts.append(_strip_emphasis(text[last:]))
    return "".join(parts).replace("`", "")


def _strip_emphasis(text: str) -> str:
    text = _STRIKE.sub(r"\1", text)
    text = _BOLD_STAR.sub(r"\1", text)
    text = _BOLD_UNDER.sub(r"\1", text)
    text = _ITALIC_STAR.sub(r"\1", text)
    text = _ITALIC_UNDER.sub(r"\1", text)
    text = _STARS.sub(_stray_stars, text)
    text = _UNDER_EDGE.sub("", text)
    return _TILDES.sub("", text)


def _stray_stars(match: re.Match[str]) -> str:
    """Keep ``*`` used as arithmetic (``2*3``, ``2 * 3``); drop a leftover emphasis marker."""
    text = match.string
    before = text[match.start() - 1] if match.start() > 0 else " "
    after = text[match.end()] if match.end() < len(text) else " "
    if (before.isalnum() and after.isalnum()) or (before.isspace() and after.isspace()):
        return match.group(0)
    return ""


def _url_host(match: re.Match[str]) -> str:
    """Read a URL as its host name, without ``www.``."""
    url = match.group(0)
    if not _SCHEME.match(url):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        return ""
    return host.removeprefix("www.")
