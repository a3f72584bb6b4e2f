"""The jobs kit: what a scheduled job is, how one run of it is claimed, done and recorded.

It imports no domain. Each stage declares its jobs in its own `jobs.py` with `daily` and
`every`; `app.scheduler` lists them all and runs them under its leader lock. A recorded job's
firing stands for one unit of work, its run key (the local date of a daily job), claimed once in
`job_runs`: a second scheduler, or a leader that took over mid-run, does that work at most once
more, and the work is idempotent, so a resumed run finishes what was left.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import delete, func, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import database_now
from app.models.scheduler import (
    JobRun,
    JobRunPublic,
    RunOutcome,
    SchedulerHeartbeat,
    SchedulerInstancePublic,
    SchedulerStatus,
)

log = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Context:
    """What a job's work is handed: sessions to open (it commits its own bounded batches), the
    settings, the app's clock, which scheduler instance runs it (recorded with each run) and the
    scheduler's HTTP client."""

    factory: SessionFactory
    settings: Settings
    clock: Clock
    instance_id: str = "local"
    # the process's one HTTP client (the push to the city platform), open while it leads
    http: httpx.AsyncClient | None = None


# A job's work: returns a line for the run's record (None: nothing to report).
Work = Callable[[Context], Awaitable[str | None]]


@dataclass(frozen=True)
class Job:
    name: str
    trigger: BaseTrigger
    work: Work
    # The unit of work a firing at this time stands for; None for frequent upkeep, which is not
    # recorded per run: the leader lock keeps it single and its work is idempotent, so a run
    # table would only grow.
    run_key: Callable[[datetime], str] | None = None
    # A failed run (or one left running by a leader that died) is tried again after a backoff
    # until it succeeds, rather than waiting for the next firing (a year, for yearly grading).
    retried: bool = False


def daily(
    name: str,
    cron: str,
    work: Work,
    settings: Settings,
    *,
    key: Callable[[datetime], str] | None = None,
    retried: bool = False,
) -> Job:
    """A recorded job on a crontab in the service's time zone; by default one run per local
    date (`key` maps the local firing time to another unit, e.g. the cycle a yearly run grades).
    `retried`: a run that failed is tried again with backoff until it succeeds."""
    trigger = CronTrigger.from_crontab(cron, timezone=settings.timezone)
    zone = trigger.timezone

    def run_key(at: datetime) -> str:
        local = at.astimezone(zone)
        return key(local) if key else local.date().isoformat()

    return Job(name, trigger, work, run_key, retried)


def every(name: str, seconds: float, work: Work) -> Job:
    """Unrecorded upkeep every `seconds`."""
    return Job(name, IntervalTrigger(seconds=seconds), work)


async def run_job(
    job: Job,
    *,
    context: Context,
    now: datetime | None = None,
    key: str | None = None,
) -> RunOutcome | None:
    """Claim the run for this firing's key (the firing at `now`, by default now on the clock;
    or `key` itself, to retry a run) and do the work; None if it was done already."""
    if job.run_key is None:
        try:
            await job.work(context)
        except Exception:
            log.exception("job failed", extra={"job": job.name})
            return RunOutcome.failed
        return RunOutcome.succeeded
    key = key or job.run_key(now or context.clock.now())
    async with context.factory() as session, session.begin():
        run_id = await claim(
            session=session, job=job.name, run_key=key, instance_id=context.instance_id
        )
    if run_id is None:
        log.info("job already done", extra={"job": job.name, "run_key": key})
        return None
    outcome, detail = RunOutcome.succeeded, None
    try:
        detail = await job.work(context)
    except Exception as exc:  # recorded, and retried by the next firing or leader
        log.exception("job failed", extra={"job": job.name, "run_key": key})
        outcome, detail = RunOutcome.failed, f"{type(exc).__name__}: {exc}"
    async with context.factory() as session, session.begin():
        await finish(session=session, run_id=run_id, outcome=outcome, detail=detail)
    return outcome


RETRY_FIRST = timedelta(minutes=5)  # then doubled per attempt ...
RETRY_LONGEST = timedelta(hours=6)  # ... up to this

# Runs of retried jobs to try again: failed ones whose backoff (on the database's clock, where
# `finished_at` was written) has passed, and ones left running by another instance: only the
# leader runs jobs, so another instance's run belonged to a leader that died.
_DUE_RETRIES = """
    SELECT job, run_key FROM job_runs
    WHERE job = ANY(:jobs)
      AND ((outcome = 'failed' AND finished_at + least(
              CAST(:first AS interval) * power(2, attempts - 1), CAST(:longest AS interval))
            <= now())
           OR (outcome = 'running' AND instance_id <> :instance_id))
    ORDER BY started_at
"""


