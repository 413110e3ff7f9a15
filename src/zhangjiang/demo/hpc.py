"""Demo job logs of two supercomputers (synthetic), 2020 to 2022, from the 2022 figures.

The generator works backwards from the seed's figures: each month gets a target of
core-seconds (a seasonal shape around the year's utilisation, solved so that 2022's
core-hours come out exact; 2020 and 2021 follow the shape around a lower, invented
utilisation), random jobs fill about 85% of it, some crossing month boundaries and one
per system crossing each new year (2020→2021, 2021→2022), and filler jobs inside each
month make up the rest to the second. Other random jobs end within their year. A
system's log is written one file a month, as the centre sends it: a job goes in the
file of the month it ends in. Everything is labelled synthetic: the logs are named
``*_synthetic.log`` (sacct output has no comment line), users are ``demo_u0001``,
accounts ``demo_acct`` and organisations ``示例单位0001（合成）``.
"""

from __future__ import annotations

import bisect
import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from zhangjiang.demo import DemoFile, register_generator

__all__ = ["SYSTEMS", "TARGET_ORGANIZATIONS", "SystemTarget", "generate"]


@dataclass(frozen=True)
class SystemTarget:
    """The 2022 figures one system must produce, how it is built, earlier years' use."""

    name: str
    file_stem: str
    core_hours: int  # hpc.core_hours for 2022
    utilization: float  # hpc.cpu_utilization for 2022, as a fraction
    capacity: tuple[tuple[int, date, date | None], ...]  # cores, valid_from, valid_to
    cores_per_node: int
    job_cores: tuple[int, ...]  # core counts random jobs draw from
    earlier: tuple[tuple[int, float], ...] = ()  # (year, utilisation) before 2022


SYSTEMS = (
    SystemTarget("魔方II", "mofang2", 36_924_600, 0.47,
                 ((8960, date(2019, 1, 1), None),), 32, (1, 4, 8, 16, 32, 64, 128),
                 ((2020, 0.412), (2021, 0.446))),
    SystemTarget("魔方III", "mofang3", 190_233_300, 0.8415,
                 ((24576, date(2020, 1, 1), date(2022, 7, 1)), (27000, date(2022, 7, 1), None)),
                 64, (16, 32, 64, 128, 256, 512), ((2020, 0.728), (2021, 0.793))),
)  # fmt: skip
TARGET_ORGANIZATIONS = 1745  # hpc.user_organizations for 2022, over both systems
YEAR = 2022
JOBS_PER_SYSTEM = 50_000  # random jobs at scale 1; fillers come on top
# Random jobs of the earlier years at scale 1, about 10% fewer a year back.
EARLIER_JOBS_PER_SYSTEM = {2020: 40_000, 2021: 45_000}
EARLIER_SEASON = 0.5  # amplitude of SEASON around an earlier year's utilisation
EARLIER_SEED = 20200101
# Users 0 .. FIRST_USER[year]-1 had not started yet: fewer users and organisations.
FIRST_USER = {2020: 420, 2021: 190}
USERS = 2400
# Users and organisations active only in 2021: counted in no 2022 figure.
USERS_2021_ONLY = 30
ORGANIZATIONS_2021_ONLY = 20
# Relative load by month: the Spring Festival dip in February, a busier summer.
SEASON = (-0.02, -0.10, 0.0, 0.01, 0.02, 0.03, 0.02, 0.03, 0.02, 0.0, 0.0, -0.01)
RANDOM_SHARE = 0.85  # of a month's target filled by random jobs; fillers do the rest
FILLER_CORES = 128
FILLER_SECONDS = 36 * 3600
MAX_JOB_SECONDS = 7 * 86400
STATES = ("COMPLETED",) * 16 + ("FAILED", "TIMEOUT", "CANCELLED by 0")
_EPOCH = datetime(2021, 1, 1)


