"""The dashboard as leaders, statisticians and operators read it, in zh and en.

Overview (trend lines, release notice, lead sentences), the supercomputer's board, the
usage explorer and the portal's review page are opened in Debian's chromium; what they
show is asserted, no raw code of ``FORBIDDEN`` appears, and each page passes the
accessibility checks of ``A11Y_JS`` (lang, labels, heading order, a text alternative and a
data table for every chart). Screenshots are written under ``out/screenshots/boards``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from tests.conftest import REPO
from tests.portal_support import PASSWORD, World, build_world
from tests.test_web_snapshot import copy_store, running_server
from zhangjiang.config import Settings
from zhangjiang.indicators import compute
from zhangjiang.snapshot import write_snapshot
from zhangjiang.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
SHOTS = REPO / "out" / "screenshots" / "boards"
LANGS = ("zh", "en")
#: Codes that must never reach a page: ids of enum values, raw columns, escaped JSON,
#: TeX powers, column names as dimension titles.
FORBIDDEN = (
    "finance",
    "new_tracks",
    "science_city",
    "_row",
    "job_id",
    "\\u",
    "^{",
    "10^",
    "维度 facility",
    "分组 ",
    "系统 魔方",
    "None",
    "NaN",
    "undefined",
)
#: Chinese enum values an English page must translate (declared next to the allowed values).
FORBIDDEN_EN = (
    "在建",
    "开放运行",
    "试运行",
    "集成电路",
    "便捷通关",
    "初步数",
    "同比",
    "魔方",
)
RELEASE_NOTICE = {"zh": "初步数，尚未发布", "en": "Provisional, not yet released"}

# Accessibility checks run in the page: returns a list of problems (empty when it passes).
A11Y_JS = """
() => {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang');
  if (!lang) problems.push('html has no lang');
  const hs = [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')];
  if (document.querySelectorAll('main h1').length !== 1) problems.push('not one h1');
  let last = 0;
  for (const h of hs) {
    const level = +h.tagName[1];
    if (last && level > last + 1) problems.push('heading jumps ' + last + '->' + level + ': ' + h.textContent.trim());
    last = level;
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]'))
      || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
  }
  for (const fig of document.querySelectorAll('figure.chart')) {
    const alt = (fig.querySelector('figcaption') || {}).textContent || '';
    if (!/\\d/.test(alt)) problems.push('chart without a text alternative stating figures');
    if (!/(比|增加|减少|持平|同比|up|down|as in|year on year)/.test(alt)) problems.push('chart alternative without a change: ' + alt);
    if (!fig.querySelector('table tbody tr')) problems.push('chart without a data table');
    const plot = fig.querySelector('[data-chart]');
    if (!plot || !plot.getAttribute('aria-label')) problems.push('plot without aria-label');
  }
  for (const svg of document.querySelectorAll('svg.spark')) {
    const label = svg.getAttribute('aria-label') || '';
    if (!/\\d/.test(label)) problems.push('sparkline without a text alternative');
  }
  return problems;
}
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

# The HPC systems as each language's pages write them (hpc.toml's translations).
SYSTEMS = {"zh": {"魔方II", "魔方III"}, "en": {"Magic Cube II", "Magic Cube III"}}


