"""Exports of indicator values: CSV, XLSX and SDMX-CSV parse back; formulas are neutralised."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from zhangjiang.exports import (
    EXPORT_FORMATS,
    export_values,
    neutralise,
    to_csv,
    to_sdmx_csv,
    to_xlsx,
)
from zhangjiang.indicators import read_values
from zhangjiang.store import Store


def _value(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": "facility.papers",
        "title_zh": "依托设施发表论文数",
        "title_en": "Papers",
        "unit": "篇",
        "unit_en": "papers",
        "value": Decimal("927.000000"),
        "dimensions": {"facility": "ssrf"},
        "period": "2022",
        "reference_period": "2022年",
        "reference_period_en": "2022",
        "ref_start": "2022-01-01",
        "ref_end": "2022-12-31",
        "status": "provisional",
        "sources": [3, 4],
    }
    return {**base, **overrides}


HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _sdmx_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_csv_parses_back_to_the_stored_values(demo_store: Store) -> None:
    values = read_values(demo_store, "2022")
    rows = _csv_rows(to_csv(values))
    assert len(rows) == len(values)
    for row, value in zip(rows, values, strict=True):
        assert row["indicator_id"] == value["id"]
        assert row["reference_period"] == value["reference_period"]
        if value["value"] is None:
            assert row["value"] == ""
        else:
            assert Decimal(row["value"]) == Decimal(str(value["value"]))
        for name, dim in value["dimensions"].items():
            column = "dimension_status" if name == "status" else name
            assert row[column] == neutralise(str(dim))


def test_xlsx_parses_back_with_numbers_as_numbers(demo_store: Store) -> None:
    values = read_values(demo_store, "2022", ["projects.count", "industry.ic_revenue"])
    sheet = load_workbook(io.BytesIO(to_xlsx(values))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(values)
    for row, value in zip(rows, values, strict=True):
        cell = row[header.index("值 value")]
        assert isinstance(cell, int | float)
        assert Decimal(str(cell)) == Decimal(str(value["value"]))


def test_sdmx_csv_has_the_standard_columns_and_status_codes() -> None:
    values = [
        _value(),
        _value(dimensions={"facility": "protein"}, status="final", value=616),
        _value(value=None, dimensions={"facility": "ward"}, ref_start=None),
    ]
    body = to_sdmx_csv(values)
    assert not body.startswith(b"\xef\xbb\xbf"), "SDMX-CSV has no byte-order mark"
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert list(rows[0]) == [
        "DATAFLOW",
        "FACILITY",
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
        "OBS_STATUS",
        "REF_PERIOD",
        "REF_PERIOD_LABEL",
        "PREVIOUS_VALUE",
        "YOY_PCT",
    ]
    assert [r["OBS_STATUS"] for r in rows] == ["P", "A", "M"]
    assert rows[0]["DATAFLOW"] == "ZJ:FACILITY_PAPERS(1.0)"
    assert rows[0]["TIME_PERIOD"] == "2022"
    assert rows[0]["OBS_VALUE"] == "927"
    assert rows[0]["REF_PERIOD"] == "2022-01-01/2022-12-31"
    assert rows[2]["REF_PERIOD"] == "2022-12-31"
    assert rows[2]["OBS_VALUE"] == ""


@pytest.mark.parametrize("text", HOSTILE)
def test_text_cells_that_look_like_formulas_are_neutralised(text: str) -> None:
    values = [_value(dimensions={"facility": text}, title_zh=text)]
    row = _csv_rows(to_csv(values))[0]
    assert row["facility"] == "'" + text
    assert row["title_zh"] == "'" + text
    sdmx = _sdmx_rows(to_sdmx_csv(values))[0]
    assert sdmx["FACILITY"] == "'" + text
    sheet = load_workbook(io.BytesIO(to_xlsx(values))).active
    assert sheet is not None
    cell = sheet.cell(row=2, column=4)
    assert cell.data_type == "s"
    assert cell.value == "'" + text


def test_a_dimension_named_like_a_column_keeps_both() -> None:
    values = [_value(dimensions={"status": "在建"})]
    row = _csv_rows(to_csv(values))[0]
    assert (row["dimension_status"], row["status"]) == ("在建", "provisional")
    sdmx = _sdmx_rows(to_sdmx_csv(values))[0]
    assert (sdmx["STATUS"], sdmx["OBS_STATUS"]) == ("在建", "P")


def test_negative_numbers_stay_numbers() -> None:
    values = [_value(value=Decimal("-4.100000"), id="industry.x_yoy")]
    assert _csv_rows(to_csv(values))[0]["value"] == "-4.1"
    sheet = load_workbook(io.BytesIO(to_xlsx(values))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("值 value") + 1).value == -4.1


def test_every_format_carries_previous_and_yoy_of_every_period() -> None:
    values = [
        _value(period="2021", previous=None, yoy=None, change=None),
        _value(
            previous=Decimal("800"),
            yoy=Decimal("15.875000"),
            change=Decimal("127"),
        ),
        _value(
            period="2022-01/2022-10",
            reference_period="2022年1—10月",
            previous=Decimal("700"),
            yoy=Decimal("-4.1"),
            change=Decimal("-28.7"),
        ),
        _value(period="2022-10", previous=Decimal("70"), yoy=0, change=0),
    ]
    rows = _csv_rows(to_csv(values))
    assert [r["period"] for r in rows] == ["2021", "2022", "2022-01/2022-10", "2022-10"]
    assert [(r["previous"], r["yoy"], r["change"]) for r in rows] == [
        ("", "", ""),
        ("800", "15.875", "127"),
        ("700", "-4.1", "-28.7"),
        ("70", "0", "0"),
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx(values))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    yoy = [r[header.index("同比(%) yoy")] for r in cells]
    assert yoy == [None, 15.875, -4.1, 0], "numbers stay numbers, negatives too"
    assert [r[header.index("上年同期 previous")] for r in cells][1] == 800
    sdmx = _sdmx_rows(to_sdmx_csv(values))
    assert [r["TIME_PERIOD"] for r in sdmx] == [
        "2021",
        "2022",
        "2022-01-01/P10M",
        "2022-10",
    ]
    assert [r["YOY_PCT"] for r in sdmx] == ["", "15.875", "-4.1", "0"]
    assert sdmx[1]["PREVIOUS_VALUE"] == "800"


def test_every_declared_format_exports() -> None:
    for fmt in EXPORT_FORMATS:
        assert export_values([_value()], fmt)
    with pytest.raises(ValueError, match="unknown export format"):
        export_values([_value()], "pdf")
