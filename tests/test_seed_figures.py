"""Every bold figure of the seed has an indicator in the catalogue (issue: indicator engine)."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO, seed_text
from zhangjiang.indicators import load_builtin
from zhangjiang.phrasing import find_claims

MAPPING = REPO / "tests/data/seed_figures.toml"


def seed_bold_figures() -> list[str]:
    """Return the seed's bold figures with their qualifier and unit, in order."""
    figures = []
    for line in seed_text().splitlines():
        for span in find_claims(line):
            if "**" in line[span.start : span.end]:
                figures.append(span.text)
    return figures


def test_the_seed_has_68_bold_figures():
    seed = seed_text()
    assert len(seed_bold_figures()) == seed.count("**") // 2 == 68


def test_every_bold_figure_maps_to_a_catalogued_indicator():
    mapping = tomllib.loads(MAPPING.read_text(encoding="utf-8"))["figure"]
    assert [m["text"] for m in mapping] == seed_bold_figures()
    catalogue = load_builtin()
    missing = [m["indicator"] for m in mapping if m["indicator"] not in catalogue]
    assert missing == []
    for m in mapping:
        ind = catalogue[m["indicator"]]
        assert set(m.get("dimensions", {})) == set(ind.dimensions), m


def test_mapping_dimensions_are_plain_values():
    mapping = tomllib.loads(MAPPING.read_text(encoding="utf-8"))["figure"]
    for m in mapping:
        for value in m.get("dimensions", {}).values():
            assert isinstance(value, int | str) and not re.search(r"\s", str(value))
