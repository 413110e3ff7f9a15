"""Data review (数据审核) before release: declared rules, warnings with stable ids, explanations.

A statistics office publishes a suspicious figure only with a written explanation (审核说明)
on file. The rules below read the computed working values (``indicator_values``) and the
cells of the monthly forms, and each finding is a warning with an id that hashes what it is
about (rule, indicator, dimensions, period and the values involved): recomputing the same
values keeps the id and its explanation, a corrected value gets a new id. A release of a
period is refused while a blocking warning within it has no explanation
(``refuse_unexplained``, called by ``portal.releases.release_period``).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from zhangjiang.completeness import presence
from zhangjiang.errors import ReleaseError, ZhangjiangError
from zhangjiang.forms import get_form
from zhangjiang.forms.model import Form
from zhangjiang.indicators import load_builtin
from zhangjiang.indicators.model import Indicator, dimensions_key
from zhangjiang.periods import Period, parse_period
from zhangjiang.phrasing.numbers import format_grouped, json_number, tidy
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, fetch_dicts, now

__all__ = [
    "DEFAULT_YOY_THRESHOLD",
    "RANGE_FACTOR",
    "RULES",
    "TOTALS",
    "YOY_THRESHOLDS",
    "QualityError",
    "QualityRule",
    "QualityWarning",
    "TotalCheck",
    "UnexplainedWarningsError",
    "UnknownWarningError",
    "check",
    "explain",
    "refuse_unexplained",
    "review",
]


@dataclass(frozen=True)
class QualityRule:
    """A declared review rule: id, whether it blocks a release, zh/en title and template."""

    id: str
    blocking: bool
    title_zh: str
    title_en: str
    template_zh: str
    template_en: str


@dataclass(frozen=True)
class TotalCheck:
    """A total that must equal the sum of its parts, within ``tolerance`` per cent."""

    total: str
    parts: tuple[str, ...]
    tolerance: Decimal = Decimal("0.5")


#: Every rule, declared once (the catalogue pages, the CLI and the tests enumerate it).
RULES: dict[str, QualityRule] = {
    r.id: r
    for r in [
        QualityRule(
            "yoy-swing",
            True,
            "同比波动过大",
            "Year-on-year swing",
            "{title_zh}（{ref_zh}）为{value_zh}，上年同期为{previous_zh}，同比{direction_zh}"
            "{pct}%，超出审核阈值±{limit}%",
            "{title_en} ({ref_en}) is {value_en} against {previous_en} a year earlier, "
            "{direction_en} {pct}% year on year, beyond the review threshold of ±{limit}%",
        ),
        QualityRule(
            "out-of-range",
            True,
            "超出历史区间",
            "Outside its own history",
            "{title_zh}（{ref_zh}）为{value_zh}，{side_zh}（前{months}个月在{low_zh}～"
            "{high_zh}之间）",
            "{title_en} ({ref_en}) is {value_en}, {side_en} (its previous {months} "
            "months range from {low_en} to {high_en})",
        ),
        QualityRule(
            "missing-month",
            False,
            "缺月",
            "Missing month",
            "报表“{form_zh}”{year}年{month}月没有任何单位报送，而当年更晚的月份已有数据",
            "form {form_en!r} has no data for {month_en} {year} although later months "
            "of the year have",
        ),
        QualityRule(
            "missing-reporter",
            False,
            "单位缺报",
            "Missing reporter",
            "报表“{form_zh}”{year}年{month}月缺少报送单位 {reporter} 的数据",
            "form {form_en!r} lacks {month_en} {year} from reporter {reporter}",
        ),
        QualityRule(
            "totals-disagree",
            True,
            "总量与分项不符",
            "Total and parts disagree",
            "{title_zh}（{ref_zh}）为{value_zh}，而{parts_zh}之和为{sum_zh}，相差{pct}%，"
            "超出容差{limit}%",
            "{title_en} ({ref_en}) is {value_en} but {parts_en} add up to {sum_en}, "
            "{pct}% apart, beyond the tolerance of {limit}%",
        ),
    ]
}

#: Year-on-year swing (per cent, either direction) beyond which a value needs an explanation.
DEFAULT_YOY_THRESHOLD = Decimal(50)
#: Thresholds of single indicators, by id. Counts of a handful a year (milestones,
#: approvals, pilot enterprises) move by a large percentage when one or two are added.
YOY_THRESHOLDS: dict[str, Decimal] = dict.fromkeys(
    (
        "events.count",
        "facility.count",
        "facility.milestones",
        "facility.platforms",
        "bio.class1_approved",
        "bio.devices_approved",
        "enterprise.listings_new",
        "pilot.biomed_whitelist",
        "pilot.ic_bonded",
    ),
    Decimal(100),
)
#: A monthly value above RANGE_FACTOR x the maximum or below 1/RANGE_FACTOR of the
#: minimum of its previous RANGE_MONTHS monthly values (at least RANGE_MIN_HISTORY).
RANGE_FACTOR = Decimal(3)
RANGE_MONTHS = 12
RANGE_MIN_HISTORY = 3
#: Totals that must equal the sum of their parts across indicators (逻辑性审核). A part's
#: rows are summed over the dimensions the total does not have.
TOTALS: tuple[TotalCheck, ...] = (
    TotalCheck(
        "industry.bio_scale", ("industry.bio_manufacturing", "industry.bio_services")
    ),
)


class QualityError(ZhangjiangError):
    """A data-quality warning cannot be explained as asked."""


class UnknownWarningError(QualityError):
    """No current data-quality warning has that id."""


class UnexplainedWarningsError(ReleaseError):
    """A period has blocking data-quality warnings without an explanation."""

    def __init__(self, period: str, warnings: list[QualityWarning]) -> None:
        self.period = period
        self.warnings = warnings
        zh = "；".join(
            f"{w.id}（{w.indicator}，{w.period}）：{w.message_zh}" for w in warnings
        )
        en = "; ".join(
            f"{w.id} ({w.indicator}, {w.period}): {w.message_en}" for w in warnings
        )
        super().__init__(
            f"报告期 {period} 有 {len(warnings)} 条阻断性数据审核警告尚无审核说明，不能发布"
            f"（请先用 zhangjiang quality explain 填写说明）：{zh} / period {period} has "
            f"{len(warnings)} blocking data-quality warning(s) without an explanation, "
            f"so it cannot be released (explain each with zhangjiang quality explain): {en}"
        )


@dataclass
class QualityWarning:
    """One finding of a rule; ``explanation`` is None until a statistician gives one."""

    id: str
    rule: str
    indicator: str | None
    dimensions: dict[str, Any]
    period: str
    message_zh: str
    message_en: str
    blocking: bool
    explanation: dict[str, Any] | None = None
    form: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract of a warning."""
        return asdict(self)


