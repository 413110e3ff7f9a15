"""Indicators of the leading industries: IC revenue, biomedicine scale and drug pipeline.

Amounts are entered in 万元 (10,000 yuan) in ``industry-monthly``; the indicators return
yuan, the base unit the phrasing module scales to 亿元.
"""

from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register
from zhangjiang.indicators.science_city_sql import DOMAIN, with_gaps

_YUAN = {"scale": "亿", "decimals": 0, "unit": "元"}
_IC = "industry = '集成电路' AND metric = '销售收入'"
_BIO_MANUFACTURING = "industry = '生物医药' AND metric = '制造业产值'"
_BIO_SERVICES = "industry = '生物医药' AND metric = '服务业营收'"
_BIO_SCALE = "industry = '生物医药' AND metric IN ('制造业产值', '服务业营收')"
_YTD_ZH = "报告年1月至数据中最新月份（如1—10月）的当月数之和，万元折算为元。"
_YTD_EN = "Sum of the monthly figures from January to the latest month in the data (e.g. January–October), converted from 10,000 yuan to yuan."

_DRUGS = "kind = '药品' AND (start_date IS NULL OR start_date < $end)"


def _ytd_sum(condition: str) -> str:
    """Return SQL summing a metric year to date, with ref_end = last day of the latest month."""
    return f"""
        SELECT sum(amount) * 10000 AS value, last_day(max(month)) AS ref_end,
               list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
        FROM industry_monthly
        WHERE {condition} AND month >= $start AND month < $end
    """


