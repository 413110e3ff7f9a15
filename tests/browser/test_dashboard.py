"""The dashboard in Debian's chromium: figures, language switch, lineage, offline, screenshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO
from tests.test_web_snapshot import running_server
from zhangjiang.config import Settings
from zhangjiang.indicators import read_values
from zhangjiang.snapshot import SnapshotSource
from zhangjiang.store import Store
from zhangjiang.web.formatting import format_value

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = REPO / "out" / "screenshots" / "overview.png"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def base_url(demo_store: Store) -> Iterator[str]:
    """Serve the demo store on a loopback port, public downloads on (lineage links)."""
    with running_server(Settings(db=demo_store.path, public_downloads=True)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Launch chromium once for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page with every console error, page error and non-local request recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.outside: list[str] = []
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._on_request)
        # Anything not addressed to this machine is refused outright, then reported.
        page.route(
            lambda url: urlsplit(url).hostname not in LOCAL_HOSTS,
            lambda route: route.abort(),
        )

    def _on_request(self, request: Any) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if (
            parts.scheme not in ("data", "blob", "about")
            and parts.hostname not in LOCAL_HOSTS
        ):
            self.outside.append(request.url)

    def check(self) -> None:
        """Assert that no error was logged and no request left localhost."""
        assert not self.errors, self.errors
        assert not self.outside, self.outside


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """Return a fresh page (new context: no cookies) that records errors and requests."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = Watched(context.new_page())
    yield page
    context.close()


def test_overview_shows_the_computed_figures(
    watched: Watched, base_url: str, demo_store: Store
) -> None:
    page = watched.page
    page.goto(f"{base_url}/?period=2022")
    page.wait_for_load_state("networkidle")
    computed = {
        (v["id"], _key(v["dimensions"])): v for v in read_values(demo_store, "2022")
    }
    catalogue = SnapshotSource(demo_store.path).current().indicators
    figures = page.locator("li.figure")
    assert figures.count() >= 10
    for i in range(figures.count()):
        figure = figures.nth(i)
        indicator_id = figure.get_attribute("data-indicator")
        dims = json.loads(figure.get_attribute("data-dims") or "{}")
        stored = computed[indicator_id, _key(dims)]
        assert Decimal(figure.get_attribute("data-value") or "") == Decimal(
            str(stored["value"])
        ), indicator_id
        shown = figure.locator("a.value").inner_text().strip()
        assert shown == format_value(stored["value"], catalogue[indicator_id], "zh"), (
            indicator_id
        )
        assert figure.locator("a.value").is_visible()
    page.get_by_role("heading", name="张江科学城").wait_for()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    watched.check()


def test_switching_to_english_is_remembered(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Zhangjiang monitoring overview"
    )
    page.goto(f"{base_url}/data")
    assert page.locator("html").get_attribute("lang") == "en", (
        "the cookie keeps English"
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Data submission"
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "数据报送"
    watched.check()


def test_a_figure_leads_to_its_indicator_and_lineage(
    watched: Watched, base_url: str
) -> None:
    page = watched.page
    page.goto(f"{base_url}/?period=2022")
    first = page.locator("li.figure").first
    indicator_id = first.get_attribute("data-indicator")
    first.locator("a.value").click()
    page.wait_for_load_state("networkidle")
    assert f"/indicator/{indicator_id}" in page.url
    assert page.locator("code", has_text=indicator_id or "").first.is_visible()
    lineage = page.locator("section[aria-labelledby=lineage] tbody tr")
    assert lineage.count() >= 1
    link = lineage.first.locator("a[download]")
    response = page.request.get(f"{base_url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.body()
    watched.check()


def test_charts_draw_with_the_local_plotly(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/area/facilities?period=2022")
    page.wait_for_load_state("networkidle")
    page.locator(".plot .main-svg").first.wait_for()
    assert page.locator(".plot .main-svg").count() >= 1
    assert any(u.endswith("/static/vendor/plotly.min.js") for u in watched.requests)
    watched.check()


def test_keyboard_reaches_the_content(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    watched.check()


@pytest.mark.parametrize(
    "path", ["/indicators", "/report", "/data", "/indicator/industry.ic_revenue"]
)
def test_other_pages_load_cleanly(watched: Watched, base_url: str, path: str) -> None:
    response = watched.page.goto(f"{base_url}{path}")
    assert response is not None and response.status == 200
    watched.page.wait_for_load_state("networkidle")
    watched.check()


def _key(dims: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in dims.items()))
