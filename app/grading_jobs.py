"""The grading jobs of the scheduler (issue 4 item 8): yearly grading and resuming runs, notice
windows closing, dynamic adjustment from credit events, Art 17 re-grading.

Dynamic adjustment is polled here every few seconds rather than called inline by the record and
blacklist services: those writes stay fast and unaware of grading, a failed re-grade never fails
the verification that caused it, and the event log is the one path (intake batches, imports,
corrections, listings alike) — at the cost of a delay of one polling interval.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.config import Settings
from app.core.clock import Clock
from app.errors import AppError
from app.scheduler import Job, SessionFactory
from app.services import art17, evaluations, grading_events, grading_runs, grading_stats

log = logging.getLogger(__name__)

Work = Callable[[SessionFactory], Awaitable[str | None]]


def _yearly_grading(settings: Settings, clock: Clock) -> Work:
    async def work(factory: SessionFactory) -> str | None:
        cycle = clock.today().year - 1  # the year just ended
        run = await grading_runs.run_yearly(
            factory=factory, settings=settings, clock=clock, cycle=cycle
        )
        if run is None:
            return f"cycle {cycle}: another worker holds the run"
        if run.status == "failed":
            raise RuntimeError(f"grading run {run.id} failed: {run.errors[-1:]}")
        return f"cycle {cycle}: run {run.id} {run.status}, {run.done}/{run.total}, {run.counts}"

    return work


def _resume_grading_runs(settings: Settings, clock: Clock) -> Work:
    async def work(factory: SessionFactory) -> str | None:
        async with factory() as session:
            waiting = await grading_runs.resumable(session=session, settings=settings)
        for run_id in waiting:
            await grading_runs.run(factory=factory, run_id=run_id, settings=settings, clock=clock)
        return f"resumed {len(waiting)} grading run(s)" if waiting else None

    return work


def _close_notices(clock: Clock) -> Work:
    async def work(factory: SessionFactory) -> str | None:
        on = clock.today()
        async with factory() as session, session.begin():
            closed = await evaluations.close_notices(session=session, today=on)
        try:  # the gauges (open notices, Art 17 deadlines) must not undo the closing
            async with factory() as session:
                await grading_stats.get(session=session, cycle=on.year - 1, today=on)
        except AppError:
            log.warning("grading gauges not refreshed", exc_info=True)
        return f"{closed} notice(s) became final" if closed else None

    return work


def _grading_events(settings: Settings, clock: Clock) -> Work:
    """Drain the credit events in bounded batches, one transaction each."""

    async def work(factory: SessionFactory) -> str | None:
        total = 0
        while True:
            async with factory() as session, session.begin():
                consumed = await grading_events.consume(
                    session=session, settings=settings, today=clock.today()
                )
            total += consumed
            if consumed < settings.grading_events_batch:
                return f"re-graded after {total} credit event(s)" if total else None

    return work


def _art17(clock: Clock) -> Work:
    async def work(factory: SessionFactory) -> str | None:
        async with factory() as session, session.begin():
            changed = await art17.regrade_rectified(session=session, today=clock.today())
        return f"Art 17: {changed} rectified C unit(s) re-graded"

    return work


def jobs(settings: Settings, clock: Clock) -> list[Job]:
    """The grading jobs; their work reads the legal date from `clock`."""
    tz = settings.timezone
    local = CronTrigger(timezone=tz).timezone
    return [
        # Art 10: the cycle is the calendar year, graded once after it ends
        Job(
            "yearly_grading",
            CronTrigger.from_crontab(settings.grading_cron, timezone=tz),
            lambda at: str(at.astimezone(local).year - 1),
            _yearly_grading(settings, clock),
        ),
        Job(
            "resume_grading_runs",
            IntervalTrigger(minutes=1),
            lambda at: at.strftime("%Y-%m-%dT%H:%M"),
            _resume_grading_runs(settings, clock),
            recorded=False,
        ),
        Job(
            "close_notices",
            IntervalTrigger(minutes=settings.grading_notices_minutes),
            lambda at: at.strftime("%Y-%m-%dT%H:%M"),
            _close_notices(clock),
            recorded=False,
        ),
        # Art 10 dynamic adjustment: polled, not called inline, see services.grading_events
        Job(
            "grading_events",
            IntervalTrigger(seconds=settings.grading_events_seconds),
            lambda at: at.isoformat(),
            _grading_events(settings, clock),
            recorded=False,
        ),
        Job(
            "art17_regrade",
            CronTrigger.from_crontab(settings.art17_cron, timezone=tz),
            lambda at: at.astimezone(local).date().isoformat(),
            _art17(clock),
        ),
    ]
