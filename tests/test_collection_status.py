"""Collection status (issue #15 item 7): received, late and missing forms per reporter."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.portal_support import PASSWORD, TestClient, client_as
from zhangjiang.cli import app
from zhangjiang.collection import StatusRow, due_date, status, summarize
from zhangjiang.config import Settings
from zhangjiang.errors import ZhangjiangError
from zhangjiang.forms import get_form
from zhangjiang.ingest.load import ingest_file
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.portal.accounts import add_user
from zhangjiang.portal.state import open_state
from zhangjiang.snapshot import write_snapshot
from zhangjiang.store import Store, open_store
from zhangjiang.web.app import create_app

A, B, C = (f"91310000STAT0000{n}X" for n in "ABC")
INDUSTRY = ["credit_code", "name", "industry", "month", "metric", "amount"]
PLATFORMS = [
    "facility",
    "platform",
    "month",
    "scheduled_hours",
    "running_hours",
    "open_hours",
]
# On time: the 5th of the following month (UTC, as the store keeps times).
ON_TIME = {"2021-12": "2022-01-05", "2022-10": "2022-11-05", "2022-11": "2022-12-05"}


def write(folder: Path, name: str, header: list[str], rows: list[list[Any]]) -> Path:
    """Write a CSV with ``header`` and ``rows``; return its path."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def load(store: Store, settings: Settings, dataset: str, path: Path, at: str) -> int:
    """Ingest one file and pretend it arrived at ``at`` (UTC); return its batch id."""
    (result,) = ingest_paths(store, dataset, [path], settings, snapshot=False)
    assert result.outcome == "loaded", result.to_dict()
    assert result.batch_id is not None
    arrive(store, result.batch_id, at)
    return result.batch_id


def arrive(store: Store, batch_id: int, at: str) -> None:
    """Set when a batch arrived (files of 2022 cannot be loaded in 2022 by a test)."""
    with store.transaction() as con:
        con.execute(
            "UPDATE batches SET loaded_at = ? WHERE id = ?",
            [datetime.fromisoformat(at), batch_id],
        )


def monthly(
    store: Store, settings: Settings, folder: Path, who: str, month: str, amount: int
) -> int:
    """Send one enterprise's industry-monthly form for one month, on time."""
    path = write(
        folder,
        f"industry_{who}_{month}_{amount}.csv",
        INDUSTRY,
        [[who, f"企业{who[-2]}", "集成电路", month, "销售收入", amount]],
    )
    return load(store, settings, "industry-monthly", path, ON_TIME[month])


def by_reporter(rows: list[StatusRow], period: str) -> dict[str, StatusRow]:
    """Return the rows of ``period`` keyed by reporter."""
    return {r.reporter: r for r in rows if r.period == period}


@pytest.fixture
def two_reporters(store: Store, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """A and B send October; only A sends November (each file on time)."""
    return {
        "A-10": monthly(store, settings, tmp_path, A, "2022-10", 100),
        "B-10": monthly(store, settings, tmp_path, B, "2022-10", 200),
        "A-11": monthly(store, settings, tmp_path, A, "2022-11", 110),
    }


def cli_status(db: Path, *args: str) -> list[dict[str, Any]]:
    """Run ``zhangjiang status ... --format json``; return the parsed rows."""
    result = CliRunner().invoke(
        app, ["--db", str(db), "status", *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# --- the acceptance case ------------------------------------------------------------------


def test_status_names_the_reporter_whose_november_is_missing(
    store: Store, settings: Settings, two_reporters: dict[str, int], tmp_path: Path
) -> None:
    rows = cli_status(settings.db, "--period", "2022-11")
    states = {(r["form"], r["reporter"]): r["state"] for r in rows}
    assert states == {
        ("industry-monthly", A): "received",
        ("industry-monthly", B): "missing",
    }
    missing = next(r for r in rows if r["reporter"] == B)
    assert missing["period"] == "2022-11"
    assert missing["due_date"] == "2022-12-10"
    assert missing["batch_ids"] == [] and missing["received_at"] is None
    received = next(r for r in rows if r["reporter"] == A)
    assert received["batch_ids"] == [two_reporters["A-11"]]
    assert received["received_at"] == "2022-12-05T08:00:00+08:00"
    assert received["title_zh"] == "重点产业企业月度统计"

    # B sends November after all: nobody is missing any more.
    monthly(store, settings, tmp_path, B, "2022-11", 210)
    after = cli_status(settings.db, "--period", "2022-11")
    assert {r["reporter"]: r["state"] for r in after} == {A: "received", B: "received"}


def test_table_output_highlights_and_counts(
    settings: Settings, two_reporters: dict[str, int]
) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(settings.db), "status", "--period", "2022-11"]
    )
    assert result.exit_code == 0, result.output
    assert B in result.output and "未报" in result.output
    assert "已报 1 · 迟报 0 · 未报 1 / received 1 · late 0 · missing 1" in result.output


# --- late, corrections, pending uploads ---------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "state", "days"),
    [
        pytest.param(
            "2022-12-10T15:59:00", "received", None, id="23:59-beijing-on-10th"
        ),
        pytest.param("2022-12-10T16:00:00", "late", 1, id="00:00-beijing-on-11th"),
        pytest.param("2022-12-20T03:00:00", "late", 10, id="ten-days-late"),
    ],
)
def test_a_file_loaded_after_the_due_day_is_late(
    store: Store,
    settings: Settings,
    two_reporters: dict[str, int],
    arrived: str,
    state: str,
    days: int | None,
) -> None:
    arrive(store, two_reporters["A-11"], arrived)
    row = by_reporter(status(store, "2022-11"), "2022-11")[A]
    assert (row.state, row.days_late) == (state, days)
    assert row.due_date == date(2022, 12, 10)


