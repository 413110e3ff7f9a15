"""Store.session: one open database for a run of work, released at the end."""

from __future__ import annotations

import subprocess
import sys

from zhangjiang.store import Store


def test_a_session_serves_every_connect_and_releases_the_file(store: Store) -> None:
    with store.session():
        with store.transaction() as con:
            con.execute("CREATE TABLE t (x INTEGER)")
            con.execute("INSERT INTO t VALUES (1), (2)")
        # A read-only request inside the session is a cursor of the held database.
        assert store.query("SELECT sum(x) AS s FROM t") == [{"s": 3}]
        with store.session():  # nested: the outer session keeps holding the file
            assert store.query("SELECT count(*) AS n FROM t") == [{"n": 2}]
        # Another process cannot open the file while the session holds it.
        held = _count_in_other_process(store)
        assert held.returncode != 0
    # Once the session ends the file is released, its rows on disk.
    released = _count_in_other_process(store)
    assert released.returncode == 0 and released.stdout.strip() == "2"


def test_a_failed_transaction_in_a_session_stores_nothing(store: Store) -> None:
    with store.session():
        with store.transaction() as con:
            con.execute("CREATE TABLE t (x INTEGER)")
        try:
            with store.transaction() as con:
                con.execute("INSERT INTO t VALUES (1)")
                raise RuntimeError("fails after the insert")
        except RuntimeError:
            pass
        assert store.query("SELECT count(*) AS n FROM t") == [{"n": 0}]


def _count_in_other_process(store: Store) -> subprocess.CompletedProcess[str]:
    code = (
        "import duckdb, sys; "
        "print(duckdb.connect(sys.argv[1], read_only=True)"
        ".execute('SELECT count(*) FROM t').fetchone()[0])"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(store.path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
