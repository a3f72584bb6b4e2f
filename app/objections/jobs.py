"""The objections' jobs (Art 16): deadlines that waited for the calendar are dated a minute
after an admin loads the year; every morning the deadlines due today, soon and overdue are
logged and counted in /metrics."""

from __future__ import annotations

import logging

from app.core.actors import Actor
from app.core.config import Settings
from app.core.jobs import Context, Job, daily, every
from app.objections import deadlines

log = logging.getLogger(__name__)


async def date_deadlines(context: Context) -> str | None:
    async with context.factory() as session, session.begin():
        dated = await deadlines.fill_awaiting(session=session)
    return f"{dated} objection deadline(s) dated" if dated else None


async def report_deadlines(context: Context) -> str | None:
    async with context.factory() as session:
        found = await deadlines.summary(
            session=session, today=context.clock.today(),
            soon_days=context.settings.objections_due_soon_working_days,
            actor=Actor(kind="system", name="objection_deadlines"),
        )  # fmt: skip
    counts = deadlines.measure(found)
    log.info("objection deadlines", extra={"objections": counts})
    if found.overdue.count:
        overdue = ", ".join(f"{i.objection_id} ({i.due_date})" for i in found.overdue.items)
        log.warning("objections overdue: %s", overdue)
    return ", ".join(f"{state} {n}" for state, n in counts.items())


def jobs(settings: Settings) -> list[Job]:
    return [
        every("date_objection_deadlines", 60, date_deadlines),
        daily(
            "objection_deadlines", settings.objections_deadlines_cron, report_deadlines, settings
        ),
    ]
