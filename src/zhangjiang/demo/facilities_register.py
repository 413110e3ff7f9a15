"""Demo register, status history and milestones of the facilities (synthetic hosts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhangjiang.demo import DemoFile
from zhangjiang.demo.facilities_records import write_csv
from zhangjiang.indicators.facilities_catalog import FACILITIES

__all__ = ["write_milestones", "write_register"]

# id -> (kind, host, designed beamlines, designed stations, [(date, status), ...])
_REGISTER: dict[str, tuple[str, str, int | None, int | None, list[tuple[str, str]]]] = {
    "ssrf": (
        "光源",
        "示例依托单位A（合成）",
        15,
        18,
        [("2004-12-25", "在建"), ("2009-05-06", "开放运行")],
    ),
    "ssrf2": (
        "光源",
        "示例依托单位A（合成）",
        None,
        16,
        [("2016-11-30", "在建"), ("2022-09-01", "试运行")],
    ),
    "hard_xfel": (
        "自由电子激光",
        "示例依托单位B（合成）",
        None,
        10,
        [("2018-04-27", "在建")],
    ),
    "soft_xfel": (
        "自由电子激光",
        "示例依托单位A（合成）",
        2,
        5,
        [("2014-12-30", "在建"), ("2021-06-30", "试运行")],
    ),
    "protein": (
        "蛋白质设施",
        "示例依托单位C（合成）",
        5,
        14,
        [("2010-04-01", "在建"), ("2015-07-01", "开放运行")],
    ),
    "ward": (
        "研究型病房",
        "示例依托单位D（合成）",
        None,
        None,
        [("2017-09-01", "在建"), ("2019-07-01", "试运行"), ("2021-01-01", "开放运行")],
    ),
    "shenguang2": (
        "激光装置",
        "示例依托单位E（合成）",
        None,
        None,
        [("1994-01-01", "在建"), ("2001-08-01", "开放运行")],
    ),
    "liver_cancer": (
        "肝癌中心",
        "示例依托单位F（合成）",
        None,
        None,
        [("2019-06-01", "在建")],
    ),
    "seafloor": (
        "观测网",
        "示例依托单位G（合成）",
        None,
        None,
        [("2017-10-01", "在建")],
    ),
    "gas_turbine": (
        "燃气轮机",
        "示例依托单位H（合成）",
        None,
        None,
        [("2020-11-01", "规划"), ("2021-12-01", "在建")],
    ),
    "sulf": (
        "激光装置",
        "示例依托单位E（合成）",
        None,
        None,
        [("2016-01-01", "在建"), ("2021-12-01", "开放运行")],
    ),
    "live_cell": (
        "线站工程",
        "示例依托单位A（合成）",
        6,
        6,
        [("2018-01-01", "在建"), ("2022-12-15", "试运行")],
    ),
    "supercomputing": (
        "超算",
        "示例依托单位I（合成）",
        None,
        None,
        [("2000-12-01", "开放运行")],
    ),
}

# (facility, date, kind, text_zh, text_en, quantity, value, unit, order): the seed's
# facility lines without a computed figure (the report prints the figure lines itself);
# the 2020 and 2021 ones only show that other years are left out.
_MILESTONES: list[tuple[str, str, str, str, str, str, Any, str, int]] = [
    (
        "hard_xfel",
        "2022-06-30",
        "隧道贯通",
        "隧道实现贯通",
        "Tunnel holed through",
        "",
        None,
        "",
        1,
    ),
    (
        "ssrf2",
        "2022-12-31",
        "光束线通光",
        "截至年底，所有光束线均已通光，预计明年上半年完成工艺测试验收",
        "By the end of the year every beamline had first light; process-testing acceptance expected in the first half of next year",
        "",
        None,
        "",
        1,
    ),
    (
        "soft_xfel",
        "2022-08-31",
        "后评估",
        "激光用户装置通过项目后评估，预计2023年开放运行",
        "The laser user facility passed post-project evaluation; opening to users expected in 2023",
        "",
        None,
        "",
        1,
    ),
    (
        "soft_xfel",
        "2022-10-31",
        "世界纪录",
        "实现国际上波长最短的回声型自由电子激光出光放大和首个反渐变型波荡器增强的谐波自种子自由电子激光出光放大",
        "Lasing of the world's shortest-wavelength echo-enabled FEL and of the first reverse-tapered-undulator enhanced harmonic self-seeded FEL",
        "",
        None,
        "",
        2,
    ),
    (
        "seafloor",
        "2022-04-30",
        "竣工验收",
        "监测与数据中心土建工程竣工验收",
        "Civil works of the monitoring and data center passed completion acceptance",
        "",
        None,
        "",
        1,
    ),
    (
        "seafloor",
        "2022-06-30",
        "审批",
        "东海观测子网工程环境影响报告及工程用海报告获批复",
        "Environmental impact and sea-use reports of the East China Sea sub-network approved",
        "",
        None,
        "",
        2,
    ),
    (
        "seafloor",
        "2022-09-30",
        "试验",
        "国内首套剖面实时供电通信潜标完成深海试验",
        "China's first real-time powered and connected profiling subsurface buoy completed deep-sea trials",
        "",
        None,
        "",
        3,
    ),
    (
        "seafloor",
        "2022-11-30",
        "运行",
        "国内首台混合能源智能浮标在东海正常运行",
        "China's first hybrid-energy smart buoy in normal operation in the East China Sea",
        "",
        None,
        "",
        4,
    ),
    (
        "gas_turbine",
        "2022-12-31",
        "建设进展",
        "土建施工取得全面进展，具备试验台设备进场条件",
        "Civil construction advanced across the site; ready for test-bench equipment",
        "",
        None,
        "",
        1,
    ),
    (
        "shenguang2",
        "2022-09-30",
        "技术突破",
        "装置纳秒万焦耳激光控制精度、输出能力不断提升，皮秒激光通过优化，实现高信噪比、20微米小焦斑运行",
        "Control precision and output of the nanosecond 10 kJ laser keep improving; the optimised picosecond laser runs at high contrast with a 20 µm focal spot",
        "焦斑尺寸",
        20,
        "微米",
        1,
    ),
    (
        "shenguang2",
        "2022-09-30",
        "技术突破",
        "聚焦功率密度达到10^{20} W/cm²",
        "Focused power density reached 10^{20} W/cm²",
        "聚焦光强",
        10**20,
        "W/cm²",
        2,
    ),
    (
        "sulf",
        "2022-05-31",
        "世界纪录",
        "成功实现8×10^{22} W/cm²的聚焦光强输出，达到世界领先水平",
        "Focused intensity of 8×10^{22} W/cm² achieved, a world-leading level",
        "聚焦光强",
        8 * 10**22,
        "W/cm²",
        1,
    ),
    (
        "sulf",
        "2022-10-31",
        "技术突破",
        "获得峰值能量达到国际先进水平的准单能电子束",
        "Quasi-monoenergetic electron beams with internationally advanced peak energy obtained",
        "",
        None,
        "",
        2,
    ),
    (
        "live_cell",
        "2022-12-15",
        "验收",
        "通过验收，拟于2023年开放运行",
        "Passed acceptance; opening to users planned for 2023",
        "",
        None,
        "",
        1,
    ),
    (
        "hard_xfel",
        "2021-12-31",
        "建设进展",
        "示例：隧道主体结构施工（合成）",
        "Demo: tunnel main structure under construction (synthetic)",
        "",
        None,
        "",
        1,
    ),
    (
        "sulf",
        "2021-12-01",
        "验收",
        "示例：装置通过国家验收（合成）",
        "Demo: the facility passed national acceptance (synthetic)",
        "",
        None,
        "",
        1,
    ),
    (
        "ssrf2",
        "2020-12-31",
        "建设进展",
        "示例：首批光束线站设备安装（合成）",
        "Demo: equipment of the first beamline stations installed (synthetic)",
        "",
        None,
        "",
        1,
    ),
]


def write_register(out_dir: Path, beamlines: dict[str, int]) -> list[DemoFile]:
    """Write the facility register (beamline counts from ``beamlines``) and status history."""
    register = [
        [
            fid,
            FACILITIES[fid][0],
            FACILITIES[fid][1],
            FACILITIES[fid][0],
            kind,
            host,
            beamlines.get(fid, lines),
            stations,
        ]
        for fid, (kind, host, lines, stations, _) in _REGISTER.items()
    ]
    status = [[fid, day, st] for fid, spec in _REGISTER.items() for day, st in spec[4]]
    return [
        write_csv(
            out_dir / "facilities.csv",
            "facilities",
            [
                "设施编号",
                "设施名称",
                "英文名称",
                "简称",
                "设施类型",
                "依托单位",
                "光束线（站）数",
                "实验站数",
            ],
            register,
        ),
        write_csv(
            out_dir / "facility_status.csv",
            "facility-status",
            ["设施编号", "生效日期", "状态"],
            status,
        ),
    ]


def write_milestones(out_dir: Path) -> list[DemoFile]:
    """Write the milestones behind the facility lines of the report."""
    rows = [
        [fid, day, kind, zh, en, quantity, value, unit, fid, order]
        for fid, day, kind, zh, en, quantity, value, unit, order in _MILESTONES
    ]
    return [
        write_csv(
            out_dir / "facility_milestones.csv",
            "facility-milestones",
            [
                "设施编号",
                "日期",
                "进展类型",
                "进展内容",
                "英文内容",
                "测量量",
                "测量值",
                "单位",
                "分组",
                "顺序",
            ],
            rows,
        )
    ]
