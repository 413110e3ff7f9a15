"""Overview cards with series, facility boards, the usage explorer, words for codes,
chart axes, compressed assets and the review preview, through the API and the library."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from tests.portal_support import build_world
from zhangjiang.config import Settings
from zhangjiang.indicators import read_values
from zhangjiang.portal.review import preview_approval
from zhangjiang.snapshot import SnapshotSource
from zhangjiang.store import Store
from zhangjiang.web import schemas
from zhangjiang.web.app import PLOTLY_JS, create_app
from zhangjiang.web.charts import LOG_RATIO
from zhangjiang.web.formatting import format_number
from zhangjiang.web.portal_choices import operator_forms

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(demo_store: Store) -> TestClient:
    """Return a client of the app serving the demo store."""
    with TestClient(create_app(Settings(db=demo_store.path))) as test_client:
        yield test_client


def test_overview_cards_carry_their_yoy_and_series(client: TestClient) -> None:
    body = client.get("/api/v1/overview?period=2022&lang=zh").json()
    schemas.OverviewPage.model_validate(body)
    cards = [c for a in body["areas"] for c in a["cards"]]
    assert cards
    for card in cards:
        lead = card["figures"][0]
        assert card["yoy"] == lead["yoy"]
        last = card["series"][-1]
        assert last["value"] == lead["value"] and last["period"] == "2022"
        assert last["dimensions"] == lead["dimensions"]
    assert body["release"] == {
        "released": False,
        "version": None,
        "released_at": None,
        "text": "初步数，尚未发布",
    }
    assert all(a["headline"] for a in body["areas"] if a["cards"])


def test_indicator_series_covers_every_computed_period(
    client: TestClient, demo_store: Store
) -> None:
    body = client.get("/api/v1/indicators/hpc.core_hours?period=2022").json()
    stored = {
        (v["period"], v["dimensions"]["system"]): v
        for v in read_values(demo_store, ids=["hpc.core_hours"])
    }
    shown = {(p["period"], p["dimensions"]["system"]): p for p in body["series"]}
    assert set(shown) == set(stored)
    for key, point in shown.items():
        assert Decimal(str(point["value"])) == Decimal(str(stored[key]["value"]))
        assert set(point) >= {"period", "dimensions", "value", "yoy"}


def test_the_supercomputer_board_shows_the_hpc_area(
    client: TestClient, demo_store: Store
) -> None:
    body = client.get("/api/v1/facilities/supercomputing?period=2022&lang=en").json()
    schemas.FacilityPage.model_validate(body)
    heads = {c["id"]: c for c in body["headline"]}
    total = read_values(demo_store, "2022", ["hpc.core_hours_total"])[0]
    assert heads["hpc.core_hours_total"]["figures"][0]["value"] == total["value"]
    traces = [t for chart in body["monthly"] for t in chart["data"]]
    names = {t["name"] for t in traces}
    assert {"Magic Cube II", "Magic Cube III"} <= names, "system names in English"
    assert all(len(t["x"]) == 12 for t in traces), "the months of 2022"
    assert {s["id"] for s in body["splits"]} >= {
        "hpc.core_hours",
        "hpc.cpu_utilization",
    }


def test_a_facility_board_follows_the_reports_order(client: TestClient) -> None:
    body = client.get("/api/v1/facilities/ssrf?period=2022&lang=zh").json()
    order = [c["id"] for c in body["headline"]]
    assert order[:3] == [
        "facility.beam_hours",
        "facility.institutions",
        "facility.teams",
    ]
    assert body["facility"]["status"] == "开放运行"
    en = client.get("/api/v1/facilities/ssrf?period=2022&lang=en").json()
    assert en["facility"]["status"] == "Open for users"


def test_the_explorer_groups_and_adds_up_additive_values(
    client: TestClient, demo_store: Store
) -> None:
    url = "/api/v1/explore?indicator=facility.technical_services&group_by=facility"
    body = client.get(url + "&start=2022&end=2022").json()
    schemas.ExplorePage.model_validate(body)
    assert body["aggregation"] == "sum"
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for v in read_values(demo_store, "2022", ["facility.technical_services"]):
        sums[v["dimensions"]["facility"]] += Decimal(str(v["value"]))
    row = body["rows"][0]
    assert row["period"] == "2022"
    assert sorted(Decimal(str(x)) for x in row["values"]) == sorted(sums.values())
    assert body["permalink"].startswith(
        "/explore?indicator=facility.technical_services"
    )
    response = client.get(body["csv"])
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(Decimal(t["value"]) for t in table) == sorted(sums.values())


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        pytest.param("group_by=nope", "malformed-parameter", id="dimension"),
        pytest.param("freq=day", "malformed-parameter", id="freq"),
        pytest.param("start=20x", "malformed-period", id="period"),
        pytest.param("indicator=nope", "unknown-indicator", id="indicator"),
    ],
)
def test_the_explorer_names_a_bad_parameter(
    client: TestClient, query: str, kind: str
) -> None:
    response = client.get(f"/api/v1/explore?{query}")
    assert response.status_code in (400, 404)
    body = response.json()
    assert body["ok"] is False and body["errors"][0]["type"] == kind
    assert query.split("=")[1] in body["error"]


def test_enum_values_are_words_in_each_language(client: TestClient) -> None:
    labels = {
        lang: {
            r["label"]
            for r in client.get(
                f"/api/v1/indicators/events.count?period=2022&lang={lang}"
            ).json()["values"]
        }
        for lang in ("zh", "en")
    }
    assert "金融" in labels["zh"] and "Finance" in labels["en"]
    assert not {"finance", "new_tracks"} & (labels["zh"] | labels["en"])
    page = client.get("/api/v1/indicators/hpc.core_hours?period=2022&lang=zh").json()
    assert {v["label"] for v in page["values"]} == {"魔方II", "魔方III"}
    assert page["indicator"]["dimension_titles"] == ["系统"]


def test_charts_read_like_their_tables(client: TestClient, demo_store: Store) -> None:
    snap = SnapshotSource(demo_store.path).current()
    checked = 0
    for domain in ("facilities", "hpc", "science_city"):
        body = client.get(f"/api/v1/areas/{domain}?period=2022&lang=zh").json()
        for block in body["indicators"]:
            chart = block["chart"]
            if chart is None:
                continue
            checked += 1
            axis = chart["layout"]["yaxis"]
            values = [float(y) for t in chart["data"] for y in t["y"] if y is not None]
            positive = [v for v in values if v > 0]
            if len(positive) == len(values) and max(values) > LOG_RATIO * min(values):
                assert axis["type"] == "log", block["id"]
            elif all(v == int(v) for v in values):
                assert all(isinstance(t, int) for t in axis["tickvals"]), block["id"]
                # each tick is written as the number it stands at, 万/亿 included
                assert axis["ticktext"] == [
                    format_number(t, "zh") for t in axis["tickvals"]
                ], block["id"]
            assert "title" not in chart["layout"]["yaxis"] or not axis["title"]
            assert all("^" not in a["text"] for a in chart["layout"]["annotations"])
            assert chart["alt"] and chart["table"]["rows"]
            if any(v >= 10_000 for v in values):
                assert any(("万" in t or "亿" in t) for t in axis["ticktext"])
    assert checked >= 5
    assert snap.indicators["facility.focused_intensity"]["unit"].startswith("×10^")


def test_plotly_and_static_files_are_sent_gzipped_and_cached(
    client: TestClient,
) -> None:
    for path in ("/static/vendor/plotly.min.js", "/static/css/site.css"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert "max-age" in response.headers["cache-control"]
    raw = client.get(
        "/static/vendor/plotly.min.js",
        headers={"Accept-Encoding": "gzip"},
    )
    assert int(raw.headers["content-length"]) < PLOTLY_JS.stat().st_size / 2
    assert raw.content == PLOTLY_JS.read_bytes()  # httpx decompresses
    plain = client.get("/static/css/site.css", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_report_figures_link_to_their_indicators(client: TestClient) -> None:
    html = client.get("/report?period=2022").text
    assert 'class="figure-link" href="/indicator/projects.count?period=2022"' in html


def test_an_hpc_operator_is_offered_the_hpc_forms_only(demo_store: Store) -> None:
    snap = SnapshotSource(demo_store.path).current()
    names = [f for f in snap.forms if f.startswith(("hpc-", "laser", "facility"))]
    offered = operator_forms(snap, ("魔方III",), names)
    assert offered and all(snap.forms[n]["domain"] == "hpc" for n in offered)
    light = operator_forms(snap, ("ssrf",), names)
    assert light and all(snap.forms[n]["domain"] == "facilities" for n in light)
    assert operator_forms(snap, ("FAC-X",), names) == names, "unknown: every form"


def test_the_review_preview_stores_nothing(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    before = _state(world.store)
    preview = preview_approval(world.store, world.pending_a)
    assert _state(world.store) == before
    assert preview["plan"]["added"] == [{"period": "2024-04", "reporter": "FAC-A"}]
    (change,) = preview["values"]
    assert change["id"] == "facility.laser_shots" and change["period"] == "2024"
    assert (change["before"], change["after"]) == (100, 220)


def _state(store: Store) -> list[Any]:
    return [
        store.query("SELECT id, status FROM batches ORDER BY id"),
        store.query("SELECT * FROM batch_cells ORDER BY batch_id, period, reporter"),
        store.query(
            "SELECT indicator_id, period, value FROM indicator_values ORDER BY 1, 2"
        ),
    ]


def test_a_released_period_says_its_version_and_date(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    with TestClient(create_app(world.settings)) as anonymous:
        body = anonymous.get("/api/v1/overview?period=2024&lang=en").json()
        page = anonymous.get("/?period=2024&lang=en").text
    release = body["release"]
    assert release["released"] is True and release["version"] == 1
    assert release["text"] == f"Released: version 1, {release['released_at']}"
    assert 'id="release-status"' in page and "notice-provisional" not in page


def test_values_are_written_as_the_form_declares_them() -> None:
    from zhangjiang.forms.model import Column

    column = Column(
        name="group",
        zh="分组",
        en="Group",
        allowed=("finance", "在建"),
        translations={"finance": "Finance", "在建": "Under construction"},
        labels_zh={"finance": "金融"},
    )
    assert column.translate("在建", "en") == "Under construction"
    assert column.translate("在建", "zh") == "在建"
    assert column.translate("finance", "zh") == "金融"
    assert column.translate("finance", "en") == "Finance"
    assert column.translate("其他", "en") == "其他", "undeclared values stay as given"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_powers_of_ten_are_superscripts(client: TestClient, lang: str) -> None:
    html = client.get(f"/indicator/facility.focused_intensity?period=2022&lang={lang}")
    main = html.text.split("<main", 1)[1].split("</main>", 1)[0]
    visible = re.sub(r"<script.*?</script>|<pre.*?</pre>", "", main, flags=re.DOTALL)
    assert "^" not in visible and "10²⁰" in visible
