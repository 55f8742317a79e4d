# ruff: noqa: RUF001 - full-width forms and typographic dashes are matched on purpose.
"""Mandarin Chinese (``cmn``): numbers as Chinese numerals, units and signs as words.

Numbers are spelled by ``cn2an`` (``an2cn``); its own sentence-level ``transform`` is not used
because it misreads decimals before a unit ("21.5℃") and phone numbers. The rules here decide
what a number is:

- "12.50元", "¥12.50" -> "十二元五角"; "$5" -> "五美元"; "45%" -> "百分之四十五".
- "15:30" -> "十五点三十分"; "3点05分" -> "三点零五分"; "00:05:00" (Home Assistant's timers)
  -> "五分钟"; "2点" -> "两点".
- "2024年12月5日", "2024-12-05", "2024/12/5" -> "二零二四年十二月五日" (years digit by digit).
- "21.5°C" -> "二十一点五摄氏度", "-5℃" -> "零下五摄氏度"; "3-5公里" -> "三到五公里";
  "5km" -> "五公里"; "第3" -> "第三"; "1,234" -> "一千二百三十四"; "2个" -> "两个".
- Phone numbers ("138-1234-5678", "13812345678") digit by digit, with 幺 for one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from cn2an import an2cn

__all__ = ["ChineseVerbalizer"]

_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．：", "0123456789%.:")
_CURRENCY_BEFORE = {"¥": "元", "￥": "元", "$": "美元", "US$": "美元", "€": "欧元", "£": "英镑"}
_CURRENCY_AFTER = {
    "元": "元", "块": "块", "RMB": "元", "CNY": "元", "美元": "美元", "USD": "美元",
    "欧元": "欧元", "EUR": "欧元", "英镑": "英镑", "GBP": "英镑", "日元": "日元", "JPY": "日元",
}  # fmt: skip
_UNITS = {
    "°C": "摄氏度", "℃": "摄氏度", "°F": "华氏度", "℉": "华氏度", "°": "度",
    "km/h": "公里每小时", "km": "公里", "m": "米", "cm": "厘米", "mm": "毫米", "kg": "公斤",
    "g": "克", "mg": "毫克", "l": "升", "L": "升", "ml": "毫升", "mL": "毫升", "h": "小时",
    "min": "分钟", "s": "秒", "W": "瓦", "kW": "千瓦", "kWh": "千瓦时", "V": "伏",
    "Hz": "赫兹", "GHz": "吉赫兹", "m²": "平方米", "hPa": "百帕", "dB": "分贝",
}  # fmt: skip
#: After exactly 2, these counters take 两: 两个, 两点, 两公里.
_LIANG_COUNTERS = "个点块元岁次天位只本张件台杯瓶辆间把条层周小公斤千万亿分钟秒米克升度"
_DIGIT_WORDS = "零一二三四五六七八九"
_PHONE_DIGITS = str.maketrans("0123456789", "零幺二三四五六七八九")

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_LEFT = r"(?<![\d.,])"
_RIGHT = r"(?![\d]|[.,]\d)"
_DASH = r"[-–~～〜]"

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


@functools.lru_cache(maxsize=4096)
def cardinal(written: str) -> str:
    """ "1,234.5" -> "一千二百三十四点五"; a leading zero or a huge number digit by digit."""
    text = written.replace(",", "")
    sign = ""
    if text[:1] in "-−":
        sign, text = "负", text[1:]
    whole, _, fraction = text.partition(".")
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 16:
        spoken = digits(whole)
    else:
        spoken = str(an2cn(whole))
        spoken = re.sub(r"^二(?=[千万亿])", "两", spoken)
    if fraction:
        spoken += "点" + digits(fraction)
    return sign + spoken


def digits(text: str) -> str:
    """ "2024" -> "二零二四"."""
    return "".join(_DIGIT_WORDS[int(ch)] for ch in text if ch.isdigit())


class ChineseVerbalizer:
    """Callable: Chinese text in, numbers and symbols as Chinese words."""

    def __init__(self) -> None:
        before = "|".join(re.escape(c) for c in sorted(_CURRENCY_BEFORE, key=len, reverse=True))
        after = "|".join(re.escape(c) for c in sorted(_CURRENCY_AFTER, key=len, reverse=True))
        units = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
        self._rules: list[_Rule] = [
            (
                re.compile(rf"{_LEFT}(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_RIGHT}(日|号)?"),
                lambda m: self._date(m.group(1), m.group(2), m.group(3)),
            ),
            (re.compile(rf"{_LEFT}(\d{{2,4}})(?=年)"), lambda m: digits(m.group(1))),
            (
                re.compile(r"(?<![\d:.])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:]|[.,]\d)"),
                self._clock,
            ),
            (re.compile(r"(?<=点)0(\d)(?=分)"), lambda m: "零" + _DIGIT_WORDS[int(m.group(1))]),
            (
                re.compile(r"(?<![\d+])(?:(\+86)[\s-]?)?(1\d{2})[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)"),
                self._phone,
            ),
            (
                re.compile(r"(?<![\d+])(0\d{2,3})-(\d{7,8})(?!\d)"),
                lambda m: f"{self._phone_digits(m.group(1))}，{self._phone_digits(m.group(2))}",
            ),
            (
                re.compile(
                    rf"(?<![0-9A-Za-z$¥￥€£])([-−])?({before})\s?({_NUM})(?:\s?{_DASH}\s?({_NUM}))?{_RIGHT}"
                ),
                lambda m: self._money(
                    m.group(3), _CURRENCY_BEFORE[m.group(2)], m.group(1), m.group(4)
                ),
            ),
            (
                re.compile(rf"{_LEFT}([-−])?({_NUM})(?:\s?{_DASH}\s?({_NUM}))?\s?({after})"),
                lambda m: self._money(
                    m.group(2), _CURRENCY_AFTER[m.group(4)], m.group(1), m.group(3)
                ),
            ),
            (
                re.compile(rf"{_LEFT}([-−]?{_NUM})(?:\s?%?\s?{_DASH}\s?([-−]?{_NUM}))?\s?%"),
                self._percent,
            ),
            (
                re.compile(
                    rf"{_LEFT}([-−]?{_NUM})(?:\s?{_DASH}\s?([-−]?{_NUM}))?\s?({units})(?![A-Za-z/²])"
                ),
                self._unit,
            ),
            (
                re.compile(rf"{_LEFT}({_NUM})\s?{_DASH}\s?({_NUM}){_RIGHT}"),
                lambda m: f"{cardinal(m.group(1))}到{cardinal(m.group(2))}",
            ),
            (re.compile(rf"{_LEFT}(?<!第)2(?=[{_LIANG_COUNTERS}])"), lambda m: "两"),
            (re.compile(rf"{_LEFT}([-−](?=\d))?({_NUM}){_RIGHT}"), self._plain),
            (re.compile(r"%"), lambda m: "百分之"),
        ]

    def __call__(self, text: str) -> str:
        text = text.translate(_FULL_WIDTH)
        for pattern, replace in self._rules:
            text = pattern.sub(replace, text)
        return text.strip()

    def _date(self, year: str, month: str, day: str) -> str:
        return f"{digits(year)}年{cardinal(str(int(month)))}月{cardinal(str(int(day)))}日"

    def _clock(self, match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3)) if match.group(3) else None
        if hour > 23:
            return match.group(0)
        if second is not None and hour <= 12:  # "00:05:00": a duration (Home Assistant's timers)
            parts = [
                f"{self._count(value)}{word}"
                for value, word in ((hour, "小时"), (minute, "分钟"), (second, "秒"))
                if value
            ]
            return "".join(parts) or "零秒"
        spoken = f"{self._count(hour)}点"
        if minute:
            spoken += ("零" if minute < 10 else "") + f"{cardinal(str(minute))}分"
        if second:
            spoken += f"{cardinal(str(second))}秒"
        return spoken

    @staticmethod
    def _count(value: int) -> str:
        """A count before a measure word: 2 is 两."""
        return "两" if value == 2 else cardinal(str(value))

    @staticmethod
    def _phone_digits(group: str) -> str:
        return group.translate(_PHONE_DIGITS)

    def _phone(self, match: re.Match[str]) -> str:
        country, *groups = match.groups()
        spoken = "，".join(self._phone_digits(group) for group in groups)
        return f"加八六，{spoken}" if country else spoken

    def _money(self, amount: str, unit: str, sign: str | None, upper: str | None) -> str:
        prefix = "负" if sign else ""
        if upper is not None:
            return f"{prefix}{cardinal(amount)}到{cardinal(upper)}{unit}"
        whole, _, fraction = amount.replace(",", "").partition(".")
        if unit not in ("元", "块") or len(fraction) != 2:
            return f"{prefix}{self._count_written(amount)}{unit}"
        jiao, fen = int(fraction[0]), int(fraction[1])
        spoken = (
            f"{self._count_written(whole)}{unit}" if int(whole or "0") or not (jiao or fen) else ""
        )
        if jiao:
            spoken += f"{_DIGIT_WORDS[jiao]}角"
        elif fen and spoken:
            spoken += "零"
        if fen:
            spoken += f"{_DIGIT_WORDS[fen]}分"
        return prefix + spoken.replace("二角", "两角").replace("二分", "两分")

    @staticmethod
    def _count_written(written: str) -> str:
        return "两" if written == "2" else cardinal(written)

    def _percent(self, match: re.Match[str]) -> str:
        low, high = match.groups()
        if high is not None:
            return f"百分之{cardinal(low)}到百分之{cardinal(high)}"
        return f"百分之{cardinal(low)}"

    def _unit(self, match: re.Match[str]) -> str:
        low, high, unit = match.groups()
        word = _UNITS[unit]
        if high is not None:
            return f"{cardinal(low)}到{cardinal(high)}{word}"
        if word in ("摄氏度", "华氏度", "度") and low[:1] in "-−":
            return f"零下{cardinal(low[1:])}{word}"
        return f"{self._count_written(low)}{word}"

    def _plain(self, match: re.Match[str]) -> str:
        sign, written = match.groups()
        return cardinal((sign or "") + written)
