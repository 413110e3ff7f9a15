"""Indicators of papers using the facilities: all, CNS, and SCI papers by publication year.

A paper is identified by its key (``paper``: the normalised DOI, else the normalised
title, year and first author, or the key of the record it was merged with in another
loaded list), so the same paper in two loaded lists of one facility counts once. Rows
stored before the key existed fall back to the DOI, else the lower-case title.
"""

from zhangjiang.indicators.facilities_catalog import facility_indicator
from zhangjiang.indicators.registry import register

register(
    facility_indicator(
        id="facility.papers",
        title_zh="依托设施发表论文数",
        title_en="Papers using the facility",
        unit="篇",
        unit_en="papers",
        sql="""
            SELECT facility, count(DISTINCT coalesce(paper, doi, lower(title))) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM publications
            WHERE year = $year
            GROUP BY facility ORDER BY facility
        """,
        description_zh="发表年份为报告年度的依托设施论文数，按规范化 DOI 去重（无 DOI 的按题名、年份与第一作者）。",
        description_en="Papers using the facility published in the year, counted once per normalised DOI (per title, year and first author when there is none).",
        inputs=("publications",),
        period_rule="year",
        style={"unit": "篇"},
        keywords=("发表论文", "论文"),
    ),
    facility_indicator(
        id="facility.papers_cns",
        title_zh="在《自然》《科学》《细胞》三大期刊发表论文数",
        title_en="Papers in Nature, Science and Cell",
        unit="篇",
        unit_en="papers",
        sql="""
            SELECT facility,
                   count(DISTINCT CASE WHEN is_cns THEN coalesce(paper, doi, lower(title)) END) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM publications
            WHERE year = $year
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内依托设施论文中发表在《自然》《科学》《细胞》三本主刊的篇数（按 ISSN 判定，子刊如 Nature Communications、Cell Reports 不计）。",
        description_en="Papers of the year in the three main journals Nature, Science and Cell, decided by ISSN; sister journals such as Nature Communications or Cell Reports do not count.",
        inputs=("publications",),
        period_rule="year",
        style={"unit": "篇"},
        keywords=("三大期刊", "《自然》《科学》《细胞》"),
    ),
    facility_indicator(
        id="facility.papers_sci",
        title_zh="发表SCI论文数",
        title_en="SCI papers",
        unit="篇",
        unit_en="papers",
        sql="""
            WITH sci AS (
                SELECT upper(replace(trim(issn), '-', '')) AS issn_key, _batch_id FROM sci_journals
                UNION ALL
                SELECT upper(replace(trim(eissn), '-', '')) AS issn_key, _batch_id FROM sci_journals
                WHERE eissn IS NOT NULL
            ),
            tagged AS (
                SELECT p.facility,
                       CASE WHEN s.issn_key IS NOT NULL THEN coalesce(p.paper, p.doi, lower(p.title)) END AS paper,
                       p._batch_id AS paper_batch, s._batch_id AS list_batch
                FROM publications p
                LEFT JOIN sci s ON s.issn_key = replace(p.issn, '-', '') OR s.issn_key = replace(p.issn2, '-', '')
                WHERE p.year = $year
            ),
            ids AS (
                SELECT facility, paper, paper_batch AS b FROM tagged
                UNION ALL
                SELECT facility, paper, list_batch AS b FROM tagged WHERE list_batch IS NOT NULL
            )
            SELECT facility, count(DISTINCT paper) AS value, list(DISTINCT b ORDER BY b) AS sources
            FROM ids GROUP BY facility ORDER BY facility
        """,
        description_zh="年内依托设施论文中，期刊 ISSN 在“SCI收录期刊”清单中的篇数（清单为数据，可随时更新）。",
        description_en="Papers of the year whose journal ISSN is in the SCI journal list (the list is data and can be updated).",
        inputs=("publications", "sci-journals"),
        period_rule="year",
        style={"qualifier": "余", "base": 10, "unit": "篇"},
        keywords=("SCI论文",),
    ),
)
