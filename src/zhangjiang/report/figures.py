"""The figures and facts a report may print: computed values, phrased; stored narrative facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhangjiang.indicators import load_builtin, read_values
from zhangjiang.indicators.model import dimensions_key
from zhangjiang.periods import Period, parse_period
from zhangjiang.phrasing import Style, phrase
from zhangjiang.store import Store
from zhangjiang.store.duckdb import fetch_dicts

__all__ = ["GAP", "FigureBook", "Gap", "base_value", "unit_factor"]

GAP = "\x00GAP\x00"
_SCALES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


@dataclass(frozen=True)
class Gap:
    """A figure or fact the report needed but the data did not have."""

    what: str
    indicator: str
    dimensions: dict[str, Any]
    kind: str = "figure"  # "figure": a computed value; "fact": a narrative record


def unit_factor(unit: str) -> Decimal:
    """Return the factor from a stored unit to its base unit (亿元 -> 1e8, 万人 -> 1e4)."""
    return _SCALES.get(unit[:1], Decimal(1)) if len(unit) > 1 else Decimal(1)


def base_value(value: Any, unit: str) -> Decimal:
    """Return a stored value in base units (1560 亿元 -> 156000000000 元)."""
    return Decimal(str(value)) * unit_factor(unit)


@dataclass
class FigureBook:
    """Look up computed values by indicator and dimensions and phrase them for a report."""

    store: Store
    period: Period
    lang: str = "zh"
    bold: bool = True
    gaps: list[Gap] = field(default_factory=list)
    used: list[dict[str, Any]] = field(default_factory=list)
    skeleton: bool = False

    def __post_init__(self) -> None:
        self._values = {
            (
                r["id"],
                dimensions_key(r["dimensions"]),
            ): r
            for r in read_values(self.store, self.period.label)
        }
        self._registry = load_builtin()

    @classmethod
    def for_period(cls, store: Store, period: str, **kwargs: Any) -> FigureBook:
        """Return the figure book of ``period`` (e.g. "2022")."""
        return cls(store, parse_period(period), **kwargs)

    def value(self, indicator: str, **dims: Any) -> dict[str, Any] | None:
        """Return the stored value row of an indicator for these dimensions, or None."""
        key = (indicator, dimensions_key(dims))
        row = self._values.get(key)
        return row if row is not None and row["value"] is not None else None

    def has_values(self) -> bool:
        """Return whether the period has any computed value."""
        return any(row["value"] is not None for row in self._values.values())

    def fig(
        self, indicator: str, style: dict[str, Any] | None = None, **dims: Any
    ) -> str:
        """Return the phrased figure (number in bold) or a gap marker that drops the line."""
        if self.skeleton:
            return f"⟦{indicator}|{dimensions_key(dims)}⟧"
        row = self.value(indicator, **dims)
        ind = self._registry.get(indicator)
        if row is None or ind is None:
            self.gaps.append(
                Gap(indicator if ind is None else ind.title_zh, indicator, dims)
            )
            return GAP
        merged = {**ind.style, **(style or {})}
        if "unit" not in merged and not merged.get("percent"):
            merged["unit"] = (
                row["unit"][1:] if unit_factor(row["unit"]) != 1 else row["unit"]
            )
        if (
            "unit_en" not in merged
            and not merged.get("percent")
            and unit_factor(row["unit"]) == 1
        ):
            merged["unit_en"] = ind.unit_en
        text = self.phrase_value(row["value"], row["unit"], merged)
        self.used.append({**row, "text": text.replace("**", "")})
        return text

    def num(
        self, indicator: str, style: dict[str, Any] | None = None, **dims: Any
    ) -> str:
        """Return the phrased figure without its unit, for a sentence that names the
        counted thing itself ("**28** banks", not "banks: **28** banks")."""
        return self.fig(indicator, {**(style or {}), "unit": "", "unit_en": ""}, **dims)

    def phrase_value(self, value: Any, unit: str, style: dict[str, Any]) -> str:
        """Phrase a stored value with a style, bolding the number part."""
        written = phrase(base_value(value, unit), Style(**style), self.lang)
        if not self.bold or not written.number:
            return written.text
        number = (
            written.number + "%"
            if f"{written.number}%" in written.text
            else written.number
        )
        return written.text.replace(number, f"**{number}**", 1)

    def label(self, indicator: str, **dims: Any) -> str:
        """Return the reference-period label of a value ("1—10月" style), or a gap marker."""
        if self.skeleton:
            return ""
        row = self.value(indicator, **dims)
        if row is None:
            return GAP
        label = (
            row["reference_period"] if self.lang == "zh" else row["reference_period_en"]
        )
        if self.lang != "zh":
            return str(label)
        # Within the year's report "2022年1—10月" reads "1—10月"; the whole year "全年".
        return str(label).removeprefix(f"{self.period.year}年") or "全年"

    def names(self, indicator: str, **dims: Any) -> list[str]:
        """Return the values of the extra dimension of an indicator listing items (e.g. projects)."""
        ind = self._registry.get(indicator)
        if ind is None:
            return []
        out = []
        for (ind_id, _), row in self._values.items():
            if ind_id == indicator and all(
                row["dimensions"].get(k) == v for k, v in dims.items()
            ):
                extra = [v for k, v in row["dimensions"].items() if k not in dims]
                out.extend(str(v) for v in extra)
        return sorted(out)

    def facts(
        self, dataset: str, group: str | None = None, group_column: str = "group"
    ) -> list[dict[str, Any]]:
        """Return narrative fact rows (events, milestones) of the period, in their order."""
        if self.skeleton:
            return []
        with self.store.connect(read_only=True) as con:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                [dataset],
            ).fetchone()
            if not exists or not exists[0]:
                return []
            columns = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                    [dataset],
                ).fetchall()
            }
            where, params = [], []
            if "date" in columns:
                where.append('"date" >= ? AND "date" < ?')
                params += [self.period.start, self.period.end]
            if group is not None and group_column in columns:
                where.append(f'"{group_column}" = ?')
                params.append(group)
            order = (
                ", ".join(c for c in ('"order"', '"date"') if c.strip('"') in columns)
                or "_row"
            )
            sql = (
                f"SELECT * FROM {dataset}"
                + (" WHERE " + " AND ".join(where) if where else "")
                + f" ORDER BY {order}"
            )
            return fetch_dicts(con, sql, params)
