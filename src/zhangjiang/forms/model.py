"""The declaration of a form: its columns, keys, period and scope."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["COLUMN_TYPES", "FREQUENCIES", "Column", "Form", "normalize_label"]

ColumnType = Literal[
    "string", "integer", "decimal", "date", "month", "year", "boolean", "timestamp"
]
COLUMN_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(38, 6)",
    "date": "DATE",
    "month": "DATE",  # first day of the month
    "year": "INTEGER",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}
# How often a form is reported (统计报表制度): it sets the period of a submission's cells.
FREQUENCIES: dict[str, tuple[str, str]] = {
    "monthly": ("月报", "monthly"),
    "quarterly": ("季报", "quarterly"),
    "annual": ("年报", "annual"),
    "asof": ("时点数", "as of a date"),
    "events": ("事件清单", "event list"),
    "register": ("名录（整表报送）", "register (the full list each time)"),
}
Frequency = Literal["monthly", "quarterly", "annual", "asof", "events", "register"]


class Column(BaseModel):
    """One column of a form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    zh: str
    en: str
    type: ColumnType = "string"
    required: bool = False
    allowed: tuple[str, ...] = ()
    unit: str = ""
    min: float | None = None
    aliases: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    #: Identifies or describes a person (user name, person id, e-mail…): shown only to
    #: staff with the right scope, never in public downloads.
    personal: bool = False
    #: English for the values of this column (allowed values or recurring names),
    #: declared beside them; pages and the English report use ``translate``.
    translations: dict[str, str] = {}
    #: Chinese for values stored as codes (e.g. ``new_tracks``), declared the same way.
    labels_zh: dict[str, str] = {}

    def translate(self, value: Any, lang: str = "en") -> str:
        """Return a value as written in ``lang``: its declared wording, else as stored."""
        text = str(value)
        words = self.translations if lang == "en" else self.labels_zh
        return words.get(text, text)

    @property
    def sql_type(self) -> str:
        """Return the DuckDB type the column is stored as."""
        return COLUMN_TYPES[self.type]

    def labels(self) -> set[str]:
        """Return every normalised header text that names this column."""
        texts = {self.name, self.zh, self.en, *self.aliases}
        if self.unit:
            texts |= {f"{self.zh}（{self.unit}）", f"{self.en} ({self.unit})"}
        return {normalize_label(t) for t in texts}


class Form(BaseModel):
    """A dataset declared once: name, titles, columns, keys, period and scope columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    zh: str
    en: str
    description_zh: str = ""
    description_en: str = ""
    columns: tuple[Column, ...]
    keys: tuple[str, ...] = ()
    period_column: str | None = None
    scope_column: str | None = None
    connector: Literal["tabular", "hpc-jobs", "publications"] = "tabular"
    # "replace": a new batch for the same (period, scope) supersedes the older one;
    # "append": batches add up (daily job logs), identical files are still refused.
    mode: Literal["replace", "append"] = "replace"
    domain: str = "core"
    # The reporting cycle: how often the form is reported, who reports (the column naming
    # the reporting unit; the scope column when not given) and the day of the following
    # month by which a period's form is due (次月N日前).
    frequency: Frequency | None = None
    reporter_column: str | None = None
    due_day: int | None = Field(default=None, ge=1, le=28)
    notes_zh: tuple[str, ...] = Field(default_factory=tuple)
    notes_en: tuple[str, ...] = Field(default_factory=tuple)

    @model_validator(mode="after")
    def _check_references(self) -> Form:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"form {self.name}: duplicate column names")
        for ref in (
            *self.keys,
            self.period_column,
            self.scope_column,
            self.reporter_column,
        ):
            if ref is not None and ref not in names:
                raise ValueError(f"form {self.name}: unknown column {ref!r}")
        return self

    @property
    def cycle(self) -> str:
        """Return the reporting frequency, declared or implied by the period column's type."""
        if self.frequency is not None:
            return self.frequency
        if self.period_column is None:
            return "register"
        kind = self.column(self.period_column).type
        return {"month": "monthly", "year": "annual"}.get(kind, "events")

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Return the columns that identify or describe a person (staff-only)."""
        return tuple(c.name for c in self.columns if c.personal)

    @property
    def reporter(self) -> str | None:
        """Return the column naming the reporting unit of a row (its cell's reporter)."""
        return self.reporter_column or self.scope_column

    @property
    def table(self) -> str:
        """Return the table holding every stored row of every batch."""
        return "ds_" + self.view

    @property
    def view(self) -> str:
        """Return the view of the rows of loaded batches, which indicators query."""
        return self.name.replace("-", "_")

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def normalize_label(text: str) -> str:
    """Normalise a header cell for matching: NFKC, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[\s*＊]+", "", text)
    return text
