"""Suggest the closest known name for a mistyped one ("did you mean …?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "unknown_name"]


def did_you_mean(name: str, known: Iterable[str]) -> list[str]:
    """Return up to three known names close to ``name``, closest first.

    Examples
    --------
    >>> did_you_mean("porjects", ["projects", "patents", "laser-shots"])
    ['projects']
    """
    names = list(known)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    lowered = {n.lower(): n for n in names}
    if not close and name.lower() in lowered:
        close = [lowered[name.lower()]]
    return close


def unknown_name(what_zh: str, what_en: str, name: str, known: Iterable[str]) -> str:
    """Return a bilingual "unknown X; did you mean" message listing the known names once.

    Examples
    --------
    >>> print(unknown_name("报表", "form", "porjects", ["projects", "patents"]))
    未知的报表“porjects”；您是不是要找：projects / unknown form 'porjects'; did you mean: projects? (known: patents, projects)
    """
    names = sorted(known)
    close = did_you_mean(name, names)
    if close:
        hint = "、".join(close)
        return (
            f"未知的{what_zh}“{name}”；您是不是要找：{hint} / unknown {what_en} "
            f"{name!r}; did you mean: {', '.join(close)}? (known: {', '.join(names)})"
        )
    return (
        f"未知的{what_zh}“{name}” / unknown {what_en} {name!r}; "
        f"known: {', '.join(names)}"
    )
