"""Indicators of the "五个一批" construction programme (form ``projects``)."""

from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register

_AS_OF = "cumulative"

register(
    Indicator(
        id="projects.count",
        title_zh="“五个一批”项目数",
        title_en='"Five batches" projects',
        unit="个",
        unit_en="projects",
        sql="""
            SELECT round, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM projects GROUP BY round ORDER BY round
        """,
        description_zh="每一轮登记的项目数。",
        description_en="Projects registered in each round.",
        inputs=("projects",),
        dimensions=("round",),
        period_rule=_AS_OF,
        domain="science_city",
        keywords=("项目",),
    ),
    Indicator(
        id="projects.started",
        title_zh="“五个一批”已开工项目数",
        title_en='"Five batches" projects started',
        unit="个",
        unit_en="projects",
        sql="""
            SELECT round, count(*) FILTER (WHERE actual_start < $end) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM projects GROUP BY round ORDER BY round
        """,
        description_zh="实际开工日期在报告期末之前的项目数；等于项目数即“全面开工”。",
        description_en="Projects whose actual start is before the end of the period; equal to the round's count means every project has started.",
        inputs=("projects",),
        dimensions=("round",),
        period_rule=_AS_OF,
        domain="science_city",
        keywords=("开工",),
    ),
    Indicator(
        id="projects.completed",
        title_zh="“五个一批”已完工项目数",
        title_en='"Five batches" projects completed',
        unit="个",
        unit_en="projects",
        sql="""
            SELECT round, count(*) FILTER (WHERE actual_completion < $end) AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM projects GROUP BY round ORDER BY round
        """,
        description_zh="实际完工日期在报告期末之前的项目数。",
        description_en="Projects whose actual completion is before the end of the period.",
        inputs=("projects",),
        dimensions=("round",),
        period_rule=_AS_OF,
        domain="science_city",
        keywords=("完工",),
    ),
    Indicator(
        id="projects.incomplete",
        title_zh="“五个一批”未完工项目",
        title_en='"Five batches" projects not completed',
        unit="个",
        unit_en="projects",
        sql="""
            SELECT round, coalesce(short_name, name) AS project, 1 AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM projects
            WHERE actual_completion IS NULL OR actual_completion >= $end
            GROUP BY round, coalesce(short_name, name) ORDER BY round, project
        """,
        description_zh="报告期末尚未完工的项目，逐个列出（报告据此写“除……外均已完工”）。",
        description_en="Each project not completed by the end of the period (the report names them as the exceptions).",
        inputs=("projects",),
        dimensions=("round", "project"),
        period_rule=_AS_OF,
        domain="science_city",
    ),
)
