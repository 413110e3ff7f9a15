"""Demo user service of a facility (synthetic): proposals, sessions, visits, aliases.

The plan is built from a ServiceTarget per year so that the indicators reproduce it:
proposal i of the year belongs to team ``i % teams`` and team t to institution
``t % institutions``, so every team and institution is served. Each institution is
written two or three ways, and a session crosses into 2022 and one out of it, to
exercise the rules. Each year (2020 to 2022) has its own targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from zhangjiang.demo import DemoFile
from zhangjiang.demo.facilities_records import write_csv

__all__ = [
    "ServiceTarget",
    "institution_spellings",
    "plan_service",
    "write_aliases",
    "write_service",
]

_KINDS = (
    ("示例大学", "Demo University"),
    ("示例研究所", "Demo Institute"),
    ("示例医院", "Demo Hospital"),
    ("示例公司", "Demo Company"),
)
_BEAMLINES = {
    "ssrf": tuple(f"BL{n:02d}U" for n in range(1, 17)),
    "protein": tuple(f"PS{n:02d}" for n in range(1, 15)),
}
_DURATIONS = {"ssrf": (8, 8, 12, 8, 16, 24, 8, 12), "protein": (24, 48, 12, 24, 36, 24)}
# Distinct visitors a year; the remaining visits are second visits of the first ones.
_VISITORS = {
    "ssrf": {2022: 3000, 2021: 2900, 2020: 2450},
    "protein": {2022: 8000, 2021: 7700, 2020: 6500},
}
# Disjoint ranges of person ids by facility and year.
_PERSON_BASE = {"ssrf": 0, "protein": 20000}
_PERSON_OFFSET = {2022: 0, 2021: 10000, 2020: 40000}
# Institutions of an earlier year start at this index (2022's start at 0, and the
# session crossing into 2022 adds institution 0 to 2021); those of the proposals that
# were never served come after every served one.
_INST_FIRST = {2021: 40, 2020: 80}
_INST_UNSERVED = {"ssrf": 400, "protein": 420}
_UNSERVED_PROPOSALS = 5
_GAP = timedelta(hours=2)
# The session that crosses into the year (4 h before, 8 h after midnight) and the one
# that crosses out of it (6 h before, 6 h after).
_CROSS_IN = (datetime(2021, 12, 31, 20), datetime(2022, 1, 1, 8))
_CROSS_OUT = (datetime(2022, 12, 31, 18), datetime(2023, 1, 1, 6))


@dataclass(frozen=True)
class ServiceTarget:
    """The figures one year of user service must produce."""

    hours: int
    institutions: int
    teams: int
    projects: int
    visits: int


@dataclass
class ServicePlan:
    """Every row of a facility's user service, before it is written."""

    proposals: list[tuple[str, str, int, int, date]] = field(default_factory=list)
    sessions: dict[int, list[tuple[str, str, datetime, datetime, bool]]] = field(
        default_factory=dict
    )
    visits: dict[int, list[tuple[str, int, int, date, str]]] = field(
        default_factory=dict
    )

    def institutions(self) -> set[int]:
        """Return the index of every institution the plan names."""
        return {p[2] for p in self.proposals} | {
            v[1] for rows in self.visits.values() for v in rows
        }


def institution_spellings(index: int) -> tuple[str, ...]:
    """Return the canonical name of demo institution ``index`` and its other spellings."""
    zh, en = _KINDS[index % len(_KINDS)]
    canonical = f"{zh}{index:03d}（合成）"
    spellings = (canonical, f"{zh}{index:03d}(合成)")
    return (
        (*spellings, f"{en} {index:03d} (synthetic)") if index % 2 == 0 else spellings
    )


