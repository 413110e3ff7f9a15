"""Ingest of tabular files: validation, bad inputs, batches, supersession, idempotence."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.conftest import shared, table_counts
from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.errors import UnknownDatasetError
from zhangjiang.forms import Column, Form
from zhangjiang.forms.registry import FORMS
from zhangjiang.ingest.service import ingest_paths, list_batches
from zhangjiang.store import Store, open_store

HEADER = [
    "项目编号",
    "项目名称",
    "简称",
    "轮次",
    "项目类别",
    "是否重大设施项目",
    "实际开工日期",
    "实际完工日期",
]
GOOD = [
    [
        "P1",
        "硬X射线自由电子激光装置",
        "硬线项目",
        "1",
        "科学设施",
        "是",
        "2018/4/27",
        "",
    ],
    [
        "P2",
        "示例项目二（合成）",
        "",
        "1",
        "产业项目",
        "否",
        "2019年3月1日",
        "2021-06-30",
    ],
    ["P3", "示例项目三（合成）", "", "２", "产业项目", "否", "43800", "2022/9/30"],
]


def _ingest(
    store: Store, settings: Settings, path: Path, dataset: str = "projects", **kw
):  # type: ignore[no-untyped-def]
    return ingest_paths(store, dataset, [path], settings, **kw)[0]


def test_gb18030_file_with_three_bad_rows_is_rejected_then_fixed_file_loads_once(
    store, settings, write_csv
):
    bad = [
        *GOOD,
        ["P4", "示例项目四", "", "x", "产业项目", "否", "2019-01-01", ""],
        ["P5", "示例项目五", "", "2", "产业项目", "也许", "2019-01-01", ""],
        ["P6", "示例项目六", "", "2", "产业项目", "否", "2019-02-30", ""],
    ]
    path = write_csv("bad_gb.csv", [HEADER, *bad], encoding="gb18030")
    before = table_counts(store)
    result = _ingest(store, settings, path)
    assert result.outcome == "rejected"
    errors = [p for p in result.problems if p.is_error]
    assert [(p.row, p.column, p.kind.type) for p in errors] == [
        (5, "轮次", "bad-type"),
        (6, "是否重大设施项目", "bad-type"),
        (7, "实际开工日期", "bad-date"),
    ]
    assert "第5行" in errors[0].message_zh and "row 5" in errors[0].message_en
    assert "2019-02-30" in errors[2].message_zh and "bad_gb.csv" in errors[2].message_en
    assert table_counts(store) == before
    assert [b for b in list_batches(store) if b["status"] == "loaded"] == []

    fixed = write_csv("fixed_gb.csv", [HEADER, *GOOD], encoding="gb18030")
    loaded = _ingest(store, settings, fixed)
    assert loaded.outcome == "loaded" and loaded.rows == 3
    rows = store.query(
        "SELECT project_id, name, round, actual_start, _row FROM projects ORDER BY project_id"
    )
    assert [
        (r["project_id"], r["round"], str(r["actual_start"]), r["_row"]) for r in rows
    ] == [
        ("P1", 1, "2018-04-27", 2),
        ("P2", 1, "2019-03-01", 3),
        ("P3", 2, "2019-12-01", 4),
    ]
    assert rows[1]["name"] == "示例项目二（合成）"
    after_first = table_counts(store)
    again = _ingest(store, settings, fixed)
    assert again.outcome == "duplicate" and again.batch_id == loaded.batch_id
    assert "已作为批次" in again.message_zh and "already loaded" in again.message_en
    assert table_counts(store) == after_first


def test_cli_contract_batches_json_and_exit_codes(tmp_path, write_csv):
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    bad = write_csv(
        "bad.csv", [HEADER, ["P1", "名", "", "x", "类", "是", "2019-01-01", ""]]
    )
    res = runner.invoke(app, ["--db", str(db), "ingest", "projects", str(bad)])
    assert res.exit_code == 1, res.output
    res = runner.invoke(app, ["--db", str(db), "batches", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == []
    good = write_csv("good.csv", [HEADER, *GOOD])
    res = runner.invoke(app, ["--db", str(db), "ingest", "projects", str(good)])
    assert res.exit_code == 0, res.output
    batches = json.loads(
        runner.invoke(app, ["--db", str(db), "batches", "--format", "json"]).stdout
    )
    assert len(batches) == 1
    assert {"id", "dataset", "file", "sha256", "rows", "status"} <= set(batches[0])
    assert (
        batches[0]["file"] == "good.csv"
        and batches[0]["rows"] == 3
        and batches[0]["status"] == "loaded"
    )
    res = runner.invoke(
        app, ["--db", str(db), "validate", "projects", str(bad), "--format", "json"]
    )
    assert res.exit_code == 1
    assert json.loads(res.stdout)[0]["problems"][0]["type"] == "bad-type"
    res = runner.invoke(app, ["--db", str(db), "ingest", "no-such-form", str(good)])
    assert res.exit_code == 2
    assert "no-such-form" in res.output
    res = runner.invoke(
        app, ["--db", str(db), "ingest", "projects", str(good), "--period", "20x2"]
    )
    assert res.exit_code == 2


def test_corrected_resubmission_supersedes_and_keeps_the_old_batch(
    store, settings, write_csv
):
    first = _ingest(store, settings, write_csv("v1.csv", [HEADER, *GOOD]))
    corrected = [
        *GOOD[:2],
        ["P3", "示例项目三（更正）", "", "2", "产业项目", "否", "2019-12-01", ""],
    ]
    second = _ingest(store, settings, write_csv("v2.csv", [HEADER, *corrected]))
    assert second.superseded == [first.batch_id]
    status = {b["id"]: b["status"] for b in list_batches(store)}
    assert status == {first.batch_id: "superseded", second.batch_id: "loaded"}
    assert (
        store.query("SELECT count(*) AS n FROM ds_projects")[0]["n"] == 6
    )  # nothing deleted
    assert (
        store.query("SELECT name FROM projects WHERE project_id = 'P3'")[0]["name"]
        == "示例项目三（更正）"
    )


def test_original_file_is_archived_by_content(store, settings, write_csv):
    path = write_csv("a.csv", [HEADER, *GOOD])
    result = _ingest(store, settings, path)
    archived = store.archive_path(result.sha256)
    assert archived.read_bytes() == path.read_bytes()


def test_migrations_are_named_and_recorded_once(tmp_path):
    st = open_store(tmp_path / "m.duckdb")
    names = [
        r["name"] for r in st.query("SELECT name FROM schema_migrations ORDER BY name")
    ]
    from zhangjiang.store.schema import MIGRATIONS

    assert names[:2] == ["0001_batches", "0002_indicator_values"]
    assert names == sorted(name for name, _ in MIGRATIONS)
    assert st.migrate() == []


# --- bad inputs: each asserts the message and that the store is unchanged ---------------


def _assert_rejected(
    store: Store, settings: Settings, path: Path, kind: str, *fragments: str, **kw
) -> None:  # type: ignore[no-untyped-def]
    before = table_counts(store)
    result = _ingest(store, settings, path, **kw)
    assert result.outcome == "rejected", result.to_dict()
    kinds = [p.kind.type for p in result.problems if p.is_error]
    assert kind in kinds, kinds
    text = " ".join(p.message_zh + " " + p.message_en for p in result.problems)
    for fragment in fragments:
        assert fragment in text
    assert table_counts(store) == before


def test_empty_file(store, settings, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _assert_rejected(store, settings, path, "empty-file", "文件为空", "empty.csv")


def test_header_only(store, settings, write_csv):
    _assert_rejected(
        store,
        settings,
        write_csv("h.csv", [HEADER]),
        "no-data-rows",
        "只有表头",
        "no data rows",
    )


def test_wrong_encoding_declared(store, settings, write_csv):
    path = write_csv("gb.csv", [HEADER, *GOOD], encoding="gb18030")
    _assert_rejected(
        store, settings, path, "encoding-error", "utf-8", "gb18030", encoding="utf-8"
    )


def test_binary_garbage_renamed_csv(store, settings, tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 40)
    _assert_rejected(store, settings, path, "not-a-table", "garbage.csv", "binary")


def test_zip_bomb_xlsx_is_refused_before_unpacking(store, settings, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    assert path.stat().st_size < 2 * 1024 * 1024
    _assert_rejected(store, settings, path, "zip-bomb", "bomb.xlsx", "xlsx")


def test_file_above_the_size_limit(store, tmp_path, write_csv):
    small_limit = Settings(db=store.path, user="t", max_file_mb=0.001)
    path = write_csv("big.csv", [HEADER, *GOOD * 20])
    _assert_rejected(
        store, small_limit, path, "file-too-large", "超过上限", "above the limit"
    )


def test_unknown_dataset(store, settings, write_csv):
    with pytest.raises(UnknownDatasetError, match="unknown dataset"):
        _ingest(store, settings, write_csv("x.csv", [HEADER, *GOOD]), dataset="nope")


def _xlsx(path: Path, rows: list[list[object]], merge: list[str] = ()) -> Path:  # type: ignore[assignment]
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merge:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def test_merged_header_cells_title_rows_and_full_width_digits(
    store, settings, tmp_path
):
    rows = [
        ["“五个一批”项目登记表（示例）", None, None, None, None, None, None, None],
        ["基本信息", None, None, None, "进度", None, None, None],
        HEADER,
        ["P1", "项目一", "", "１", "产业项目", "否", "2022年9月30日", None],
        [None] * 8,
        ["P2", "项目二", "", "2", "产业项目", "否", 44834, None],
    ]
    path = _xlsx(tmp_path / "merged.xlsx", rows, merge=["A1:H1", "A2:D2", "E2:H2"])
    result = _ingest(store, settings, path)
    assert result.outcome == "loaded", result.to_dict()
    got = store.query(
        "SELECT project_id, round, actual_start, _row FROM projects ORDER BY 1"
    )
    assert [
        (r["project_id"], r["round"], str(r["actual_start"]), r["_row"]) for r in got
    ] == [("P1", 1, "2022-09-30", 4), ("P2", 2, "2022-09-30", 6)]
    assert [p.kind.type for p in result.problems] == ["blank-row"]


def test_formula_cells_take_the_cached_value_and_warn(store, settings):
    form = Form(
        name="test-po4",
        zh="测试",
        en="Test",
        columns=(
            Column(name="sample", zh="样品", en="Sample Name", required=True),
            Column(name="peak", zh="峰值", en="peak PO4", type="decimal"),
            Column(name="actual", zh="实际", en="actual PO4 (formula)", type="decimal"),
        ),
    )
    FORMS[form.name] = form
    try:
        st = open_store(store.path)
        src = shared(
            "data/messy-tables/frictionless_adjust-floating-point-error_formulas.xlsx"
        )
        result = _ingest(st, settings, src, dataset="test-po4")
        assert result.outcome == "loaded", result.to_dict()
        formulas = [p for p in result.problems if p.kind.type == "formula"]
        assert formulas and "=B3*4" in formulas[0].message_en and formulas[0].row == 3
        values = st.query("SELECT actual FROM test_po4 ORDER BY _row")
        assert str(values[1]["actual"]).startswith("274.66")
    finally:
        del FORMS[form.name]


def test_1904_based_workbook_dates(store, settings):
    form = Form(
        name="test-1904",
        zh="测试",
        en="Test",
        columns=(
            Column(name="day", zh="日期", en="date", type="date", required=True),
            Column(name="temperature", zh="温度", en="temperature", type="integer"),
            Column(name="place", zh="地点", en="place"),
        ),
    )
    FORMS[form.name] = form
    try:
        st = open_store(store.path)
        result = _ingest(
            st,
            settings,
            shared("data/messy-tables/messytables_simple_date1904.xlsx"),
            dataset="test-1904",
        )
        assert result.outcome == "loaded", result.to_dict()
        first = st.query(
            "SELECT day, temperature FROM test_1904 ORDER BY _row LIMIT 1"
        )[0]
        assert str(first["day"]) == "2011-01-01" and first["temperature"] == 1
    finally:
        del FORMS[form.name]


def test_gb18030_bom_file_is_decoded(tmp_path):
    from zhangjiang.ingest.tabular import read_table

    table = read_table(shared("data/messy-tables/datatable_gb18030.txt"))
    assert table.encoding == "gb18030"
    assert table.rows[0][1] == ["x", "y", "z"]


def test_gb2312_text_is_detected_not_guessed_from_name(tmp_path):
    from zhangjiang.ingest.tabular import decode_text

    data = shared(
        "data/messy-tables/chardet_GB2312_chromium_gb18030_no_encoding_specified.html.xml"
    ).read_bytes()
    text, encoding = decode_text(data, "x.csv")
    assert encoding == "gb18030" and "马兴瑞" in text


def test_embedded_newlines_and_title_rows_in_csv():
    from zhangjiang.ingest.tabular import read_table

    table = read_table(shared("data/messy-tables/messytables_excel_pasting.csv"))
    machinery = [
        (n, row) for n, row in table.rows if str(row[0]).startswith("Machinery")
    ]
    # The record starts on physical line 14 and its first cell holds a line break.
    assert machinery[0][0] == 14
    assert (
        machinery[0][1][0].split() == ["Machinery", "and", "equipment"]
        and "\n" in machinery[0][1][0]
    )
    assert machinery[0][1][1] == "27,173"


@pytest.mark.parametrize(
    ("dataset", "sample", "extra", "rows"),
    [
        pytest.param(
            "hpc-jobs",
            "hpc-samples/slurm_sacct_parsable2_xdmod_unit.log",
            [],
            3,  # the fourth job has 0 CPUs: a problem, not a job (issue 17)
            id="job-log",
        ),
        pytest.param(
            "publications",
            "publication-samples/jabref_RisImporterTestScience.ris",
            ["--facility", "ssrf"],
            1,
            id="publications",
        ),
    ],
)
def test_validate_is_a_dry_run_for_every_connector(
    tmp_path, dataset, sample, extra, rows
):
    db = tmp_path / "v.duckdb"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "--db",
            str(db),
            "validate",
            dataset,
            str(shared(f"data/{sample}")),
            *extra,
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["rows"] == rows
    assert (
        json.loads(
            runner.invoke(app, ["--db", str(db), "batches", "--format", "json"]).stdout
        )
        == []
    )