def generate(out_dir: Path, scale: int = 1) -> list[DemoFile]:
    """Write the systems register, the user map and a Slurm log per system and month."""
    rng = random.Random(20220101)
    systems = out_dir / "hpc_systems_synthetic.csv"
    with systems.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["system", "cores", "valid_from", "valid_to"])
        for target in SYSTEMS:
            for cores, start, end in target.capacity:
                writer.writerow(
                    [
                        target.name,
                        cores,
                        start.isoformat(),
                        end.isoformat() if end else "",
                    ]
                )
    users = out_dir / "hpc_user_organizations_synthetic.csv"
    with users.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user", "organization"])
        writer.writerows(
            [_user(i), _organization(i, rng)] for i in range(USERS + USERS_2021_ONLY)
        )
    files = [
        DemoFile("hpc-systems", systems),
        DemoFile("hpc-user-organizations", users),
    ]
    # 2022 (with December 2021) first, drawn from ``rng`` as before; then the earlier
    # years from their own generator.
    jobs = [_jobs(target, index, scale, rng) for index, target in enumerate(SYSTEMS)]
    early = random.Random(EARLIER_SEED)
    for index, target in enumerate(SYSTEMS):
        jobs[index] = _earlier_jobs(target, index, scale, jobs[index], early)
    months = [date(y, m, 1) for y in range(2020, YEAR + 1) for m in range(1, 13)]
    ends = [_seconds(m) for m in months[1:]] + [_seconds(date(YEAR + 1, 1, 1))]
    by_month = [_by_month(system_jobs, ends) for system_jobs in jobs]
    for number, month in enumerate(months):  # in order, both systems each month
        for target, logs in zip(SYSTEMS, by_month, strict=True):
            path = out_dir / f"{target.file_stem}_{month:%Y-%m}_synthetic.log"
            _write_sacct(path, target, logs[number])
            options = {
                "system": target.name,
                "log_format": "slurm",
                "period": f"{month:%Y-%m}",
            }
            files.append(DemoFile("hpc-jobs", path, options))
    return files


def monthly_targets(target: SystemTarget, year: int = YEAR) -> list[int]:
    """Return the core-seconds each month of ``year`` must use.

    2022's sum to the target core-hours; an earlier year's ratios follow the season
    around that year's utilisation.
    """
    capacity = [_capacity_hours(target, year, m) for m in range(1, 13)]
    mean = sum(SEASON) / 12
    shape = [s - mean for s in SEASON]
    if year == YEAR:
        u = target.utilization
        # Ratios u + b·shape average to u; b makes the year's core-hours exact.
        b = (target.core_hours - u * sum(capacity)) / sum(
            s * c for s, c in zip(shape, capacity, strict=True)
        )
    else:
        u, b = dict(target.earlier)[year], EARLIER_SEASON
    return [round((u + b * s) * c * 3600) for s, c in zip(shape, capacity, strict=True)]


# A job: (job id, user index, cores, start second, end second), seconds since _EPOCH.
Job = tuple[int, int, int, int, int]


