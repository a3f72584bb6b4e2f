"""Grading's jobs: the yearly grading of the cycle just ended (Art 10), resuming runs whose
worker died, and the daily Art 17 re-grading of rectified C units. Dynamic adjustment is
grading's consumer of the event log (`adjustment.CONSUMER`), listed with the other consumers in
`app.scheduler`. A failed yearly run or Art 17 run is retried with backoff until it succeeds."""

from __future__ import annotations

from datetime import datetime

from app.core.config import Settings
from app.core.jobs import Context, Job, daily, every
from app.grading import rectification, runs


async def yearly_grading(context: Context) -> str | None:
    cycle = context.clock.today().year - 1  # the year just ended
    run = await runs.run_yearly(
        factory=context.factory, settings=context.settings, clock=context.clock, cycle=cycle
    )
    if run is None:
        return f"cycle {cycle}: another worker holds the run"
    if run.status == "failed":
        raise RuntimeError(f"grading run {run.id} failed: {run.errors[-1:]}")
    return f"cycle {cycle}: run {run.id} {run.status}, {run.done}/{run.total}, {run.counts}"


def _cycle_just_ended(local: datetime) -> str:
    return str(local.year - 1)


async def resume_grading_runs(context: Context) -> str | None:
    async with context.factory() as session:
        waiting = await runs.resumable(session=session, settings=context.settings)
    for run_id in waiting:
        await runs.run(
            factory=context.factory, run_id=run_id, settings=context.settings, clock=context.clock
        )
    return f"resumed {len(waiting)} grading run(s)" if waiting else None


async def art17_regrade(context: Context) -> str | None:
    async with context.factory() as session, session.begin():
        changed = await rectification.regrade_rectified(
            session=session, today=context.clock.today()
        )
    return f"Art 17: {changed} rectified C unit(s) re-graded"


def jobs(settings: Settings) -> list[Job]:
    return [
        # Art 10: the cycle is the calendar year, graded once after it ends
        daily("yearly_grading", settings.grading_cron, yearly_grading, settings,
              key=_cycle_just_ended, retried=True),
        every("resume_grading_runs", 60, resume_grading_runs),
        # Art 17: 5 working days after the cycle; a failed day is retried, not skipped
        daily("art17_regrade", settings.art17_cron, art17_regrade, settings, retried=True),
    ]  # fmt: skip
