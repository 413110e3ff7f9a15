"""Table declarations and named, recorded schema migrations."""

from __future__ import annotations

from zhangjiang.cells import cell_sql
from zhangjiang.forms.model import Form

__all__ = ["BATCH_STATUSES", "MIGRATIONS", "form_ddl", "missing_columns_ddl"]

BATCH_STATUSES = ("loaded", "superseded", "rejected", "pending")

# Each migration runs once, in order, inside a transaction; its name is recorded in
# schema_migrations. Never edit a released migration: add a new one.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_batches",
        """
        CREATE SEQUENCE IF NOT EXISTS batch_ids START 1;
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY DEFAULT nextval('batch_ids'),
            dataset VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            size BIGINT NOT NULL,
            rows BIGINT NOT NULL,
            status VARCHAR NOT NULL,
            period VARCHAR,
            scope VARCHAR NOT NULL DEFAULT '',
            loaded_at TIMESTAMP NOT NULL,
            loaded_by VARCHAR NOT NULL,
            note VARCHAR NOT NULL DEFAULT '',
            superseded_by INTEGER,
            warnings INTEGER NOT NULL DEFAULT 0
        );
        """,
    ),
    (
        "0002_indicator_values",
        """
        CREATE TABLE indicator_values (
            indicator_id VARCHAR NOT NULL,
            dimensions VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            reference_period VARCHAR NOT NULL,
            reference_period_en VARCHAR NOT NULL,
            ref_start DATE,
            ref_end DATE,
            value DECIMAL(38, 6),
            unit VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            definition_hash VARCHAR NOT NULL,
            computed_at TIMESTAMP NOT NULL,
            sources INTEGER[] NOT NULL,
            PRIMARY KEY (indicator_id, dimensions, period)
        );
        """,
    ),
    (
        "0003_releases",
        """
        CREATE SEQUENCE IF NOT EXISTS release_ids START 1;
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY DEFAULT nextval('release_ids'),
            period VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            released_at TIMESTAMP NOT NULL,
            released_by VARCHAR NOT NULL,
            note VARCHAR NOT NULL DEFAULT '',
            changes VARCHAR NOT NULL DEFAULT '[]',
            UNIQUE (period, version)
        );
        CREATE TABLE release_values (
            release_id INTEGER NOT NULL,
            indicator_id VARCHAR NOT NULL,
            dimensions VARCHAR NOT NULL,
            reference_period VARCHAR NOT NULL,
            reference_period_en VARCHAR NOT NULL,
            ref_start DATE,
            ref_end DATE,
            value DECIMAL(38, 6),
            unit VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            definition_hash VARCHAR NOT NULL,
            computed_at TIMESTAMP NOT NULL,
            sources INTEGER[] NOT NULL,
            PRIMARY KEY (release_id, indicator_id, dimensions)
        );
        """,
    ),
    (
        # The reporting cycle: the (period x reporter) cells each batch covers, which of
        # them are current; year-on-year beside every value; what the last compute read;
        # explanations of data-quality warnings.
        "0004_reporting_cycle",
        """
        CREATE TABLE batch_cells (
            batch_id INTEGER NOT NULL,
            dataset VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            reporter VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            digest VARCHAR NOT NULL,
            active BOOLEAN NOT NULL,
            replaced_by INTEGER,
            PRIMARY KEY (batch_id, period, reporter)
        );
        ALTER TABLE indicator_values ADD COLUMN previous DECIMAL(38, 6);
        ALTER TABLE indicator_values ADD COLUMN yoy DECIMAL(38, 6);
        ALTER TABLE release_values ADD COLUMN previous DECIMAL(38, 6);
        ALTER TABLE release_values ADD COLUMN yoy DECIMAL(38, 6);
        CREATE TABLE compute_runs (
            computed_at TIMESTAMP NOT NULL,
            periods VARCHAR NOT NULL,
            inputs VARCHAR NOT NULL
        );
        CREATE TABLE quality_explanations (
            warning_id VARCHAR PRIMARY KEY,
            text VARCHAR NOT NULL,
            explained_by VARCHAR NOT NULL,
            explained_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        # The source of a batch's cells: a publication list's database (cnki, wos,
        # scopus, …). Lists of different sources add up; a list replaces only the cells
        # of its own source. Other forms have one source, ''.
        "0005_cell_sources",
        """
        ALTER TABLE batch_cells ADD COLUMN source VARCHAR DEFAULT '';
        UPDATE batch_cells SET source = '' WHERE source IS NULL;
        """,
    ),
    # The HPC rollup (zhangjiang.indicators.hpc_rollup), filled as job logs load.
    (
        "0006_hpc_rollup",
        """
        CREATE TABLE hpc_rollup_usage (
            batch_id INTEGER NOT NULL,
            system VARCHAR,
            month DATE NOT NULL,
            user_name VARCHAR,
            touching BIGINT NOT NULL,
            overlapping BIGINT NOT NULL,
            active BIGINT NOT NULL,
            core_seconds HUGEINT,
            fallbacks VARCHAR[]
        );
        CREATE TABLE hpc_rollup_ends (
            batch_id INTEGER NOT NULL,
            system VARCHAR,
            month DATE NOT NULL,
            runs BIGINT NOT NULL
        );
        CREATE TABLE hpc_rollup_repeats (
            batch_id INTEGER NOT NULL,
            "row" BIGINT NOT NULL,
            system VARCHAR,
            job_id VARCHAR,
            month DATE NOT NULL
        );
        CREATE TABLE hpc_rollup_batches (batch_id INTEGER PRIMARY KEY);
        """,
    ),
    # The organisations of users missing from the map: months per (user, account, year)
    # in a bit mask, not a list per user and month. The rollup is summed again from the
    # job rows: `compute` sums the batches it lacks (ingest.jobs_rollup.refresh_missing).
    (
        "0007_hpc_rollup_accounts",
        """
        CREATE TABLE hpc_rollup_accounts (
            batch_id INTEGER NOT NULL,
            system VARCHAR,
            user_name VARCHAR,
            fallback VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            months INTEGER NOT NULL
        );
        DELETE FROM hpc_rollup_usage;
        DELETE FROM hpc_rollup_ends;
        DELETE FROM hpc_rollup_repeats;
        DELETE FROM hpc_rollup_batches;
        ALTER TABLE hpc_rollup_usage DROP COLUMN fallbacks;
        """,
    ),
    # The digest of the form statements last applied (Store.ensure_forms), so that
    # opening a store whose forms are current runs none of them again.
    (
        "0008_form_statements",
        """
        CREATE TABLE form_statements (
            digest VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL
        );
        """,
    ),
]


def form_ddl(form: Form) -> list[str]:
    """Return the statements creating a form's row table and its view of current rows.

    The view shows the rows of loaded batches, less those of cells (period x reporter)
    that a later batch replaced or that repeat unchanged what an earlier batch holds.
    """
    cols = ",\n    ".join(f'"{c.name}" {c.sql_type}' for c in form.columns)
    view = (
        f"CREATE OR REPLACE VIEW {form.view} AS SELECT * FROM {form.table} t "
        "WHERE _batch_id IN (SELECT id FROM batches WHERE status = 'loaded')"
    )
    if form.mode == "replace":
        period, reporter = cell_sql(form, "t")
        match = f" AND c.period = {period}" if period is not None else ""
        view += (
            " AND NOT EXISTS (SELECT 1 FROM batch_cells c WHERE c.batch_id = t._batch_id"
            f" AND NOT c.active AND c.reporter = {reporter}{match})"
        )
    return [
        f"CREATE TABLE IF NOT EXISTS {form.table} (\n    {cols},\n"
        f"    _batch_id INTEGER NOT NULL,\n    _row BIGINT NOT NULL\n)",
        view,
    ]


def missing_columns_ddl(form: Form, existing: set[str]) -> list[str]:
    """Return ALTER statements adding columns declared since the table was created."""
    return [
        f'ALTER TABLE {form.table} ADD COLUMN "{c.name}" {c.sql_type}'
        for c in form.columns
        if c.name not in existing
    ]
