"""Journals that the paper indicators name, with their ISSNs and CNS flag (data only).

《自然》《科学》《细胞》 (CNS) means the three main journals only; their sister journals are
listed so that reports can name them, and are never CNS. ISSNs were checked against the
Crossref samples in ``shared/data/publication-samples`` (Nature, Science, Nature Reviews
Methods Primers), the CSL style repository (Cell, Science) and published reference lists.
Add a journal by adding a row; ``zhangjiang.ingest.publications.journal_of`` indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JOURNALS", "Journal"]


@dataclass(frozen=True)
class Journal:
    """A journal: title, print and electronic ISSN, and whether it counts as CNS."""

    title: str
    issn_print: str | None
    issn_electronic: str | None
    cns: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def issns(self) -> tuple[str, ...]:
        """Return the journal's ISSNs, print first."""
        return tuple(i for i in (self.issn_print, self.issn_electronic) if i)


JOURNALS: tuple[Journal, ...] = (
    # The three CNS journals.
    Journal("Nature", "0028-0836", "1476-4687", cns=True),
    # PubMed/MEDLINE exports write Science's title this way.
    Journal(
        "Science",
        "0036-8075",
        "1095-9203",
        cns=True,
        aliases=("Science (New York, N.Y.)",),
    ),
    Journal("Cell", "0092-8674", "1097-4172", cns=True),
    # Nature Portfolio journals: not CNS.
    Journal("Nature Communications", None, "2041-1723"),
    Journal("Nature Reviews Methods Primers", None, "2662-8449"),
    Journal("Nature Reviews Materials", None, "2058-8437"),
    Journal("Nature Physics", "1745-2473", "1745-2481"),
    Journal("Nature Photonics", "1749-4885", "1749-4893"),
    Journal("Nature Materials", "1476-1122", "1476-4660"),
    Journal("Nature Chemistry", "1755-4330", "1755-4349"),
    Journal("Nature Nanotechnology", "1748-3387", "1748-3395"),
    Journal("Nature Energy", None, "2058-7546"),
    Journal("Nature Catalysis", None, "2520-1158"),
    Journal("Nature Electronics", None, "2520-1131"),
    Journal("Nature Biotechnology", "1087-0156", "1546-1696"),
    Journal("Nature Methods", "1548-7091", "1548-7105"),
    Journal("Nature Structural & Molecular Biology", "1545-9993", "1545-9985"),
    Journal("Nature Chemical Biology", "1552-4450", "1552-4469"),
    Journal("Cell Research", "1001-0602", "1748-7838"),
    # Only the online ISSN was confirmed; the print one is left out until checked.
    Journal("Light: Science & Applications", None, "2047-7538"),
    # AAAS journals: not CNS.
    Journal("Science Advances", None, "2375-2548"),
    Journal("Science Translational Medicine", "1946-6234", "1946-6242"),
    # Cell Press journals: not CNS.
    Journal("Cell Reports", None, "2211-1247"),
    Journal("Molecular Cell", "1097-2765", "1097-4164"),
)
