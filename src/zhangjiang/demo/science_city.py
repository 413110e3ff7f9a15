"""Demo records of the science city (synthetic), derived from the seed's 2022 figures.

Every row is invented and labelled: organisations are "示例企业0001（合成）" with credit
codes such as "91310000DEMO00001X". The targets below are the seed's figures (§1.2, 2022);
the rows are built so that the indicators computed from them give exactly these figures,
with distractors the counting rules must leave out (expired certificates, delisted and
out-of-area enterprises, entrants that are not comparable year on year, undisclosed
deals ...). Dated rows cover 2020, 2021 and 2022 (industry statistics to October 2022,
customs operations to 30 September 2022); the earlier years are synthetic too, with
growth of the kind the seed reports. Monthly forms are written one file a month, as
enterprises send them. The row builders live in ``science_city_orgs``,
``science_city_industry`` and ``science_city_events``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zhangjiang.demo import DemoFile, register_generator
from zhangjiang.demo.science_city_events import event_rows
from zhangjiang.demo.science_city_industry import (
    customs,
    enrolments,
    industry_monthly,
    investment,
    pipeline,
    talent,
)
from zhangjiang.demo.science_city_orgs import (
    build_register,
    certificates,
    listings,
    organisation_rows,
    recognitions,
)
from zhangjiang.forms import Form, get_form
from zhangjiang.forms.template import write_template

__all__ = ["SEED", "TARGETS", "YEARS", "Targets", "generate"]

SEED = 20221
YEARS = (2020, 2021, 2022)


@dataclass(frozen=True)
class Targets:
    """The figures the demo reproduces (seed §1.2, 2022); amounts in 亿元 become 万元 rows."""

    hightech_new: int = 690  # certificates issued in 2022
    hightech_valid: int = 1943  # valid on 2022-12-31: issued in 2020, 2021 or 2022
    hightech_new_2021: int = 613
    hightech_renewed: int = 280  # of the 690, re-certified after a 2019 certificate
    hightech_expired: int = 200  # 2019 certificates not renewed
    listings_new: int = 15
    listings_total: int = 87
    listings_star: int = 38
    listings_star_new: int = 9
    foreign_rd_centers: int = 181
    foreign_rd_new: int = 11
    open_innovation_centers: int = 31
    open_innovation_new: int = 6
    vc_institutions: int = 162
    banks: int = 28
    ai_enterprises: int = 642  # "600余"
    latest_month: int = 10  # industry statistics run January-October 2022 ("1—10月")
    ic_revenue_yi: Decimal = Decimal("1560.30")  # "1560亿元"
    ic_growth_pct: Decimal = Decimal("26.3")  # on a comparable basis (同口径)
    ic_entrants_yi: Decimal = Decimal("38.50")  # revenue of enterprises only in 2022
    ic_leavers_yi: Decimal = Decimal("22.40")  # revenue of enterprises only in 2021
    bio_manufacturing_yi: Decimal = Decimal("312.80")  # "313亿元"
    bio_services_yi: Decimal = Decimal("190.10")  # "190亿元"; scale 502.90: "503亿元"
    pipeline_drugs: int = 846  # "800余个"
    pipeline_class1: int = 452  # 53.4 %: "超过50%"
    class1_approved: int = 2
    devices_approved: int = 3
    deal_companies: int = 67
    deal_count: int = 80
    deal_amount_yi: Decimal = Decimal("512.60")  # "超500亿元"
    city_share_pct: Decimal = Decimal("32.8")
    customs_tickets: dict[str, int] = field(
        default_factory=lambda: {"便捷通关": 304, "保税仓库": 234}
    )
    customs_end: date = date(2022, 9, 30)  # "截至9月底"
    biomed_whitelist: int = 9
    ic_bonded: int = 7
    employees: int = 501_236  # "约50万"
    masters: int = 60_214
    doctorates: int = 11_638  # with the masters 71,852: "超7万"
    # 约6万, 8万余, and 人工智能 + 电子信息 = 203,522: 20万余; the rest of employees is 其他.
    employees_by_industry: dict[str, int] = field(
        default_factory=lambda: {
            "集成电路": 60_218,
            "生物医药": 84_375,
            "人工智能": 121_407,
            "电子信息": 82_115,
        }
    )


TARGETS = Targets()


def generate(
    out_dir: Path, scale: int = 1, targets: Targets = TARGETS
) -> list[DemoFile]:
    """Write the synthetic science-city records (CSV and two Excel templates)."""
    t = targets
    rng = random.Random(SEED)
    reg = build_register(rng, t)
    files = [
        _csv(out_dir, "organizations", organisation_rows(reg)),
        _csv(out_dir, "hightech-certificates", certificates(rng, reg, t)),
        _csv(out_dir, "listings", listings(rng, reg, t)),
        _csv(out_dir, "recognitions", recognitions(rng, reg, t)),
    ]
    monthly = industry_monthly(rng, reg, t)
    for month in sorted({r["month"] for r in monthly}):  # one file a month, in order
        rows = [r for r in monthly if r["month"] == month]
        stem = f"industry_monthly_{month:%Y-%m}"
        files.append(
            _csv(out_dir, "industry-monthly", rows, stem, period=f"{month:%Y-%m}")
        )
    deals, city = investment(rng, reg, t)
    files += [
        _csv(out_dir, "drug-pipeline", pipeline(rng, reg, t)),
        _csv(out_dir, "investment-deals", deals),
        _xlsx(out_dir, "city-investment-totals", city),
    ]
    operations = customs(rng, t)
    for year in YEARS:
        rows = [r for r in operations if r["op_date"].year == year]
        stem = f"customs_operations_{year}"
        files.append(_csv(out_dir, "customs-operations", rows, stem))
    files.append(_xlsx(out_dir, "pilot-enrolments", enrolments(rng, reg, t)))
    people = talent(rng, reg, t)
    for year in YEARS:
        rows = [r for r in people if r["year"] == year]
        files.append(_csv(out_dir, "talent-survey", rows, f"talent_survey_{year}"))
    files.append(_csv(out_dir, "events", event_rows()))
    return files


def _csv(
    out_dir: Path,
    dataset: str,
    rows: list[dict[str, Any]],
    stem: str | None = None,
    **options: Any,
) -> DemoFile:
    """Write ``rows`` as a UTF-8 (BOM) CSV with the form's Chinese headers."""
    form = get_form(dataset)
    path = out_dir / f"{stem or form.view}_synthetic.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [f"{c.zh}（{c.unit}）" if c.unit else c.zh for c in form.columns]
        )
        for row in rows:
            writer.writerow(
                [_text(form, c.name, row.get(c.name)) for c in form.columns]
            )
    return DemoFile(dataset, path, options)


def _xlsx(out_dir: Path, dataset: str, rows: list[dict[str, Any]]) -> DemoFile:
    """Fill the form's own Excel template from row 3, as a submitter would."""
    from openpyxl import load_workbook

    form = get_form(dataset)
    path = write_template(form, out_dir / f"{form.view}_synthetic.xlsx", rows=len(rows))
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate(rows, start=3):
        for c, col in enumerate(form.columns, start=1):
            value = row.get(col.name)
            ws.cell(r, c, "是" if value is True else "否" if value is False else value)
    wb.save(path)
    return DemoFile(dataset, path)


def _text(form: Form, name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        month = form.column(name).type == "month"
        return value.strftime("%Y-%m") if month else value.isoformat()
    return str(value)


register_generator("science_city", generate)
