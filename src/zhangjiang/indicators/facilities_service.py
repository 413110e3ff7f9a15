"""Indicators of the facilities' user service: 机时, 单位, 科研团队, 课题 and 人次.

A proposal (课题) is served in a year when at least one of its delivered sessions
overlaps the year; its team and institution are then served too.
"""

from zhangjiang.indicators.facilities_catalog import facility_indicator
from zhangjiang.indicators.registry import register

# Proposals served in the period, each row tagged once with the proposal's batch and
# once with the session's batch, so that ``sources`` lists both.
_SERVED = """
    served AS (
        SELECT p.facility, p.proposal_id, p.team_id, p.institution,
               p._batch_id AS proposal_batch, s._batch_id AS session_batch
        FROM user_proposals p
        JOIN user_sessions s ON s.facility = p.facility AND s.proposal_id = p.proposal_id
        WHERE s.delivered AND s.end_time > s.start_time
          AND s.start_time < CAST($end AS TIMESTAMP) AND s.end_time > CAST($start AS TIMESTAMP)
    ),
    tagged AS (
        SELECT facility, proposal_id, team_id, institution, proposal_batch AS b FROM served
        UNION ALL
        SELECT facility, proposal_id, team_id, institution, session_batch AS b FROM served
    )
"""

register(
    facility_indicator(
        id="facility.beam_hours",
        title_zh="为用户提供实验机时",
        title_en="Beam hours delivered to users",
        unit="小时",
        unit_en="hours",
        sql="""
            SELECT facility,
                   sum(epoch(least(end_time, CAST($end AS TIMESTAMP)))
                       - epoch(greatest(start_time, CAST($start AS TIMESTAMP)))) / 3600 AS value,
                   list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM user_sessions
            WHERE delivered AND end_time > start_time
              AND start_time < CAST($end AS TIMESTAMP) AND end_time > CAST($start AS TIMESTAMP)
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内实际提供给用户的实验机时（小时）：只计“是否提供”为“是”的机时段；跨年的机时段按与本年重叠的时长计入。",
        description_en="Hours of delivered user sessions in the year; sessions not delivered are left out, and a session crossing the new year counts only its hours inside the year.",
        inputs=("user-sessions",),
        period_rule="year",
        style={"unit": "小时"},
        keywords=("实验机时", "机时"),
        monthly=True,
    ),
    facility_indicator(
        id="facility.projects",
        title_zh="服务课题数",
        title_en="Proposals served",
        unit="项",
        unit_en="proposals",
        sql=f"""
            WITH {_SERVED}
            SELECT facility, count(DISTINCT proposal_id) AS value,
                   list(DISTINCT b ORDER BY b) AS sources
            FROM tagged GROUP BY facility ORDER BY facility
        """,
        description_zh="年内至少有一段实际提供的机时的用户课题数。",
        description_en="User proposals with at least one delivered session in the year.",
        inputs=("user-proposals", "user-sessions"),
        period_rule="year",
        style={"unit": "项"},
        keywords=("课题",),
    ),
    facility_indicator(
        id="facility.teams",
        title_zh="服务科研团队数",
        title_en="Research teams served",
        unit="个",
        unit_en="teams",
        sql=f"""
            WITH {_SERVED}
            SELECT facility, count(DISTINCT team_id) AS value,
                   list(DISTINCT b ORDER BY b) AS sources
            FROM tagged GROUP BY facility ORDER BY facility
        """,
        description_zh="年内获得服务的课题所属科研团队数，按团队编号去重。",
        description_en="Research teams of the proposals served in the year, each team id counted once.",
        inputs=("user-proposals", "user-sessions"),
        period_rule="year",
        style={"unit": "个"},
        keywords=("科研团队",),
    ),
    facility_indicator(
        id="facility.institutions",
        title_zh="服务单位数",
        title_en="Institutions served",
        unit="家",
        unit_en="institutions",
        sql=f"""
            WITH {_SERVED},
            names AS (
                SELECT facility, institution, b FROM tagged
                UNION ALL
                SELECT facility, institution, _batch_id AS b FROM user_visits
                WHERE arrival_date >= $start AND arrival_date < $end
            ),
            resolved AS (
                SELECT n.facility, coalesce(trim(a.canonical), trim(n.institution)) AS name,
                       n.b, a._batch_id AS alias_batch
                FROM names n
                LEFT JOIN institution_aliases a ON lower(trim(a.alias)) = lower(trim(n.institution))
            ),
            ids AS (
                SELECT facility, name, b FROM resolved
                UNION ALL
                SELECT facility, name, alias_batch AS b FROM resolved WHERE alias_batch IS NOT NULL
            )
            SELECT facility, count(DISTINCT name) AS value, list(DISTINCT b ORDER BY b) AS sources
            FROM ids GROUP BY facility ORDER BY facility
        """,
        description_zh="年内获得服务的课题的依托单位与年内到访用户的所在单位，按“单位别名”表换成规范名称后去重计数（同一单位的不同写法只计一次）。",
        description_en="Institutions of the proposals served and of the users who visited in the year, counted once per canonical name after mapping spellings through the institution-aliases form.",
        inputs=(
            "user-proposals",
            "user-sessions",
            "user-visits",
            "institution-aliases",
        ),
        period_rule="year",
        style={"unit": "家"},
        keywords=("单位",),
    ),
    facility_indicator(
        id="facility.user_visits",
        title_zh="服务用户人次",
        title_en="User visits",
        unit="人次",
        unit_en="person-visits",
        sql="""
            SELECT facility, count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
            FROM user_visits
            WHERE arrival_date >= $start AND arrival_date < $end
            GROUP BY facility ORDER BY facility
        """,
        description_zh="年内用户到访设施的人次：每人每次到访计1人次，同一人到访两次计2人次。",
        description_en="Person-visits to the facility in the year: every visit counts, so one person visiting twice counts two.",
        inputs=("user-visits",),
        period_rule="year",
        style={"unit": "人次"},
        keywords=("服务用户", "人次"),
    ),
)