def review(store: Store, period: str | None = None) -> list[QualityWarning]:
    """Return the warnings of ``period`` (and every period inside it), or of every period.

    Examples
    --------
    >>> [w.rule for w in review(store, "2022") if w.blocking]  # doctest: +SKIP
    ['yoy-swing', 'out-of-range']
    """
    with store.connect(read_only=True) as con:
        return check(con, period)


def check(con: Connection, period: str | Period | None = None) -> list[QualityWarning]:
    """Run every rule over the stored values and cells of ``period`` on ``con``."""
    scope = _scope(period)
    registry = load_builtin()
    rows = fetch_dicts(
        con,
        "SELECT indicator_id, dimensions, period, reference_period, reference_period_en, "
        "value, unit, previous, yoy FROM indicator_values WHERE value IS NOT NULL",
    )
    rows = [r for r in rows if r["indicator_id"] in registry]
    inside = [r for r in rows if _within(r["period"], scope)]
    found = [
        *_yoy_swings(inside, registry),
        *_out_of_range(rows, scope, registry),
        *_totals(inside, registry),
        *_missing(con, inside, scope, registry),
    ]
    order = list(RULES)
    found.sort(
        key=lambda w: (
            _period(w.period).start,
            _period(w.period).end,
            order.index(w.rule),
            w.indicator or w.form or "",
            dimensions_key(w.dimensions),
        )
    )
    _attach_explanations(con, found)
    return found


def refuse_unexplained(con: Connection, period: str) -> None:
    """Raise UnexplainedWarningsError when a blocking warning of ``period`` is unexplained."""
    open_ = [w for w in check(con, period) if w.blocking and w.explanation is None]
    if open_:
        raise UnexplainedWarningsError(parse_period(period).label, open_)


def explain(store: Store, warning_id: str, text: str, user: str) -> QualityWarning:
    """Record ``user``'s explanation of a current warning; return the explained warning."""
    text = text.strip()
    if not text:
        raise QualityError("审核说明不能为空 / the explanation must not be empty")
    with store.transaction() as con:
        match = [w for w in check(con) if w.id == warning_id]
        if not match:
            raise UnknownWarningError(
                f"没有编号为 {warning_id} 的数据审核警告（请用 zhangjiang quality 查看当前警告）"
                f" / no current data-quality warning has id {warning_id!r} (list them "
                "with zhangjiang quality)"
            )
        at = now()
        con.execute(
            "DELETE FROM quality_explanations WHERE warning_id = ?", [warning_id]
        )
        con.execute(
            "INSERT INTO quality_explanations VALUES (?, ?, ?, ?)",
            [warning_id, text, user, at],
        )
    warning = match[0]
    warning.explanation = {"text": text, "by": user, "at": at.isoformat()}
    return warning


