"""Response schemas of the JSON API, for the OpenAPI document and the schema tests.

The API answers with the page dicts as they are built (no per-request validation); these
models describe them, and the tests validate every endpoint's answer against them with
``extra="forbid"`` so that a field added to a page is also documented here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "AreaPage",
    "Batch",
    "BatchList",
    "DataPage",
    "ErrorEnvelope",
    "FacilityPage",
    "FormList",
    "IndicatorList",
    "IndicatorPage",
    "IndicatorSeries",
    "OverviewPage",
    "ReportPage",
]

Number = int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorItem(_Strict):
    """One problem: its type, message and the parameter at fault."""

    type: str
    message: str
    location: str | None


class ErrorEnvelope(_Strict):
    """What every API error answers: ``{"ok": false, "error", "errors", "status"}``."""

    ok: Literal[False]
    error: str
    errors: list[ErrorItem]
    status: int


class StaleInput(_Strict):
    """A batch changed after the last compute: the values do not reflect it yet."""

    batch_id: int
    dataset: str
    file: str
    change: str  # loaded | superseded | cells-replaced


class Page(_Strict):
    """Fields every page's JSON twin carries.

    ``stale_inputs`` lists the batches changed since the last compute (empty when the
    values are current), and ``stale_notice`` says so in the page's language.
    """

    ok: Literal[True]
    page: str
    lang: Literal["zh", "en"]
    title: str
    period: str | None
    periods: list[str]
    generated_at: str
    stale_inputs: list[StaleInput]
    stale_notice: str | None
    html: str
    api: str


class Growth(_Strict):
    """A value's year-on-year change in per cent, from its own comparable previous value.

    ``id`` is the indicator's id; ``previous`` the comparable value of the same period a
    year earlier, ``change`` the value minus it.
    """

    id: str
    value: Number
    display: str
    previous: Number | None
    previous_display: str
    change: Number | None


class ValueRow(_Strict):
    """One value of an indicator: a dimension combination for the period, with its growth."""

    dimensions: dict[str, Any]
    label: str
    value: Number | None
    display: str
    reference_period: str
    status: str
    status_label: str
    sources: list[int]
    previous: Number | None
    change: Number | None
    yoy: Growth | None


class TrendLine(_Strict):
    """Values over consecutive periods, and the SVG sparkline points drawing them."""

    periods: list[str]
    values: list[Number | None]
    points: str


class Trend(TrendLine):
    """A figure's values over the years (and ``months`` for monthly indicators)."""

    months: TrendLine | None


class CardFigure(ValueRow):
    """A figure on a headline card; ``alt`` states it and its change in words."""

    trend: Trend | None
    alt: str


class CardPoint(_Strict):
    """A point of a card's series: the lead figure in one period."""

    period: str
    dimensions: dict[str, Any]
    value: Number | None
    display: str
    yoy: Growth | None


class ReleaseStatus(_Strict):
    """Whether the period's figures are released (version and date) or provisional."""

    released: bool
    version: int | None
    released_at: str | None
    text: str


class IndicatorRef(_Strict):
    """An indicator as every page names and links it."""

    id: str
    title: str
    title_zh: str
    title_en: str
    unit: str
    domain: str
    href: str
    api: str


class Card(IndicatorRef):
    """A headline card of the overview."""

    reference_period: str
    status: str
    status_label: str
    yoy: Growth | None  # the lead figure's year-on-year change
    series: list[CardPoint]  # the lead figure over the periods like this one
    figures: list[CardFigure]


class AreaSection(_Strict):
    """An area's headline cards on the overview."""

    domain: str
    title: str
    href: str
    headline: str | None  # one sentence written from the cards
    cards: list[Card]
    more: int


class FacilityFigure(IndicatorRef):
    """A key service figure of a facility."""

    dimensions: dict[str, Any]
    label: str
    value: Number | None
    display: str
    reference_period: str
    status: str
    status_label: str
    sources: list[int]
    previous: Number | None
    change: Number | None
    yoy: Growth | None


class FacilityRef(_Strict):
    """A facility on the board."""

    name: str
    title: str
    status: Any
    href: str
    api: str
    figures: list[FacilityFigure] = []


class Milestone(_Strict):
    """A milestone or event: its date and text."""

    date: str
    text: str
    dataset: str


class OverviewPage(Page):
    """The overview: headline cards per area, facility board, recent milestones."""

    release: ReleaseStatus
    areas: list[AreaSection]
    facilities: list[FacilityRef]
    milestones: list[Milestone]


class IndicatorBlock(IndicatorRef):
    """An indicator's values on an area or facility page."""

    reference_period: str | None
    rows: list[ValueRow]
    more_rows: int
    yoy: bool
    chart: dict[str, Any] | None


class AreaPage(Page):
    """An area with every indicator of its domain."""

    domain: str
    indicators: list[IndicatorBlock]


class FacilityStatus(_Strict):
    """A facility's register row."""

    title: str
    status: str | None
    since: str | None
    fields: list[dict[str, Any]]


