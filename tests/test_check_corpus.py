"""The fact-checker on drafts it has never seen: mapping precision and recall over a corpus.

``tests/data/check_corpus.toml`` holds draft sentences written independently of the report
template (reworded, reordered, merged, other years' phrasing), each claim labelled with the
indicator and dimensions it is about and the verdict it should get. Precision is the share
of mapped claims mapped to the labelled indicator and dimensions; recall the share of
labelled claims mapped so. Targets: precision >= 95 %, recall >= 90 %.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from zhangjiang.report.check import check_text

CORPUS = Path(__file__).parent / "data" / "check_corpus.toml"
MIN_PRECISION = 0.95
MIN_RECALL = 0.90
MIN_VERDICTS = 0.90


def _cases() -> list[dict[str, Any]]:
    return tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]


def _key(indicator: str | None, dims: dict[str, Any] | None) -> tuple[str, str] | None:
    if not indicator or indicator == "facts":
        return None
    norm = {k: sorted(v) if isinstance(v, list) else v for k, v in (dims or {}).items()}
    return indicator, repr(sorted(norm.items()))


@pytest.fixture(scope="module")
def checked(demo_store) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    # One draft of all cases, each under a heading of its own so that no case lends
    # its subjects to the next; claims are given back to cases by their line.
    cases = _cases()
    draft = "\n".join(f"### 第{i}段\n{case['text']}" for i, case in enumerate(cases))
    claims = check_text(demo_store, draft, "2022")["claims"]
    by_line: dict[str, list[dict[str, Any]]] = {}
    for claim in claims:
        by_line.setdefault(claim["context"], []).append(claim)
    return [(case, by_line.get(case["text"].strip()[:120], [])) for case in cases]


def mapping_scores(
    checked: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> dict[str, float]:
    """Return precision, recall and verdict agreement of the checker over the corpus."""
    true_pos = false_pos = false_neg = agree = labelled = 0
    for case, claims in checked:
        found = {c["text"]: c for c in claims}
        for label in case["claims"]:
            labelled += 1
            got = found.get(label["text"], {})
            expected = _key(label["indicator"], label.get("dimensions"))
            mapped = _key(got.get("indicator"), got.get("dimensions"))
            agree += got.get("verdict") == label["verdict"]
            if mapped is not None and mapped == expected:
                true_pos += 1
            else:
                false_pos += mapped is not None
                false_neg += expected is not None
    return {
        "precision": true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0,
        "recall": true_pos / (true_pos + false_neg) if true_pos + false_neg else 0.0,
        "verdicts": agree / labelled,
        "claims": labelled,
    }


def test_corpus_is_large_enough() -> None:
    cases = _cases()
    assert len(cases) >= 30
    assert sum(len(c["claims"]) for c in cases) >= 60
    assert len({c["text"] for c in cases}) == len(cases)


def test_claims_found_are_exactly_the_labelled_ones(checked) -> None:
    # Section numbers, dates, ordinals and list numbers are not claims.
    wrong = [
        (case["text"], [c["text"] for c in claims], [x["text"] for x in case["claims"]])
        for case, claims in checked
        if sorted(c["text"] for c in claims)
        != sorted(x["text"] for x in case["claims"])
    ]
    assert wrong == []


def test_mapping_precision_and_recall_meet_targets(checked) -> None:
    scores = mapping_scores(checked)
    misses = [
        (label["text"], label["indicator"], label.get("dimensions"),
         got.get("indicator"), got.get("dimensions"))
        for case, claims in checked
        for label in case["claims"]
        for got in [{c["text"]: c for c in claims}.get(label["text"], {})]
        if _key(got.get("indicator"), got.get("dimensions"))
        != _key(label["indicator"], label.get("dimensions"))
    ]  # fmt: skip
    held = mapping_scores([(c, cl) for c, cl in checked if c.get("heldout")])
    print(f"corpus mapping: {scores}; held-out cases: {held}")
    assert scores["precision"] >= MIN_PRECISION, (scores, misses)
    assert scores["recall"] >= MIN_RECALL, (scores, misses)


def test_verdicts_agree_with_the_labels(checked) -> None:
    scores = mapping_scores(checked)
    wrong = [
        (label["text"], label["verdict"], got.get("verdict"), got.get("reason"))
        for case, claims in checked
        for label in case["claims"]
        for got in [{c["text"]: c for c in claims}.get(label["text"], {})]
        if got.get("verdict") != label["verdict"]
    ]
    assert scores["verdicts"] >= MIN_VERDICTS, (scores, wrong)


def test_the_scores_can_fail() -> None:
    # A checker that maps nothing has no recall; one that maps everything to one
    # indicator has no precision: the thresholds above can be missed.
    case = {
        "text": "x",
        "claims": [{"text": "1个", "indicator": "a", "verdict": "verified"}],
    }
    none = mapping_scores([(case, [{"text": "1个", "indicator": None}])])
    wrong = mapping_scores(
        [(case, [{"text": "1个", "indicator": "b", "dimensions": {}}])]
    )
    assert none["recall"] == 0 and wrong["precision"] == 0