def test_a_later_correction_does_not_make_an_on_time_form_late(
    store: Store, settings: Settings, two_reporters: dict[str, int], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "a_nov_fixed.csv",
        INDUSTRY,
        [[A, "企业A", "集成电路", "2022-11", "销售收入", 115]],
    )
    fixed = load(store, settings, "industry-monthly", path, "2023-01-20")
    row = by_reporter(status(store, "2022-11"), "2022-11")[A]
    assert row.state == "received"
    assert row.batch_ids == (fixed,)
    assert row.received_at is not None
    assert row.received_at.date() == date(2022, 12, 5)


def test_a_pending_upload_is_named_beside_the_missing_cell(
    store: Store, settings: Settings, two_reporters: dict[str, int], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "b_nov.csv",
        INDUSTRY,
        [[B, "企业B", "集成电路", "2022-11", "销售收入", 210]],
    )
    pending = ingest_file(store, "industry-monthly", path, settings, status="pending")
    row = by_reporter(status(store, "2022-11"), "2022-11")[B]
    assert row.state == "missing"
    assert row.pending_batch_ids == (pending.batch_id,)


# --- which periods are listed -------------------------------------------------------------


def test_without_a_period_every_overdue_period_is_listed(
    store: Store, two_reporters: dict[str, int]
) -> None:
    rows = status(store, today=date(2023, 1, 20))
    listed = {(r.period, r.reporter): r.state for r in rows}
    assert listed == {
        ("2022-10", A): "received",
        ("2022-10", B): "received",
        ("2022-11", A): "received",
        ("2022-11", B): "missing",
    }
    assert summarize(rows) == {"received": 3, "late": 0, "missing": 1}


def test_a_form_not_yet_due_is_missing_only_when_its_period_is_asked_for(
    store: Store, two_reporters: dict[str, int]
) -> None:
    before_due = date(2022, 12, 8)
    assert B not in by_reporter(status(store, today=before_due), "2022-11")
    asked = status(store, "2022-11", today=before_due)
    assert by_reporter(asked, "2022-11")[B].state == "missing"


def test_a_year_lists_its_months_with_data(
    store: Store, two_reporters: dict[str, int]
) -> None:
    rows = status(store, "2022", today=date(2022, 11, 20))
    # October and November have data; December has neither data nor ended.
    assert {r.period for r in rows} == {"2022-10", "2022-11"}


# --- expected reporters -------------------------------------------------------------------


def test_an_enterprise_of_last_year_is_expected_unless_it_left_the_area(
    store: Store, settings: Settings, two_reporters: dict[str, int], tmp_path: Path
) -> None:
    monthly(store, settings, tmp_path, C, "2021-12", 50)
    assert by_reporter(status(store, "2022-11"), "2022-11")[C].state == "missing"
    orgs = write(
        tmp_path,
        "orgs.csv",
        ["credit_code", "name", "kind", "in_area"],
        [
            [A, "企业A", "企业", "是"],
            [B, "企业B", "企业", "是"],
            [C, "企业C", "企业", "否"],
        ],
    )
    load(store, settings, "organizations", orgs, "2022-01-01")
    rows = by_reporter(status(store, "2022-11"), "2022-11")
    assert C not in rows
    assert rows[B].reporter_name == "企业B"


