"""The scheduler process: the leader lock, heartbeats, APScheduler, and the one list of jobs.

Every instance tries a session-level PostgreSQL advisory lock on a connection of its own. The
holder starts APScheduler and beats its heart; the others wait as hot standbys and retry. If the
leader dies, PostgreSQL drops its connection and so its lock, and a standby takes over. Each
recorded run is claimed in `job_runs` under a unique (job, run_key) (`core.jobs`), so even a
takeover mid-run does the same work at most once, and jobs are idempotent so a resumed run
finishes what was left. Each stage declares its jobs in its own `jobs.py`; `all_jobs` and
`CONSUMERS` below are read top to bottom in the order data flows.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import uuid

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.audit import jobs as audit
from app.blacklist import jobs as blacklist
from app.blacklist import revocation
from app.calendar import jobs as calendar
from app.core import events, jobs
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import AdvisoryLock, session_factory
from app.core.events import Consumer
from app.core.jobs import Context, Job, run_job
from app.disclosure import consumer as disclosure_consumer
from app.disclosure import jobs as disclosure
from app.evaluations import jobs as evaluations
from app.grading import adjustment
from app.grading import jobs as grading
from app.intake import jobs as intake
from app.integrations.platform import client as platform_client
from app.models.scheduler import SchedulerHeartbeat
from app.notifications import consumer as notifications
from app.notifications import jobs as notification_jobs
from app.objections import jobs as objections
from app.push import jobs as push
from app.push import outbox
from app.reports import consumer as documents

log = logging.getLogger(__name__)

# Who reacts to the event log, in the order data flows: one consumer per stage, each with its
# own watermark and receipts (`core.events`).
CONSUMERS: list[Consumer] = [
    revocation.CONSUMER,  # a revoked listing record ends its wage-arrears listing
    adjustment.CONSUMER,  # Art 10: a verified, corrected or revoked record re-grades its employer
    disclosure_consumer.CONSUMER,  # Art 14: a grade, record or listing reflects the C list
    documents.CONSUMER,  # issue 15 §4: the letters a grade, objection or repair calls for
    notifications.CONSUMER,  # issue 13 §4: what an employer must be told of, told
    outbox.CONSUMER,  # Art 7, 16: what the city platform must learn of, into the push outbox
]


def all_jobs(settings: Settings) -> list[Job]:
    """Every scheduled job, in the order data flows, and the retries of those that fail."""
    listed = [
        # the ground every stage's deadlines stand on: is next year's calendar loaded?
        *calendar.jobs(settings),
        *intake.jobs(settings),
        *blacklist.jobs(settings),
        *grading.jobs(settings),
        *evaluations.jobs(settings),
        *objections.jobs(settings),
        *disclosure.jobs(settings),
        *(events.job(consumer, settings.events_seconds) for consumer in CONSUMERS),
        # the notifications the consumer wrote, sent through the channels besides the inbox
        *notification_jobs.jobs(settings),
        # the outbox sent to the city platform, and each day's reconciliation
        *push.jobs(settings),
        *audit.jobs(settings),
    ]
    return [*listed, jobs.retries(listed)]


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
        self.jobs = all_jobs(settings) if jobs is None else jobs
        self.factory = session_factory(engine)
        self.instance_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.context = Context(
            factory=self.factory, settings=settings, clock=self.clock, instance_id=self.instance_id
        )
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
        http = platform_client.http_client(self.settings)  # one client while it leads
        context = dataclasses.replace(self.context, http=http)
        for job in self.jobs:
            scheduler.add_job(
                run_job,
                job.trigger,
                args=[job],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
                kwargs={"context": context},
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
            await http.aclose()
            self.is_leader = False
            # Close the lock's connection rather than return it to the pool still holding the lock.
            await lock_connection.invalidate()
            await self._beat()

    async def _beat(self) -> None:
        async with self.factory() as session, session.begin():
            await jobs.heartbeat(
                session=session,
                instance_id=self.instance_id,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                is_leader=self.is_leader,
            )
            if self.is_leader:
                await jobs.forget_dead_instances(session=session, settings=self.settings)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def serve_forever(engine: AsyncEngine, settings: Settings, clock: Clock) -> None:
    """`labor-credit scheduler`: run until SIGTERM or SIGINT."""

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await SchedulerInstance(engine, settings, clock=clock).run(stop)
