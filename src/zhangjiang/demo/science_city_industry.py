"""Demo industry statistics, drug pipeline, deals, pilots and talent survey (synthetic)."""

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


def industry_monthly(
    rng: random.Random, reg: Register, t: Targets
) -> list[dict[str, Any]]:
    """Return monthly figures (万元) whose IC, biomedicine totals and IC growth hit the targets.

    IC: 100 enterprises report in both years; 8 entrants report only in 2022 and 5 leavers
    only in 2021, so the growth on a comparable basis (100 enterprises, January to the
    latest month) is the target, while the growth of all enterprises is not.
    """
    ic = rng.sample(reg.enterprises(tag="集成电路"), 113)
    comparable, entrants, leavers = ic[:100], ic[100:108], ic[108:]
    current = (t.ic_revenue_yi - t.ic_entrants_yi) * _WAN_PER_YI
    previous = (current / (1 + t.ic_growth_pct / 100)).quantize(_CENT)
    months21, months22 = list(range(1, 13)), list(range(1, t.latest_month + 1))
    late = months21[t.latest_month :]
    spec = [  # industry, metric, enterprises, year, months, total in 万元
        ("集成电路", "销售收入", comparable, 2022, months22, current),
        (
            "集成电路",
            "销售收入",
            comparable,
            2021,
            months21[: t.latest_month],
            previous,
        ),
        (
            "集成电路",
            "销售收入",
            comparable,
            2021,
            late,
            (previous / 5).quantize(_CENT),
        ),
        (
            "集成电路",
            "销售收入",
            entrants,
            2022,
            months22[4:],
            t.ic_entrants_yi * _WAN_PER_YI,
        ),
        (
            "集成电路",
            "销售收入",
            leavers,
            2021,
            months21[:6],
            t.ic_leavers_yi * _WAN_PER_YI,
        ),
    ]
    bio = reg.enterprises(tag="生物医药")
    for metric, total22, total21, count in (
        ("制造业产值", t.bio_manufacturing_yi, Decimal(330), 60),
        ("服务业营收", t.bio_services_yi, Decimal(200), 50),
    ):
        orgs = rng.sample(bio, count)
        spec += [
            ("生物医药", metric, orgs, 2022, months22, total22 * _WAN_PER_YI),
            ("生物医药", metric, orgs, 2021, months21, total21 * _WAN_PER_YI),
        ]
    ai = rng.sample(reg.enterprises(tag="人工智能"), 15)
    spec += [
        ("人工智能", "销售收入", ai, 2022, months22, Decimal(90_000)),
        ("人工智能", "销售收入", ai, 2021, months21, Decimal(80_000)),
    ]
    rows: list[dict[str, Any]] = []
    for industry, metric, orgs, year, months, total in spec:
        sizes = {o.code: rng.paretovariate(1.6) for o in orgs}
        cells = [(o, m) for o in orgs for m in months]
        weights = [
            sizes[o.code] * (1 + m / 24) * rng.uniform(0.85, 1.15) for o, m in cells
        ]
        for (org, month), amount in zip(
            cells, split(Decimal(total), weights), strict=True
        ):
            rows.append(
                {
                    "credit_code": org.code,
                    "name": org.name,
                    "industry": industry,
                    "month": date(year, month, 1),
                    "metric": metric,
                    "amount": amount,
                }
            )
    return rows


