"""Indicators of the science city's enterprises and finance (seed §1.2 "企业创新主体加快集聚").

Importing this module also registers the other science-city indicators: industry
(``science_city_industry``), new tracks and pilots (``science_city_pilots``), talent and
events (``science_city_talent``).
"""

from zhangjiang.indicators import (  # noqa: F401 - imported to register their indicators
    science_city_industry,
    science_city_pilots,
    science_city_talent,
)
from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register
from zhangjiang.indicators.science_city_sql import (
    AREA,
    DOMAIN,
    count_distinct,
    tag_match,
    with_gaps,
)

_ENTERPRISES = ("organizations",)
_COUNT = {"unit": "家", "unit_en": "enterprises"}
_INSTITUTIONS = {"unit": "家", "unit_en": "institutions"}

# Certificates valid on D = the period's last day: issue_date <= D < issue_date + 3 years,
# i.e. issue_date < $end AND issue_date + 3 years >= $end (dates are whole days).
_VALID = "c.issue_date < $end AND c.issue_date + INTERVAL '3' YEAR >= $end"
# Listed at the end of the period: listed before $end and not delisted by then.
_LISTED = (
    "l.listing_date < $end AND (l.delisting_date IS NULL OR l.delisting_date >= $end)"
)


def _certificates(condition: str) -> str:
    return count_distinct(
        f"""{AREA},
    hits AS (
        SELECT c.credit_code, c._batch_id AS b, a.org_batch
        FROM hightech_certificates AS c JOIN area AS a ON a.credit_code = c.credit_code
        WHERE {condition}
    )""",
        "hits",
        "b",
        "org_batch",
    )


def _listed(extra: str = "TRUE") -> str:
    return count_distinct(
        f"""{AREA},
    hits AS (
        SELECT l.credit_code, l._batch_id AS b, a.org_batch
        FROM listings AS l JOIN area AS a ON a.credit_code = l.credit_code
        WHERE {_LISTED} AND {extra}
    )""",
        "hits",
        "b",
        "org_batch",
    )


def _recognised(kind: str) -> str:
    return count_distinct(
        f"""{AREA},
    hits AS (
        SELECT r.credit_code, r._batch_id AS b, a.org_batch
        FROM recognitions AS r JOIN area AS a ON a.credit_code = r.credit_code
        WHERE r.kind = '{kind}' AND r.year <= $year
    )""",
        "hits",
        "b",
        "org_batch",
    )


def _organisations(condition: str) -> str:
    return count_distinct(
        f"""{AREA},
    hits AS (SELECT credit_code, org_batch FROM area WHERE {condition})""",
        "hits",
        "org_batch",
    )