def test_facilities_are_expected_while_they_operate(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    for fac in ("FAC-A", "FAC-B"):
        path = write(
            tmp_path,
            f"{fac}_oct.csv",
            PLATFORMS,
            [[fac, "质谱平台", "2022-10", 100, 90, 30]],
        )
        load(store, settings, "platform-operations", path, "2022-11-03")
    assert set(by_reporter(status(store, "2022-11"), "2022-11")) == {"FAC-A", "FAC-B"}
    building = write(
        tmp_path,
        "status.csv",
        ["facility", "effective_date", "status"],
        [["FAC-B", "2022-11-01", "在建"]],  # FAC-B closes for an upgrade
    )
    load(store, settings, "facility-status", building, "2022-11-02")
    assert set(by_reporter(status(store, "2022-11"), "2022-11")) == {"FAC-A"}
    # A facility that has sent the form before stays expected in later years.
    assert set(by_reporter(status(store, "2024-03"), "2024-03")) == {"FAC-A"}


def test_every_registered_hpc_system_is_expected_to_send_its_job_log(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    systems = write(
        tmp_path,
        "systems.csv",
        ["system", "cores", "valid_from", "valid_to"],
        [["alpha", 64, "2020-01-01", ""], ["beta", 64, "2020-01-01", "2022-11-01"]],
    )
    load(store, settings, "hpc-systems", systems, "2022-01-01")
    log = tmp_path / "alpha_nov.log"
    log.write_text(
        "JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName\n"
        "1|u|acct_u|cpu|2022-11-02T00:00:00|2022-11-02T10:00:00|4|1|COMPLETED|t\n",
        encoding="utf-8",
    )
    (job,) = ingest_paths(
        store, "hpc-jobs", [log], settings, system="alpha", snapshot=False
    )
    assert job.outcome == "loaded", job.to_dict()
    assert job.batch_id is not None
    arrive(store, job.batch_id, "2022-12-01")
    assert {
        r.reporter: r.state for r in status(store, "2022-10", forms=["hpc-jobs"])
    } == {"alpha": "missing", "beta": "missing"}
    november = status(store, "2022-11", forms=["hpc-jobs"])
    assert {r.reporter: r.state for r in november} == {"alpha": "received"}
    assert november[0].batch_ids == (job.batch_id,)


# --- filters and declarations -------------------------------------------------------------


def test_reporters_and_forms_filter_the_rows(
    store: Store, two_reporters: dict[str, int]
) -> None:
    rows = status(store, "2022-11", [B], forms=["industry-monthly"])
    assert [(r.reporter, r.state) for r in rows] == [(B, "missing")]
    assert status(store, "2022-11", ["FAC-A"]) == []
    with pytest.raises(ZhangjiangError, match="laser-shots"):
        status(store, "2022-11", forms=["laser-shots"])


def test_due_dates_follow_the_declared_due_day() -> None:
    form = get_form("industry-monthly")
    assert form.due_day == 10
    assert due_date(form, "2022-11") == date(2022, 12, 10)
    assert due_date(form, "2022-12") == date(2023, 1, 10)
    assert due_date(get_form("talent-survey"), "2022") is None


# --- the portal page ----------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Any, Settings]]:
    """Two facilities send platform-operations for October; only FAC-A for November."""
    settings = Settings(db=tmp_path / "portal.duckdb", user="tester")
    store = open_store(settings.db)
    state = open_state(settings.db)
    for name, role, facilities in (
        ("stat1", "statistician", ()),
        ("op_a", "operator", ("FAC-A",)),
        ("op_b", "operator", ("FAC-B",)),
        ("admin1", "admin", ()),
    ):
        add_user(state, name, role, PASSWORD, facilities)
    for fac, month in (
        ("FAC-A", "2022-10"),
        ("FAC-B", "2022-10"),
        ("FAC-A", "2022-11"),
    ):
        path = write(
            tmp_path,
            f"{fac}_{month}.csv",
            PLATFORMS,
            [[fac, "质谱平台", month, 100, 90, 30]],
        )
        load(store, settings, "platform-operations", path, ON_TIME[month])
    write_snapshot(store)
    yield create_app(settings), settings


def _rows(client: TestClient, query: str = "") -> dict[tuple[str, str], str]:
    response = client.get(f"/api/v1/portal/status{query}")
    assert response.status_code == 200, response.text
    return {(r["reporter"], r["period"]): r["state"] for r in response.json()["rows"]}


def test_an_operator_sees_only_their_own_facility(portal: tuple[Any, Settings]) -> None:
    app_, _ = portal
    with client_as(app_, "op_a") as op_a, client_as(app_, "op_b") as op_b:
        assert _rows(op_a) == {
            ("FAC-A", "2022-10"): "received",
            ("FAC-A", "2022-11"): "received",
        }
        assert _rows(op_b, "?period=2022-11") == {("FAC-B", "2022-11"): "missing"}
        page = op_a.get("/portal/status?period=2022-11")
        assert page.status_code == 200
        assert 'data-reporter="FAC-A"' in page.text
        assert "FAC-B" not in page.text
        theirs = op_b.get("/portal/status?period=2022-11").text
        assert (
            'data-reporter="FAC-B" data-period="2022-11" data-state="missing"' in theirs
        )
        assert 'href="/portal/status"' in op_a.get("/portal").text


def test_a_statistician_sees_every_reporter(portal: tuple[Any, Settings]) -> None:
    app_, _ = portal
    with client_as(app_, "stat1") as stat:
        assert _rows(stat, "?period=2022-11") == {
            ("FAC-A", "2022-11"): "received",
            ("FAC-B", "2022-11"): "missing",
        }
        assert _rows(stat, "?state=missing") == {("FAC-B", "2022-11"): "missing"}
        page = stat.get("/portal/status?period=2022-11&lang=en")
        assert page.status_code == 200
        assert "Collection status" in page.text
        assert 'data-reporter="FAC-B" data-period="2022-11" data-state="missing"' in (
            page.text
        )
        assert stat.get("/api/v1/portal/status?state=lost").status_code == 400
        assert stat.get("/api/v1/portal/status?period=2022-13").status_code == 400
    with client_as(app_, "admin1") as admin:
        assert admin.get("/portal/status").status_code == 403
        assert 'href="/portal/status"' not in admin.get("/portal").text
