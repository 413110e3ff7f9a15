"""Demo industry statistics, drug pipeline, deals, pilots and talent survey, 2020-2022.

All synthetic. 2022 reproduces the seed's figures; 2020 and 2021 are invented, growing
at rates like the seed's, and 2020's rows come from their own generator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from zhangjiang.demo.science_city_orgs import Org, Register, day, split, split_int

if TYPE_CHECKING:
    from zhangjiang.demo.science_city import Targets

__all__ = [
    "customs",
    "enrolments",
    "industry_monthly",
    "investment",
    "pipeline",
    "talent",
]

TRACKS = ("数字经济", "绿色低碳", "元宇宙", "智能终端")
_TRACK_WEIGHTS = (45, 25, 15, 15)
_WAN_PER_YI = Decimal(10000)
_CENT = Decimal("0.01")
_STAGES = ("临床前", "临床I期", "临床II期", "临床III期", "申报上市", "终止")
_ROUNDS = ("天使轮", "A轮", "B轮", "C轮", "战略投资")
_YEAR = range(1, 13)
# Earlier years (synthetic, not in the seed), drawn from their own generator so that
# adding them leaves the 2022 draws alone where it can.
EARLIER_SEED = 20201
IC_ENTRANTS_2021 = 6  # of the 100 comparable IC enterprises, reporting from April 2021
IC_ENTRY_MONTH_2021 = 4
IC_LEAVERS_2020 = 3  # IC enterprises reporting in 2020 only
IC_GROWTH_2021_PCT = Decimal("19.2")  # comparable basis, 2021 on 2020
IC_LEAVERS_2020_YI = Decimal("15.60")
AI_2022_YI = Decimal(9)  # January-October 2022; not a seed figure
# Full-year totals (亿元) of the other series; 2022's come from the targets.
EARLIER_YI: dict[tuple[str, str], dict[int, Decimal]] = {
    ("生物医药", "制造业产值"): {2021: Decimal(330), 2020: Decimal(286)},
    ("生物医药", "服务业营收"): {2021: Decimal(200), 2020: Decimal(171)},
    ("人工智能", "销售收入"): {2021: Decimal(8), 2020: Decimal("6.9")},
}
CUSTOMS_TICKETS = {
    2021: {"便捷通关": 351, "保税仓库": 268},
    2020: {"便捷通关": 301, "保税仓库": 229},
}


def industry_monthly(
    rng: random.Random, reg: Register, t: Targets
) -> list[dict[str, Any]]:
    """Return monthly figures (万元) of 2020-2022 whose 2022 totals and IC growth hit the targets.

    IC: 100 enterprises report in 2021 and 2022 (6 of them enter in April 2021); 8 entrants
    report from May 2022, 5 leavers in 2020 and 2021 (every month) and 3 leavers in 2020
    only. So the growth on a comparable basis (January to the latest month, enterprises
    reporting in both years) is the target in 2022 and ``IC_GROWTH_2021_PCT`` in 2021,
    while the growth of all enterprises is not. Each enterprise keeps one size across
    the years; every reporter sends every month from its first one to the year's latest.
    2022 is drawn from ``rng`` first; 2020 comes from a separate generator.
    """
    ic_all = reg.enterprises(tag="集成电路")
    ic = rng.sample(ic_all, 113)
    comparable, entrants, leavers = ic[:100], ic[100:108], ic[108:]
    stayers = comparable[:-IC_ENTRANTS_2021]
    chosen = {o.code for o in ic}
    leavers20 = [o for o in ic_all if o.code not in chosen][:IC_LEAVERS_2020]
    current = (t.ic_revenue_yi - t.ic_entrants_yi) * _WAN_PER_YI
    previous = (current / (1 + t.ic_growth_pct / 100)).quantize(_CENT)
    months22 = range(1, t.latest_month + 1)
    first21 = {o.code: IC_ENTRY_MONTH_2021 for o in comparable[-IC_ENTRANTS_2021:]}
    sizes: dict[str, float] = {}
    rows: list[dict[str, Any]] = []

    def add(
        r: random.Random,
        series: tuple[str, str],
        orgs: list[Org],
        year: int,
        months: range,
        total: Decimal,
        first: dict[str, int] | None = None,
    ) -> None:
        """Split ``total`` over the orgs' months (an org reports from its first month)."""
        cells = [
            (o, m) for o in orgs for m in months if m >= (first or {}).get(o.code, 1)
        ]
        for o in orgs:
            sizes.setdefault(o.code, r.paretovariate(1.6))
        weights = [
            sizes[o.code] * (1 + m / 24) * r.uniform(0.85, 1.15) for o, m in cells
        ]
        for (org, month), amount in zip(cells, split(total, weights), strict=True):
            rows.append(
                {
                    "credit_code": org.code,
                    "name": org.name,
                    "industry": series[0],
                    "month": date(year, month, 1),
                    "metric": series[1],
                    "amount": amount,
                }
            )

    ic_sales = ("集成电路", "销售收入")
    add(rng, ic_sales, comparable, 2022, months22, current)
    add(rng, ic_sales, comparable, 2021, months22, previous, first21)
    late = range(t.latest_month + 1, 13)
    add(rng, ic_sales, comparable, 2021, late, (previous / 5).quantize(_CENT))
    add(rng, ic_sales, entrants, 2022, months22[4:], t.ic_entrants_yi * _WAN_PER_YI)
    add(rng, ic_sales, leavers, 2021, _YEAR, t.ic_leavers_yi * _WAN_PER_YI)
    groups: dict[tuple[str, str], list[Org]] = {}
    bio = reg.enterprises(tag="生物医药")
    for metric, total22, count in (
        ("制造业产值", t.bio_manufacturing_yi, 60),
        ("服务业营收", t.bio_services_yi, 50),
    ):
        series = ("生物医药", metric)
        groups[series] = rng.sample(bio, count)
        add(rng, series, groups[series], 2022, months22, total22 * _WAN_PER_YI)
        total21 = EARLIER_YI[series][2021] * _WAN_PER_YI
        add(rng, series, groups[series], 2021, _YEAR, total21)
    ai_sales = ("人工智能", "销售收入")
    groups[ai_sales] = rng.sample(reg.enterprises(tag="人工智能"), 15)
    add(rng, ai_sales, groups[ai_sales], 2022, months22, AI_2022_YI * _WAN_PER_YI)
    total21 = EARLIER_YI[ai_sales][2021] * _WAN_PER_YI
    add(rng, ai_sales, groups[ai_sales], 2021, _YEAR, total21)
    # 2020: the enterprises reporting in 2020 and 2021 grow by IC_GROWTH_2021_PCT.
    early = random.Random(EARLIER_SEED)
    both = {o.code for o in [*stayers, *leavers]}
    ic21 = [r for r in rows if r["industry"] == "集成电路" and r["month"].year == 2021]
    total21 = sum((r["amount"] for r in ic21 if r["credit_code"] in both), Decimal(0))
    total20 = (total21 / (1 + IC_GROWTH_2021_PCT / 100)).quantize(_CENT)
    add(early, ic_sales, [*stayers, *leavers], 2020, _YEAR, total20)
    add(early, ic_sales, leavers20, 2020, _YEAR, IC_LEAVERS_2020_YI * _WAN_PER_YI)
    for series, orgs in groups.items():
        add(early, series, orgs, 2020, _YEAR, EARLIER_YI[series][2020] * _WAN_PER_YI)
    return rows


