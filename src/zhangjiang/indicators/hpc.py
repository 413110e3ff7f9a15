"""Indicators of the supercomputing centre (forms ``hpc-jobs``, ``hpc-systems``,
``hpc-user-organizations``).

The figures come from the SQL in :mod:`zhangjiang.hpc_sql` (for whole-month periods,
the same figures from the rollup of :mod:`~zhangjiang.indicators.hpc_rollup`); this
module adds the
``sources`` (batch ids) every indicator returns and maps the store's column names.
Each figure exists per system (dimension ``system``) and over all systems (an id
without dimension: ``*_total``, or ``hpc.user_organizations``), because distinct users
and organisations over all systems are not the sum of the systems' counts.
"""

from __future__ import annotations

from zhangjiang import hpc_sql
from zhangjiang.indicators import hpc_rollup as rollup
from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import register

__all__: list[str] = []

_START = "CAST($start AS TIMESTAMP)"
_END = "CAST($end AS TIMESTAMP)"
_JOBS = ("hpc-jobs",)
_DOMAIN = "hpc"
_CORE_HOURS_STYLE = {
    "scale": "万",
    "decimals": 2,
    "unit": "核小时",
    "unit_en": "core-hours",
}

# hpc_sql reads hpc_user_organizations(user_name, organization); the form's columns
# are ``user, organization`` (the headers users write), so a CTE renames them.
_ORGS_CTE = (
    'hpc_user_organizations AS (SELECT "user" AS user_name, organization, _batch_id '
    "FROM main.hpc_user_organizations)"
)
# Every job batch that can contribute: jobs running in, or ending in, the period.
_JOB_BATCHES = (
    "job_batches AS (SELECT DISTINCT system, _batch_id FROM hpc_jobs "
    f"WHERE start_time < {_END} AND end_time >= {_START})"
)
_SYSTEM_BATCHES = (
    "SELECT system, _batch_id FROM hpc_systems "
    f"WHERE CAST(valid_from AS TIMESTAMP) < {_END} "
    f"AND (valid_to IS NULL OR CAST(valid_to AS TIMESTAMP) > {_START})"
)
_ORG_BATCHES = (
    "SELECT s.system, o._batch_id FROM (SELECT DISTINCT system FROM job_batches) AS s "
    "CROSS JOIN (SELECT DISTINCT _batch_id FROM hpc_user_organizations) AS o"
)


def _figure_sql(
    figures: str,
    column: str,
    *,
    by_system: bool,
    total: str = "grouped",
    systems: bool = False,
    orgs: bool = False,
    gaps: bool = False,
    job_batches: str = _JOB_BATCHES,
) -> str:
    """Wrap a query of :mod:`hpc_sql` into ``[system,] value, sources`` rows.

    ``total`` says how the all-systems figure is had: ``"grouped"`` (the query's own
    row with ``system`` NULL) or ``"sum"`` (added up over the systems). With
    ``gaps``, a missing total row is a gap (no row), not 0: the user-based figures
    of logs without user names.
    ``job_batches`` is the CTE of the job batches touching the period.
    """
    unions = ["SELECT system, _batch_id FROM job_batches"]
    if systems:
        unions.append(_SYSTEM_BATCHES)
    if orgs:
        unions.append(_ORG_BATCHES)
    ctes = [
        _ORGS_CTE,
        f"figures AS ({figures})",
        job_batches,
        "batch_union AS (" + " UNION ".join(unions) + ")",
        "sources AS (SELECT system, list(DISTINCT _batch_id ORDER BY _batch_id) AS sources "
        "FROM batch_union GROUP BY GROUPING SETS ((system), ()))",
    ]
    head = "WITH " + ",\n".join(ctes) + "\n"
    if by_system:
        return head + (
            f"SELECT f.system, f.{column} AS value, s.sources FROM figures AS f "
            "LEFT JOIN sources AS s ON s.system = f.system "
            "WHERE f.system IS NOT NULL ORDER BY f.system"
        )
    if total == "sum":
        value = f"(SELECT SUM({column}) FROM figures WHERE system IS NOT NULL)"
    else:
        value = f"(SELECT MAX({column}) FROM figures WHERE system IS NULL)"
    if gaps:  # no total row in the figures: a gap, not 0
        return (
            head + f"SELECT {value} AS value, s.sources FROM sources AS s "
            "WHERE s.system IS NULL AND EXISTS (SELECT 1 FROM figures WHERE system IS NULL)"
        )
    return (
        head
        + f"SELECT COALESCE({value}, 0) AS value, s.sources FROM sources AS s WHERE s.system IS NULL"
    )


