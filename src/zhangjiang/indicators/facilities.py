"""Indicators of the large research facilities (issue #5): register, status and milestones.

The facility indicators are split by source: this module counts facilities and their
milestones; ``facilities_service`` covers user service (机时, 单位, 团队, 课题, 人次);
``facilities_papers`` the papers; ``facilities_ward`` the research ward; and
``facilities_logs`` the instrument logs. Importing this module registers all of them.
"""

from zhangjiang.indicators import (
    facilities_logs,
    facilities_papers,
    facilities_service,
    facilities_ward,
)
from zhangjiang.indicators.facilities_catalog import (
    FACILITIES,
    FACILITY_STYLES,
    facility_indicator,
    style_for,
)
from zhangjiang.indicators.registry import register

__all__ = [
    "FACILITIES",
    "FACILITY_STYLES",
    "facilities_logs",
    "facilities_papers",
    "facilities_service",
    "facilities_ward",
    "style_for",
]

register(
    facility_indicator(
        id="facility.count",
        title_zh="重大科技基础设施数（按状态）",
        title_en="Large research facilities by status",
        unit="个",
        unit_en="facilities",
        sql="""
            WITH latest AS (
                SELECT facility, status, _batch_id,
                       row_number() OVER (PARTITION BY facility
                                          ORDER BY effective_date DESC, _batch_id DESC, _row DESC) AS rn
                FROM facility_status
                WHERE effective_date < $end
            )
            SELECT status, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM latest WHERE rn = 1
            GROUP BY status ORDER BY status
        """,
        description_zh="报告期末各设施所处状态（规划、在建、试运行、开放运行）取期末前最近一次状态变化，按状态计设施数。",
        description_en="Each facility's status at the end of the period is its latest status change before then; facilities are counted by status (planned, under construction, trial operation, open).",
        inputs=("facility-status",),
        dimensions=("status",),
        period_rule="asof",
        style={"unit": "个"},
        keywords=("重大科技基础设施", "设施"),
    ),
    facility_indicator(
        id="facility.milestones",
        title_zh="设施建设与运行进展数",
        title_en="Facility milestones",
        unit="项",
        unit_en="milestones",
        sql="""
            SELECT facility, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM facility_milestones
            WHERE "date" >= $start AND "date" < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="日期在报告年度内的设施进展条数（设备安装、隧道贯通、通光、工艺测试、验收、后评估、世界纪录等），报告的设施条目据此逐条列出。",
        description_en="Milestones of each facility dated in the year (installation, tunnel holed through, first light, process testing, acceptance, post-evaluation, records ...); the report lists them line by line.",
        inputs=("facility-milestones",),
        period_rule="year",
        style={"unit": "项"},
        keywords=("进展",),
    ),
    facility_indicator(
        id="facility.beamlines",
        title_zh="光束线（站）数",
        title_en="Beamlines",
        unit="条",
        unit_en="beamlines",
        sql="""
            SELECT facility_id AS facility, max(beamlines) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM facilities
            WHERE beamlines IS NOT NULL
            GROUP BY facility_id ORDER BY facility_id
        """,
        description_zh="设施登记表所载的光束线（站）条数，自由电子激光装置为波荡器线和光束线隧道条数（如光源二期14条光束线站、硬X射线自由电子激光装置5条）。",
        description_en="Beamlines (or stations) of the facility as registered; for a free-electron laser, its undulator lines and beamline tunnels (e.g. 14 beamline stations of SSRF phase II, 5 of the hard X-ray FEL).",
        inputs=("facilities",),
        period_rule="asof",
        style={"unit": "条"},
        keywords=("光束线站", "光束线", "光束线隧道"),
    ),
    facility_indicator(
        id="facility.focused_intensity",
        title_zh="聚焦光强（功率密度）",
        title_en="Focused intensity",
        # In units of 10^20 W/cm²: the engine quantizes values in Python's default
        # 28-digit decimal context, which rejects 8×10^22 with six decimals.
        unit="×10^20 W/cm²",
        unit_en="×10^20 W/cm²",
        sql="""
            SELECT facility, max(value) / 1e20 AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM facility_milestones
            WHERE quantity = '聚焦光强' AND value IS NOT NULL
              AND "date" >= $start AND "date" < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内进展记录中激光装置实现的最高聚焦光强（聚焦功率密度），以 10^20 W/cm² 为单位（8×10^22 W/cm² 记为 800）。",
        description_en="Highest focused intensity (power density) a laser facility reached in a milestone of the year, in units of 10^20 W/cm² (8×10^22 W/cm² is 800).",
        inputs=("facility-milestones",),
        period_rule="year",
        style={"unit": "×10^20 W/cm²", "unit_en": "×10^20 W/cm²"},
        keywords=("聚焦光强", "聚焦功率密度"),
    ),
    facility_indicator(
        id="facility.focal_spot",
        title_zh="焦斑尺寸",
        title_en="Focal spot size",
        unit="微米",
        unit_en="μm",
        sql="""
            SELECT facility, min(value) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM facility_milestones
            WHERE quantity = '焦斑尺寸' AND value IS NOT NULL
              AND "date" >= $start AND "date" < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内进展记录中实现的最小焦斑尺寸（微米）。",
        description_en="Smallest focal spot reached in a milestone of the year, in micrometres.",
        inputs=("facility-milestones",),
        period_rule="year",
        style={"unit": "微米"},
        keywords=("焦斑",),
    ),
)
