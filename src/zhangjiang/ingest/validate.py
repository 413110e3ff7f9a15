"""Validate a raw table against its form: find the header, type every cell, collect problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from zhangjiang.forms.model import Column, Form, normalize_label
from zhangjiang.ingest.problems import Problem, problem
from zhangjiang.ingest.tabular import RawTable
from zhangjiang.ingest.values import CellError, parse_cell
from zhangjiang.periods import Period

__all__ = ["Validated", "validate_table"]

_HEADER_SCAN_ROWS = 20


@dataclass
class Validated:
    """Typed rows ready to store, with every problem found."""

    form: Form
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that reject the file."""
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        """Return the problems that are only reported."""
        return [p for p in self.problems if not p.is_error]


def validate_table(
    table: RawTable, form: Form, period: Period | None = None
) -> Validated:
    """Check every row of ``table`` against ``form``; collect all problems at once."""
    out = Validated(form, problems=list(table.problems))
    nonblank = [(n, cells) for n, cells in table.rows if not _is_blank(cells)]
    if not nonblank:
        out.problems.append(problem("empty-file", table.file, sheet=table.sheet))
        return out
    header_at, mapping = _find_header(table, form)
    if header_at is None:
        out.problems.append(
            problem(
                "header-not-found",
                table.file,
                sheet=table.sheet,
                rows=_HEADER_SCAN_ROWS,
                form=form.name,
            )
        )
        return out
    _check_columns(table, form, header_at, mapping, out)
    if out.errors:
        return out
    header_rows = _header_rows(table, form, header_at)
    header_cells = dict(table.rows)[header_at]
    seen_keys: dict[tuple[Any, ...], int] = {}
    data_rows = [(n, cells) for n, cells in table.rows if n > header_rows[-1]]
    # Trailing blank rows are noise from spreadsheets, not worth a warning.
    while data_rows and _is_blank(data_rows[-1][1]):
        data_rows.pop()
    for number, cells in data_rows:
        if _is_blank(cells):
            out.problems.append(
                problem("blank-row", table.file, sheet=table.sheet, row=number)
            )
            continue
        if _extra_fields(table, number, cells, len(header_cells), out):
            continue
        record = _validate_row(table, form, mapping, number, cells, period, out)
        if record is None:
            continue
        if form.keys:
            key = tuple(record[k] for k in form.keys)
            if key in seen_keys:
                out.problems.append(
                    problem(
                        "duplicate-key",
                        table.file,
                        sheet=table.sheet,
                        row=number,
                        column=form.column(form.keys[0]).zh,
                        column_en=form.column(form.keys[0]).en,
                        value="/".join(map(str, key)),
                        keys="、".join(form.column(k).zh for k in form.keys),
                        first_row=seen_keys[key],
                    )
                )
                continue
            seen_keys[key] = number
        record["_row"] = number
        out.rows.append(record)
    if not out.rows and not out.errors:
        out.problems.append(problem("no-data-rows", table.file, sheet=table.sheet))
    return out


def _extra_fields(
    table: RawTable, number: int, cells: list[Any], width: int, out: Validated
) -> bool:
    """Report a text row with values beyond the header's columns (they would be lost)."""
    if table.sheet is not None:  # spreadsheets: cells beside the table are notes
        return False
    extras = [c for c in cells[width:] if not _is_blank([c])]
    if not extras:
        return False
    shown = "、".join(repr(str(c))[:40] for c in extras[:5])
    out.problems.append(
        problem(
            "extra-fields",
            table.file,
            row=number,
            count=len(extras),
            columns=width,
            extras=shown + ("…" if len(extras) > 5 else ""),
        )
    )
    return True


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _label_index(form: Form) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in form.columns:
        for label in col.labels():
            index[label] = col
    return index


