"""Indicators of the research ward of 转化医学国家重大科技基础设施(上海).

Studies and cases are cumulative; bed occupancy and platform rates are ratios of sums
over the months of the year present in the data (``ref_end`` is the latest month).
"""

from zhangjiang.indicators.facilities_catalog import facility_indicator
from zhangjiang.indicators.registry import register

register(
    facility_indicator(
        id="facility.ward_studies",
        title_zh="研究型病房承接临床研究数",
        title_en="Clinical studies hosted by the research ward",
        unit="项",
        unit_en="studies",
        sql="""
            SELECT facility, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM ward_studies
            WHERE start_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="截至报告期末已启动的临床研究项数（累计）。",
        description_en="Clinical studies started by the end of the period (cumulative).",
        inputs=("ward-studies",),
        period_rule="cumulative",
        style={"qualifier": "余", "base": 10, "unit": "项"},
        keywords=("临床研究",),
    ),
    facility_indicator(
        id="facility.ward_cases",
        title_zh="研究型病房累计病例数",
        title_en="Cases enrolled in ward studies",
        unit="人",
        unit_en="people",
        sql="""
            SELECT facility, sum(cases_enrolled) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM ward_studies
            WHERE start_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="截至报告期末已启动的临床研究的入组病例数之和（按登记表所填累计人数）。",
        description_en="Sum of the cases enrolled in the studies started by the end of the period, as reported in the register (cumulative).",
        inputs=("ward-studies",),
        period_rule="cumulative",
        style={"unit": "人"},
        keywords=("病例数",),
    ),
    facility_indicator(
        id="facility.bed_utilization",
        title_zh="研究型病房床位总使用率",
        title_en="Research ward bed occupancy",
        unit="%",
        unit_en="%",
        sql="""
            SELECT facility,
                   100.0 * sum(bed_days_occupied) / nullif(sum(bed_days_available), 0) AS value,
                   CAST(last_day(max(month)) AS DATE) AS ref_end,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM ward_beds
            WHERE month >= $start AND month < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内各月实际占用床日数之和 ÷ 实际开放床日数之和 × 100%。",
        description_en="Occupied bed-days over available bed-days, summed over the months of the year, as a percentage.",
        inputs=("ward-beds",),
        period_rule="ytd",
        style={"percent": True, "qualifier": "超过"},
        keywords=("床位总使用率", "床位使用率"),
    ),
    facility_indicator(
        id="facility.platform_running_rate",
        title_zh="技术平台运行率",
        title_en="Platform operating rate",
        unit="%",
        unit_en="%",
        sql="""
            SELECT facility,
                   100.0 * sum(running_hours) / nullif(sum(scheduled_hours), 0) AS value,
                   CAST(last_day(max(month)) AS DATE) AS ref_end,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM platform_operations
            WHERE month >= $start AND month < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内设施各技术平台实际运行机时之和 ÷ 计划运行机时之和 × 100%。",
        description_en="Running hours over scheduled hours of the facility's platforms, summed over the months of the year, as a percentage.",
        inputs=("platform-operations",),
        period_rule="ytd",
        style={"percent": True},
        keywords=("运行率",),
    ),
    facility_indicator(
        id="facility.platform_open_rate",
        title_zh="技术平台开放率",
        title_en="Platform open rate",
        unit="%",
        unit_en="%",
        sql="""
            SELECT facility,
                   100.0 * sum(open_hours) / nullif(sum(running_hours), 0) AS value,
                   CAST(last_day(max(month)) AS DATE) AS ref_end,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM platform_operations
            WHERE month >= $start AND month < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内设施各技术平台对外开放机时之和 ÷ 实际运行机时之和 × 100%。",
        description_en="Hours open to outside users over running hours of the facility's platforms, summed over the months of the year, as a percentage.",
        inputs=("platform-operations",),
        period_rule="ytd",
        style={"percent": True, "qualifier": "以上", "base": 1},
        keywords=("开放率",),
    ),
    facility_indicator(
        id="facility.patents",
        title_zh="申请或协助申请新技术/专利数",
        title_en="Patents and new technologies filed",
        unit="件",
        unit_en="filings",
        sql="""
            SELECT facility, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM outputs
            WHERE kind IN ('专利', '新技术') AND filed_date >= $start AND filed_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内设施申请或协助申请的专利与新技术件数，按申请日期计入年度。",
        description_en="Patents and new technologies the facility filed or helped file in the year, by filing date.",
        inputs=("outputs",),
        period_rule="year",
        style={"unit": "件"},
        keywords=("专利", "新技术"),
    ),
)