def _unmapped_sql(ctes: str, jobs: str, active: str, batches: str) -> str:
    """Return SQL for ``hpc.unmapped_users`` over ``jobs`` (aliased ``j``) where ``active``.

    The count comes from the period's job batches (the relation ``batches``) and the
    organisation map, so both are its sources (a zero too: no user is missing from those
    batches); no row without jobs. The plain query reads ``hpc_jobs``, the rollup's its
    ``usage`` rows.
    """
    return f"""
WITH {_ORGS_CTE}, {ctes},
unmapped AS (
  SELECT COUNT(DISTINCT j.user_name) AS n
  FROM {jobs}
  LEFT JOIN hpc_user_organizations AS o ON o.user_name = j.user_name
  WHERE {active} AND o.user_name IS NULL AND j.user_name IS NOT NULL
),
inputs AS (
  SELECT _batch_id FROM {batches}
  UNION SELECT _batch_id FROM hpc_user_organizations
)
SELECT (SELECT n FROM unmapped) AS value,
       list(DISTINCT _batch_id ORDER BY _batch_id) AS sources
FROM inputs
WHERE EXISTS (SELECT 1 FROM {batches})
HAVING count(*) > 0
"""


_UNMAPPED = {
    "sql": _unmapped_sql(
        _JOB_BATCHES,
        "hpc_jobs AS j",
        f"j.start_time < {_END} AND (j.end_time > {_START} OR j.start_time >= {_START})",
        "job_batches",
    ),
    "rollup_sql": _unmapped_sql(
        rollup.usage_cte("active > 0"), "usage AS j", "TRUE", "usage"
    ),
}


def _figures(
    figures: tuple[str, str], column: str, **options: object
) -> dict[str, str]:
    """Return ``sql`` and ``rollup_sql`` wrapping the (plain, rollup) figure queries."""
    plain, summed = figures
    return {
        "sql": _figure_sql(plain, column, **options),  # type: ignore[arg-type]
        "rollup_sql": _figure_sql(
            summed,
            column,
            job_batches=rollup.job_batches_cte(),
            **options,  # type: ignore[arg-type]
        ),
    }


_CORE_HOURS = (hpc_sql.core_hours_sql(), rollup.rollup_core_hours_sql())
_UTILISATION = (
    hpc_sql.utilisation_sql(),
    hpc_sql.utilisation_sql(rollup.rollup_used_sql()),
)
_JOBS_ENDED = (hpc_sql.jobs_ended_sql(), rollup.rollup_jobs_ended_sql())
_ACTIVE_USERS = (hpc_sql.active_users_sql(), rollup.rollup_active_users_sql())
_ACTIVE_ORGS = (
    hpc_sql.active_organizations_sql(),
    rollup.rollup_active_organizations_sql(),
)


def _indicator(
    id_: str,
    title_zh: str,
    title_en: str,
    unit: str,
    unit_en: str,
    sql: dict[str, str],
    description_zh: str,
    description_en: str,
    *,
    by_system: bool,
    inputs: tuple[str, ...] = _JOBS,
    style: dict[str, object] | None = None,
    keywords: tuple[str, ...] = (),
    monthly: bool = False,
) -> Indicator:
    return Indicator(
        id=id_,
        title_zh=title_zh,
        title_en=title_en,
        unit=unit,
        unit_en=unit_en,
        sql=sql["sql"],
        rollup_sql=sql["rollup_sql"],
        rollup_ready=rollup.READY_SQL,
        description_zh=description_zh,
        description_en=description_en,
        inputs=inputs,
        dimensions=("system",) if by_system else (),
        style=style or {"unit": unit},
        domain=_DOMAIN,
        keywords=keywords,
        monthly=monthly,
    )


_CORE_HOURS_ZH = (
    "核数 × 作业在报告期内运行的小时数之和；跨月、跨年作业按重叠时长拆分。"
    "运行时长一律为结束时间 − 开始时间（PBS/Torque 亦然，不用 resources_used.walltime，"
    "两者相差超过 1 分钟的作业在导入时计数告警）；LSF 核数为执行主机列出的处理器数"
    "（不少于 numProcessors）；Slurm 为 NCPUS，jobcomp 日志为 ProcCnt。"
)
_CORE_HOURS_EN = (
    "Sum of cores × hours each job ran inside the period; jobs crossing a month or "
    "year boundary count for their overlap. Run time is always end − start (for "
    "PBS/Torque too, not resources_used.walltime; jobs where the two differ by more "
    "than a minute are counted in a warning at ingest). Cores: Slurm NCPUS, jobcomp "
    "ProcCnt, LSF the processors of the execution-host list (never fewer than "
    "numProcessors)."
)
_JOBS_ZH = "结束时间在报告期内的作业数；同一作业号的重排队运行计一次。"
_JOBS_EN = (
    "Jobs whose end time falls in the period; the runs of a requeued job count once."
)
_USERS_ZH = (
    "在报告期内有作业运行的不同用户数（同名用户在多个系统中计一次）。"
    "作业日志不含用户字段的系统无此值（数据缺口，而非 0）。"
)
_USERS_EN = (
    "Distinct users with a job running in the period (a user of several systems "
    "counts once). A system whose job log has no user field has no value (a gap, "
    "not 0)."
)
_ORGS_ZH = (
    "在报告期内有作业运行的用户所属的不同单位数；未在“超算用户所属单位”中登记的用户"
    "按作业账户计为一家单位（见 hpc.unmapped_users）。作业日志不含用户字段的系统无此值（数据缺口）。"
)
_ORGS_EN = (
    "Distinct organisations of the users with a job running in the period; a user missing "
    "from hpc-user-organizations counts under the job's account (see hpc.unmapped_users). "
    "A system whose job log has no user field has no value (a gap)."
)
_ORG_INPUTS = ("hpc-jobs", "hpc-user-organizations")

