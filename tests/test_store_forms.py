"""Store.ensure_forms runs the form statements only when the declarations changed."""

from __future__ import annotations

from pathlib import Path

from zhangjiang.forms import FORMS, get_form
from zhangjiang.forms.model import Column
from zhangjiang.store import Store, open_store


def _digests(store: Store) -> list[tuple[str, object]]:
    with store.connect(read_only=True) as con:
        return con.execute("SELECT digest, applied_at FROM form_statements").fetchall()


def _columns(store: Store, name: str) -> list[str]:
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [name],
        ).fetchall()
    return [r[0] for r in rows]


def test_opening_a_current_store_runs_no_form_statement(store: Store) -> None:
    (first,) = _digests(store)
    with store.connect() as con:  # a view dropped behind the store's back stays
        con.execute(f"DROP VIEW {get_form('hpc-systems').view}")
    reopened = open_store(store.path)
    assert _digests(reopened) == [first]
    with reopened.connect(read_only=True) as con:
        views = {
            r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()
        }
    assert get_form("hpc-systems").view not in views


def test_a_changed_form_is_applied_and_recorded(store: Store, tmp_path: Path) -> None:
    (before,) = _digests(store)
    form = get_form("hpc-systems")
    grown = form.model_copy(
        update={"columns": (*form.columns, Column(name="site", zh="地点", en="Site"))}
    )
    forms = [grown if f.name == form.name else f for f in FORMS.values()]
    store.ensure_forms(forms)
    (after,) = _digests(store)
    assert after[0] != before[0]
    assert "site" in _columns(store, form.table)
    assert "site" in _columns(store, form.view)
    store.ensure_forms(list(FORMS.values()))  # back to the declared forms: runs again
    assert _digests(store)[0][0] == before[0]
