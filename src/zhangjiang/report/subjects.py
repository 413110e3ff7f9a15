"""The subjects a sentence names, for mapping its figures: facilities, systems, industries, rounds.

A figure belongs to the facility, computing system, industry, clearance kind or project
round its sentence names. Each subject is declared once with the words that name it: a
dimension value of the indicators (``facility="ssrf"``) and its aliases. The facilities'
own names come from the facility catalogue.
"""

from __future__ import annotations

import re
from typing import Any

from zhangjiang.indicators.facilities_catalog import FACILITIES

__all__ = ["SUBJECTS", "has_sum_word", "ordinal", "subjects_in"]

#: Dimension -> value -> words naming it (besides the value itself).
SUBJECTS: dict[str, dict[Any, tuple[str, ...]]] = {
    "facility": {
        fid: (name.split("（")[0], name) for fid, (name, _en) in FACILITIES.items()
    },
    "system": {
        "魔方II": ("魔方II", "魔方2", "魔方二", "曙光5000A"),
        "魔方III": ("魔方III", "魔方3", "魔方三"),
    },
    "industry": {
        "集成电路": ("集成电路", "芯片"),
        "生物医药": ("生物医药",),
        "人工智能和电子信息": ("人工智能和电子信息", "人工智能", "电子信息"),
    },
    "kind": {
        "便捷通关": ("便捷通关",),
        "保税仓库": ("保税仓库",),
    },
}
_FACILITY_ALIASES: dict[str, tuple[str, ...]] = {
    "ssrf": ("上海光源", "光源一期"),
    "ssrf2": ("光源二期", "线站工程"),
    "hard_xfel": ("硬X射线自由电子激光", "硬X射线"),
    "soft_xfel": ("软X射线自由电子激光", "软X射线"),
    "protein": ("蛋白质设施", "蛋白质科学研究", "蛋白质中心"),
    "ward": ("转化医学", "研究型病房"),
    "shenguang2": ("神光II", "神光二号", "神光Ⅱ"),
    "liver_cancer": ("肝癌科学中心", "肝癌中心"),
    "seafloor": ("海底科学观测网", "海底观测网"),
    "gas_turbine": ("燃气轮机",),
    "sulf": ("超强超短激光", "超强超短"),
    "live_cell": ("活细胞",),
    "supercomputing": ("超级计算中心", "超算中心", "超算"),
}
for _fid, _words in _FACILITY_ALIASES.items():
    SUBJECTS["facility"][_fid] = (*SUBJECTS["facility"][_fid], *_words)

_ORDINAL = re.compile(r"(?:首|第\s*([一二三四五六七八九十\d]+))\s*(?:轮|批)")
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_TOPIC = ("产业", "领域", "行业", "人才")
_SUM = re.compile(r"共|合计|总计|一共|加起来|两系统|两台")
# Longest words first, so that 魔方III wins over 魔方II and 光源二期 over 上海光源.
_WORDS: list[tuple[str, str, Any]] = sorted(
    (
        (word.replace(" ", ""), dim, value)
        for dim, values in SUBJECTS.items()
        for value, words in values.items()
        for word in {str(value), *words}
    ),
    key=lambda t: len(t[0]),
    reverse=True,
)


def subjects_in(text: str, topical: bool = False) -> dict[str, list[Any]]:
    """Return each dimension's values named in ``text``, in order of mention.

    With ``topical``, an industry counts only as the topic of the text ("集成电路产业").

    Examples
    --------
    >>> subjects_in("“魔方 II”和“魔方 III”共提供18748万核小时")
    {'system': ['魔方II', '魔方III']}
    >>> subjects_in("上海光源线站工程（光源二期）")
    {'facility': ['ssrf2']}
    """
    plain = re.sub(r"\s+", "", text).replace("Ⅱ", "II").replace("Ⅲ", "III")
    taken = [False] * len(plain)
    found: list[tuple[int, str, Any]] = []
    for word, dim, value in _WORDS:
        start = plain.find(word)
        while start >= 0:
            end = start + len(word)
            # As the topic of a sentence an industry reads "集成电路产业…"; in
            # "人工智能企业642家" it only qualifies a noun.
            is_topic = not topical or dim != "industry" or plain.startswith(_TOPIC, end)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                if is_topic:
                    found.append((start, dim, value))
            start = plain.find(word, end)
    out: dict[str, list[Any]] = {}
    for _pos, dim, value in sorted(found, key=lambda t: t[0]):
        if value not in out.setdefault(dim, []):
            out[dim].append(value)
    return out


def ordinal(text: str) -> int | None:
    """Return the round a text names ("首轮" 1, "第二轮" 2, "第3轮" 3), the last one if several."""
    found = list(_ORDINAL.finditer(text))
    if not found:
        return None
    word = found[-1].group(1)
    if word is None:
        return 1
    if word.isdigit():
        return int(word)
    if word.startswith("十"):
        return 10 + _NUMERALS.get(word[1:], 0)
    return _NUMERALS.get(word)


def has_sum_word(text: str) -> bool:
    """Return whether a text adds its subjects up ("共", "合计", "总计")."""
    return bool(_SUM.search(text))