def pipeline(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return drug entries (some approved in 2016-2022) and ten innovative devices."""
    bio = reg.enterprises(tag="生物医药")
    # Approved drugs as (class, approval year); 2022 is the report year.
    approved = (
        [("1类", 2022)] * t.class1_approved
        + [("1类", 2021)] * 2
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
    device_years = [2022] * t.devices_approved + [2021, 2021] + [None] * 5
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
    """Return the deals (plus undisclosed and other-track ones) and the city totals."""
    pool = rng.sample(reg.enterprises(), t.deal_companies + 9 + 5 + 50)
    funded, rest = pool[: t.deal_companies], pool[t.deal_companies :]
    hidden, other, funded21 = rest[:9], rest[9:14], rest[14:]
    rows: list[dict[str, Any]] = []

    def deals(
        year: int, companies: list[Org], count: int, total: Decimal, **kw: Any
    ) -> None:
        chosen = companies + [
            rng.choice(companies) for _ in range(count - len(companies))
        ]
        tracks = {
            o.code: kw.get("track") or rng.choices(TRACKS, _TRACK_WEIGHTS)[0]
            for o in companies
        }
        amounts = split(total, [rng.paretovariate(1.3) for _ in chosen])
        for org, amount in zip(chosen, amounts, strict=True):
            rows.append(
                {
                    "deal_id": f"D{year}-{len(rows) + 1:04d}",
                    "company": org.name,
                    "credit_code": org.code,
                    "track": tracks[org.code],
                    "round": rng.choice(_ROUNDS),
                    "amount": amount,
                    "deal_date": day(rng, year),
                    "disclosed": kw.get("disclosed", True),
                }
            )

    total22 = t.deal_amount_yi * _WAN_PER_YI
    deals(2022, funded, t.deal_count, total22)
    deals(2022, hidden, 9, Decimal(300_000), disclosed=False)
    deals(2022, other, 5, Decimal(150_000), track="其他")
    deals(2021, funded21, 58, Decimal(3_400_000))
    city22 = (total22 / (t.city_share_pct / 100)).quantize(_CENT)
    city = []
    for year, total in ((2022, city22), (2021, Decimal(12_000_000))):
        city.append({"year": year, "track": "全部", "amount": total})
        for track, part in zip(TRACKS, split(total, list(_TRACK_WEIGHTS)), strict=True):
            city.append({"year": year, "track": track, "amount": part})
    return rows, city


def customs(rng: random.Random, t: Targets) -> list[dict[str, Any]]:
    """Return one row per working day and kind, 2021 and 2022 up to ``customs_end``."""
    rows: list[dict[str, Any]] = []
    for first, last, totals in (
        (date(2021, 1, 4), date(2021, 12, 31), {"便捷通关": 351, "保税仓库": 268}),
        (date(2022, 1, 4), t.customs_end, t.customs_tickets),
    ):
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        days = [d for d in days if d.weekday() < 5]
        for kind, total in totals.items():
            counts = [0] * len(days)
            for _ in range(total):
                counts[rng.randrange(len(days))] += 1
            rows += [
                {"op_date": d, "kind": kind, "tickets": c}
                for d, c in zip(days, counts, strict=True)
            ]
    return rows


def enrolments(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return pilot enrolments, some from 2021 and the rest from 2022."""
    rows = []
    for programme, tag, total, new in (
        ("生物医药特殊物品白名单", "生物医药", t.biomed_whitelist, 4),
        ("集成电路设计全程保税", "集成电路", t.ic_bonded, 3),
    ):
        for i, org in enumerate(rng.sample(reg.enterprises(tag=tag), total)):
            rows.append(
                {
                    "enterprise": org.name,
                    "credit_code": org.code,
                    "programme": programme,
                    "enrol_date": day(rng, 2022 if i < new else 2021),
                }
            )
    return rows


def talent(rng: random.Random, reg: Register, t: Targets) -> list[dict[str, Any]]:
    """Return survey rows for 2021 (94 % of the 2022 headcounts) and 2022."""
    groups: dict[str, list[Org]] = {}
    for org in reg.enterprises():
        industry = org.tags[0] if org.tags[0] in t.employees_by_industry else "其他"
        groups.setdefault(industry, []).append(org)
    rest = t.employees - sum(t.employees_by_industry.values())
    rows = []
    for year, factor in ((2021, Decimal("0.94")), (2022, Decimal(1))):
        year_rows = []
        for industry, total in [*t.employees_by_industry.items(), ("其他", rest)]:
            orgs = rng.sample(groups[industry], int(len(groups[industry]) * 0.75))
            weights = [rng.paretovariate(1.2) for _ in orgs]
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
        weights = [r["employees"] * rng.uniform(0.7, 1.3) for r in year_rows]
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