@pytest.fixture(scope="module")
def base_url(
    demo_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Serve a copy of the demo store with its three years computed (no release yet)."""
    store = copy_store(demo_store, tmp_path_factory.mktemp("boards"))
    with store.session():  # one open database for the whole compute
        for year in ("2020", "2021"):  # the shared fixture computes 2022 only
            compute(store, year)
    write_snapshot(store)
    with running_server(Settings(db=store.path)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Launch chromium once for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """Return a fresh page whose page errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", LANGS)
def test_overview_shows_trends_and_the_release_notice(
    page: Any, base_url: str, lang: str
) -> None:
    page.goto(f"{base_url}/?period=2022&lang={lang}")
    page.wait_for_load_state("networkidle")
    assert page.text_content("#release-status") == RELEASE_NOTICE[lang]
    assert page.locator(".notice-provisional").is_visible()
    lines = [_points(p) for p in page.locator("svg.spark polyline").all()]
    assert lines and max(lines) >= 3, lines
    cards = page.locator("article.card")
    assert cards.count() >= 10
    # Each card's lead figure and its change come from the overview's JSON twin.
    twin = _json(f"{base_url}/api/v1/overview?period=2022&lang={lang}")
    first = twin["areas"][0]["cards"][0]
    assert len(first["series"]) >= 3
    assert first["series"][-1]["period"] == "2022"
    assert first["series"][-1]["value"] == first["figures"][0]["value"]
    headlines = page.locator("p.headline").all_inner_texts()
    assert headlines and all(re.search(r"\d", h) for h in headlines), headlines
    arrows = page.locator(".figure .yoy").all_inner_texts()
    assert any(a.startswith("▲") for a in arrows), arrows
    _check_page(page, lang, "overview")


@pytest.mark.parametrize("lang", LANGS)
def test_the_supercomputer_board_is_populated(
    page: Any, base_url: str, lang: str
) -> None:
    page.goto(f"{base_url}/facility/supercomputing?period=2022&lang={lang}")
    page.wait_for_load_state("networkidle")
    text = page.text_content("main") or ""
    assert "暂无该设施的数据" not in text and "No figures for this" not in text
    titles = page.locator("#facility-service ~ ul .card h3").all_inner_texts()
    assert len(titles) >= 3, titles
    twin = _json(f"{base_url}/api/v1/facilities/supercomputing?period=2022&lang={lang}")
    monthly = twin["monthly"]
    assert monthly, "core-hours and utilisation per system per month"
    assert all(len(t["x"]) >= 12 for chart in monthly for t in chart["data"])
    systems = {t["name"] for chart in monthly for t in chart["data"]}
    assert SYSTEMS[lang] <= systems
    # plotly drew every monthly chart with the local script
    page.wait_for_selector("[aria-labelledby=facility-monthly] .js-plotly-plot")
    drawn = page.locator("[aria-labelledby=facility-monthly] .js-plotly-plot").count()
    assert drawn == len(monthly)
    assert (
        page.locator("[aria-labelledby=facility-monthly] .scatterlayer .trace").count()
        >= 2
    )
    _check_page(page, lang, "supercomputer")


@pytest.mark.parametrize("lang", LANGS)
def test_a_light_source_board_lists_beam_hours_first(
    page: Any, base_url: str, lang: str
) -> None:
    page.goto(f"{base_url}/facility/ssrf?period=2022&lang={lang}")
    first = page.locator("#facility-service ~ ul .card").first
    assert first.get_attribute("data-indicator") == "facility.beam_hours"
    assert page.locator("[aria-labelledby=facility-monthly] figure.chart").count() >= 1
    _check_page(page, lang, "light-source")


@pytest.mark.parametrize("lang", LANGS)
def test_the_usage_explorer_groups_charts_and_downloads(
    page: Any, base_url: str, lang: str
) -> None:
    page.goto(f"{base_url}/explore?lang={lang}")
    page.select_option("#x-indicator", "hpc.core_hours")
    page.locator("form.explorer button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#x-group", "system")
    page.select_option("#x-freq", "month")
    page.locator("form.explorer button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#x-start", "2022-01")
    page.select_option("#x-end", "2022-12")
    page.locator("form.explorer button[type=submit]").click()
    page.wait_for_selector("#explore-chart-alt")
    rows = page.locator("#explore-table tbody tr")
    assert rows.count() == 12
    assert rows.first.get_attribute("data-period") == "2022-01"
    page.wait_for_selector("figure.chart .js-plotly-plot .scatterlayer .trace")
    assert page.locator("figure.chart .scatterlayer .trace").count() == 2
    # The permalink reproduces the view; CSV and JSON hold the same numbers.
    permalink = page.get_attribute("#explore-permalink", "href") or ""
    assert "group_by=system" in permalink and "freq=month" in permalink
    shown = [
        cell.get_attribute("data-value")
        for cell in page.locator("#explore-table tbody td").all()
    ]
    with urlopen(base_url + (page.get_attribute("#explore-csv", "href") or "")) as r:
        table = list(csv.DictReader(io.StringIO(r.read().decode("utf-8-sig"))))
    assert len(table) == 24 and {t["group"] for t in table} == SYSTEMS[lang]
    assert sorted(float(t["value"]) for t in table) == sorted(
        float(v or "nan") for v in shown
    )
    page.goto(base_url + permalink)
    assert page.locator("#explore-table tbody tr").count() == 12
    _check_page(page, lang, "explorer")


@pytest.fixture
def portal_world(tmp_path: Path) -> World:
    """Return the portal world: 2024 released, pending batches of two facilities."""
    return build_world(tmp_path)


def test_the_review_page_shows_what_approving_changes(
    browser: Any, portal_world: World
) -> None:
    with running_server(portal_world.settings) as base:
        for lang in LANGS:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.goto(f"{base}/login?lang={lang}")
            tab.fill("#username", "stat1")
            tab.fill("#password", PASSWORD)
            tab.click("#login-form button[type=submit]")
            tab.wait_for_url(f"{base}/portal")
            tab.goto(f"{base}/portal/batches/{portal_world.pending_a}?lang={lang}")
            summary = tab.text_content("#review-cells-summary") or ""
            assert re.search(r"(新增|added) 1", summary), summary
            row = tab.locator("#review-values tbody tr").first
            # FAC-A had 100 shots released; the pending batch adds 120 in April.
            assert row.get_attribute("data-before") == "100"
            assert row.get_attribute("data-after") == "220"
            assert "+120" in (row.inner_text() or "")
            headers = tab.locator("#batch-rows thead th").all_inner_texts()
            assert headers[0] in ("行号", "Row") and "facility" not in headers
            # Nothing was stored by the preview: the batch is still pending.
            assert (
                tab.get_attribute("#batch-status", "class") == "status status-pending"
            )
            _check_page(tab, lang, "review", forbid_common=False)
            context.close()


def _check_page(page: Any, lang: str, name: str, forbid_common: bool = True) -> None:
    assert page.locator("html").get_attribute("lang") == (
        "zh-CN" if lang == "zh" else "en"
    )
    problems = page.evaluate(A11Y_JS)
    assert not problems, problems
    text = page.inner_text("main")
    forbidden = [*FORBIDDEN, *(FORBIDDEN_EN if lang == "en" else ())]
    if not forbid_common:  # the portal shows stored rows as uploaded
        forbidden = [f for f in forbidden if f not in ("None",)]
    found = [f for f in forbidden if f in text]
    assert not found, found
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=True)


def _points(polyline: Any) -> int:
    return len((polyline.get_attribute("points") or "").split())


def _json(url: str) -> dict[str, Any]:
    with urlopen(url) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]
