"""Indicators from the facilities' instrument logs: laser shots, services, platforms, hours."""

from zhangjiang.indicators.facilities_catalog import facility_indicator
from zhangjiang.indicators.registry import register

register(
    facility_indicator(
        id="facility.laser_shots",
        title_zh="大能量发射打靶发次（累计）",
        title_en="High-energy target shots (cumulative)",
        unit="发次",
        unit_en="shots",
        sql="""
            SELECT facility, sum(shots) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM laser_shots
            WHERE energy_class = '大能量' AND shot_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="截至报告期末激光装置累计实现的大能量发射打靶发次；常规与调试发次不计。",
        description_en="High-energy target shots fired up to the end of the period; regular and alignment shots are not counted.",
        inputs=("laser-shots",),
        period_rule="cumulative",
        style={"qualifier": "余", "base": 100, "unit": "发次"},
        keywords=("发次", "打靶"),
    ),
    facility_indicator(
        id="facility.technical_services",
        title_zh="仪器技术服务次数",
        title_en="Instrument technical services",
        unit="次",
        unit_en="services",
        sql="""
            SELECT facility, instrument, sum(services) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM technical_services
            WHERE service_date >= $start AND service_date < $end
            GROUP BY facility, instrument ORDER BY facility, instrument
        """,
        description_zh="年内各台仪器完成的技术服务次数。",
        description_en="Technical services each instrument provided in the year.",
        inputs=("technical-services",),
        dimensions=("facility", "instrument"),
        period_rule="year",
        style={"qualifier": "约", "base": 10, "unit": "次"},
        keywords=("技术服务",),
    ),
    facility_indicator(
        id="facility.platforms",
        title_zh="核心技术支撑平台数",
        title_en="Core technical platforms",
        unit="个",
        unit_en="platforms",
        sql="""
            SELECT facility, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM platforms
            WHERE built_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="截至报告期末已建成的核心技术支撑平台数（建成日期在期末之前）。",
        description_en="Core technical platforms built by the end of the period.",
        inputs=("platforms",),
        period_rule="asof",
        style={"unit": "个"},
        keywords=("核心技术支撑平台",),
    ),
    facility_indicator(
        id="facility.equipment_hours",
        title_zh="平台设备运行时长",
        title_en="Platform equipment hours",
        unit="小时",
        unit_en="hours",
        sql="""
            SELECT facility, sum(hours) AS value,
                   CAST(last_day(max(month)) AS DATE) AS ref_end,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM equipment_hours
            WHERE month >= $start AND month < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内各技术支撑平台设备运行时长之和（小时）。",
        description_en="Running hours of the platforms' equipment in the year, summed over platforms and months.",
        inputs=("equipment-hours",),
        period_rule="ytd",
        style={"unit": "小时"},
        keywords=("设备运行时长",),
    ),
)
