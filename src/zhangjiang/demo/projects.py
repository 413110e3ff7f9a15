"""Demo register of the "五个一批" projects (synthetic), derived from the target figures."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from zhangjiang.demo import DemoFile, register_generator

# Targets for 2022 (seed §1.2): round sizes, completions, and the named exception.
ROUNDS = {
    1: {"count": 73, "completed": 72},
    2: {"count": 82, "completed": 62},
    3: {"count": 102, "completed": 0},
}
EXCEPTION = ("硬X射线自由电子激光装置", "硬线项目")
CATEGORIES = ("科学设施", "产业项目", "城市功能", "生态环境", "公共服务")
_ROUND_START = {1: date(2018, 3, 1), 2: date(2019, 6, 1), 3: date(2021, 3, 1)}


def generate(out_dir: Path, scale: int = 1) -> list[DemoFile]:
    """Write the synthetic project register as a UTF-8 CSV and return it."""
    path = out_dir / "projects_2022_synthetic.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "项目编号",
                "项目名称",
                "简称",
                "轮次",
                "项目类别",
                "是否重大设施项目",
                "计划开工日期",
                "实际开工日期",
                "计划完工日期",
                "实际完工日期",
            ]
        )
        for rnd, target in ROUNDS.items():
            start = _ROUND_START[rnd]
            for i in range(target["count"]):
                pid = f"R{rnd}-{i + 1:03d}"
                actual_start = start + timedelta(days=(i * 7) % 300)
                if rnd == 1 and i == 0:
                    name, short, large = EXCEPTION[0], EXCEPTION[1], "是"
                else:
                    name, short, large = f"示例项目{rnd}-{i + 1:03d}（合成）", "", "否"
                done = (rnd == 1 and i > 0) or (rnd == 2 and i < target["completed"])
                completion = (
                    actual_start + timedelta(days=500 + (i * 11) % 200)
                    if done
                    else None
                )
                if completion and completion.year > 2022:
                    completion = date(2022, 12, 1) - timedelta(days=i)
                category = CATEGORIES[i % len(CATEGORIES)] if not large else "科学设施"
                writer.writerow(
                    [
                        pid,
                        name,
                        short,
                        rnd,
                        category,
                        large,
                        start.isoformat(),
                        actual_start.isoformat(),
                        (start + timedelta(days=900)).isoformat(),
                        completion.isoformat() if completion else "",
                    ]
                )
    return [DemoFile("projects", path)]


register_generator("projects", generate)
