"""Series, year-on-year and staleness through the web app, on two years of a monthly form."""

from __future__ import annotations

import csv
import io
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from zhangjiang.config import Settings
from zhangjiang.indicators import compute
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.snapshot import write_snapshot
from zhangjiang.store import Store
from zhangjiang.web import schemas
from zhangjiang.web.app import create_app
from zhangjiang.web.calls import STALE_HEADER

with warnings.catch_warnings():
    # starlette prefers httpx2 to the installed httpx, which it still supports.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

HEADER = ["统一社会信用代码", "产业", "月份", "指标", "金额（万元）"]
ENTERPRISES = ("91310000SERIES001X", "91310000SERIES002X")
IC = "industry.ic_revenue"


def amount(code: str, year: int, month: int) -> int:
    """Return the monthly IC revenue (万元) of an enterprise: both grow from 2021 to 2022."""
    base = 100 if code == ENTERPRISES[0] else 300
    return base + month + (25 if year == 2022 else 0) * (1 + (code == ENTERPRISES[1]))


def monthly_rows(years: tuple[int, ...] = (2021, 2022)) -> list[list[Any]]:
    """Return the rows of ``industry-monthly``: every enterprise, every month of ``years``."""
    return [
        [code, "集成电路", f"{year}-{month:02d}", "销售收入", amount(code, year, month)]
        for year in years
        for month in range(1, 13)
        for code in ENTERPRISES
    ]


def ingest(store: Store, settings: Settings, path: Path, rows: list[list[Any]]) -> int:
    """Ingest ``rows`` (with the header) as ``industry-monthly``; return the batch id."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    (result,) = ingest_paths(store, "industry-monthly", [path], settings)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    assert result.batch_id is not None
    return result.batch_id


def total(year: int, months: range = range(1, 13)) -> Decimal:
    """Return the expected IC revenue in yuan (the form is in 万元)."""
    return Decimal(
        sum(amount(c, year, m) for c in ENTERPRISES for m in months) * 10_000
    )


@pytest.fixture
def two_years(store: Store, settings: Settings, tmp_path: Path) -> tuple[Store, int]:
    """Return a store holding 2021 and 2022 of the monthly form, computed, with its batch."""
    batch = ingest(store, settings, tmp_path / "industry-2021-2022.csv", monthly_rows())
    compute(store)
    write_snapshot(store)
    return store, batch


@pytest.fixture
def client(two_years: tuple[Store, int]) -> TestClient:
    """Return a client of the app serving the two-year store's snapshot."""
    with TestClient(create_app(Settings(db=two_years[0].path))) as test_client:
        yield test_client


def test_a_value_carries_its_own_year_on_year(client: TestClient) -> None:
    page = client.get(f"/api/v1/indicators/{IC}?period=2022&lang=zh").json()
    schemas.IndicatorPage.model_validate(page)
    (row,) = page["values"]
    assert _d(row["value"]) == total(2022)
    assert _d(row["previous"]) == total(2021)
    expected = (total(2022) / total(2021) - 1) * 100
    assert row["yoy"] is not None
    assert abs(_d(row["yoy"]["value"]) - expected) < Decimal("0.00001")
    assert _d(row["change"]) == total(2022) - total(2021)
    assert row["yoy"]["display"] == f"同比增长{expected.quantize(Decimal('0.1'))}%"
    assert page["indicator"]["yoy"] is True
    # A month is compared with the same month a year earlier.
    month = client.get(f"/api/v1/indicators/{IC}?period=2022-03").json()["values"][0]
    assert _d(month["previous"]) == total(2021, range(3, 4))
    # The first year has nothing to compare with.
    first = client.get(f"/api/v1/indicators/{IC}?period=2021").json()["values"][0]
    assert first["yoy"] is None and first["previous"] is None
    listed = client.get("/api/v1/indicators?period=2022").json()
    (listed_row,) = next(i for i in listed["indicators"] if i["id"] == IC)["values"]
    assert listed_row["yoy"] == row["yoy"]


def test_the_series_holds_both_years_and_every_month(client: TestClient) -> None:
    body = client.get(f"/api/v1/indicators/{IC}/series").json()
    schemas.IndicatorSeries.model_validate(body)
    (series,) = body["series"]
    points = {p["period"]: p for p in series["points"]}
    months = [f"{y}-{m:02d}" for y in (2021, 2022) for m in range(1, 13)]
    assert list(points) == ["2021", "2022", *months]
    assert _d(points["2021"]["value"]) == total(2021)
    assert _d(points["2022"]["value"]) == total(2022)
    assert _d(points["2022-07"]["value"]) == total(2022, range(7, 8))
    assert points["2021-07"]["yoy"] is None
    assert points["2022-07"]["yoy"] is not None
    years = client.get(f"/api/v1/indicators/{IC}/series?freq=year").json()
    assert [p["period"] for p in years["series"][0]["points"]] == ["2021", "2022"]
    ranges = client.get(f"/api/v1/indicators/{IC}/series?freq=range").json()
    assert "2022-01/2022-10" in {p["period"] for p in ranges["series"][0]["points"]}