register(
    _indicator(
        "hpc.core_hours",
        "超算机时",
        "HPC core-hours",
        "核小时",
        "core-hours",
        _figures(_CORE_HOURS, "core_hours", by_system=True),
        _CORE_HOURS_ZH,
        _CORE_HOURS_EN,
        by_system=True,
        style=_CORE_HOURS_STYLE,
        keywords=("机时", "核时"),
        monthly=True,
    ),
    _indicator(
        "hpc.core_hours_total",
        "超算机时（全部系统）",
        "HPC core-hours, all systems",
        "核小时",
        "core-hours",
        _figures(_CORE_HOURS, "core_hours", by_system=False, total="sum"),
        _CORE_HOURS_ZH,
        _CORE_HOURS_EN,
        by_system=False,
        style=_CORE_HOURS_STYLE,
        keywords=("机时", "核时"),
        monthly=True,
    ),
    _indicator(
        "hpc.cpu_utilization",
        "全系统月均CPU使用率",
        "CPU utilisation (mean of months)",
        "%",
        "%",
        _figures(_UTILISATION, "utilisation_pct", by_system=True, systems=True),
        "每月已用核时 ÷（当月可用核数 × 当月小时数），可用核数按有效期折算；"
        "年度值为在役各月的平均，单位 %。",
        "Each month's core-hours used over the cores available × hours in the month "
        "(capacity pro-rated by valid_from/valid_to); the year's figure is the mean of "
        "the months in service, in %.",
        by_system=True,
        inputs=("hpc-jobs", "hpc-systems"),
        style={"percent": True, "decimals": 2},
        keywords=("使用率", "利用率"),
        monthly=True,
    ),
    _indicator(
        "hpc.jobs",
        "完成作业数",
        "Jobs completed",
        "个",
        "jobs",
        _figures(_JOBS_ENDED, "jobs_ended", by_system=True),
        _JOBS_ZH,
        _JOBS_EN,
        by_system=True,
        keywords=("作业",),
    ),
    _indicator(
        "hpc.jobs_total",
        "完成作业数（全部系统）",
        "Jobs completed, all systems",
        "个",
        "jobs",
        _figures(_JOBS_ENDED, "jobs_ended", by_system=False),
        _JOBS_ZH,
        _JOBS_EN,
        by_system=False,
        keywords=("作业",),
    ),
    _indicator(
        "hpc.users",
        "活跃用户数",
        "Active users",
        "人",
        "users",
        _figures(_ACTIVE_USERS, "active_users", by_system=True),
        _USERS_ZH,
        _USERS_EN,
        by_system=True,
        keywords=("用户",),
    ),
    _indicator(
        "hpc.users_total",
        "活跃用户数（全部系统）",
        "Active users, all systems",
        "人",
        "users",
        _figures(_ACTIVE_USERS, "active_users", by_system=False, gaps=True),
        _USERS_ZH,
        _USERS_EN,
        by_system=False,
        keywords=("用户",),
    ),
    _indicator(
        "hpc.user_organizations",
        "服务用户单位数",
        "Organisations served",
        "家",
        "organisations",
        _figures(
            _ACTIVE_ORGS,
            "active_organizations",
            by_system=False,
            orgs=True,
            gaps=True,
        ),
        _ORGS_ZH,
        _ORGS_EN,
        by_system=False,
        inputs=_ORG_INPUTS,
        keywords=("服务用户",),
    ),
    _indicator(
        "hpc.user_organizations_by_system",
        "服务用户单位数（分系统）",
        "Organisations served, by system",
        "家",
        "organisations",
        _figures(_ACTIVE_ORGS, "active_organizations", by_system=True, orgs=True),
        _ORGS_ZH,
        _ORGS_EN,
        by_system=True,
        inputs=_ORG_INPUTS,
        keywords=("服务用户",),
    ),
    _indicator(
        "hpc.unmapped_users",
        "未对应单位的超算用户数",
        "HPC users without organisation",
        "人",
        "users",
        _UNMAPPED,
        "报告期内有作业、但不在“超算用户所属单位”中的用户数；大于 0 时服务单位数按账户计，"
        "应补全对应表。",
        "Users with a job in the period who are missing from hpc-user-organizations; when "
        "above 0 the organisations served fall back to job accounts and the map should be "
        "completed.",
        by_system=False,
        inputs=_ORG_INPUTS,
    ),
)
