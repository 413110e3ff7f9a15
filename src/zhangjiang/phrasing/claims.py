"""Find the quantitative claims in running Chinese text, skipping dates, ordinals and names."""

from __future__ import annotations

import re

from zhangjiang.phrasing.model import ClaimSpan
from zhangjiang.phrasing.numbers import fold_width
from zhangjiang.phrasing.parsing import bounds_of, phrase_pattern

__all__ = ["UNITS", "find_claims"]

#: Units and measure words a claim may end with (longest match wins). A number followed by
#: anything else is a claim without unit, unless a rule below says it is not a claim.
UNITS: tuple[str, ...] = (
    # counts
    "个百分点", "百分点", "人次", "发次", "架次", "个", "家", "票", "人", "名", "位", "条",
    "项", "篇", "件", "次", "台", "套", "座", "所", "批", "例", "种", "款", "部", "本", "份",
    "支", "只", "株", "头", "辆", "架", "艘", "栋", "层", "间", "张", "块", "届", "场", "门",
    "户", "组", "队", "轮", "倍", "岁", "颗", "根", "片", "册", "处", "枚",
    # money
    "美元", "欧元", "港元", "元",
    # time
    "核小时", "机时", "小时", "分钟", "毫秒", "秒", "个月", "季度", "年", "天", "周",
    "课时", "学时",
    # measures
    "平方公里", "平方千米", "平方米", "立方米", "公里", "千米", "厘米", "毫米", "微米",
    "纳米", "米", "公顷", "亩", "吨", "千克", "公斤", "克", "千瓦时", "千瓦", "兆瓦", "瓦",
    "焦耳", "度", "字节",
    # symbols (SI and common)
    "W/cm²", "W/cm2", "PFlops", "TFlops", "Gbps", "Tbps", "keV", "MeV", "GeV", "TeV",
    "kHz", "MHz", "GHz", "THz", "Hz", "kW", "MW", "GW", "TW", "PW", "kJ", "MJ", "eV",
    "fs", "ps", "ns", "μs", "ms", "nm", "μm", "mm", "cm", "km", "m²", "m³", "km²",
    "kg", "PB", "TB", "GB", "MB", "°C", "℃", "W", "J", "m", "g", "s",
)  # fmt: skip

_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# A Latin unit must end a word: "5G" and "3D" are names, not 5 grams or 3 days.
_CLAIM = re.compile(phrase_pattern(rf"(?:{_UNIT})(?![A-Za-z])"))

# A number joined by one of these to a digit or Latin letter is part of a range, date or
# identifier ("1—10月", "1至10月", "GB/T 15835-2011", "9:30", "1.2.3", "COVID-19", "No.1").
_JOINERS = "-—–~～:/.至到"
# After a bare number, these make it an ordinal, a class or a date ("1类新药", "8月", "3号线").
_NOT_AFTER = ("类", "级", "号", "代", "期", "版", "型", "月", "日", "时", "千", "百", "十")  # fmt: skip
# Words ending in a qualifier character that are not qualifiers ("签约3家" is three).
_NOT_QUALIFIER = ("签约", "合约", "节约", "预约", "制约", "契约", "邀约", "履约", "特约",
                  "公约", "条约", "违约", "最近", "附近", "靠近", "临近", "邻近", "就近",
                  "赶超", "高超")  # fmt: skip
# "近3年" is a time window (the last three years), not "nearly 3 years".
_WINDOW_UNITS = ("年", "个月", "天", "周", "季度")
_LINE_MARKERS = frozenset(" \t#>*-+")
# Chinese enumerators that may precede a section number: "一、", "（二）", "第三部分 ".
_ENUMERATOR = re.compile(
    r"[\s#>*\-+]*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)])\s*"
)