def _jobs(
    target: SystemTarget, index: int, scale: int, rng: random.Random
) -> list[Job]:
    """Return the jobs of one system: random ones, boundary crossers and fillers."""
    bounds = _bounds(YEAR)
    targets = monthly_targets(target)
    own = range(index * USERS // len(SYSTEMS), (index + 1) * USERS // len(SYSTEMS))
    jobs: list[Job] = []
    # December 2021: a few jobs, one of them crossing into 2022, and the 2021-only users.
    dec = _seconds(date(YEAR - 1, 12, 1))
    for k in range(200 * scale):
        user = (
            USERS + k % USERS_2021_ONLY if k < USERS_2021_ONLY else rng.randrange(USERS)
        )
        start = rng.randrange(dec, bounds[0] - 86400)
        jobs.append(
            (
                0,
                user,
                rng.choice(target.job_cores),
                start,
                start + rng.randrange(600, 86400),
            )
        )
    jobs.append((0, own[0], 256, bounds[0] - 6 * 3600, bounds[0] + 6 * 3600))
    jobs += _random_jobs(target, JOBS_PER_SYSTEM * scale, targets, bounds, rng)
    # Every user of this system runs at least one 2022 job.
    year_jobs = [i for i, j in enumerate(jobs) if j[4] > bounds[0]]
    for user, i in zip(own, rng.sample(year_jobs, len(own)), strict=True):
        jobs[i] = (0, user, *jobs[i][2:])
    jobs += _fill(target, jobs, targets, bounds, rng)
    jobs.sort(key=_order)
    first_id = 1_000_000 * (index + 1)
    return [(first_id + i, *j[1:]) for i, j in enumerate(jobs)]


def _earlier_jobs(
    target: SystemTarget, index: int, scale: int, later: list[Job], rng: random.Random
) -> list[Job]:
    """Return the jobs of the earlier years followed by ``later`` (2022's generation).

    Their ids run up to 2022's first; December 2021's jobs and the job crossing into
    2022, generated with 2022, count in 2021's months.
    """
    new_year = _seconds(date(YEAR, 1, 1))
    jobs = [j for j in later if j[3] < new_year]
    for year, _ in sorted(target.earlier):
        bounds = _bounds(year)
        targets = monthly_targets(target, year)
        first_user = FIRST_USER[year]
        year_jobs = _random_jobs(
            target,
            EARLIER_JOBS_PER_SYSTEM[year] * scale,
            targets,
            bounds,
            rng,
            range(first_user, USERS),
        )
        if year < YEAR - 1:  # one job crossing into the next year, as in 2021
            end = bounds[12]
            year_jobs.append((0, first_user, 256, end - 6 * 3600, end + 6 * 3600))
        jobs += year_jobs
        # Earlier years need plausible, not exact, figures: at large --scale the jobs of
        # 2022's generation running in December 2021 may pass that month's target.
        jobs += _fill(
            target, jobs, targets, bounds, rng, range(first_user, USERS), exact=False
        )
    earlier = sorted((j for j in jobs if j[3] < new_year and j[0] == 0), key=_order)
    first_id = 1_000_000 * (index + 1) - len(earlier)
    return [(first_id + i, *j[1:]) for i, j in enumerate(earlier)] + later


def _random_jobs(
    target: SystemTarget,
    jobs_per_year: int,
    targets: list[int],
    bounds: list[int],
    rng: random.Random,
    users: range = range(USERS),
) -> list[Job]:
    """Return random jobs using about RANDOM_SHARE of each month, ending in the year."""
    jobs: list[Job] = []
    total = sum(targets)
    for m in range(12):
        count = max(1, round(jobs_per_year * targets[m] / total))
        cores = [rng.choice(target.job_cores) for _ in range(count)]
        raw = [rng.lognormvariate(0, 1) for _ in range(count)]
        factor = (
            RANDOM_SHARE
            * targets[m]
            / sum(c * r for c, r in zip(cores, raw, strict=True))
        )
        for c, r in zip(cores, raw, strict=True):
            seconds = min(MAX_JOB_SECONDS, max(60, int(r * factor)))
            start = rng.randrange(bounds[m], bounds[m + 1])
            start = min(start, bounds[12] - 1 - seconds)  # ends before the new year
            user = rng.randrange(users.start, users.stop)
            jobs.append((0, user, c, start, start + seconds))
    return jobs


def _fill(
    target: SystemTarget,
    jobs: list[Job],
    targets: list[int],
    bounds: list[int],
    rng: random.Random,
    users: range = range(USERS),
    exact: bool = True,
) -> list[Job]:
    """Return filler jobs making each month's use exactly its target (at most, unless exact)."""
    fillers = []
    for m in range(12):
        residual = targets[m] - _used(jobs, bounds[m], bounds[m + 1])
        if residual < 0 and not exact:
            continue
        if residual < 0:
            raise ValueError(
                f"{target.name} {_time(bounds[m])[:7]}: random jobs exceed the target"
            )
        fillers += _fillers(residual, bounds[m], bounds[m + 1], rng, users)
    return fillers


def _fillers(
    residual: int, start: int, end: int, rng: random.Random, users: range
) -> list[Job]:
    """Return jobs inside [start, end) using exactly ``residual`` core-seconds."""
    seconds, rest = divmod(residual, FILLER_CORES)
    jobs = []
    while seconds > 0:
        length = min(seconds, FILLER_SECONDS)
        begin = rng.randrange(start, end - length)
        user = rng.randrange(users.start, users.stop)
        jobs.append((0, user, FILLER_CORES, begin, begin + length))
        seconds -= length
    if rest:
        begin = rng.randrange(start, end - 1)
        jobs.append((0, rng.randrange(users.start, users.stop), rest, begin, begin + 1))
    return jobs


def _used(jobs: list[Job], start: int, end: int) -> int:
    """Return the core-seconds the jobs ran inside [start, end)."""
    return sum(
        c * (min(e, end) - max(s, start))
        for _, _, c, s, e in jobs
        if s < end and e > start
    )


def _capacity_hours(target: SystemTarget, year: int, month: int) -> int:
    """Return the core-hours the system offers in a month, pro-rated by dates."""
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    total = 0
    for cores, valid_from, valid_to in target.capacity:
        lo, hi = max(first, valid_from), min(after, valid_to or after)
        if lo < hi:
            total += cores * (hi - lo).days * 24
    return total


def _write_sacct(path: Path, target: SystemTarget, jobs: list[Job]) -> None:
    """Write jobs as ``sacct --parsable2 --noheader`` lines in Open XDMoD's 26 columns."""
    cluster = target.file_stem
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for job_id, user, cores, start, end in jobs:
            nodes = -(-cores // target.cores_per_node)
            submit = start - (job_id * 7919) % 3600
            state = STATES[job_id % len(STATES)]
            t_submit, t_start, t_end = _time(submit), _time(start), _time(end)
            fh.write(
                f"{job_id}|{job_id}|{cluster}|cpu|normal|demo_acct|demo_grp|5000|{_user(user)}|"
                f"{10000 + user}|{t_submit}|{t_submit}|{t_start}|{t_end}|{_elapsed(end - start)}|"
                f"{'0:0' if state == 'COMPLETED' else '1:0'}|{state}|{nodes}|{cores}|{cores}|"
                f"4000Mc|billing={cores},cpu={cores},node={nodes}|billing={cores},cpu={cores},"
                f"node={nodes}|7-00:00:00|cn[0001-{nodes:04d}]|demo_job_synthetic\n"
            )


def _by_month(jobs: list[Job], ends: list[int]) -> list[list[Job]]:
    """Group jobs by the month their end falls in (``ends``: each next month's start)."""
    months: list[list[Job]] = [[] for _ in range(len(ends) + 1)]
    for job in jobs:
        months[bisect.bisect_right(ends, job[4])].append(job)
    if months[-1]:
        raise ValueError(f"{len(months[-1])} demo jobs end after {YEAR}")
    return months[:-1]


def _bounds(year: int) -> list[int]:
    """Return the first second of each month of ``year`` and of the next year."""
    return [_seconds(date(year, m, 1)) for m in range(1, 13)] + [
        _seconds(date(year + 1, 1, 1))
    ]


def _order(job: Job) -> tuple[int, int]:
    return job[4], job[3]


def _seconds(day: date) -> int:
    return int((datetime(day.year, day.month, day.day) - _EPOCH).total_seconds())


def _time(seconds: int) -> str:
    # sacct prints naive times; the demo's are UTC (TZ=UTC sacct). Whole seconds, so
    # isoformat gives YYYY-MM-DDTHH:MM:SS, several times faster than strftime.
    return (_EPOCH + timedelta(seconds=seconds)).isoformat()


def _elapsed(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def _user(index: int) -> str:
    return f"demo_u{index + 1:04d}"


def _organization(user: int, rng: random.Random) -> str:
    """Return the organisation of a user: each of the 2022 ones has at least one user."""
    if user >= USERS:
        number = TARGET_ORGANIZATIONS + (user - USERS) % ORGANIZATIONS_2021_ONLY
    elif user < TARGET_ORGANIZATIONS:
        number = user
    else:
        number = rng.randrange(TARGET_ORGANIZATIONS)
    return f"示例单位{number + 1:04d}（合成）"


register_generator("hpc", generate)