def pipeline(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return drug entries (some approved in 2016-2022) and eleven innovative devices."""
    bio = reg.enterprises(tag="生物医药")
    # Approved drugs as (class, approval year); 2022 is the report year.
    approved = (
        [("1类", 2022)] * t.class1_approved
        + [("1类", 2021)] * 2
        + [("1类", 2020)]
        + [("2类", 2022)] * 3
        + [("3类", y) for y in range(2016, 2021)]
    )
    class1_left = t.pipeline_class1 - sum(1 for cls, _ in approved if cls == "1类")
    others = t.pipeline_drugs - len(approved) - class1_left
    classes = ["1类"] * class1_left + [
        rng.choice(("2类", "3类", "4类", "5类")) for _ in range(others)
    ]
    rng.shuffle(classes)
    entries = [(cls, day(rng, year)) for cls, year in approved]
    entries += [(cls, None) for cls in classes]
    rows: list[dict[str, Any]] = []
    for i, (cls, approval) in enumerate(entries, start=1):
        org = rng.choice(bio)
        if approval:
            start = approval - timedelta(days=rng.randint(900, 2500))
        else:
            start = day(rng, rng.randint(2012, 2022))
        rows.append(
            {
                "pipeline_id": f"DM-{i:04d}",
                "product": f"示例新药DM-{i:04d}（合成）",
                "enterprise": org.name,
                "credit_code": org.code,
                "kind": "药品",
                "drug_class": cls,
                "stage": "已上市" if approval else rng.choice(_STAGES),
                "start_date": None if i % 97 == 0 else start,  # a few unknown dates
                "approval_date": approval,
            }
        )
    device_years = [2022] * t.devices_approved + [2021, 2021, 2020] + [None] * 5
    for i, year in enumerate(device_years, start=1):
        org = rng.choice(bio)
        rows.append(
            {
                "pipeline_id": f"MD-{i:03d}",
                "product": f"示例创新器械MD-{i:03d}（合成）",
                "enterprise": org.name,
                "credit_code": org.code,
                "kind": "创新医疗器械",
                "drug_class": None,
                "stage": "已上市" if year else "临床III期",
                "start_date": day(rng, 2018),
                "approval_date": day(rng, year) if year else None,
            }
        )
    return rows


def investment(
    rng: random.Random, reg: Register, t: Targets
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the deals of 2020-2022 (plus undisclosed and other-track ones) and city totals."""
    pool = rng.sample(reg.enterprises(), t.deal_companies + 9 + 5 + 50)
    funded, rest = pool[: t.deal_companies], pool[t.deal_companies :]
    hidden, other, funded21 = rest[:9], rest[9:14], rest[14:]
    rows: list[dict[str, Any]] = []

    def deals(
        year: int,
        companies: list[Org],
        count: int,
        total: Decimal,
        r: random.Random = rng,
        **kw: Any,
    ) -> None:
        chosen = companies + [
            r.choice(companies) for _ in range(count - len(companies))
        ]
        tracks = {
            o.code: kw.get("track") or r.choices(TRACKS, _TRACK_WEIGHTS)[0]
            for o in companies
        }
        amounts = split(total, [r.paretovariate(1.3) for _ in chosen])
        for org, amount in zip(chosen, amounts, strict=True):
            rows.append(
                {
                    "deal_id": f"D{year}-{len(rows) + 1:04d}",
                    "company": org.name,
                    "credit_code": org.code,
                    "track": tracks[org.code],
                    "round": r.choice(_ROUNDS),
                    "amount": amount,
                    "deal_date": day(r, year),
                    "disclosed": kw.get("disclosed", True),
                }
            )

    total22 = t.deal_amount_yi * _WAN_PER_YI
    deals(2022, funded, t.deal_count, total22)
    deals(2022, hidden, 9, Decimal(300_000), disclosed=False)
    deals(2022, other, 5, Decimal(150_000), track="其他")
    deals(2021, funded21, 58, Decimal(3_400_000))
    early = random.Random(EARLIER_SEED + 1)
    deals(2020, early.sample(reg.enterprises(), 42), 49, Decimal(2_550_000), early)
    city22 = (total22 / (t.city_share_pct / 100)).quantize(_CENT)
    city = []
    for year, total in (
        (2022, city22),
        (2021, Decimal(12_000_000)),
        (2020, Decimal(9_600_000)),
    ):
        city.append({"year": year, "track": "全部", "amount": total})
        for track, part in zip(TRACKS, split(total, list(_TRACK_WEIGHTS)), strict=True):
            city.append({"year": year, "track": track, "amount": part})
    return rows, city


def customs(rng: random.Random, t: Targets) -> list[dict[str, Any]]:
    """Return one row per working day and kind, 2020 to 2022 (2022 to ``customs_end``)."""
    rows: list[dict[str, Any]] = []
    early = random.Random(EARLIER_SEED + 2)
    for r, first, last, totals in (
        (early, date(2020, 1, 2), date(2020, 12, 31), CUSTOMS_TICKETS[2020]),
        (rng, date(2021, 1, 4), date(2021, 12, 31), CUSTOMS_TICKETS[2021]),
        (rng, date(2022, 1, 4), t.customs_end, t.customs_tickets),
    ):
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        days = [d for d in days if d.weekday() < 5]
        for kind, total in totals.items():
            counts = [0] * len(days)
            for _ in range(total):
                counts[r.randrange(len(days))] += 1
            rows += [
                {"op_date": d, "kind": kind, "tickets": c}
                for d, c in zip(days, counts, strict=True)
            ]
    return rows


def enrolments(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return pilot enrolments: the first in 2020, more in 2021 and the rest in 2022."""
    rows = []
    for programme, tag, total, new, first in (
        ("生物医药特殊物品白名单", "生物医药", t.biomed_whitelist, 4, 2),
        ("集成电路设计全程保税", "集成电路", t.ic_bonded, 3, 1),
    ):
        for i, org in enumerate(rng.sample(reg.enterprises(tag=tag), total)):
            year = 2022 if i < new else 2020 if i >= total - first else 2021
            rows.append(
                {
                    "enterprise": org.name,
                    "credit_code": org.code,
                    "programme": programme,
                    "enrol_date": day(rng, year),
                }
            )
    return rows


def talent(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return survey rows for 2020 (88 %), 2021 (94 % of the 2022 headcounts) and 2022."""
    groups: dict[str, list[Org]] = {}
    for org in reg.enterprises():
        industry = org.tags[0] if org.tags[0] in t.employees_by_industry else "其他"
        groups.setdefault(industry, []).append(org)
    rest = t.employees - sum(t.employees_by_industry.values())
    rows = []
    early = random.Random(EARLIER_SEED + 3)
    for year, factor, r in (
        (2021, Decimal("0.94"), rng),
        (2022, Decimal(1), rng),
        (2020, Decimal("0.88"), early),
    ):
        year_rows = []
        for industry, total in [*t.employees_by_industry.items(), ("其他", rest)]:
            orgs = r.sample(groups[industry], int(len(groups[industry]) * 0.75))
            weights = [r.paretovariate(1.2) for _ in orgs]
            counts = split_int(int(total * factor) - 3 * len(orgs), weights)
            year_rows += [
                {
                    "year": year,
                    "credit_code": o.code,
                    "name": o.name,
                    "industry": industry,
                    "employees": 3 + c,
                }
                for o, c in zip(orgs, counts, strict=True)
            ]
        weights = [row["employees"] * r.uniform(0.7, 1.3) for row in year_rows]
        masters = split_int(int(t.masters * factor), weights)
        doctors = split_int(int(t.doctorates * factor), weights)
        for row, m, d in zip(year_rows, masters, doctors, strict=True):
            if m + d > row["employees"]:  # cannot happen with these shares
                raise ValueError(
                    f"demo talent {row['credit_code']}: degrees exceed employees"
                )
            row["masters"], row["doctorates"] = m, d
        rows += year_rows
    return rows