def _match(cells: list[Any], index: dict[str, Column]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        label = normalize_label(cell)
        col = index.get(label) or index.get(_strip_unit(label))
        if col is not None:
            found[i] = col
    return found


def _strip_unit(label: str) -> str:
    for opener in ("(", "（"):
        if opener in label:
            return label.split(opener, 1)[0]
    return label


def _find_header(table: RawTable, form: Form) -> tuple[int | None, dict[int, Column]]:
    index = _label_index(form)
    best: tuple[int | None, dict[int, Column]] = (None, {})
    for number, cells in table.rows[:_HEADER_SCAN_ROWS]:
        found = _match(cells, index)
        if len({c.name for c in found.values()}) > len(
            {c.name for c in best[1].values()}
        ):
            best = (number, found)
    return best


def _header_rows(table: RawTable, form: Form, header_at: int) -> list[int]:
    """Return the header row and the second (other-language) header row that may follow."""
    index = _label_index(form)
    rows = [header_at]
    following = [(n, c) for n, c in table.rows if n > header_at][:1]
    for number, cells in following:
        if len(_match(cells, index)) >= max(
            1, len([c for c in cells if c not in (None, "")]) // 2
        ):
            rows.append(number)
    return rows


def _check_columns(
    table: RawTable,
    form: Form,
    header_at: int,
    mapping: dict[int, Column],
    out: Validated,
) -> None:
    seen: dict[str, int] = {}
    for i, col in sorted(mapping.items()):
        if col.name in seen:
            out.problems.append(
                problem(
                    "duplicate-column",
                    table.file,
                    sheet=table.sheet,
                    row=header_at,
                    column=col.zh,
                    column_en=col.en,
                    label_zh=col.zh,
                    label_en=col.en,
                )
            )
        seen[col.name] = i
    present = {c.name for c in mapping.values()}
    for col in form.columns:
        if col.required and col.name not in present:
            out.problems.append(
                problem(
                    "missing-column",
                    table.file,
                    sheet=table.sheet,
                    row=header_at,
                    column=col.zh,
                    column_en=col.en,
                    label_zh=col.zh,
                    label_en=col.en,
                )
            )
    header_cells = dict(table.rows)[header_at]
    for i, cell in enumerate(header_cells):
        if i not in mapping and cell not in (None, ""):
            out.problems.append(
                problem(
                    "unknown-column",
                    table.file,
                    sheet=table.sheet,
                    row=header_at,
                    value=cell,
                )
            )


def _validate_row(
    table: RawTable,
    form: Form,
    mapping: dict[int, Column],
    number: int,
    cells: list[Any],
    period: Period | None,
    out: Validated,
) -> dict[str, Any] | None:
    record: dict[str, Any] = {c.name: None for c in form.columns}
    ok = True
    for i, col in mapping.items():
        raw = cells[i] if i < len(cells) else None

        def at_cell(
            kind: str, col: Column = col, raw: Any = raw, **params: Any
        ) -> None:
            out.problems.append(
                problem(
                    kind,
                    table.file,
                    sheet=table.sheet,
                    row=number,
                    column=col.zh,
                    column_en=col.en,
                    value=raw,
                    **params,
                )
            )

        formula = table.formulas.get((number, i + 1))
        if formula is not None:
            at_cell("formula", formula=formula)
        try:
            value = parse_cell(raw, col.type, date1904=table.date1904)
        except CellError as exc:
            at_cell(exc.kind, **exc.params)
            ok = False
            continue
        failure = _check_value(col, value, raw)
        outside = (
            col.name == form.period_column
            and period is not None
            and value is not None
            and not _in_period(value, period)
        )
        if failure is None and outside and period is not None:
            failure = ("outside-period", {"period": period.label})
        if failure is not None:
            at_cell(failure[0], **failure[1])
            ok = False
            continue
        record[col.name] = value
    return record if ok else None


def _check_value(
    col: Column, value: Any, raw: Any
) -> tuple[str, dict[str, Any]] | None:
    if value is None:
        return ("required-missing", {}) if col.required else None
    if col.allowed and str(value) not in col.allowed:
        return ("value-not-allowed", {"allowed": "、".join(col.allowed)})
    is_number = isinstance(value, int | Decimal) and not isinstance(value, bool)
    if col.min is not None and is_number and value < col.min:
        return ("below-minimum", {"min": col.min})
    return None


def _in_period(value: Any, period: Period) -> bool:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return period.start <= value < period.end
    if isinstance(value, int):
        return (
            period.start.year <= value < period.end.year or value == period.start.year
        )
    return True