def plan_service(facility: str, targets: dict[int, ServiceTarget]) -> ServicePlan:
    """Build the proposals, sessions and visits that reproduce ``targets`` (2020-2022)."""
    plan = ServicePlan()
    now = targets[2022]
    code = facility.upper()
    lines = _BEAMLINES[facility]
    # 2022: proposal i -> team i % teams -> institution team % institutions.
    ids = [f"{code}-2022-{i + 1:04d}" for i in range(now.projects)]
    for i, pid in enumerate(ids):
        team = i % now.teams
        plan.proposals.append(
            (
                pid,
                f"{code}-T{team + 1:04d}",
                team % now.institutions,
                i,
                date(2021, 11, 1) + timedelta(days=i % 60),
            )
        )
    # Earlier years: proposal i -> the year's own team i % teams -> institution
    # _INST_FIRST + team % institutions, so institutions recur from year to year. 2021
    # has one proposal, team and institution fewer: the session crossing into 2022
    # serves 2022's first.
    earlier: dict[int, list[str]] = {}
    first_team = now.teams
    for year in sorted((y for y in targets if y < 2022), reverse=True):
        target, crossing = targets[year], int(year == 2021)
        teams, institutions = target.teams - crossing, target.institutions - crossing
        earlier[year] = [
            f"{code}-{year}-{i + 1:04d}" for i in range(target.projects - crossing)
        ]
        for i, pid in enumerate(earlier[year]):
            plan.proposals.append(
                (
                    pid,
                    f"{code}-T{first_team + i % teams + 1:04d}",
                    _INST_FIRST[year] + i % teams % institutions,
                    i,
                    date(year - 1, 11, 1) + timedelta(days=i % 60),
                )
            )
        plan.sessions[year] = _schedule(
            lines,
            earlier[year],
            target.hours - 4 * crossing,
            _DURATIONS[facility],
            datetime(year, 1, 4, 8),
            _CROSS_IN[0] if crossing else datetime(year, 12, 31, 20),
        )
        plan.visits[year] = _visits(
            year,
            target.visits,
            _VISITORS[facility][year],
            _PERSON_BASE[facility] + _PERSON_OFFSET[year],
            earlier[year],
            lambda i, y=year, t=teams, n=institutions: _INST_FIRST[y] + i % t % n,
        )
        first_team += teams
    # Proposals whose only session was not delivered: never served.
    unserved = [f"{code}-2022-X{i + 1:02d}" for i in range(_UNSERVED_PROPOSALS)]
    for i, pid in enumerate(unserved):
        plan.proposals.append(
            (
                pid,
                f"{code}-TX{i + 1:02d}",
                _INST_UNSERVED[facility] + i,
                0,
                date(2022, 3, 1),
            )
        )
    plan.sessions[2021].insert(0, (lines[0], ids[0], *_CROSS_IN, True))
    sessions_2022 = _schedule(
        lines,
        ids,
        now.hours - 8 - 6,
        _DURATIONS[facility],
        _CROSS_IN[1] + _GAP,
        _CROSS_OUT[0],
    )
    sessions_2022.append((lines[1], ids[1], *_CROSS_OUT, True))
    for i, pid in enumerate(unserved):
        start = datetime(2022, 12, 20 + i, 8)
        sessions_2022.append((lines[-1], pid, start, start + timedelta(hours=8), False))
    plan.sessions[2022] = sessions_2022
    plan.visits[2022] = _visits(
        2022,
        now.visits,
        _VISITORS[facility][2022],
        _PERSON_BASE[facility],
        ids,
        lambda t: t % now.teams % now.institutions,
    )
    return plan