register(
    *with_gaps(
        Indicator(
            id="enterprise.hightech_new",
            title_zh="新认定高新技术企业",
            title_en="Newly certified high-tech enterprises",
            unit="家",
            unit_en="enterprises",
            sql=_certificates("c.issue_date >= $start AND c.issue_date < $end"),
            description_zh="报告期内获发高新技术企业证书的区内注册企业数（含到期后重新认定的企业），按统一社会信用代码去重。",
            description_en="Enterprises registered in the area that received a high-tech enterprise certificate in the period (re-certified ones included), counted once per credit code.",
            inputs=("hightech-certificates", *_ENTERPRISES),
            period_rule="year",
            style=_COUNT,
            domain=DOMAIN,
            keywords=("新认定高新技术企业",),
        ),
        Indicator(
            id="enterprise.hightech_valid",
            title_zh="有效期内高新技术企业",
            title_en="High-tech enterprises with a valid certificate",
            unit="家",
            unit_en="enterprises",
            sql=_certificates(_VALID),
            description_zh="报告期末持有有效高新技术企业证书的区内注册企业数：证书自发证日起三年有效，即发证日期 ≤ 期末日 < 发证日期 + 3年。",
            description_en="Enterprises registered in the area holding a certificate valid on the last day D of the period: valid three years from issue, i.e. issue date <= D < issue date + 3 years.",
            inputs=("hightech-certificates", *_ENTERPRISES),
            period_rule="asof",
            style=_COUNT,
            domain=DOMAIN,
            keywords=("有效期内高新技术企业", "有效期内"),
        ),
        Indicator(
            id="enterprise.listings_new",
            title_zh="新增上市企业",
            title_en="Newly listed enterprises",
            unit="家",
            unit_en="enterprises",
            sql=count_distinct(
                f"""{AREA},
    first_listing AS (
        SELECT credit_code, min(listing_date) AS first_date FROM listings GROUP BY credit_code
    ),
    hits AS (
        SELECT l.credit_code, l._batch_id AS b, a.org_batch
        FROM listings AS l
        JOIN first_listing AS f ON f.credit_code = l.credit_code AND f.first_date = l.listing_date
        JOIN area AS a ON a.credit_code = l.credit_code
        WHERE f.first_date >= $start AND f.first_date < $end
    )""",
                "hits",
                "b",
                "org_batch",
            ),
            description_zh="首次上市日期（该企业最早的上市日期）在报告期内的区内注册企业数；已上市企业在其他交易所再上市不计。",
            description_en="Enterprises registered in the area whose first listing (earliest listing date) falls in the period; a further listing of an already listed enterprise does not count.",
            inputs=("listings", *_ENTERPRISES),
            period_rule="year",
            style=_COUNT,
            domain=DOMAIN,
            keywords=("新增上市企业",),
        ),
        Indicator(
            id="enterprise.listings_total",
            title_zh="累计上市企业",
            title_en="Listed enterprises (cumulative)",
            unit="家",
            unit_en="enterprises",
            sql=_listed(),
            description_zh="报告期末处于上市状态（上市日期早于期末且未退市）且在区内注册的企业数，多地上市的企业计一次。",
            description_en="Enterprises registered in the area and listed at the end of the period (listed before it and not delisted), counted once however many listings they have.",
            inputs=("listings", *_ENTERPRISES),
            period_rule="cumulative",
            style=_COUNT,
            domain=DOMAIN,
            keywords=("累计上市企业", "上市企业", "累计"),
        ),
        Indicator(
            id="enterprise.listings_star",
            title_zh="科创板上市企业",
            title_en="Enterprises listed on the STAR Market",
            unit="家",
            unit_en="enterprises",
            sql=_listed("l.board = '科创板'"),
            description_zh="累计上市企业中在上海证券交易所科创板上市的企业数。",
            description_en="Listed enterprises (cumulative) with a listing on the STAR Market of the Shanghai Stock Exchange.",
            inputs=("listings", *_ENTERPRISES),
            period_rule="cumulative",
            style=_COUNT,
            domain=DOMAIN,
            keywords=("科创板企业",),
        ),
        Indicator(
            id="enterprise.foreign_rd_centers",
            title_zh="外资研发中心",
            title_en="Foreign-funded R&D centers",
            unit="家",
            unit_en="centers",
            sql=_recognised("外资研发中心"),
            description_zh="截至报告期末累计认定为外资研发中心（认定年份不晚于报告年）的区内注册机构数。",
            description_en="Organisations registered in the area recognised as foreign-funded R&D centers in or before the period's year (cumulative).",
            inputs=("recognitions", *_ENTERPRISES),
            period_rule="cumulative",
            style={"unit": "家", "unit_en": "centers"},
            domain=DOMAIN,
            keywords=("外资研发中心",),
        ),
        Indicator(
            id="enterprise.open_innovation_centers",
            title_zh="大企业开放式创新中心",
            title_en="Open innovation centers of large enterprises",
            unit="家",
            unit_en="centers",
            sql=_recognised("大企业开放式创新中心"),
            description_zh="截至报告期末累计认定为大企业开放式创新中心（认定年份不晚于报告年）的区内注册机构数。",
            description_en="Organisations registered in the area recognised as open innovation centers of large enterprises in or before the period's year (cumulative).",
            inputs=("recognitions", *_ENTERPRISES),
            period_rule="cumulative",
            style={"unit": "家", "unit_en": "centers"},
            domain=DOMAIN,
            keywords=("大企业开放式创新中心", "开放式创新中心"),
        ),
        Indicator(
            id="finance.vc_institutions",
            title_zh="集聚创投机构",
            title_en="Venture capital institutions",
            unit="家",
            unit_en="institutions",
            sql=_organisations("kind = '创投机构'"),
            description_zh="机构名录中类型为创投机构、报告期末在区内注册的机构数。",
            description_en="Organisations of kind venture capital institution (创投机构) registered in the area at the end of the period.",
            inputs=_ENTERPRISES,
            period_rule="cumulative",
            style=_INSTITUTIONS,
            domain=DOMAIN,
            keywords=("创投机构",),
        ),
        Indicator(
            id="finance.banks",
            title_zh="集聚银行",
            title_en="Banks",
            unit="家",
            unit_en="banks",
            sql=_organisations("kind = '银行'"),
            description_zh="机构名录中类型为银行、报告期末在区内注册的机构数。",
            description_en="Organisations of kind bank (银行) registered in the area at the end of the period.",
            inputs=_ENTERPRISES,
            period_rule="cumulative",
            style={"unit": "家", "unit_en": "banks"},
            domain=DOMAIN,
            keywords=("银行",),
        ),
        Indicator(
            id="industry.ai_enterprises",
            title_zh="集聚人工智能企业",
            title_en="Artificial intelligence enterprises",
            unit="家",
            unit_en="enterprises",
            sql=_organisations(
                f"kind = '企业' AND {tag_match('industry_tags', '人工智能')}"
            ),
            description_zh="机构名录中类型为企业、产业标签含“人工智能”、报告期末在区内注册的企业数。",
            description_en="Enterprises registered in the area at the end of the period whose industry tags include 人工智能 (artificial intelligence).",
            inputs=_ENTERPRISES,
            period_rule="cumulative",
            style={"qualifier": "余", "base": 100, **_COUNT},
            domain=DOMAIN,
            keywords=("人工智能企业",),
        ),
    )
)
