"""The state one web app serves from: the snapshot, its settings, and rendered pages.

Pages are pure functions of (snapshot, arguments, language), so each rendered page and
JSON body is kept until the snapshot changes; a busy overview costs a dict lookup.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context
from jinja2.runtime import Context

from zhangjiang.config import Settings
from zhangjiang.demo import DEMO_NOTE
from zhangjiang.periods import parse_period, reference_label
from zhangjiang.portal.state import AppState, app_db_path, open_state
from zhangjiang.snapshot import Snapshot, SnapshotSource
from zhangjiang.store import Store
from zhangjiang.web.i18n import area_title, pick
from zhangjiang.web.pages import areas, stale_notice
from zhangjiang.web.reports import Reports
from zhangjiang.web.urls import href

__all__ = ["Site", "dump_json", "html_key", "json_key"]

_CACHE_SIZE = 512


class Site:
    """Everything a request needs: snapshot source, settings, templates and a page cache."""

    def __init__(self, settings: Settings) -> None:
        """Serve the snapshot of ``settings.db``."""
        self.settings = settings
        self.store = Store(Path(settings.db))
        self.source = SnapshotSource(settings.db)
        self.reports = Reports(self.store)
        self.public_downloads = settings.public_downloads
        self.env = _environment()
        self._state: AppState | None = None
        self._public: tuple[Snapshot, Snapshot] | None = None
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_version = ""
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """Return the newest snapshot."""
        return self.source.current()

    @property
    def state(self) -> AppState:
        """Return the portal's application database (opened on first use)."""
        if self._state is None:
            self._state = open_state(self.settings.db)
        return self._state

    def has_state(self) -> bool:
        """Return True when the portal's application database exists (or is open)."""
        return self._state is not None or app_db_path(self.settings.db).exists()

    def view(self, snap: Snapshot, audience: str) -> Snapshot:
        """Return ``snap`` as ``audience`` ("staff" or "public") sees it."""
        if audience == "staff":
            return snap
        with self._lock:
            if self._public is None or self._public[0] is not snap:
                self._public = (snap, snap.public())
            return self._public[1]

    def period(self, snap: Snapshot, text: str | None) -> str | None:
        """Return the canonical label of ``text`` (PeriodError if malformed) or the latest."""
        if text is None or text == "":
            return snap.latest_period
        return parse_period(text).label

    def lookup(self, snap: Snapshot, key: tuple[Any, ...]) -> Any:
        """Return what is cached for ``key`` under this snapshot, or None."""
        key = (snap.audience, *key)
        with self._lock:
            if self._cache_version != snap.version:
                self._cache.clear()
                self._cache_version = snap.version
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def cached(
        self, snap: Snapshot, key: tuple[Any, ...], make: Callable[[], Any]
    ) -> Any:
        """Return what ``make`` returns for ``key`` under this snapshot, computing it once."""
        value = self.lookup(snap, key)
        if value is not None:
            return value
        value = make()
        with self._lock:
            if self._cache_version == snap.version:
                self._cache[(snap.audience, *key)] = value
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return value

    def page(
        self, snap: Snapshot, key: tuple[Any, ...], build: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Return the dict of a page, built once per snapshot."""
        return self.cached(snap, ("dict", *key), build)  # type: ignore[no-any-return]

    def json_body(
        self, snap: Snapshot, key: tuple[Any, ...], build: Callable[[], dict[str, Any]]
    ) -> bytes:
        """Return a page's dict serialised as UTF-8 JSON (the page's JSON twin)."""
        return self.cached(  # type: ignore[no-any-return]
            snap, json_key(key), lambda: dump_json(self.page(snap, key, build))
        )

    def html_body(
        self,
        snap: Snapshot,
        key: tuple[Any, ...],
        build: Callable[[], dict[str, Any]],
        template: str,
        path: str,
        lang: str,
    ) -> bytes:
        """Return a page rendered with ``template`` from the same dict as its JSON twin."""

        def render() -> bytes:
            return self.render(snap, self.page(snap, key, build), template, path, lang)

        return self.cached(snap, html_key(key, template, path), render)  # type: ignore[no-any-return]

    def render(
        self, snap: Snapshot, page: dict[str, Any], template: str, path: str, lang: str
    ) -> bytes:
        """Render ``template`` with a page dict and the chrome around it."""
        chrome = self.chrome(snap, path, page.get("period"), lang)
        return (
            self.env.get_template(template)
            .render(page=page, chrome=chrome, lang=lang)
            .encode()
        )

    def render_error(
        self, status: int, envelope: dict[str, Any], lang: str, path: str
    ) -> bytes:
        """Render the HTML page of an error envelope."""
        # Only the snapshot already read: the error may be that none can be read now.
        snap = self.source.fresh()
        chrome = self.chrome(snap and self.view(snap, "public"), path, None, lang)
        page = {**envelope, "title": f"{status}", "lang": lang}
        return (
            self.env.get_template("error.html.j2")
            .render(page=page, chrome=chrome, lang=lang)
            .encode()
        )

    def chrome(
        self, snap: Snapshot | None, path: str, period: str | None, lang: str
    ) -> dict[str, Any]:
        """Return what every page shows around its content: navigation, language, period."""
        nav = [
            {
                "href": href("/", period=period),
                "label": pick(lang, "总览", "Overview"),
                "path": "/",
            }
        ]
        for domain in areas(snap) if snap else []:
            nav.append(
                {
                    "href": href(f"/area/{domain}", period=period),
                    "label": area_title(domain, lang),
                    "path": f"/area/{domain}",
                }
            )
        nav += [
            {
                "href": href("/indicators", period=period),
                "label": pick(lang, "指标", "Indicators"),
                "path": "/indicators",
            },
            {
                "href": "/explore",
                "label": pick(lang, "数据浏览", "Explorer"),
                "path": "/explore",
            },
            {
                "href": href("/report", period=period),
                "label": pick(lang, "报告", "Report"),
                "path": "/report",
            },
            {"href": "/data", "label": pick(lang, "数据报送", "Data"), "path": "/data"},
            {
                "href": "/releases",
                "label": pick(lang, "发布记录", "Releases"),
                "path": "/releases",
            },
            {
                "href": "/portal",
                "label": pick(lang, "报送门户", "Portal"),
                "path": "/portal",
            },
        ]
        for item in nav:
            item["current"] = item["path"] == path
        other = "en" if lang == "zh" else "zh"
        return {
            "nav": nav,
            "path": path,
            "lang_switch": {
                "href": href(path, period=period, lang=other),
                "label": "English" if other == "en" else "中文",
                "lang": other,
            },
            "periods": list(reversed(snap.periods)) if snap else [],
            "period_groups": _period_groups(snap, lang) if snap else [],
            "period": period,
            "show_period": period is not None,
            "synthetic": bool(snap)
            and any(
                b["note"] == DEMO_NOTE
                for b in snap.batches.values()
                if b["status"] == "loaded"
            ),
            "generated_at": snap.generated_at if snap else None,
            "stale_notice": stale_notice(snap, lang) if snap else None,
            "stale_inputs": snap.stale_inputs if snap else [],
            "working": bool(snap) and snap.audience == "staff",
            # Before the first release the public sees the working values too.
            "released_any": bool(snap) and bool(snap.releases),
            "year": datetime.now(UTC).year,
        }


def json_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return the cache key of a page's JSON body."""
    return ("json", *key)


def html_key(key: tuple[Any, ...], template: str, path: str) -> tuple[Any, ...]:
    """Return the cache key of a rendered page."""
    return ("html", template, path, *key)


def dump_json(data: Any) -> bytes:
    """Serialise ``data`` as compact UTF-8 JSON."""
    return json.dumps(
        data, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


_PERIOD_GROUPS = (
    ("year", "年度", "Years"),
    ("range", "年初至今", "Year to date"),
    ("month", "月度", "Months"),
)


def _period_groups(snap: Snapshot, lang: str) -> list[dict[str, Any]]:
    # The selector lists years, then years to date, then months, newest first in each.
    groups = []
    for kind, zh, en in _PERIOD_GROUPS:
        periods = list(reversed(snap.periods_of(kind)))
        if periods:
            options = [
                {
                    "value": p,
                    "label": pick(lang, *reference_label("ytd", parse_period(p), None)),
                }
                for p in periods
            ]
            groups.append({"label": pick(lang, zh, en), "options": options})
    return groups


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("zhangjiang.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["t"] = _translate
    return env


@pass_context
def _translate(context: Context, zh: str, en: str) -> str:
    # Templates hold both texts side by side: {{ t("总览", "Overview") }}.
    return en if context.get("lang") == "en" else zh
