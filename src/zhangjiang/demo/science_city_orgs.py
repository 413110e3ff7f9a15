"""Demo organisations and their records (synthetic): certificates, listings, recognitions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhangjiang.demo.science_city import Targets

__all__ = [
    "Org",
    "Register",
    "build_register",
    "certificates",
    "day",
    "listings",
    "organisation_rows",
    "recognitions",
    "split",
    "split_int",
]

ENTERPRISES_IN_AREA, ENTERPRISES_OUTSIDE = 2600, 40
PRIMARY_TAGS = (
    "集成电路",
    "生物医药",
    "电子信息",
    "软件和信息服务",
    "新材料",
    "智能制造",
)
_CENT = Decimal("0.01")
_STAR = ("上海证券交易所", "科创板")
_DOMESTIC = (
    ("上海证券交易所", "主板"),
    ("深圳证券交易所", "主板"),
    ("深圳证券交易所", "创业板"),
    ("北京证券交易所", "北交所"),
)


@dataclass
class Org:
    """One synthetic organisation of the register."""

    code: str
    name: str
    kind: str
    tags: list[str]
    in_area: bool
    registered: date | None


@dataclass
class Register:
    """The synthetic register of organisations."""

    orgs: list[Org] = field(default_factory=list)

    def enterprises(self, in_area: bool = True, tag: str | None = None) -> list[Org]:
        """Return the enterprises, in or outside the area, optionally by first tag."""
        return [
            o
            for o in self.orgs
            if o.kind == "企业"
            and o.in_area == in_area
            and (tag is None or o.tags[0] == tag)
        ]


def build_register(rng: random.Random, t: Targets) -> Register:
    """Create the organisations: enterprises (some outside the area), VCs, banks, institutes."""
    reg = Register()
    serial = iter(range(1, 100_000))

    def add(
        kind: str, label: str, in_area: bool, registered: list[date | None]
    ) -> None:
        for when in registered:
            n = next(serial)
            code, name = f"91310000DEMO{n:05d}X", f"示例{label}{n:04d}（合成）"
            reg.orgs.append(Org(code, name, kind, [], in_area, when))

    def dates(count: int, first: int, last: int, recent: int = 0) -> list[date | None]:
        old = [day(rng, rng.randint(first, last)) for _ in range(count - recent)]
        return [*old, *(day(rng, 2022) for _ in range(recent))]

    add("企业", "企业", True, dates(ENTERPRISES_IN_AREA, 1995, 2021))
    add("企业", "区外企业", False, [None] * ENTERPRISES_OUTSIDE)
    add("创投机构", "创投", True, dates(t.vc_institutions, 2005, 2021, recent=12))
    add("创投机构", "区外创投", False, [None] * 4)
    add("银行", "银行", True, dates(t.banks, 1995, 2021, recent=2))
    add("银行", "区外银行", False, [None] * 2)
    add("研发机构", "研发机构", True, dates(15, 2000, 2021))
    ai = {o.code for o in rng.sample(reg.enterprises(), t.ai_enterprises)}
    ai |= {o.code for o in reg.enterprises(in_area=False)[:5]}
    for org in (o for o in reg.orgs if o.kind == "企业"):
        org.tags = ["人工智能"] if org.code in ai else [rng.choice(PRIMARY_TAGS)]
        extra = rng.choice(PRIMARY_TAGS)
        if rng.random() < 0.3 and extra not in org.tags:
            org.tags.append(extra)
    return reg


def organisation_rows(reg: Register) -> list[dict[str, Any]]:
    """Return the rows of the ``organizations`` form."""
    return [
        {
            "credit_code": o.code,
            "name": o.name,
            "aliases": f"{o.name[:-4]};Demo {o.code[12:17]}",
            "kind": o.kind,
            "industry_tags": ";".join(o.tags),
            "in_area": o.in_area,
            "registered_date": o.registered,
        }
        for o in reg.orgs
    ]


def certificates(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return certificates: 2020-2022 ones are valid at the end of 2022, older ones not."""
    ents = reg.enterprises()
    rng.shuffle(ents)
    g22 = ents[: t.hightech_new]
    g21 = ents[t.hightech_new : t.hightech_new + t.hightech_new_2021]
    g20 = ents[t.hightech_new + t.hightech_new_2021 : t.hightech_valid]
    expired = ents[t.hightech_valid : t.hightech_valid + t.hightech_expired]
    outside = reg.enterprises(in_area=False)
    plan = [
        (2022, g22),
        (2021, g21),
        (2020, g20),
        (2019, g22[: t.hightech_renewed] + expired),
        (2018, g21[:300]),
        (2017, g20[:250]),
        (2022, outside[:20]),
        (2021, outside[20:30]),
    ]
    rows: list[dict[str, Any]] = []
    for year, orgs in plan:
        for org in orgs:
            rows.append(
                {
                    "credit_code": org.code,
                    "certificate_no": f"GR{year}31DEMO{len(rows) + 1:05d}",
                    "issue_date": date(
                        year, rng.choice((10, 11, 12)), rng.randint(1, 28)
                    ),
                }
            )
    return rows