# --- The rules ----------------------------------------------------------------------------


def _yoy_swings(
    rows: list[dict[str, Any]], registry: dict[str, Indicator]
) -> Iterable[QualityWarning]:
    rule = RULES["yoy-swing"]
    for row in rows:
        ind = registry[row["indicator_id"]]
        yoy, previous = row["yoy"], row["previous"]
        if yoy is None or previous is None or ind.yoy_of is not None:
            continue
        limit = YOY_THRESHOLDS.get(ind.id, DEFAULT_YOY_THRESHOLD)
        if abs(yoy) <= limit:
            continue
        up = yoy > 0
        yield _warning(
            rule,
            row,
            ind,
            [row["value"], previous],
            previous_zh=_amount(previous, ind, "zh"),
            previous_en=_amount(previous, ind, "en"),
            direction_zh="增长" if up else "下降",
            direction_en="up" if up else "down",
            pct=_pct(abs(yoy)),
            limit=_num(limit),
        )


def _out_of_range(
    rows: list[dict[str, Any]], scope: Period | None, registry: dict[str, Indicator]
) -> Iterable[QualityWarning]:
    rule = RULES["out-of-range"]
    series: dict[tuple[str, str], dict[int, Decimal]] = defaultdict(dict)
    for row in rows:
        if _period(row["period"]).kind == "month":
            series[(row["indicator_id"], row["dimensions"])][_index(row)] = row["value"]
    for row in rows:
        ind = registry[row["indicator_id"]]
        if (
            _period(row["period"]).kind != "month"
            or ind.yoy_of is not None
            or not _within(row["period"], scope)
        ):
            continue
        months = series[(row["indicator_id"], row["dimensions"])]
        at = _index(row)
        history = [months[i] for i in range(at - RANGE_MONTHS, at) if i in months]
        if len(history) < RANGE_MIN_HISTORY:
            continue
        low, high, value = min(history), max(history), row["value"]
        factor = _num(RANGE_FACTOR)
        if high > 0 and value > high * RANGE_FACTOR:
            side_zh = f"超过前期最高值的{factor}倍"
            side_en = f"more than {factor}× the highest of its previous months"
        elif low > 0 and value < low / RANGE_FACTOR:
            side_zh = f"不足前期最低值的1/{factor}"
            side_en = f"less than 1/{factor} of the lowest of its previous months"
        else:
            continue
        yield _warning(
            rule,
            row,
            ind,
            [value],
            side_zh=side_zh,
            side_en=side_en,
            months=len(history),
            low_zh=_amount(low, ind, "zh"),
            high_zh=_amount(high, ind, "zh"),
            low_en=_amount(low, ind, "en"),
            high_en=_amount(high, ind, "en"),
        )


def _totals(
    rows: list[dict[str, Any]], registry: dict[str, Indicator]
) -> Iterable[QualityWarning]:
    rule = RULES["totals-disagree"]
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_id[row["indicator_id"]].append(row)
    for spec in TOTALS:
        ind = registry.get(spec.total)
        parts = [registry[p] for p in spec.parts if p in registry]
        if ind is None or len(parts) != len(spec.parts):
            continue
        for row in by_id[spec.total]:
            dims = json.loads(row["dimensions"])
            found = [
                [
                    r["value"]
                    for r in by_id[part.id]
                    if r["period"] == row["period"] and _matches(r, dims)
                ]
                for part in parts
            ]
            if not all(found):
                continue  # a part has no value for the period: nothing to compare
            total, summed = row["value"], sum(sum(f) for f in found)
            gap = abs(total - summed)
            pct = gap * 100 / abs(total) if total else (Decimal(100) if gap else 0)
            if pct <= spec.tolerance:
                continue
            yield _warning(
                rule,
                row,
                ind,
                [total, *(v for f in found for v in f)],
                parts_zh="、".join(p.title_zh for p in parts),
                parts_en=" + ".join(p.title_en for p in parts),
                sum_zh=_amount(summed, ind, "zh"),
                sum_en=_amount(summed, ind, "en"),
                pct=_pct(Decimal(pct)),
                limit=_num(spec.tolerance),
            )


def _missing(
    con: Connection,
    rows: list[dict[str, Any]],
    scope: Period | None,
    registry: dict[str, Indicator],
) -> Iterable[QualityWarning]:
    forms: dict[str, Form] = {}
    for row in rows:
        ind = registry[row["indicator_id"]]
        base = registry.get(ind.yoy_of, ind) if ind.yoy_of else ind
        for name in base.inputs:
            form = get_form(name)
            if form.cycle == "monthly":
                forms[form.name] = form
    for form in forms.values():
        have = presence(con, form)
        for year in sorted(have.years()):
            for month, absent in sorted(have.missing(year).items()):
                label = f"{year:04d}-{month:02d}"
                if not _within(label, scope):
                    continue
                if not have.cells.get(label):
                    yield _form_warning("missing-month", form, label, None)
                    continue
                for reporter in sorted(absent):
                    yield _form_warning("missing-reporter", form, label, reporter)