def find_claims(text: str) -> list[ClaimSpan]:
    """Find every quantitative phrase in running text, in order.

    Markdown bold markers ``**`` are ignored: "累计新药管线**800**余个" yields "800余个".
    Spans index the original text (see ClaimSpan). Not claims: dates ("2022年", "8月",
    "1—10月"), ordinals and classes ("第2轮", "1类"), numbers joined to others by - / : .
    (ranges and identifiers), numbers inside Latin names ("5G", "H100"), list and heading
    numbers at the start of a line ("1.2 增强"), "(1)", and time windows ("近3年").
    Chinese numerals ("四合一", "十四五", "首轮") are never read.

    Examples
    --------
    >>> [c.text for c in find_claims("累计新药管线**800**余个，其中1类新药占比超过**50%**")]
    ['800余个', '超过50%']
    >>> [c.text for c in find_claims("1—10月，实现销售收入1560亿元，2022年同比增长26.3%")]
    ['1560亿元', '26.3%']
    """
    stripped, positions = _strip_bold(text)
    folded = fold_width(stripped)
    claims: list[ClaimSpan] = []
    pos = 0
    while match := _CLAIM.search(folded, pos):
        pos = match.end()
        before = match.group("before")
        if before and _is_word(folded, match.start(), before):
            # Re-read from the number itself: "签约3家" -> "3家".
            match = _CLAIM.match(folded, match.start() + len(before))
            if match is None:  # pragma: no cover - the number is there by construction
                continue
            pos = match.end()
        if _is_excluded(folded, match):
            continue
        start, end = match.span()
        claim = stripped[start:end]
        span_start, span_end = _balance(text, positions[start], positions[end - 1] + 1)
        claims.append(ClaimSpan(span_start, span_end, claim, bounds_of(match, claim)))
    return claims


def _strip_bold(text: str) -> tuple[str, list[int]]:
    """Drop ``**`` markers; return the text and each kept character's original index."""
    kept: list[str] = []
    positions: list[int] = []
    i = 0
    while i < len(text):
        if text.startswith("**", i):
            i += 2
            continue
        kept.append(text[i])
        positions.append(i)
        i += 1
    return "".join(kept), positions


def _balance(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span over adjacent ``**`` markers so that its markup stays balanced."""
    if text.count("**", start, end) % 2:
        if text.startswith("**", end):
            end += 2
        elif start >= 2 and text.startswith("**", start - 2):
            start -= 2
    if start >= 2 and text.startswith("**", start - 2) and text.startswith("**", end):
        start, end = start - 2, end + 2
    return start, end


def _is_word(text: str, start: int, before: str) -> bool:
    """Return whether the qualifier at ``start`` ends a word like 签约 or 最近."""
    return any(
        text.startswith(word, start + len(before) - len(word))
        for word in _NOT_QUALIFIER
    )


def _is_excluded(text: str, match: re.Match[str]) -> bool:
    """Return whether a match is a date, ordinal, range, name or list number."""
    g = match.groupdict()
    start = match.start("plain") if g["plain"] is not None else match.start()
    end = match.end("plain") if g["plain"] is not None else match.end()
    prev = text[start - 1] if start else ""
    prev2 = text[start - 2] if start >= 2 else ""
    nxt = text[end : end + 2]
    if prev == "第" or (prev.isascii() and prev.isalpha()):
        return True
    if (prev and prev in _JOINERS and _is_alnum(prev2)) or (
        nxt[:1] and nxt[:1] in _JOINERS and _is_alnum(nxt[1:])
    ):
        return True
    if g["before"] in ("近", "将近", "接近") and g["unit"] in _WINDOW_UNITS:
        return True
    if g["unit"] == "年" and not (
        g["before"] or g["middle"] or g["after"] or g["scale"]
    ):
        return len(g["plain"] or "") == 4  # a year: "2022年"
    if _is_section_number(text, match, start, end):
        return True
    bare = not any(
        g[k] for k in ("before", "scale", "middle", "percent", "unit", "after")
    )
    if not bare or g["plain"] is None:
        return False
    following = text[match.end() : match.end() + 1]
    if following.startswith(_NOT_AFTER) or (
        following.isascii() and following.isalpha()
    ):
        return True
    if prev in ("(", "（") and following in (")", "）"):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    at_line_start = all(c in _LINE_MARKERS for c in text[line_start:start])
    return at_line_start and (
        following in (".", "、", ")", "）") or following.isspace()
    )


def _is_section_number(text: str, match: re.Match[str], start: int, end: int) -> bool:
    """Return whether a number opening a line is a section number ("1.2 增强", "一、1.2增强").

    Such a number has a decimal point and nothing attached to it but text: "1.5万人" at
    the start of a list item is a claim.
    """
    g = match.groupdict()
    if g["plain"] is None or "." not in g["plain"] or g["before"]:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    lead = text[line_start:start]
    if not (all(c in _LINE_MARKERS for c in lead) or _ENUMERATOR.fullmatch(lead)):
        return False
    attached = text[end : end + 1]
    return attached.isspace() or not any(
        g[k] for k in ("scale", "middle", "percent", "unit", "after")
    )


def _is_alnum(char: str) -> bool:
    """Return whether ``char`` is an ASCII digit or letter."""
    return char.isascii() and char.isalnum()