def listings(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return listings: old and new ones, a second listing, a delisting, two outsiders."""
    ents = rng.sample(reg.enterprises(), t.listings_total + 1)
    old = ents[: t.listings_total - t.listings_new]
    new, delisted = ents[t.listings_total - t.listings_new : -1], ents[-1]
    rows: list[dict[str, Any]] = []

    def add(
        org: Org, when: date, place: tuple[str, str], gone: date | None = None
    ) -> None:
        rows.append(
            {
                "credit_code": org.code,
                "listing_date": when,
                "exchange": place[0],
                "board": place[1],
                "stock_code": f"DEMO{len(rows) + 1:03d}",
                "delisting_date": gone,
            }
        )

    star_old = t.listings_star - t.listings_star_new
    for i, org in enumerate(old):
        if i < star_old:  # the STAR Market opened on 2019-07-22
            add(org, date(2019, 7, 22) + timedelta(days=rng.randint(0, 890)), _STAR)
        else:
            add(org, day(rng, rng.randint(2000, 2021)), rng.choice(_DOMESTIC))
    for i, org in enumerate(new):
        add(
            org,
            day(rng, 2022),
            _STAR if i < t.listings_star_new else rng.choice(_DOMESTIC),
        )
    add(old[-1], date(2022, 6, 16), ("香港联合交易所", "主板"))  # a second listing
    add(delisted, date(2010, 5, 6), _DOMESTIC[0], gone=date(2021, 6, 30))
    for org in reg.enterprises(in_area=False)[:2]:
        add(org, day(rng, 2022), _STAR)
    return rows


def recognitions(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return recognitions by year (2022, 2021, earlier) plus three outside the area."""
    rows: list[dict[str, Any]] = []
    plan = (
        ("外资研发中心", t.foreign_rd_centers, t.foreign_rd_new, 14, 2005),
        (
            "大企业开放式创新中心",
            t.open_innovation_centers,
            t.open_innovation_new,
            8,
            2018,
        ),
    )
    for kind, total, new, last_year, first in plan:
        for i, org in enumerate(rng.sample(reg.enterprises(), total)):
            if i < new:
                year = 2022
            elif i < new + last_year:
                year = 2021
            else:
                year = rng.randint(first, 2020)
            rows.append({"credit_code": org.code, "kind": kind, "year": year})
    rows += [
        {"credit_code": o.code, "kind": "外资研发中心", "year": 2022}
        for o in reg.enterprises(in_area=False)[-3:]
    ]
    return rows


def day(rng: random.Random, year: int) -> date:
    """Return a random day of ``year`` (never 31 December of a leap year: fine for a demo)."""
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def split(total: Decimal, weights: list[float]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` into cents that add up to it exactly."""
    scale = sum(weights)
    parts = [(total * Decimal(w / scale)).quantize(_CENT) for w in weights]
    largest = max(range(len(parts)), key=parts.__getitem__)
    parts[largest] += total - sum(parts)
    return parts


def split_int(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` into integers (largest remainders)."""
    scale = sum(weights)
    shares = [total * w / scale for w in weights]
    parts = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: shares[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts
