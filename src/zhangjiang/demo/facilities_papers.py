"""Demo publication lists (synthetic) in RIS, BibTeX and Crossref JSON, and the SCI list.

Titles are synthetic and DOIs use Crossref's test prefix 10.5555; journals are real so
that the ISSN rules are exercised: CNS papers carry the ISSNs of Nature, Science and
Cell, and sister journals (Nature Communications, Cell Reports) must not count as CNS.
A few records of each year's list repeat with the DOI written as a resolver URL in
capitals, to be merged. A facility sends one list a year (2020 to 2022).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhangjiang.demo import DemoFile
from zhangjiang.demo.facilities_records import write_csv

__all__ = ["PaperTarget", "write_papers", "write_sci_journals"]

# (title, print ISSN, electronic ISSN)
_CNS = (
    ("Nature", "0028-0836", "1476-4687"),
    ("Science", "0036-8075", "1095-9203"),
    ("Cell", "0092-8674", "1097-4172"),
)
_SISTERS = (
    ("Nature Communications", None, "2041-1723"),
    ("Cell Reports", None, "2211-1247"),
    ("Science Advances", None, "2375-2548"),
)
_FIELD_JOURNALS = {
    "ssrf": (
        ("Physical Review Letters", "0031-9007", "1079-7114"),
        ("Journal of the American Chemical Society", "0002-7863", "1520-5126"),
        ("Angewandte Chemie International Edition", "1433-7851", "1521-3773"),
        ("Advanced Materials", "0935-9648", "1521-4095"),
        ("Journal of Synchrotron Radiation", "0909-0495", "1600-5775"),
    ),
    "protein": (
        ("Nucleic Acids Research", "0305-1048", "1362-4962"),
        ("Proceedings of the National Academy of Sciences", "0027-8424", "1091-6490"),
        ("Nature Structural & Molecular Biology", "1545-9993", "1545-9985"),
        ("Cell Research", "1001-0602", "1748-7838"),
        ("Molecular Cell", "1097-2765", "1097-4164"),
    ),
    "ward": (
        ("Journal of Clinical Oncology", "0732-183X", "1527-7755"),
        ("Hepatology", "0270-9139", "1527-3350"),
        ("The Lancet Oncology", "1470-2045", "1474-5488"),
        ("Gastroenterology", "0016-5085", "1528-0012"),
    ),
}
# Not in the SCI list and without ISSN: counts as a paper, not as an SCI paper.
_NON_SCI = ("示例中文期刊（合成）", None, None)
_DUPLICATES = 5


@dataclass(frozen=True)
class PaperTarget:
    """Papers of one publication year: all, in CNS journals, in SCI journals."""

    total: int
    cns: int
    sci: int


def write_sci_journals(out_dir: Path) -> DemoFile:
    """Write the SCI journal list: every demo journal except the non-SCI one."""
    journals = [
        *_CNS,
        *_SISTERS,
        *(j for group in _FIELD_JOURNALS.values() for j in group),
    ]
    rows = [[p or e, e if p else None, title] for title, p, e in journals]
    return write_csv(
        out_dir / "sci_journals.csv",
        "sci-journals",
        ["ISSN", "电子版ISSN", "刊名"],
        rows,
    )


def write_papers(
    out_dir: Path, facility: str, targets: dict[int, PaperTarget], fmt: str
) -> list[DemoFile]:
    """Write a facility's papers in ``fmt`` (ris, bibtex, crossref), one file a year."""
    files = []
    for year, target in sorted(targets.items()):
        papers = _papers(facility, year, target)
        papers += [
            dict(p, doi=f"https://doi.org/{p['doi'].upper()}")
            for p in papers[3 : 3 + _DUPLICATES]
        ]
        suffix = {"ris": "ris", "bibtex": "bib", "crossref": "json"}[fmt]
        path = out_dir / f"publications_{facility}_{year}.{suffix}"
        writer = {"ris": _ris, "bibtex": _bibtex, "crossref": _crossref}[fmt]
        path.write_text(writer(papers), encoding="utf-8")
        options = {"facility": facility, "period": str(year)}
        files.append(DemoFile("publications", path, options))
    return files


def _papers(facility: str, year: int, target: PaperTarget) -> list[dict[str, Any]]:
    """Return the year's papers: CNS first, then sister journals, field and non-SCI ones."""
    others = _FIELD_JOURNALS[facility]
    journals = [_CNS[i % 3] for i in range(target.cns)]
    rest = target.sci - target.cns
    journals += [
        _SISTERS[i % 3] if i % 10 == 0 else others[i % len(others)] for i in range(rest)
    ]
    journals += [_NON_SCI] * (target.total - target.sci)
    return [
        {
            "doi": f"10.5555/demo.{facility}.{year}.{i + 1:04d}",
            "title": f"Synthetic demo paper {facility.upper()}-{year}-{i + 1:04d} using the facility",
            "journal": title,
            "issns": [s for s in (p, e) if s],
            "year": year,
            "authors": [f"Demo, Author{i % 97:02d}", f"Sample, User{(i * 7) % 89:02d}"],
        }
        for i, (title, p, e) in enumerate(journals)
    ]


def _ris(papers: list[dict[str, Any]]) -> str:
    lines = []
    for p in papers:
        lines += ["TY  - JOUR", f"TI  - {p['title']}", f"T2  - {p['journal']}"]
        lines += [f"AU  - {a}" for a in p["authors"]]
        lines += [f"SN  - {s}" for s in p["issns"]]
        lines += [f"PY  - {p['year']}", f"DO  - {p['doi']}", "ER  - ", ""]
    return "\n".join(lines)


def _bibtex(papers: list[dict[str, Any]]) -> str:
    entries = []
    for n, p in enumerate(papers, start=1):
        fields = {
            "author": " and ".join(p["authors"]),
            "title": p["title"],
            "journal": p["journal"],
            "year": str(p["year"]),
            "issn": ", ".join(p["issns"]),
            "doi": p["doi"],
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
        entries.append(f"@article{{demo{n:05d},\n{body}\n}}\n")
    return "% Synthetic demo data (示例数据，合成) for zhangjiang\n\n" + "\n".join(
        entries
    )


def _crossref(papers: list[dict[str, Any]]) -> str:
    items = []
    for p in papers:
        family_given = [a.split(", ", 1) for a in p["authors"]]
        item: dict[str, Any] = {
            "DOI": p["doi"],
            "type": "journal-article",
            "title": [p["title"]],
            "container-title": [p["journal"]],
            "author": [
                {"family": f, "given": g, "sequence": "additional", "affiliation": []}
                for f, g in family_given
            ],
            "issued": {"date-parts": [[p["year"], 6]]},
        }
        if p["issns"]:
            item["ISSN"] = p["issns"]
        items.append(item)
    envelope = {
        "status": "ok",
        "message-type": "work-list",
        "message": {"total-results": len(items), "items": items},
    }
    return json.dumps(envelope, ensure_ascii=False, indent=1)
