"""Page language and the labels of declared codes (areas, statuses), in Chinese and English."""

from __future__ import annotations

from fastapi import Request

__all__ = [
    "AREAS",
    "BATCH_STATUSES",
    "DEFAULT_LANG",
    "LANGS",
    "LANG_COOKIE",
    "VALUE_STATUSES",
    "area_title",
    "label",
    "pick",
    "resolve_lang",
]

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"

#: Areas of the report (indicator ``domain``), in the order of the seed; an indicator of
#: an undeclared domain still gets its own area, titled by its id.
AREAS: dict[str, tuple[str, str]] = {
    "science_city": ("张江科学城", "Zhangjiang Science City"),
    "enterprises": ("企业创新主体", "Innovative enterprises"),
    "industry": ("主导产业", "Leading industries"),
    "pilots": ("创新制度先行先试", "Institutional pilots"),
    "talent": ("科创人才", "Talent"),
    "facilities": ("重大科技基础设施", "Major research facilities"),
    "hpc": ("超级计算", "Supercomputing"),
    "core": ("综合", "General"),
}

VALUE_STATUSES: dict[str, tuple[str, str]] = {
    "provisional": ("初步数", "provisional"),
    "final": ("最终数", "final"),
}

BATCH_STATUSES: dict[str, tuple[str, str]] = {
    "loaded": ("已加载", "loaded"),
    "superseded": ("已被替代", "superseded"),
    "rejected": ("已拒绝", "rejected"),
    "pending": ("待审核", "pending"),
}


def resolve_lang(request: Request) -> tuple[str, bool]:
    """Return the page language and whether it was chosen now (to remember in a cookie).

    ``?lang=en`` wins, then the cookie, then Chinese.
    """
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked, True
    remembered = request.cookies.get(LANG_COOKIE)
    return (remembered if remembered in LANGS else DEFAULT_LANG), False


def pick(lang: str, zh: str, en: str) -> str:
    """Return ``en`` for English pages and ``zh`` otherwise."""
    return en if lang == "en" else zh


def label(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    """Return the label of ``code`` in a declared table, or the code itself."""
    zh, en = table.get(code, (code, code))
    return pick(lang, zh, en)


def area_title(domain: str, lang: str) -> str:
    """Return the title of an area (indicator domain)."""
    return label(AREAS, domain, lang)