# --- Building warnings --------------------------------------------------------------------


def _warning(
    rule: QualityRule,
    row: dict[str, Any],
    ind: Indicator,
    involved: list[Decimal],
    **fields: Any,
) -> QualityWarning:
    dims = json.loads(row["dimensions"])
    value = row["value"]
    texts = {
        "title_zh": ind.title_zh + _dims_text(dims, "，"),
        "title_en": ind.title_en + _dims_text(dims, ", "),
        "ref_zh": row["reference_period"],
        "ref_en": row["reference_period_en"],
        "value_zh": _amount(value, ind, "zh"),
        "value_en": _amount(value, ind, "en"),
        **fields,
    }
    return QualityWarning(
        id=_warning_id(rule.id, ind.id, dims, row["period"], involved),
        rule=rule.id,
        indicator=ind.id,
        dimensions=dims,
        period=row["period"],
        message_zh=rule.template_zh.format(**texts),
        message_en=rule.template_en.format(**texts),
        blocking=rule.blocking,
        values={
            "value": _plain(value),
            **(
                {"involved": [_plain(v) for v in involved]} if len(involved) > 1 else {}
            ),
        },
    )


def _form_warning(
    rule_id: str, form: Form, label: str, reporter: str | None
) -> QualityWarning:
    rule = RULES[rule_id]
    per = _period(label)
    dims = {"reporter": reporter} if reporter is not None else {}
    texts = {
        "form_zh": form.zh,
        "form_en": form.en,
        "year": per.year,
        "month": per.start.month,
        "month_en": f"{per.start:%B}",
        "reporter": reporter or "",
    }
    return QualityWarning(
        id=_warning_id(rule.id, form.name, dims, label, []),
        rule=rule.id,
        indicator=None,
        dimensions=dims,
        period=label,
        message_zh=rule.template_zh.format(**texts),
        message_en=rule.template_en.format(**texts),
        blocking=rule.blocking,
        form=form.name,
    )


def _warning_id(
    rule: str, subject: str, dims: dict[str, Any], period: str, values: list[Decimal]
) -> str:
    """Return a stable id: the same finding about the same values has the same id."""
    key = json.dumps(
        [rule, subject, dims, period, [_text(v) for v in values]],
        sort_keys=True,
        ensure_ascii=False,
    )
    return "q-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _attach_explanations(con: Connection, warnings: list[QualityWarning]) -> None:
    if not warnings:
        return
    rows = fetch_dicts(
        con,
        "SELECT warning_id, text, explained_by, explained_at FROM quality_explanations "
        "WHERE list_contains(?, warning_id)",
        [[w.id for w in warnings]],
    )
    given = {r["warning_id"]: r for r in rows}
    for w in warnings:
        if (r := given.get(w.id)) is not None:
            w.explanation = {
                "text": r["text"],
                "by": r["explained_by"],
                "at": r["explained_at"].isoformat(),
            }


# --- Small helpers ------------------------------------------------------------------------


def _scope(period: str | Period | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    return parse_period(period)


@cache
def _period(label: str) -> Period:
    return parse_period(label)


def _within(label: str, scope: Period | None) -> bool:
    """Return True when the period ``label`` lies inside ``scope`` (or there is no scope)."""
    if scope is None:
        return True
    per = _period(label)
    return scope.start <= per.start and per.end <= scope.end


def _index(row: dict[str, Any]) -> int:
    start = _period(row["period"]).start
    return start.year * 12 + start.month - 1


def _matches(row: dict[str, Any], dims: dict[str, Any]) -> bool:
    own = json.loads(row["dimensions"])
    return all(own.get(k) == v for k, v in dims.items())


def _dims_text(dims: dict[str, Any], sep: str) -> str:
    return "".join(f"{sep}{k}={v}" for k, v in sorted(dims.items()))


def _text(value: Decimal) -> str:
    return format(tidy(Decimal(value)), "f")


def _plain(value: Decimal) -> int | float:
    return json_number(tidy(Decimal(value)))


def _num(value: Decimal) -> str:
    return format_grouped(tidy(Decimal(value)), None, trim=True)


def _pct(value: Decimal) -> str:
    return format_grouped(Decimal(value), 1, trim=False)


def _amount(value: Decimal, ind: Indicator, lang: str) -> str:
    number = format_grouped(tidy(Decimal(value)), 2, trim=True)
    if lang == "zh":
        return f"{number}{ind.unit}"
    unit = ind.unit_en or ind.unit
    return f"{number}%" if unit == "%" else f"{number} {unit}"