class FacilitySplit(IndicatorRef):
    """A figure of a facility split by beamline, instrument or system."""

    rows: list[ValueRow]
    chart: dict[str, Any] | None


class FacilityPage(Page):
    """A facility's board: headline figures, monthly series, splits, milestones, values."""

    facility: FacilityRef
    status: FacilityStatus | None
    headline: list[Card]  # service figures in the report's order
    monthly: list[dict[str, Any]]  # charts over the months
    splits: list[FacilitySplit]
    milestones: list[Milestone]
    indicators: list[IndicatorBlock]


class ListedIndicator(IndicatorRef):
    """An indicator of the catalogue with its values for the period."""

    period_rule: str
    values: list[ValueRow]


class IndicatorList(Page):
    """The indicator catalogue with values for one period."""

    indicators: list[ListedIndicator]


class FormRef(_Strict):
    """A form an indicator reads, with its template."""

    name: str
    title: str
    template: str


class AreaRef(_Strict):
    """The area an indicator belongs to."""

    domain: str
    title: str
    href: str


class IndicatorDefinition(IndicatorRef):
    """An indicator's definition: description, SQL, unit, period rule, inputs."""

    description: str
    sql: str
    unit_zh: str
    unit_en: str
    period_rule: str
    period_rule_label: str
    dimensions: list[str]
    dimension_titles: list[str]  # the dimensions as their forms name them
    inputs: list[FormRef]
    definition_hash: str
    area: AreaRef
    yoy: bool  # some value of the period has a year-on-year change
    series: str  # the series endpoint


class SeriesPoint(_Strict):
    """A value of the indicator in one period, with its growth; ``freq`` is the period's kind."""

    period: str
    freq: Literal["year", "month", "range"]
    label: str
    dimensions: dict[str, Any]
    value: Number | None
    display: str
    reference_period: str
    status: str
    previous: Number | None
    change: Number | None
    yoy: Growth | None


class DimensionSeries(_Strict):
    """The series of one dimension combination, oldest first (years, then months)."""

    dimensions: dict[str, Any]
    label: str
    points: list[SeriesPoint]


class IndicatorSeries(_Strict):
    """An indicator's values over time, one series per dimension combination."""

    ok: Literal[True]
    id: str
    lang: Literal["zh", "en"]
    title: str
    unit: str
    freq: list[Literal["year", "month", "range"]]
    dimensions: dict[str, Any]
    generated_at: str
    stale_inputs: list[StaleInput]
    stale_notice: str | None
    html: str
    series: list[DimensionSeries]


class Batch(_Strict):
    """A batch: one loaded file, its status, and where to download the original."""

    id: int
    dataset: str
    dataset_title: str
    file: str
    sha256: str
    size: int
    rows: int
    status: str
    status_label: str
    period: str | None
    scope: str | None
    loaded_at: str
    loaded_by: str
    note: str
    superseded_by: int | None
    download: str | None
    rows_href: str | None = None  # the rows behind a value (lineage only)


class GrowingValue(ValueRow):
    """A value of the indicator page, with its year-on-year change."""


class IndicatorPage(Page):
    """An indicator: definition, values, series over time, charts and lineage."""

    indicator: IndicatorDefinition
    values: list[GrowingValue]
    status: str | None
    status_label: str | None
    reference_period: str | None
    series: list[SeriesPoint]
    charts: list[dict[str, Any]]
    lineage: list[Batch]
    exports: dict[str, str]


class FormEntry(_Strict):
    """A form with its Excel template."""

    name: str
    title: str
    description: str
    columns: int
    keys: list[str]
    period_column: str | None
    template: str


class DataPage(Page):
    """Forms and batches."""

    forms: list[FormEntry]
    batches: list[Batch]


class BatchList(_Strict):
    """Every batch, newest first."""

    ok: Literal[True]
    count: int
    batches: list[Batch]


class FormList(_Strict):
    """Every declared form."""

    ok: Literal[True]
    count: int
    forms: list[FormEntry]


class ReportPage(Page):
    """The generated report, or why it is not available."""

    available: bool
    stale: bool
    problem: str | None
    markdown: str | None
    content_html: str | None
    downloads: dict[str, str]


class ExploreRow(_Strict):
    """A period of the explorer's table: one value per line, and as written."""

    period: str
    values: list[Number | None]
    display: list[str]


class ExplorePage(_Strict):
    """The usage explorer: an indicator grouped by a dimension over a span of periods."""

    ok: Literal[True]
    page: str
    lang: Literal["zh", "en"]
    title: str
    period: None
    periods: list[str]
    generated_at: str
    stale_inputs: list[StaleInput]
    stale_notice: str | None
    html: str
    api: str
    csv: str
    permalink: str
    query: dict[str, Any]
    indicator: dict[str, Any]
    aggregation: Literal["sum", "none"]
    choices: dict[str, Any]
    columns: list[str]
    rows: list[ExploreRow]
    chart: dict[str, Any] | None
