"""Demo data of the large research facilities (synthetic), derived from the target figures.

The 2022 targets below are the figures of the seed section 世界级重大科技基础设施加速集聚;
the 2020 and 2021 targets are invented, a few per cent to about a fifth below the next
year's. Monthly forms (ward beds, platform operations, equipment hours) are written one
file per facility and year, 2020 to 2022. Every row is synthetic: person ids DEMO-U…,
institutions 示例大学…（合成）, DOIs under Crossref's test prefix 10.5555.
"""

from __future__ import annotations

from pathlib import Path

from zhangjiang.demo import DemoFile, register_generator
from zhangjiang.demo.facilities_papers import (
    PaperTarget,
    write_papers,
    write_sci_journals,
)
from zhangjiang.demo.facilities_records import write_logs, write_ward
from zhangjiang.demo.facilities_register import write_milestones, write_register
from zhangjiang.demo.facilities_service import (
    ServiceTarget,
    write_aliases,
    write_service,
)

# User service (seed: 上海光源一期, 国家蛋白质科学研究(上海)设施). 2020-2021 are synthetic.
SERVICE: dict[str, dict[int, ServiceTarget]] = {
    "ssrf": {
        2022: ServiceTarget(
            hours=32954, institutions=233, teams=800, projects=1216, visits=4081
        ),
        2021: ServiceTarget(
            hours=31860, institutions=221, teams=752, projects=1135, visits=3790
        ),
        2020: ServiceTarget(
            hours=28760, institutions=205, teams=690, projects=1040, visits=3150
        ),
    },
    "protein": {
        2022: ServiceTarget(
            hours=81236, institutions=243, teams=657, projects=1042, visits=11692
        ),
        2021: ServiceTarget(
            hours=78410, institutions=231, teams=618, projects=975, visits=10980
        ),
        2020: ServiceTarget(
            hours=70230, institutions=214, teams=571, projects=903, visits=9420
        ),
    },
}
# Papers by publication year: (papers, of which CNS); SCI papers are what the SCI list
# matches. ssrf 900余 / 11 CNS, protein 616 / 12 CNS, ward 180余 SCI papers.
PAPERS: dict[str, dict[int, PaperTarget]] = {
    "ssrf": {
        2022: PaperTarget(total=927, cns=11, sci=927),
        2021: PaperTarget(total=861, cns=9, sci=861),
        2020: PaperTarget(total=774, cns=8, sci=774),
    },
    "protein": {
        2022: PaperTarget(total=616, cns=12, sci=616),
        2021: PaperTarget(total=583, cns=10, sci=583),
        2020: PaperTarget(total=521, cns=9, sci=521),
    },
    "ward": {
        2022: PaperTarget(total=190, cns=0, sci=184),
        2021: PaperTarget(total=158, cns=0, sci=151),
        2020: PaperTarget(total=131, cns=0, sci=124),
    },
}
PAPER_FORMATS = {"ssrf": "ris", "protein": "bibtex", "ward": "crossref"}
# Research ward (转化医学国家重大科技基础设施(上海)): 170余 studies, 19202 cases (cumulative),
# platforms 100% running; in 2022 bed use 超过80%, platforms 85%以上 open, 15 patents/new
# technologies. The ward ran on trial from July 2019, so it reports from 2020 on.
WARD = {"studies": 176, "cases": 19202, "operating_rate_permille": 1000}
WARD_YEARS = {
    2020: {"bed_occupancy_permille": 712, "open_rate_permille": 745, "patents": 9},
    2021: {"bed_occupancy_permille": 780, "open_rate_permille": 800, "patents": 12},
    2022: {"bed_occupancy_permille": 826, "open_rate_permille": 856, "patents": 15},
}
# Instrument logs: 神光II 800余 high-energy shots (cumulative); 国家肝癌科学中心 约50 and 约20
# technical services in 2022, 7 core platforms, 4900 equipment hours in 2022 (fewer
# before: the platforms were built from 2020 to 2022).
LASER_SHOTS = 836
SERVICES = {
    2020: {"小动物活体成像系统": 37, "X射线辐照仪": 15},
    2021: {"小动物活体成像系统": 44, "X射线辐照仪": 18},
    2022: {"小动物活体成像系统": 51, "X射线辐照仪": 21},
}
PLATFORMS = (
    "全自动筛选平台",
    "分子影像平台",
    "细胞表型分析平台",
    "分子诊断和分型平台",
    "蛋白功能分析平台",
    "GMP净化平台",
    "动物屏障设施平台",
)
EQUIPMENT_HOURS = {2020: 770, 2021: 2380, 2022: 4900}
# Beamlines in the register: 14 beamline stations of SSRF phase II (all passed process
# testing), 5 undulator and beamline tunnels of the hard X-ray FEL (equipment moving in).
BEAMLINES = {"ssrf2": 14, "hard_xfel": 5}


def generate(out_dir: Path, scale: int = 1) -> list[DemoFile]:
    """Write every facility source file and return them in loading order."""
    files = [
        *write_register(out_dir, BEAMLINES),
        *write_milestones(out_dir),
        write_aliases(out_dir, SERVICE),
    ]
    for facility, targets in SERVICE.items():
        files += write_service(out_dir, facility, targets)
    files.append(write_sci_journals(out_dir))
    for facility, targets in PAPERS.items():
        files += write_papers(out_dir, facility, targets, PAPER_FORMATS[facility])
    files += write_ward(out_dir, WARD, WARD_YEARS)
    files += write_logs(out_dir, LASER_SHOTS, SERVICES, PLATFORMS, EQUIPMENT_HOURS)
    return files


register_generator("facilities", generate)
