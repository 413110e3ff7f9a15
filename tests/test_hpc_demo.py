"""Tests for the HPC demo generator (zhangjiang.demo.hpc): it reproduces the seed's 2022 figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from zhangjiang.config import Settings
from zhangjiang.demo import build_demo
from zhangjiang.demo.hpc import SYSTEMS, TARGET_ORGANIZATIONS
from zhangjiang.indicators import compute, load_builtin
from zhangjiang.store import Store


@pytest.mark.slow
def test_demo_gives_the_seed_figures(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    results = build_demo(store, settings, tmp_path, only=["hpc"])
    assert {r.outcome for r in results} == {"loaded"}
    assert all(r.file.endswith(("_synthetic.log", "_synthetic.csv")) for r in results)
    ids = [i for i in load_builtin() if i.startswith("hpc.")]
    got = {
        (v.indicator_id, v.dimensions.get("system")): v.value
        for v in compute(store, "2022", ids)
        if v.period == "2022"  # not its months
    }
    # As the report prints them: 47% / 84.15%, 3692.46万 / 19023.33万 核小时, 1745 家.
    assert got["hpc.cpu_utilization", "魔方II"].quantize(Decimal("0.01")) == Decimal(
        "47.00"
    )
    assert got["hpc.cpu_utilization", "魔方III"].quantize(Decimal("0.01")) == Decimal(
        "84.15"
    )
    assert round(got["hpc.core_hours", "魔方II"] / 10_000, 2) == Decimal("3692.46")
    assert round(got["hpc.core_hours", "魔方III"] / 10_000, 2) == Decimal("19023.33")
    for target in SYSTEMS:
        assert abs(got["hpc.core_hours", target.name] - target.core_hours) <= 50
    assert got["hpc.user_organizations", None] == TARGET_ORGANIZATIONS
    assert got["hpc.unmapped_users", None] == 0
    # The year-crossing jobs are in the 2022 logs: only their 2022 part counts.
    assert got["hpc.core_hours_total", None] == sum(
        got["hpc.core_hours", t.name] for t in SYSTEMS
    )