register(
    *with_gaps(
        Indicator(
            id="industry.ic_revenue",
            title_zh="集成电路产业销售收入",
            title_en="Integrated circuit industry sales revenue",
            unit="元",
            unit_en="yuan",
            sql=_ytd_sum(_IC),
            description_zh="产业为集成电路、指标为销售收入的企业月度数据，" + _YTD_ZH,
            description_en="Monthly sales revenue of integrated circuit enterprises. "
            + _YTD_EN,
            inputs=("industry-monthly",),
            period_rule="ytd",
            style=_YUAN,
            domain=DOMAIN,
            monthly=True,
            comparable=True,
            keywords=("集成电路", "销售收入"),
        ),
        Indicator(
            id="industry.ic_revenue_yoy",
            title_zh="集成电路产业销售收入同比增长",
            title_en="Integrated circuit sales revenue, year-on-year growth",
            unit="%",
            unit_en="%",
            sql="",
            yoy_of="industry.ic_revenue",
            description_zh=(
                "集成电路产业销售收入的同比增长（%），与每个指标的同比同一机制：取报告年1月至"
                "最新完整月份M，与上年1月至M月比较；按同口径只计两年同期都有填报的企业"
                "（只在一年填报的新进、退出企业不计），增长率 = (本期合计 ÷ 上年同期合计 − 1) × 100。"
            ),
            description_en=(
                "Year-on-year growth (%) of industry.ic_revenue, by the mechanism every value's "
                "growth uses: January to the latest complete month M against January to M of the "
                "previous year, on a comparable basis over the enterprises reporting in both years' "
                "months (entrants and leavers reporting in one year are left out); growth = "
                "(this year's total / last year's total - 1) x 100."
            ),
            inputs=("industry-monthly",),
            period_rule="ytd",
            style={"percent": True, "decimals": 1},
            domain=DOMAIN,
            keywords=("同比增长",),
        ),
        Indicator(
            id="industry.bio_scale",
            title_zh="生物医药产业规模",
            title_en="Biomedicine industry scale",
            unit="元",
            unit_en="yuan",
            sql=_ytd_sum(_BIO_SCALE),
            description_zh="生物医药产业规模 = 制造业产值 + 服务业营收；" + _YTD_ZH,
            description_en="Biomedicine's scale = manufacturing output + service revenue. "
            + _YTD_EN,
            inputs=("industry-monthly",),
            period_rule="ytd",
            style=_YUAN,
            domain=DOMAIN,
            monthly=True,
            comparable=True,
            keywords=("产业规模",),
        ),
        Indicator(
            id="industry.bio_manufacturing",
            title_zh="生物医药制造业产值",
            title_en="Biomedicine manufacturing output",
            unit="元",
            unit_en="yuan",
            sql=_ytd_sum(_BIO_MANUFACTURING),
            description_zh="产业为生物医药、指标为制造业产值的企业月度数据，" + _YTD_ZH,
            description_en="Monthly manufacturing output of biomedicine enterprises. "
            + _YTD_EN,
            inputs=("industry-monthly",),
            period_rule="ytd",
            style=_YUAN,
            domain=DOMAIN,
            monthly=True,
            comparable=True,
            keywords=("制造业产值",),
        ),
        Indicator(
            id="industry.bio_services",
            title_zh="生物医药服务业营收",
            title_en="Biomedicine service revenue",
            unit="元",
            unit_en="yuan",
            sql=_ytd_sum(_BIO_SERVICES),
            description_zh="产业为生物医药、指标为服务业营收的企业月度数据，" + _YTD_ZH,
            description_en="Monthly service revenue of biomedicine enterprises. "
            + _YTD_EN,
            inputs=("industry-monthly",),
            period_rule="ytd",
            style=_YUAN,
            domain=DOMAIN,
            monthly=True,
            comparable=True,
            keywords=("服务业营收",),
        ),
        Indicator(
            id="bio.pipeline",
            title_zh="累计新药管线",
            title_en="New-drug pipeline entries (cumulative)",
            unit="个",
            unit_en="pipeline entries",
            sql=f"""
            SELECT count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM drug_pipeline WHERE {_DRUGS}
        """,
            description_zh="产品类别为药品、进入管线日期早于报告期末（或不详）的管线数，含已上市、已终止的管线（累计数）。",
            description_en="Pipeline entries of kind drug (药品) that entered the pipeline before the end of the period (or at an unknown date), approved and terminated ones included (cumulative).",
            inputs=("drug-pipeline",),
            period_rule="cumulative",
            style={
                "qualifier": "余",
                "base": 100,
                "unit": "个",
                "unit_en": "pipeline entries",
            },
            domain=DOMAIN,
            keywords=("新药管线",),
        ),
        Indicator(
            id="bio.class1_share",
            title_zh="1类新药占管线比重",
            title_en="Share of Class 1 innovative drugs in the pipeline",
            unit="%",
            unit_en="%",
            sql=f"""
            SELECT 100.0 * count(*) FILTER (WHERE drug_class = '1类') / NULLIF(count(*), 0) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM drug_pipeline WHERE {_DRUGS}
        """,
            description_zh="累计新药管线中注册分类为1类的管线所占百分比。",
            description_en="Percentage of the cumulative new-drug pipeline entries whose registration class is 1类 (Class 1).",
            inputs=("drug-pipeline",),
            period_rule="cumulative",
            style={"percent": True, "decimals": 0, "qualifier": "超过", "base": 10},
            domain=DOMAIN,
            keywords=("1类新药占比",),
        ),
        Indicator(
            id="bio.class1_approved",
            title_zh="获批上市1类新药",
            title_en="Class 1 innovative drugs approved",
            unit="个",
            unit_en="drugs",
            sql="""
            SELECT count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM drug_pipeline
            WHERE kind = '药品' AND drug_class = '1类'
              AND approval_date >= $start AND approval_date < $end
        """,
            description_zh="注册分类为1类、获批上市日期在报告期内的药品数。",
            description_en="Drugs of Class 1 whose marketing approval date falls in the period.",
            inputs=("drug-pipeline",),
            period_rule="year",
            style={"unit": "个", "unit_en": "drugs"},
            domain=DOMAIN,
            keywords=("获批上市1类新药",),
        ),
        Indicator(
            id="bio.devices_approved",
            title_zh="获批上市创新医疗器械",
            title_en="Innovative medical devices approved",
            unit="个",
            unit_en="devices",
            sql="""
            SELECT count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM drug_pipeline
            WHERE kind = '创新医疗器械' AND approval_date >= $start AND approval_date < $end
        """,
            description_zh="产品类别为创新医疗器械、获批上市日期在报告期内的产品数。",
            description_en="Innovative medical devices whose marketing approval date falls in the period.",
            inputs=("drug-pipeline",),
            period_rule="year",
            style={"unit": "个", "unit_en": "devices"},
            domain=DOMAIN,
            keywords=("创新医疗器械",),
        ),
    )
)
