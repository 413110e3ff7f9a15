"""Indicators of the talent survey and of the science city's narrative events (seed §1.2)."""

from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register
from zhangjiang.indicators.science_city_sql import DOMAIN, with_gaps

# The report groups artificial intelligence and electronic information together.
_INDUSTRY_GROUP = """
    CASE WHEN industry IN ('人工智能', '电子信息') THEN '人工智能和电子信息' ELSE industry END"""

register(
    *with_gaps(
        Indicator(
            id="talent.employees",
            title_zh="从业人员",
            title_en="Employed persons",
            unit="人",
            unit_en="people",
            sql="""
            SELECT sum(employees) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM talent_survey WHERE year = $year
        """,
            description_zh="报告年企业人才调查中各企业年末从业人员之和。",
            description_en="Sum of the enterprises' year-end employees in the year's talent survey.",
            inputs=("talent-survey",),
            period_rule="year",
            style={
                "qualifier": "约",
                "scale": "万",
                "decimals": 0,
                "base": 1,
                "unit": "人",
            },
            domain=DOMAIN,
            keywords=("从业人员",),
        ),
        Indicator(
            id="talent.masters_doctors",
            title_zh="硕士、博士人才",
            title_en="Holders of master's and doctoral degrees",
            unit="人",
            unit_en="people",
            sql="""
            SELECT sum(coalesce(masters, 0) + coalesce(doctorates, 0)) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM talent_survey WHERE year = $year
        """,
            description_zh="报告年企业人才调查中硕士与博士人数之和（按最高学历，每人计一次）。",
            description_en="Holders of master's plus doctoral degrees in the year's talent survey (by highest degree, each person once).",
            inputs=("talent-survey",),
            period_rule="year",
            style={
                "qualifier": "超",
                "scale": "万",
                "decimals": 0,
                "base": 1,
                "unit": "人",
            },
            domain=DOMAIN,
            keywords=("硕士、博士", "硕士", "博士"),
        ),
        Indicator(
            id="talent.by_industry",
            title_zh="产业人才",
            title_en="People working in each industry",
            unit="人",
            unit_en="people",
            sql=f"""
            SELECT {_INDUSTRY_GROUP} AS industry, sum(employees) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM talent_survey WHERE year = $year
            GROUP BY {_INDUSTRY_GROUP} ORDER BY industry
        """,
            description_zh="报告年企业人才调查中按企业所属产业合计的从业人员；人工智能与电子信息合并为“人工智能和电子信息”。",
            description_en="Employees of the year's talent survey by the enterprise's industry; artificial intelligence and electronic information are combined as 人工智能和电子信息.",
            inputs=("talent-survey",),
            dimensions=("industry",),
            period_rule="year",
            # One style for all industries: "余" fits two of the seed's three lines (8万余, 20万余)
            # and falls back to the exact figure when untrue; the report may pass "约" for 约6万.
            style={"qualifier": "余", "scale": "万", "base": 1, "unit": "人"},
            domain=DOMAIN,
            keywords=(
                "集成电路产业人才",
                "生物医药产业人才",
                "人工智能和电子信息产业人才",
                "产业人才",
            ),
        ),
        Indicator(
            id="events.count",
            title_zh="科学城大事记",
            title_en="Science-city events",
            unit="项",
            unit_en="events",
            sql="""
            SELECT "group", count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM events
            WHERE "date" >= $start AND "date" < $end
            GROUP BY "group" ORDER BY "group"
        """,
            description_zh="报告期内各分组（报告段落）登记的大事记条数；报告中不含数字的表述取自这些事件。",
            description_en="Events recorded in the period for each group (report section); the report's lines without figures come from them.",
            inputs=("events",),
            dimensions=("group",),
            period_rule="year",
            style={"unit": "项", "unit_en": "events"},
            domain=DOMAIN,
        ),
    )
)