def test_pages_show_the_series_trend_and_charts(client: TestClient) -> None:
    overview = client.get("/api/v1/overview").json()
    assert overview["period"] == "2022", "the default is the latest year"
    assert {"2022-12", "2022-01/2022-11"} <= set(overview["periods"])
    card = next(c for a in overview["areas"] for c in a["cards"] if c["id"] == IC)
    (figure,) = card["figures"]
    assert figure["trend"]["periods"] == ["2021", "2022"]
    assert len(figure["trend"]["months"]["periods"]) == 24
    assert figure["yoy"]["display"].startswith("同比增长")
    page = client.get(f"/api/v1/indicators/{IC}?period=2022").json()
    titles = [c["layout"]["title"]["text"] for c in page["charts"]]
    assert titles == ["历年变化", "逐月变化"]
    html = client.get(f"/indicator/{IC}?period=2022").text
    assert "历年数值" in html
    assert 'data-period="2021" data-freq="year"' in html
    assert 'data-period="2022-12" data-freq="month"' in html
    assert figure["yoy"]["display"] in html
    english = client.get(f"/indicator/{IC}?period=2022&lang=en").text
    assert "Values over time" in english and "up " in english


def test_exports_hold_every_period_with_previous_and_yoy(client: TestClient) -> None:
    text = client.get(f"/api/v1/indicators/{IC}.csv").content.decode("utf-8-sig")
    rows = {r["period"]: r for r in csv.DictReader(io.StringIO(text))}
    assert {"2021", "2022", "2022-10", "2022-01/2022-10"} <= set(rows)
    assert _d(rows["2022"]["previous"]) == total(2021)
    assert rows["2022"]["yoy"] and not rows["2021"]["yoy"]
    sdmx = client.get(f"/api/v1/indicators/{IC}.sdmx.csv").text
    obs = {r["TIME_PERIOD"]: r for r in csv.DictReader(io.StringIO(sdmx))}
    assert _d(obs["2022"]["PREVIOUS_VALUE"]) == total(2021)
    assert "2022-01-01/P10M" in obs, "a year to date is an SDMX time range"


def test_changed_inputs_are_announced_until_the_next_compute(
    two_years: tuple[Store, int], settings: Settings, tmp_path: Path, client: TestClient
) -> None:
    store, first = two_years
    assert client.get("/api/v1/indicators").json()["stale_inputs"] == []
    assert 'id="stale-inputs"' not in client.get("/").text
    before = client.get(f"/api/v1/indicators/{IC}?period=2022").json()["values"][0]
    # October of one enterprise corrected: ingest rewrites the snapshot, nothing computes.
    corrected = [[ENTERPRISES[0], "集成电路", "2022-10", "销售收入", 5000]]
    second = ingest(store, settings, tmp_path / "industry-2022-10-fix.csv", corrected)

    listed = client.get("/api/v1/indicators?period=2022")
    stale = {s["batch_id"]: s for s in listed.json()["stale_inputs"]}
    assert stale[second]["change"] == "loaded"
    assert stale[second]["file"] == "industry-2022-10-fix.csv"
    assert stale[first]["change"] == "cells-replaced"
    assert set(listed.headers[STALE_HEADER].split(", ")) == {str(first), str(second)}
    page = client.get(f"/api/v1/indicators/{IC}?period=2022").json()
    assert page["values"][0]["value"] == before["value"], "not recomputed yet"
    assert {s["batch_id"] for s in page["stale_inputs"]} == {first, second}
    series = client.get(f"/api/v1/indicators/{IC}/series").json()
    assert second in {s["batch_id"] for s in series["stale_inputs"]}
    for url in ("/", f"/indicator/{IC}", "/data", "/area/science_city"):
        zh = client.get(url, params={"lang": "zh"}).text
        assert 'id="stale-inputs"' in zh, url
        assert f"批次 {second}（industry-monthly，industry-2022-10-fix.csv）" in zh
        en = client.get(url, params={"lang": "en"}).text
        assert f"batch {second} (industry-monthly, industry-2022-10-fix.csv)" in en

    compute(store)
    write_snapshot(store)
    listed = client.get("/api/v1/indicators?period=2022")
    assert listed.json()["stale_inputs"] == []
    assert STALE_HEADER not in listed.headers
    assert 'id="stale-inputs"' not in client.get("/").text
    after = client.get(f"/api/v1/indicators/{IC}?period=2022").json()["values"][0]
    fixed = total(2022) - amount(ENTERPRISES[0], 2022, 10) * 10_000 + 5000 * 10_000
    assert _d(after["value"]) == fixed


def _d(value: object) -> Decimal:
    return Decimal(str(value))
