"""Demo research ward and instrument logs of the facilities (synthetic), and the CSV writer.

Monthly forms (ward beds, platform operations, equipment hours) hold one row per month;
each facility's are written one file a year (passed to ingest with that year as period),
not one a month: every file costs the store a few connections, and 106 monthly files
would triple the demo's build time.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zhangjiang.demo import DemoFile

__all__ = ["write_by_year", "write_csv", "write_logs", "write_ward"]

# The first four core platforms of the liver cancer center, built in 2020 and 2021;
# the last three follow in February to April 2022.
_EARLY_PLATFORMS = (
    date(2020, 3, 1),
    date(2020, 9, 1),
    date(2021, 3, 1),
    date(2021, 6, 1),
)


def write_csv(
    path: Path, dataset: str, header: list[str], rows: list[list[Any]], **options: Any
) -> DemoFile:
    """Write ``rows`` under ``header`` as a UTF-8 CSV and return it as a DemoFile."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return DemoFile(dataset, path, options)


def write_ward(
    out_dir: Path, target: dict[str, int], years: dict[int, dict[str, int]]
) -> list[DemoFile]:
    """Write the research ward's studies, bed use, platform hours and outputs.

    ``target`` holds the cumulative figures and the platforms' operating rate,
    ``years`` each year's bed occupancy, open rate (per mille) and patents.
    """
    fid = "ward"
    studies = target["studies"]
    weights = [30 + (i * 37) % 160 for i in range(studies)]
    cases = _split(target["cases"], weights)
    study_rows = [
        [
            fid,
            f"DEMO-S{i + 1:04d}",
            f"示例临床研究{i + 1:03d}（合成）",
            ("药物临床试验", "器械临床试验", "研究者发起研究")[i % 3],
            date(2019, 3, 1) + timedelta(days=(i * 1350) // studies),
            cases[i],
        ]
        for i in range(studies)
    ]
    bed_rows: dict[date, list[list[Any]]] = {}
    platform_rows: dict[date, list[list[Any]]] = {}
    for year, figures in sorted(years.items()):
        months = [date(year, m, 1) for m in range(1, 13)]
        available = [120 * _days(m) for m in months]
        permille = figures["bed_occupancy_permille"]
        occupied = _split(round(sum(available) * permille / 1000), available)
        for m, a, o in zip(months, available, occupied, strict=True):
            bed_rows[m] = [[fid, f"{m:%Y-%m}", a, o]]
        for m in months:
            running = 400 + 10 * m.month
            scheduled = running * 1000 // target["operating_rate_permille"]
            opened = running * figures["open_rate_permille"] / 1000
            platform_rows[m] = [
                [fid, platform, f"{m:%Y-%m}", scheduled, running, f"{opened:.3f}"]
                for platform in (
                    "临床资源深度分析与挖掘平台",
                    "生物标记物与新药研发及新药创制平台",
                )
            ]
    output_rows = [
        [
            fid,
            f"DEMO-P{year}{i + 1:02d}",
            ("专利", "专利", "新技术")[i % 3],
            ("申请", "协助申请")[i % 2],
            f"示例成果{year}-{i + 1:02d}（合成）",
            date(year, 1 + i % 12, 10),
        ]
        for year, figures in sorted(years.items())
        for i in range(figures["patents"])
    ]
    output_rows.append(
        [
            fid,
            "DEMO-C202201",
            "软件著作权",
            "申请",
            "示例软件（合成，不计入）",
            date(2022, 6, 1),
        ]
    )
    platform_header = [
        "设施编号",
        "平台名称",
        "月份",
        "计划运行机时",
        "实际运行机时",
        "对外开放机时",
    ]
    return [
        write_csv(
            out_dir / "ward_studies.csv",
            "ward-studies",
            ["设施编号", "研究编号", "研究名称", "研究类型", "启动日期", "入组病例数"],
            study_rows,
        ),
        *write_by_year(
            out_dir,
            "ward-beds",
            ["设施编号", "月份", "实际开放床日数", "实际占用床日数"],
            bed_rows,
        ),
        *write_by_year(out_dir, "platform-operations", platform_header, platform_rows),
        write_csv(
            out_dir / "ward_outputs.csv",
            "outputs",
            ["设施编号", "成果编号", "成果类型", "申请方式", "成果名称", "申请日期"],
            output_rows,
        ),
    ]


def write_logs(
    out_dir: Path,
    shots: int,
    services: dict[int, dict[str, int]],
    platforms: tuple[str, ...],
    hours: dict[int, int],
) -> list[DemoFile]:
    """Write the laser shots, technical services, platform register and equipment hours.

    ``services`` and ``hours`` give each year's technical services by instrument and
    equipment hours; a platform reports hours from the month it was built.
    """
    months = [date(y, m, 1) for y in range(2019, 2023) for m in range(1, 13)]
    per_month = _split(shots, [1 + (i * 7) % 5 for i in range(len(months))])
    shot_rows = []
    for m, n in zip(months, per_month, strict=True):
        shot_rows += [
            ["shenguang2", m + timedelta(days=14), "大能量", n],
            ["shenguang2", m + timedelta(days=15), "调试", 3 + m.month % 4],
        ]
    shot_rows.append(["shenguang2", date(2023, 1, 15), "大能量", 9])  # after the period
    fid = "liver_cancer"
    service_files = []
    for year, counts in sorted(services.items()):
        rows = []
        for instrument, count in counts.items():
            per_day = _split(count, [1 + i % 3 for i in range((count + 1) // 2)])
            rows += [
                [fid, instrument, date(year, 1, 5) + timedelta(days=7 * i), n]
                for i, n in enumerate(per_day)
            ]
        service_files.append(
            write_csv(
                out_dir / f"technical_services_{year}.csv",
                "technical-services",
                ["设施编号", "仪器名称", "服务日期", "服务次数"],
                rows,
            )
        )
    built = [*_EARLY_PLATFORMS, *(date(2022, 2 + i, 1) for i in range(3))]
    platform_rows = [[fid, p, b] for p, b in zip(platforms, built, strict=True)]
    platform_rows.append([fid, "示例规划平台（合成，未建成）", None])
    hour_rows: dict[date, list[list[Any]]] = {}
    for year, total in sorted(hours.items()):
        cells = [
            (p, date(year, m, 1))
            for p, b in zip(platforms, built, strict=True)
            for m in range(1, 13)
            if date(year, m, 1) >= b
        ]
        per_cell = _split(total, [50 + (i * 13) % 40 for i in range(len(cells))])
        for (p, m), h in zip(cells, per_cell, strict=True):
            hour_rows.setdefault(m, []).append([fid, p, f"{m:%Y-%m}", h])
    return [
        write_csv(
            out_dir / "laser_shots.csv",
            "laser-shots",
            ["设施编号", "日期", "能量级别", "发次"],
            shot_rows,
        ),
        *service_files,
        write_csv(
            out_dir / "platforms.csv",
            "platforms",
            ["设施编号", "平台名称", "建成日期"],
            platform_rows,
        ),
        *write_by_year(
            out_dir,
            "equipment-hours",
            ["设施编号", "平台名称", "月份", "运行时长"],
            dict(sorted(hour_rows.items())),
        ),
    ]


def write_by_year(
    out_dir: Path, dataset: str, header: list[str], rows: dict[date, list[list[Any]]]
) -> list[DemoFile]:
    """Write the monthly ``rows`` one CSV a year, in order, each ingested with its year."""
    stem = dataset.replace("-", "_")
    years = sorted({month.year for month in rows})
    return [
        write_csv(
            out_dir / f"{stem}_{year}.csv",
            dataset,
            header,
            [
                row
                for month, month_rows in rows.items()
                if month.year == year
                for row in month_rows
            ],
            period=str(year),
        )
        for year in years
    ]


def _split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that add up exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def _days(month: date) -> int:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (following - month).days