def retries(jobs: Sequence[Job]) -> Job:
    """Upkeep that retries the failed runs of the `retried` jobs among `jobs`."""
    retried = {job.name: job for job in jobs if job.retried}

    async def retry_failed_runs(context: Context) -> str | None:
        async with context.factory() as session:
            due = (
                await session.execute(
                    text(_DUE_RETRIES),
                    {
                        "jobs": sorted(retried),
                        "first": RETRY_FIRST,
                        "longest": RETRY_LONGEST,
                        "instance_id": context.instance_id,
                    },
                )
            ).all()
        for name, key in due:
            log.info("retrying a job run", extra={"job": name, "run_key": key})
            await run_job(retried[name], context=context, key=key)
        return f"retried {len(due)} run(s)" if due else None

    return Job("retry_failed_runs", IntervalTrigger(minutes=1), retry_failed_runs)


async def claim(
    *, session: AsyncSession, job: str, run_key: str, instance_id: str
) -> uuid.UUID | None:
    """Start the run of `job` for `run_key` unless one already succeeded; None when not ours.

    Only the lock-holding scheduler calls this, so a run left `running` belonged to a leader
    that died: it is taken over (attempts + 1) and the job, being idempotent, resumes.
    """
    table = JobRun.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(
            id=uuid.uuid4(),
            job=job,
            run_key=run_key,
            outcome=RunOutcome.running,
            instance_id=instance_id,
            attempts=1,
        )
        .on_conflict_do_update(
            index_elements=["job", "run_key"],
            set_={
                "outcome": RunOutcome.running,
                "instance_id": instance_id,
                "attempts": table.c.attempts + 1,
                "started_at": func.now(),
                "finished_at": None,
                "detail": None,
            },
            where=table.c.outcome != RunOutcome.succeeded,
        )
        .returning(table.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def finish(
    *, session: AsyncSession, run_id: uuid.UUID, outcome: RunOutcome, detail: str | None
) -> None:
    await session.execute(
        update(JobRun)
        .where(col(JobRun.id) == run_id)
        .values(
            outcome=outcome,
            detail=(detail or "")[:2000] or None,
            finished_at=func.now(),  # the database's clock, as `started_at` in `claim`
        )
    )


async def heartbeat(
    *, session: AsyncSession, instance_id: str, hostname: str, pid: int, is_leader: bool
) -> None:
    table = SchedulerHeartbeat.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert(table)
        .values(instance_id=instance_id, hostname=hostname, pid=pid, is_leader=is_leader)
        .on_conflict_do_update(
            index_elements=["instance_id"], set_={"is_leader": is_leader, "beat_at": func.now()}
        )
    )


# An instance that missed this many beats is stale: killed (no last beat), or cut off from the
# database. Every instance beats at least once per the longer of the two intervals.
STALE_AFTER_BEATS = 3
# A stale instance is forgotten (left out of the status, its row deleted by the leader) once it
# has been silent this long: every restart is a new instance, and the table would only grow.
FORGOTTEN_AFTER = timedelta(hours=1)


def stale_after(settings: Settings) -> timedelta:
    beat = max(settings.scheduler_heartbeat_seconds, settings.scheduler_poll_seconds)
    return timedelta(seconds=STALE_AFTER_BEATS * beat)


def forgotten_after(settings: Settings) -> timedelta:
    return max(FORGOTTEN_AFTER, stale_after(settings))


async def forget_dead_instances(*, session: AsyncSession, settings: Settings) -> None:
    """The leader's housekeeping: delete the rows of instances silent for `forgotten_after`."""
    await session.execute(
        delete(SchedulerHeartbeat).where(
            col(SchedulerHeartbeat.beat_at) < func.now() - forgotten_after(settings)
        )
    )


async def status(*, session: AsyncSession, settings: Settings, runs: int = 20) -> SchedulerStatus:
    """The instances heard from lately, on the database's clock (where their beats are written),
    each flagged stale when silent for `stale_after`; the leader is a leader that is not."""
    now = await database_now(session)
    heard = (
        await session.scalars(
            select(SchedulerHeartbeat)
            .where(col(SchedulerHeartbeat.beat_at) >= now - forgotten_after(settings))
            .order_by(col(SchedulerHeartbeat.beat_at).desc())
            .limit(20)
        )
    ).all()
    silent_since = now - stale_after(settings)
    instances = [
        SchedulerInstancePublic.model_validate(i, update={"stale": i.beat_at < silent_since})
        for i in heard
    ]
    recent = (
        await session.scalars(select(JobRun).order_by(col(JobRun.started_at).desc()).limit(runs))
    ).all()
    leaders = [i for i in instances if i.is_leader and not i.stale]
    return SchedulerStatus(
        leader=leaders[0].instance_id if leaders else None,
        last_heartbeat_at=instances[0].beat_at if instances else None,
        stale_after_seconds=stale_after(settings).total_seconds(),
        instances=instances,
        recent_runs=[JobRunPublic.model_validate(r) for r in recent],
    )
