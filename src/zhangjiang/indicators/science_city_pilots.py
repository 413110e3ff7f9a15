"""Indicators of the new tracks' investment and the institutional pilots (seed §1.2)."""

from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register
from zhangjiang.indicators.science_city_sql import DOMAIN, sources, with_gaps

_ALL = "('全部', 'all')"
# Disclosed deals of the new tracks in the period; a company is its credit code, else its name.
_DEALS = """
    deals AS (
        SELECT coalesce(credit_code, company) AS company_key, amount, _batch_id AS b
        FROM investment_deals
        WHERE disclosed AND track <> '其他' AND deal_date >= $start AND deal_date < $end
    )"""
_DEALS_ZH = "报告期内已公开披露金额、赛道属于新赛道（数字经济、绿色低碳、元宇宙、智能终端，不含“其他”）的股权投资"
_DEALS_EN = "disclosed equity deals of the period in the new tracks (digital economy, green and low-carbon, metaverse, smart terminals; not 其他)"


def _enrolled(programme: str) -> str:
    return f"""
        SELECT count(DISTINCT credit_code) AS value,
               list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
        FROM pilot_enrolments
        WHERE programme = '{programme}' AND enrol_date < $end
    """


register(
    *with_gaps(
        Indicator(
            id="investment.disclosed_companies",
            title_zh="新赛道已披露获投企业",
            title_en="Companies with disclosed investment in the new tracks",
            unit="家",
            unit_en="companies",
            sql=f"""
            WITH {_DEALS}
            SELECT count(DISTINCT company_key) AS value, {sources("deals", "b")} AS sources
            FROM deals
        """,
            description_zh=_DEALS_ZH
            + "所涉企业数（按统一社会信用代码去重，无代码时按企业名称）。",
            description_en="Companies receiving "
            + _DEALS_EN
            + ", counted once by credit code (by name when the code is blank).",
            inputs=("investment-deals",),
            period_rule="year",
            style={"unit": "家", "unit_en": "companies"},
            domain=DOMAIN,
            keywords=("已披露",),
        ),
        Indicator(
            id="investment.amount",
            title_zh="新赛道已披露投资总额",
            title_en="Disclosed investment in the new tracks",
            unit="元",
            unit_en="yuan",
            sql=f"""
            WITH {_DEALS}
            SELECT sum(amount) * 10000 AS value, {sources("deals", "b")} AS sources
            FROM deals
        """,
            description_zh=_DEALS_ZH + "的金额合计，万元折算为元。",
            description_en="Total amount of "
            + _DEALS_EN
            + ", converted from 10,000 yuan to yuan.",
            inputs=("investment-deals",),
            period_rule="year",
            style={
                "scale": "亿",
                "decimals": 0,
                "qualifier": "超",
                "base": 100,
                "unit": "元",
            },
            domain=DOMAIN,
            keywords=("吸纳投资总额", "投资总额"),
        ),
        Indicator(
            id="investment.city_share",
            title_zh="新赛道投资额占全市比重",
            title_en="Share of the city's investment in the new tracks",
            unit="%",
            unit_en="%",
            sql=f"""
            WITH {_DEALS},
            city AS (SELECT track, amount, _batch_id AS b FROM city_investment_totals WHERE year = $year),
            used AS (SELECT b FROM deals UNION ALL SELECT b FROM city),
            denominator AS (
                SELECT coalesce(max(amount) FILTER (WHERE track IN {_ALL}),
                                sum(amount) FILTER (WHERE track NOT IN {_ALL})) AS city_amount
                FROM city
            )
            SELECT 100.0 * (SELECT sum(amount) FROM deals) / NULLIF(city_amount, 0) AS value,
                   {sources("used", "b")} AS sources
            FROM denominator
        """,
            description_zh=(
                "已披露新赛道投资总额占全市同期新赛道股权投资总额的百分比；全市总额取“全市新赛道股权投资总额”表中"
                "报告年“全部”一行，无该行时为各赛道之和。"
            ),
            description_en=(
                "Disclosed investment in the new tracks as a percentage of the city-wide total of the "
                "year: the 全部/all row of city-investment-totals, or the sum of its tracks when absent."
            ),
            inputs=("investment-deals", "city-investment-totals"),
            period_rule="year",
            style={"percent": True, "decimals": 1},
            domain=DOMAIN,
            keywords=("占全市",),
        ),
        Indicator(
            id="pilot.customs_tickets",
            title_zh="跨境中心业务量",
            title_en="Customs declarations handled by the cross-border center",
            unit="票",
            unit_en="declarations",
            sql="""
            SELECT kind, sum(tickets) AS value, max(op_date) AS ref_end,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM customs_operations
            WHERE op_date >= $start AND op_date < $end
            GROUP BY kind ORDER BY kind
        """,
            description_zh="按业务类型（便捷通关、保税仓库）合计报告年1月1日起至数据最新日期的票数；参考期标为“截至最新日期”（如截至9月底）。",
            description_en="Declarations by kind (facilitated clearance, bonded warehouse) from 1 January of the year to the latest date in the data, labelled as of that date (e.g. end of September).",
            inputs=("customs-operations",),
            dimensions=("kind",),
            period_rule="asof",
            style={"unit": "票", "unit_en": "declarations"},
            domain=DOMAIN,
            keywords=("便捷通关业务", "保税仓库业务"),
        ),
        Indicator(
            id="pilot.biomed_whitelist",
            title_zh="生物医药特殊物品白名单企业",
            title_en="Enterprises on the biomedical special-goods white list",
            unit="家",
            unit_en="enterprises",
            sql=_enrolled("生物医药特殊物品白名单"),
            description_zh="入选日期早于报告期末的生物医药特殊物品进境联合监管试点白名单企业数（累计）。",
            description_en="Enterprises that entered the white list of the biomedical special-goods joint-supervision pilot before the end of the period (cumulative).",
            inputs=("pilot-enrolments",),
            period_rule="cumulative",
            style={"unit": "家", "unit_en": "enterprises"},
            domain=DOMAIN,
            keywords=("白名单",),
        ),
        Indicator(
            id="pilot.ic_bonded",
            title_zh="集成电路设计全程保税试点企业",
            title_en="Enterprises in the full-process bonded IC design pilot",
            unit="家",
            unit_en="enterprises",
            sql=_enrolled("集成电路设计全程保税"),
            description_zh="开始日期早于报告期末的集成电路设计企业全程保税试点企业数（累计）。",
            description_en="Enterprises that joined the full-process bonded IC design pilot before the end of the period (cumulative).",
            inputs=("pilot-enrolments",),
            period_rule="cumulative",
            style={"unit": "家", "unit_en": "enterprises"},
            domain=DOMAIN,
            keywords=("全程保税",),
        ),
    )
)