def write_service(
    out_dir: Path, facility: str, targets: dict[int, ServiceTarget]
) -> list[DemoFile]:
    """Write a facility's proposals, sessions (one file a year) and visits (one a year)."""
    plan = plan_service(facility, targets)
    files = [
        write_csv(
            out_dir / f"user_proposals_{facility}.csv",
            "user-proposals",
            [
                "设施编号",
                "课题编号",
                "科研团队编号",
                "依托单位",
                "课题名称",
                "批准日期",
            ],
            [
                [
                    facility,
                    pid,
                    team,
                    _spelling(inst, n),
                    f"示例课题{pid}（合成）",
                    approved,
                ]
                for pid, team, inst, n, approved in plan.proposals
            ],
        )
    ]
    for year, rows in sorted(plan.sessions.items()):
        files.append(
            write_csv(
                out_dir / f"user_sessions_{facility}_{year}.csv",
                "user-sessions",
                ["设施编号", "课题编号", "线站", "开始时间", "结束时间", "是否提供"],
                [
                    [
                        facility,
                        pid,
                        line,
                        f"{start:%Y-%m-%d %H:%M}",
                        f"{end:%Y-%m-%d %H:%M}",
                        "是" if done else "否",
                    ]
                    for line, pid, start, end, done in rows
                ],
                period=str(year),
            )
        )
    for year, visits in sorted(plan.visits.items()):
        files.append(
            write_csv(
                out_dir / f"user_visits_{facility}_{year}.csv",
                "user-visits",
                ["设施编号", "用户编号", "所在单位", "到访日期", "课题编号"],
                [
                    [facility, person, _spelling(inst, n), day, pid]
                    for person, inst, n, day, pid in visits
                ],
            )
        )
    return files


def write_aliases(
    out_dir: Path, service: dict[str, dict[int, ServiceTarget]]
) -> DemoFile:
    """Write the alias table of every demo institution named by the service plans."""
    used: set[int] = set()
    for facility, targets in service.items():
        used |= plan_service(facility, targets).institutions()
    rows = []
    for index in sorted(used):
        canonical, *others = institution_spellings(index)
        rows += [[alias, canonical] for alias in others]
    return write_csv(
        out_dir / "institution_aliases.csv",
        "institution-aliases",
        ["别名", "规范名称"],
        rows,
    )


def _schedule(
    lines: tuple[str, ...],
    proposals: list[str],
    hours: int,
    durations: tuple[int, ...],
    start: datetime,
    limit: datetime,
) -> list[tuple[str, str, datetime, datetime, bool]]:
    """Lay sessions back to back on the beamlines until ``hours`` are delivered."""
    cursor = dict.fromkeys(lines, start)
    rows = []
    remaining, i = hours, 0
    while remaining > 0:
        line = lines[i % len(lines)]
        pid = proposals[i % len(proposals)]
        if i % 37 == 36:  # a cancelled session (not delivered) now and then
            rows.append(
                (line, pid, cursor[line], cursor[line] + timedelta(hours=8), False)
            )
            cursor[line] += timedelta(hours=8) + _GAP
        length = min(durations[i % len(durations)], remaining)
        rows.append(
            (line, pid, cursor[line], cursor[line] + timedelta(hours=length), True)
        )
        cursor[line] += timedelta(hours=length) + _GAP
        remaining -= length
        i += 1
    if i < len(proposals):
        raise ValueError(f"{hours} hours cannot serve {len(proposals)} proposals")
    if max(cursor.values()) > limit:
        raise ValueError(f"sessions overrun {limit}; add beamlines")
    return rows


def _visits(
    year: int,
    visits: int,
    visitors: int,
    person_base: int,
    proposals: list[str],
    institution_of: Callable[[int], int],
) -> list[tuple[str, int, int, date, str]]:
    """Return ``visits`` visits by ``visitors`` people; person p is in the team of proposal p."""
    rows = []
    for n in range(visits):
        person = n if n < visitors else n - visitors
        team = person % len(proposals)
        first_day = (person * 37) % 365
        day = first_day if n < visitors else (first_day + 100 + person % 50) % 365
        rows.append(
            (
                f"DEMO-U{person_base + person + 1:05d}",
                institution_of(team),
                person,
                date(year, 1, 1) + timedelta(days=day),
                proposals[team],
            )
        )
    return rows


def _spelling(index: int, n: int) -> str:
    spellings = institution_spellings(index)
    return spellings[n % len(spellings)]
