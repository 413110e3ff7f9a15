"""The web app on the demo store: API schemas, error envelope, pages and their JSON twins."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel
from starlette.exceptions import StarletteDeprecationWarning

from zhangjiang.config import Settings
from zhangjiang.indicators import load_builtin, read_values
from zhangjiang.store import Store
from zhangjiang.web import schemas
from zhangjiang.web.app import create_app

with warnings.catch_warnings():
    # starlette prefers httpx2 to the installed httpx, which it still supports.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PAGES = [
    "/",
    "/area/science_city",
    "/area/facilities",
    "/indicators",
    "/indicator/projects.count",
    "/report",
    "/data",
]


@pytest.fixture(scope="module")
def client(demo_store: Store) -> TestClient:
    """Return a client of the app serving the demo store (read from its snapshot).

    The site has public downloads turned on (off by default, see
    test_downloads_can_be_closed), so that lineage links are followed.
    """
    settings = Settings(db=demo_store.path, public_downloads=True)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _some_facility(client: TestClient) -> str:
    board = client.get("/api/v1/overview").json()["facilities"]
    assert board, "the demo has facilities"
    return board[0]["name"]


@pytest.mark.parametrize(
    ("url", "model"),
    [
        pytest.param("/api/v1/overview", schemas.OverviewPage, id="overview"),
        pytest.param(
            "/api/v1/overview?period=2022&lang=en",
            schemas.OverviewPage,
            id="overview-en",
        ),
        pytest.param("/api/v1/areas/science_city", schemas.AreaPage, id="area"),
        pytest.param(
            "/api/v1/indicators?period=2022", schemas.IndicatorList, id="indicators"
        ),
        pytest.param(
            "/api/v1/indicators/projects.count?period=2022",
            schemas.IndicatorPage,
            id="indicator",
        ),
        pytest.param(
            "/api/v1/indicators/industry.ic_revenue",
            schemas.IndicatorPage,
            id="indicator-yoy",
        ),
        pytest.param(
            "/api/v1/report?period=2022&lang=zh", schemas.ReportPage, id="report"
        ),
        pytest.param(
            "/api/v1/indicators/industry.ic_revenue/series",
            schemas.IndicatorSeries,
            id="series",
        ),
        pytest.param(
            '/api/v1/indicators/projects.count/series?freq=year&dimensions={"round":1}',
            schemas.IndicatorSeries,
            id="series-filtered",
        ),
        pytest.param("/api/v1/data", schemas.DataPage, id="data"),
        pytest.param("/api/v1/batches", schemas.BatchList, id="batches"),
        pytest.param("/api/v1/forms", schemas.FormList, id="forms"),
    ],
)
def test_endpoint_answers_its_schema(
    client: TestClient, url: str, model: type[BaseModel]
) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    model.model_validate(response.json())


def test_facility_endpoint_answers_its_schema(client: TestClient) -> None:
    name = _some_facility(client)
    response = client.get(f"/api/v1/facilities/{name}")
    assert response.status_code == 200, response.text
    page = schemas.FacilityPage.model_validate(response.json())
    assert page.indicators, "a facility of the board has values"


@pytest.mark.parametrize(
    ("url", "status", "kind"),
    [
        pytest.param(
            "/api/v1/indicators/no.such_indicator",
            404,
            "unknown-indicator",
            id="indicator",
        ),
        pytest.param(
            "/api/v1/indicators/no.such_indicator.csv",
            404,
            "unknown-indicator",
            id="export",
        ),
        pytest.param(
            "/api/v1/indicators/no.such_indicator/series",
            404,
            "unknown-indicator",
            id="series",
        ),
        pytest.param(
            "/api/v1/indicators/projects.count/series?dimensions=round",
            400,
            "malformed-dimensions",
            id="dimensions",
        ),
        pytest.param(
            "/api/v1/indicators/projects.count/series?freq=week",
            400,
            "invalid-parameter",
            id="freq",
        ),
        pytest.param("/api/v1/areas/nowhere", 404, "not-found", id="area"),
        pytest.param("/api/v1/facilities/nothing", 404, "not-found", id="facility"),
        pytest.param(
            "/api/v1/indicators?period=20x2", 400, "malformed-period", id="period"
        ),
        pytest.param(
            "/api/v1/indicators/projects.count?period=2022-13",
            400,
            "malformed-period",
            id="month",
        ),
        pytest.param("/api/v1/report?lang=fr", 400, "invalid-parameter", id="lang"),
        pytest.param("/api/v1/nothing-here", 404, "not-found", id="route"),
        pytest.param("/batches/99999/file", 404, "not-found", id="batch"),
        pytest.param(
            "/forms/no-such-form/template.xlsx", 404, "unknown-dataset", id="form"
        ),
    ],
)
def test_every_api_error_has_the_envelope(
    client: TestClient, url: str, status: int, kind: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = schemas.ErrorEnvelope.model_validate(response.json())
    assert body.status == status
    assert body.errors[0].type == kind
    assert body.error


def test_malformed_period_names_the_parameter(client: TestClient) -> None:
    body = client.get("/api/v1/indicators?period=20x2").json()
    assert body["errors"][0]["location"] == "query.period"
    assert "20x2" in body["error"]


@pytest.mark.parametrize(
    "url", [*PAGES, "/?lang=en", "/indicator/industry.ic_revenue?period=2022"]
)
def test_page_renders_with_a_json_twin(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    html = response.text
    twin = re.search(
        r'<link rel="alternate" type="application/json" href="([^"]+)">', html
    )
    assert twin, "every page names its JSON twin"
    data = client.get(twin.group(1).replace("&amp;", "&"))
    assert data.status_code == 200
    assert data.json()["title"] in html.replace("&#34;", '"')


def test_facility_page_renders(client: TestClient) -> None:
    name = _some_facility(client)
    response = client.get(f"/facility/{name}")
    assert response.status_code == 200
    assert client.get(f"/api/v1/facilities/{name}").json()["title"] in response.text


def test_unknown_pages_answer_html_errors(client: TestClient) -> None:
    missing = client.get("/indicator/no.such_indicator")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "no.such_indicator" in missing.text
    assert client.get("/?period=20x2").status_code == 400


def test_overview_figures_are_the_computed_values(
    client: TestClient, demo_store: Store
) -> None:
    computed = {
        (v["id"], _key(v["dimensions"])): v["value"]
        for v in read_values(demo_store, "2022")
    }
    page = client.get("/api/v1/overview?period=2022").json()
    figures = [
        (c["id"], f) for a in page["areas"] for c in a["cards"] for f in c["figures"]
    ]
    assert len(figures) >= 10
    for indicator_id, figure in figures:
        expected = computed[indicator_id, _key(figure["dimensions"])]
        assert _number(figure["value"]) == _number(expected), indicator_id
    html = client.get("/?period=2022").text
    for indicator_id, figure in figures:
        assert f'data-indicator="{indicator_id}"' in html
        assert figure["display"] in html


def test_every_indicator_of_the_registry_is_listed(client: TestClient) -> None:
    listed = {i["id"] for i in client.get("/api/v1/indicators").json()["indicators"]}
    assert listed == set(load_builtin())


def test_indicator_page_has_definition_and_lineage(
    client: TestClient, demo_store: Store
) -> None:
    page = client.get("/api/v1/indicators/projects.count?period=2022").json()
    assert "SELECT" in page["indicator"]["sql"]
    assert page["indicator"]["description"]
    assert page["lineage"], "values come from batches"
    batch = page["lineage"][0]
    download = client.get(batch["download"])
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == batch["sha256"]
    assert batch["file"] in download.headers["content-disposition"]
    html = client.get("/indicator/projects.count?period=2022").text
    assert f'id="batch-{batch["id"]}"' in html


def test_year_on_year_comes_from_each_value(
    client: TestClient, demo_store: Store
) -> None:
    stored = {
        (v["id"], _key(v["dimensions"])): v for v in read_values(demo_store, "2022")
    }
    listed = client.get("/api/v1/indicators?period=2022&lang=zh").json()
    growing = [
        (i["id"], row)
        for i in listed["indicators"]
        for row in i["values"]
        if row["yoy"] is not None
    ]
    assert len(growing) >= 5, "the demo has values of 2022 with a previous year"
    for indicator_id, row in growing:
        value = stored[indicator_id, _key(row["dimensions"])]
        assert _number(row["yoy"]["value"]) == _number(value["yoy"])
        assert _number(row["previous"]) == _number(value["previous"])
        assert row["yoy"]["display"].startswith("同比")
    indicator_id, row = growing[0]
    page = client.get(f"/api/v1/indicators/{indicator_id}?period=2022").json()
    assert page["indicator"]["yoy"] is True
    assert any(v["yoy"] == row["yoy"] for v in page["values"])
    html = client.get(f"/indicator/{indicator_id}?period=2022").text
    assert '<th scope="col">同比</th>' in html
    assert row["yoy"]["display"] in html
    # A value without a previous year shows none, even where a growth indicator exists.
    for i in listed["indicators"]:
        for row in i["values"]:
            if stored[i["id"], _key(row["dimensions"])]["previous"] is None:
                assert row["yoy"] is None


def test_series_endpoint_gives_the_years_and_months_of_a_value(
    client: TestClient, demo_store: Store
) -> None:
    body = client.get("/api/v1/indicators/industry.ic_revenue/series").json()
    (series,) = body["series"]
    periods = [p["period"] for p in series["points"]]
    stored = {
        v["period"]: v
        for v in read_values(demo_store, ids=["industry.ic_revenue"])
        if "/" not in v["period"]
    }
    assert sorted(periods) == sorted(stored), "every year and month, no ranges"
    assert periods[0] == min(p for p in stored if len(p) == 4), "years come first"
    assert {p["freq"] for p in series["points"]} == {"year", "month"}
    for point in series["points"]:
        assert _number(point["value"]) == _number(stored[point["period"]]["value"])
    months = client.get(
        "/api/v1/indicators/industry.ic_revenue/series?freq=month"
    ).json()
    assert {p["freq"] for s in months["series"] for p in s["points"]} == {"month"}
    ranges = client.get(
        "/api/v1/indicators/industry.ic_revenue/series?freq=range"
    ).json()
    assert all("/" in p["period"] for s in ranges["series"] for p in s["points"])
    one = client.get(
        '/api/v1/indicators/projects.count/series?dimensions={"round": 1}'
    ).json()
    assert [s["dimensions"] for s in one["series"]] == [{"round": 1}]
    none = client.get(
        '/api/v1/indicators/projects.count/series?dimensions={"round": 99}'
    ).json()
    assert none["series"] == []


def test_language_is_remembered_in_a_cookie(demo_store: Store) -> None:
    with TestClient(create_app(Settings(db=demo_store.path))) as fresh:
        assert '<html lang="zh-CN">' in fresh.get("/").text
        english = fresh.get("/?lang=en")
        assert english.cookies.get("lang") == "en" or fresh.cookies.get("lang") == "en"
        assert '<html lang="en">' in fresh.get("/").text
        assert fresh.get("/api/v1/overview").json()["lang"] == "en"
        fresh.get("/?lang=zh")
        assert '<html lang="zh-CN">' in fresh.get("/").text


def test_report_page_shows_the_report_or_says_it_is_unavailable(
    client: TestClient,
) -> None:
    html = client.get("/report?period=2022").text
    data = client.get("/api/v1/report?period=2022").json()
    if data["available"]:
        assert data["markdown"]
        assert 'class="report"' in html
        for fmt in ("md", "html", "docx"):
            download = client.get(data["downloads"][fmt])
            assert download.status_code == 200, fmt
            assert download.content
    else:
        assert 'id="report-unavailable"' in html


def test_exports_parse_back(client: TestClient, demo_store: Store) -> None:
    expected = {
        _key(v["dimensions"]): _number(v["value"])
        for v in read_values(demo_store, "2022", ["projects.count"])
    }
    text = client.get(
        "/api/v1/indicators/projects.count.csv?period=2022"
    ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {
        _key({"round": int(r["round"])}): _number(r["value"]) for r in rows
    } == expected
    sdmx = client.get("/api/v1/indicators/projects.count.sdmx.csv?period=2022")
    assert sdmx.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    rows = list(csv.DictReader(io.StringIO(sdmx.text)))
    assert {r["DATAFLOW"] for r in rows} == {"ZJ:PROJECTS_COUNT(1.0)"}
    assert {
        _key({"round": int(r["ROUND"])}): _number(r["OBS_VALUE"]) for r in rows
    } == expected
    from openpyxl import load_workbook

    xlsx = client.get("/api/v1/indicators/projects.count.xlsx?period=2022")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    values = [
        r[header.index("值 value")]
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(_number(v) for v in values) == sorted(expected.values())


def test_form_template_downloads(client: TestClient) -> None:
    from openpyxl import load_workbook

    forms = client.get("/api/v1/forms").json()["forms"]
    response = client.get(forms[0]["template"])
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) >= 2


def test_downloads_are_closed_by_default(demo_store: Store) -> None:
    app = create_app(Settings(db=demo_store.path))
    with TestClient(app) as closed:
        assert closed.get("/batches/1/file").status_code == 403
        batches = closed.get("/api/v1/batches").json()["batches"]
        assert all(b["download"] is None for b in batches)


def test_pages_request_nothing_from_elsewhere(client: TestClient) -> None:
    for url in PAGES:
        response = client.get(url)
        external = re.findall(r'(?:src|href)="(?!/|#|data:)([^"]+)"', response.text)
        assert not external, (url, external)
        assert "default-src 'self'" in response.headers["content-security-policy"]
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/api/v1/overview",
        "/api/v1/indicators",
        "/api/v1/indicators/{indicator_id}",
        "/api/v1/indicators/{indicator_id}.csv",
        "/api/v1/indicators/{indicator_id}.sdmx.csv",
        "/api/v1/indicators/{indicator_id}.xlsx",
        "/api/v1/indicators/{indicator_id}/series",
        "/api/v1/report",
        "/api/v1/batches",
        "/api/v1/forms",
        "/api/v1/data",
        "/api/v1/areas/{domain}",
        "/api/v1/facilities/{facility}",
    ):
        assert path in paths, path
    assert all(p.startswith("/api/v1/") for p in paths)
    assert "ErrorEnvelope" in spec["components"]["schemas"]


def test_app_starts_without_a_database(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(db=tmp_path / "absent.duckdb"))) as empty:
        response = empty.get("/api/v1/overview")
        assert response.status_code == 503
        assert response.json()["errors"][0]["type"] == "store-unavailable"
        assert empty.get("/").status_code == 503


def _number(value: object) -> Decimal:
    # Values arrive as Decimal, int, float or text: compare them as exact decimals.
    return Decimal(str(value)).normalize()


def _key(dims: dict[str, object]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in dims.items()))


def test_pages_are_gzipped_only_for_clients_that_accept_it(client: TestClient) -> None:
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == plain.text
    assert "Accept-Encoding" in zipped.headers["vary"]


def test_serve_command_is_registered() -> None:
    from typer.testing import CliRunner

    from zhangjiang.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--port" in result.output
    assert "--host" in result.output


@pytest.mark.parametrize(
    ("url", "english", "chinese"),
    [
        pytest.param(
            "/indicator/projects.count", "Source batches", "来源批次", id="values"
        ),
        pytest.param("/data", "Original file", "原始文件", id="batches"),
        pytest.param("/area/science_city", "Reference period", "参考期", id="area"),
        pytest.param("/", "year on year", "同比", id="cards"),
    ],
)
def test_english_pages_have_english_labels_throughout(
    demo_store: Store, url: str, english: str, chinese: str
) -> None:
    with TestClient(create_app(Settings(db=demo_store.path))) as fresh:
        html = fresh.get(url, params={"lang": "en", "period": "2022"}).text
        assert english in html
        assert chinese not in html
        assert chinese in fresh.get(url, params={"lang": "zh", "period": "2022"}).text
