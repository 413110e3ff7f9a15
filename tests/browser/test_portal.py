"""The portal in Debian's chromium: upload with errors, fix, approve, release, amend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.portal_support import FORM, PASSWORD, World, build_world, laser_csv
from tests.test_web_snapshot import running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def world(tmp_path: Path) -> World:
    """Return a portal world with version 1 of 2024 released."""
    return build_world(tmp_path)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Launch chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _login(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/portal")
    assert page.text_content("#current-user") == name


def _upload(page: Any, rows: list[list[Any]], name: str) -> None:
    page.select_option("#dataset", FORM)
    page.set_input_files(
        "#file", {"name": name, "mimeType": "text/csv", "buffer": laser_csv(rows)}
    )
    page.click("#upload-button")
    page.wait_for_selector("#upload-result")


def test_operator_uploads_statistician_releases_public_sees(
    world: World, browser: Any
) -> None:
    errors: list[str] = []
    with running_server(world.settings) as base:
        context = browser.new_context()
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))

        _login(page, base, "op_a")
        bad = [
            ["FAC-A", "2024-09-31", "大能量", 300],
            ["FAC-B", "2024-09-01", "大能量", 1],
        ]
        _upload(page, bad, "shots-sept.csv")
        assert page.get_attribute("#upload-result", "data-outcome") == "rejected"
        report = page.text_content("#validation-report") or ""
        assert "2024-09-31" in report and "FAC-B" in report
        assert "日期错误" in report and "bad-date" in report
        page.screenshot(path=str(world.settings.db.parent / "rejected.png"))

        _upload(page, [["FAC-A", "2024-09-30", "大能量", 333]], "shots-sept.csv")
        assert page.get_attribute("#upload-result", "data-outcome") == "pending"
        batch_link = page.locator("#upload-result a").first.get_attribute("href")
        assert batch_link and batch_link.startswith("/portal/batches/")
        template = page.locator(f'#templates a[data-form="{FORM}"]')
        with page.expect_download() as download:
            template.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        page.click("#logout")
        page.wait_for_url(f"{base}/")

        _login(page, base, "stat1")
        page.goto(base + batch_link)
        page.click("#approve")
        page.wait_for_selector("#batch-status")
        assert page.text_content("#batch-status") == "已加载"
        page.goto(f"{base}/portal/releases")
        page.fill("#compute-period", "2024")
        page.click("#compute-button")
        page.wait_for_selector("#release-form")
        page.select_option("#release-period", "2024")
        page.fill("#release-note", "补报9月发次")
        page.click("#release-button")
        page.wait_for_url(f"{base}/releases*")
        page.click("#logout")
        page.wait_for_url(f"{base}/")

        public = context.new_page()
        public.goto(f"{base}/indicator/facility.laser_shots?period=2024")
        text = public.text_content("main") or ""
        assert "433" in text, "FAC-A: 100 loaded + 333 approved"
        assert public.locator(".notice-working").count() == 0
        public.goto(f"{base}/releases")
        amendment = public.locator(".release").first
        note = amendment.text_content() or ""
        assert "补报9月发次" in note and "修订" in note
        change = amendment.locator(".change-note tbody tr").first.text_content() or ""
        assert "FAC-A" in change and "100" in change and "433" in change
        public.screenshot(path=str(world.settings.db.parent / "releases.png"))
        context.close()
    assert not errors, errors


def test_operator_uploads_a_job_log_in_the_browser(world: World, browser: Any) -> None:
    errors: list[str] = []
    log = (
        b"JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName\n"
        b"7|ann|phys|cpu|2024-03-01T00:00:00|2024-03-01T02:00:00|4|1|COMPLETED|a\n"
        b"7.batch|ann|phys|cpu|2024-03-01T00:00:00|2024-03-01T02:00:00|4|1|COMPLETED|b\n"
    )
    with running_server(world.settings) as base:
        page = browser.new_context().new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        _login(page, base, "op_a")
        page.select_option("#dataset", "hpc-jobs")
        page.select_option("#facility", "FAC-A")
        # The scheduler's own file name, without an extension.
        page.set_input_files(
            "#file",
            {"name": "20240301", "mimeType": "application/octet-stream", "buffer": log},
        )
        page.click("#upload-button")
        page.wait_for_selector("#upload-result")
        assert page.get_attribute("#upload-result", "data-outcome") == "pending"
        assert "1 行" in (page.text_content("#upload-result") or "")
        assert "原始记账日志" in (page.text_content("#templates") or "")
        batch_link = page.locator("#upload-result a").first.get_attribute("href")
        page.click("#logout")
        page.wait_for_url(f"{base}/")

        _login(page, base, "stat1")
        page.goto(base + str(batch_link))
        page.click("#approve")
        page.wait_for_selector("#batch-status")
        assert page.text_content("#batch-status") == "已加载"
    assert errors == []
