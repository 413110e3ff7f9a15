"""Export indicator values as CSV, XLSX and SDMX-CSV.

Every function takes values as ``read_values`` returns them (or as the snapshot holds
them): dicts with ``id``, titles, ``dimensions``, ``period`` (a year, a month or a year to
date), reference period, ``value``, ``unit``, ``status``, ``sources``, and ``previous``
(the comparable value a year earlier), ``yoy`` (its change in per cent) and ``change``
(value minus previous), which every format carries as columns. Text cells that a
spreadsheet would read as a formula (starting with = + - @, tab or carriage return) are
prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from zhangjiang.periods import parse_period
from zhangjiang.phrasing.numbers import json_number, tidy

__all__ = [
    "EXPORT_FORMATS",
    "SDMX_AGENCY",
    "SDMX_STATUS",
    "export_table",
    "export_values",
    "neutralise",
    "to_csv",
    "to_sdmx_csv",
    "to_xlsx",
]

SDMX_AGENCY = "ZJ"
#: OBS_STATUS codes (SDMX code list CL_OBS_STATUS) of the value statuses.
SDMX_STATUS = {"provisional": "P", "final": "A", "estimated": "E"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SDMX_ID = re.compile(r"[^A-Za-z0-9_]")
#: The growth columns of every export, in this order.
_GROWTH = ("previous", "yoy", "change")


def neutralise(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe.

    Examples
    --------
    >>> neutralise("=1+1"), neutralise("上海光源"), neutralise("-1")
    ("'=1+1", '上海光源', "'-1")
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(values: Iterable[dict[str, Any]]) -> bytes:
    """Return the values as CSV (UTF-8 with BOM, so that Excel reads the Chinese text)."""
    values = list(values)
    dims = _dimensions(values)
    fixed = [
        "period",
        "reference_period",
        "reference_period_en",
        "value",
        "unit",
        "status",
        "sources",
        "previous",
        "yoy",
        "change",
    ]
    header = [
        "indicator_id",
        "title_zh",
        "title_en",
        *_dimension_columns(dims, fixed),
        *fixed,
    ]
    rows = [
        [
            v["id"],
            v["title_zh"],
            v["title_en"],
            *(v["dimensions"].get(d) for d in dims),
            v["period"],
            v["reference_period"],
            v["reference_period_en"],
            _number(v["value"]),
            v["unit"],
            v["status"],
            " ".join(str(s) for s in v["sources"]),
            *(_number(v.get(k)) for k in _GROWTH),
        ]
        for v in values
    ]
    return _write_csv(header, rows, bom=True)


def to_xlsx(values: Iterable[dict[str, Any]]) -> bytes:
    """Return the values as an XLSX workbook (numbers stay numbers)."""
    from openpyxl import Workbook

    values = list(values)
    dims = _dimensions(values)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据 Data")
    fixed = [
        "报告期 period",
        "参考期 reference_period",
        "reference_period_en",
        "值 value",
        "单位 unit",
        "状态 status",
        "来源批次 sources",
        "上年同期 previous",
        "同比(%) yoy",
        "增减 change",
    ]
    ws.append(["指标 indicator_id", "指标名称 title_zh", "title_en", *dims, *fixed])
    for v in values:
        row = [
            v["id"],
            v["title_zh"],
            v["title_en"],
            *(v["dimensions"].get(d) for d in dims),
            v["period"],
            v["reference_period"],
            v["reference_period_en"],
            _cell_number(v["value"]),
            v["unit"],
            v["status"],
            " ".join(str(s) for s in v["sources"]),
            *(_cell_number(v.get(k)) for k in _GROWTH),
        ]
        ws.append([neutralise(c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_sdmx_csv(values: Iterable[dict[str, Any]], agency: str = SDMX_AGENCY) -> bytes:
    """Return the values as SDMX-CSV (version 1): one observation per row.

    DATAFLOW is ``AGENCY:INDICATOR_ID(1.0)``; each dimension is a column; TIME_PERIOD is
    the period (``2022``, ``2022-10``, or a year to date as an SDMX time range,
    ``2022-01-01/P10M``); UNIT_MEASURE, OBS_STATUS (P provisional, A final), REF_PERIOD
    (the dates the value covers, ``start/end`` or the as-of date), REF_PERIOD_LABEL,
    PREVIOUS_VALUE (the comparable value a year earlier) and YOY_PCT (the change in per
    cent) are attributes. UTF-8 without BOM, as SDMX tools expect.
    """
    values = list(values)
    dims = _dimensions(values)
    fixed = [
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
        "OBS_STATUS",
        "REF_PERIOD",
        "REF_PERIOD_LABEL",
        "PREVIOUS_VALUE",
        "YOY_PCT",
    ]
    dim_ids = [_sdmx_id(d) for d in dims]
    header = ["DATAFLOW", *_dimension_columns(dim_ids, [*fixed, "DATAFLOW"]), *fixed]
    rows = []
    for v in values:
        status = "M" if v["value"] is None else SDMX_STATUS.get(v["status"], "A")
        ref = (
            f"{v['ref_start']}/{v['ref_end']}"
            if v.get("ref_start")
            else str(v.get("ref_end") or "")
        )
        rows.append(
            [
                f"{agency}:{_sdmx_id(v['id'])}(1.0)",
                *(v["dimensions"].get(d) for d in dims),
                _sdmx_time(v["period"]),
                _number(v["value"]),
                v["unit"],
                status,
                ref,
                v["reference_period"],
                _number(v.get("previous")),
                _number(v.get("yoy")),
            ]
        )
    return _write_csv(header, rows, bom=False)


#: Each export format: file suffix -> (media type, writer).
EXPORT_FORMATS: dict[str, tuple[str, Callable[[Iterable[dict[str, Any]]], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        to_xlsx,
    ),
    "sdmx.csv": (
        "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
        to_sdmx_csv,
    ),
}


def export_values(values: Iterable[dict[str, Any]], fmt: str) -> bytes:
    """Return the values in format ``fmt`` (a key of EXPORT_FORMATS)."""
    try:
        _, writer = EXPORT_FORMATS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; known: {', '.join(EXPORT_FORMATS)}"
        ) from None
    return writer(values)


def export_table(header: list[str], rows: Iterable[list[Any]], fmt: str) -> bytes:
    """Return a plain table (e.g. a batch's stored rows) as CSV or XLSX, text neutralised."""
    rows = [[_cell(c) for c in row] for row in rows]
    if fmt == "csv":
        return _write_csv(header, rows, bom=True)
    if fmt != "xlsx":
        raise ValueError(f"unknown table format {fmt!r}; known: csv, xlsx")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据 Data")
    ws.append([neutralise(h) for h in header])
    for row in rows:
        ws.append([neutralise(c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    # Numbers stay numbers; dates and anything else become text (then neutralised).
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return _cell_number(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _write_csv(header: list[str], rows: list[list[Any]], bom: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                neutralise(c) if isinstance(c, str) else ("" if c is None else c)
                for c in row
            ]
        )
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _dimensions(values: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.update(dict.fromkeys(v["dimensions"]))
    return list(seen)


def _number(value: Any) -> int | Decimal | None:
    # A number, not text: "-4.1" is written as it is (only text cells are neutralised),
    # without exponent and trailing zeros (72.000000 -> 72, 1.56E+11 -> 156000000000).
    if value is None or isinstance(value, int):
        return value
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return int(d) if d == d.to_integral_value() else tidy(d)


def _cell_number(value: Any) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return json_number(d)


def _dimension_columns(dims: list[str], fixed: list[str]) -> list[str]:
    # A dimension named like a fixed column (an indicator by "status") gets a prefix.
    return [f"dimension_{d}" if d in fixed or d.upper() in fixed else d for d in dims]


def _sdmx_id(name: str) -> str:
    return _SDMX_ID.sub("_", name).upper()


def _sdmx_time(label: str) -> str:
    # Years and months are SDMX periods as they are; a year to date is a time range.
    period = parse_period(label)
    if period.kind != "range":
        return label
    months = period.last_month - period.start.month + 1
    return f"{period.start.isoformat()}/P{months}M"
