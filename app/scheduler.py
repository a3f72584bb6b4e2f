"""APScheduler wiring and the leader lock: exactly one scheduler runs jobs at a time.

Every instance tries a session-level PostgreSQL advisory lock on a connection of its own. The
holder starts APScheduler and beats its heart; the others wait as hot standbys and retry. If the
leader dies, PostgreSQL drops its connection and so its lock, and a standby takes over. Each job
run is claimed in `job_runs` under a unique (job, run_key), so even a takeover mid-run does the
same work at most once, and jobs are idempotent so a resumed run finishes what was left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.clock import Clock
from app.db import AdvisoryLock, session_factory
from app.models.scheduler import RunOutcome, SchedulerHeartbeat
from app.services import audit, blacklist_expiry, imports, job_runs

log = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Job:
    name: str
    trigger: BaseTrigger
    run_key: Callable[[datetime], str]  # the unit of work a firing at this time stands for
    work: Callable[[SessionFactory], Awaitable[str | None]]  # commits its own bounded batches
    # Frequent upkeep (every minute) is not recorded per run: the leader lock keeps it single
    # and its work is idempotent, so a run table would only grow.
    recorded: bool = True


async def _verify_audit_chain(factory: SessionFactory) -> str | None:
    async with factory() as session:
        result = await audit.verify_chain(session=session)
    if not result.intact:
        raise RuntimeError(f"audit chain broken at seq {result.first_broken_seq}: {result.reason}")
    return f"audit chain intact, {result.checked} events"


def _resume_imports(
    settings: Settings, clock: Clock
) -> Callable[[SessionFactory], Awaitable[str | None]]:
    async def work(factory: SessionFactory) -> str | None:
        async with factory() as session:
            waiting = await imports.resumable(session=session)
        for job_id in waiting:
            await imports.run(factory=factory, job_id=job_id, settings=settings, clock=clock)
        return f"resumed {len(waiting)} import(s)" if waiting else None

    return work


def _expire_blacklist(
    settings: Settings, clock: Clock
) -> Callable[[SessionFactory], Awaitable[str | None]]:
    async def work(factory: SessionFactory) -> str | None:
        ended = await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock)
        return f"{ended} listing(s) ended at expiry" if ended else None

    return work


BLACKLIST_EXPIRY_CRON = "5 0 * * *"  # just after midnight: a term ends on its date


def default_jobs(settings: Settings, clock: Clock) -> list[Job]:
    """The jobs a scheduler runs; later capabilities (grading, deadlines, pushes) add theirs.
    Their work reads the legal date from `clock`."""
    from app import grading_jobs  # builds on Job, so imported here rather than at the top

    tz = settings.timezone
    return [
        Job(
            "audit_chain_check",
            CronTrigger.from_crontab(settings.audit_check_cron, timezone=tz),
            lambda at: at.astimezone(CronTrigger(timezone=tz).timezone).date().isoformat(),
            _verify_audit_chain,
        ),
        # imports whose worker died (a restart mid-file) continue after their last chunk
        Job(
            "resume_imports",
            IntervalTrigger(minutes=1),
            lambda at: at.strftime("%Y-%m-%dT%H:%M"),
            _resume_imports(settings, clock),
            recorded=False,
        ),
        # 人社部令第45号: a listing lasts 3 years; the day its term ends it leaves the list
        Job(
            "blacklist_expiry",
            CronTrigger.from_crontab(BLACKLIST_EXPIRY_CRON, timezone=tz),
            lambda at: at.astimezone(CronTrigger(timezone=tz).timezone).date().isoformat(),
            _expire_blacklist(settings, clock),
        ),
        *grading_jobs.jobs(settings, clock),
    ]


async def run_job(
    job: Job,
    *,
    factory: SessionFactory,
    instance_id: str,
    clock: Clock,
    now: datetime | None = None,
) -> RunOutcome | None:
    """Claim the run for this firing's key (the firing at `now`, by default now on `clock`) and
    do the work; None if it was done already."""
    if not job.recorded:
        try:
            await job.work(factory)
        except Exception:
            log.exception("job failed", extra={"job": job.name})
            return RunOutcome.failed
        return RunOutcome.succeeded
    key = job.run_key(now or clock.now())
    async with factory() as session, session.begin():
        run_id = await job_runs.claim(
            session=session, job=job.name, run_key=key, instance_id=instance_id
        )
    if run_id is None:
        log.info("job already done", extra={"job": job.name, "run_key": key})
        return None
    outcome, detail = RunOutcome.succeeded, None
    try:
        detail = await job.work(factory)
    except Exception as exc:  # recorded, and retried by the next firing or leader
        log.exception("job failed", extra={"job": job.name, "run_key": key})
        outcome, detail = RunOutcome.failed, f"{type(exc).__name__}: {exc}"
    async with factory() as session, session.begin():
        await job_runs.finish(session=session, run_id=run_id, outcome=outcome, detail=detail)
    return outcome


class SchedulerInstance:
    """One scheduler process (or the in-process scheduler of `serve` on the embedded database)."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        *,
        clock: Clock | None = None,
        jobs: list[Job] | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.clock = clock or Clock(settings.timezone)
        self.jobs = default_jobs(settings, self.clock) if jobs is None else jobs
        self.factory = session_factory(engine)
        self.instance_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_leader = False

    async def run(self, stop: asyncio.Event) -> None:
        """Lead when the lock can be had, stand by otherwise, until `stop` is set."""
        while not stop.is_set():
            try:
                async with self.engine.connect() as lock_connection:
                    if await self._try_lock(lock_connection):
                        await self._lead(lock_connection, stop)
                    else:
                        await self._beat()
            except Exception:  # a lost connection: stand down, retry after the poll interval
                log.exception("scheduler connection lost", extra={"instance": self.instance_id})
            self.is_leader = False
            await _wait(stop, self.settings.scheduler_poll_seconds)

    async def _try_lock(self, connection: AsyncConnection) -> bool:
        got = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": int(AdvisoryLock.SCHEDULER)}
        )
        await connection.commit()
        return bool(got)

    async def _lead(self, lock_connection: AsyncConnection, stop: asyncio.Event) -> None:
        self.is_leader = True
        log.info("scheduler is the leader", extra={"instance": self.instance_id})
        async with self.factory() as session, session.begin():
            await session.execute(update(SchedulerHeartbeat).values(is_leader=False))
        scheduler = AsyncIOScheduler(timezone=self.settings.timezone)
        for job in self.jobs:
            scheduler.add_job(
                run_job,
                job.trigger,
                args=[job],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
                kwargs={
                    "factory": self.factory,
                    "instance_id": self.instance_id,
                    "clock": self.clock,
                },
            )
        scheduler.start()
        try:
            while not stop.is_set():
                await lock_connection.execute(text("SELECT 1"))  # still holding the lock?
                await lock_connection.commit()
                await self._beat()
                await _wait(stop, self.settings.scheduler_heartbeat_seconds)
        finally:
            scheduler.shutdown(wait=False)
            self.is_leader = False
            # Close the lock's connection rather than return it to the pool still holding the lock.
            await lock_connection.invalidate()
            await self._beat()

    async def _beat(self) -> None:
        async with self.factory() as session, session.begin():
            await job_runs.heartbeat(
                session=session,
                instance_id=self.instance_id,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                is_leader=self.is_leader,
            )


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def serve_forever(engine: AsyncEngine, settings: Settings, clock: Clock) -> None:
    """`labor-credit scheduler`: run until SIGTERM or SIGINT."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await SchedulerInstance(engine, settings, clock=clock).run(stop)
