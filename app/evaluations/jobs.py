"""The evaluations' jobs (docs/law.md §3, the notice step): a proposed C that awaited the
calendar is served once the year is loaded; one whose representation window closed without a
representation becomes final."""

from __future__ import annotations

import logging

from app.core.config import Settings
from app.core.errors import AppError
from app.core.jobs import Context, Job, every
from app.evaluations import service as evaluations
from app.grading import stats

log = logging.getLogger(__name__)


async def close_notices(context: Context) -> str | None:
    on = context.clock.today()
    async with context.factory() as session, session.begin():
        closed = await evaluations.close_notices(session=session, today=on)
    try:  # the gauges (open notices, Art 17 deadlines) must not undo the closing
        async with context.factory() as session:
            await stats.get(session=session, cycle=on.year - 1, today=on)
    except AppError:
        log.warning("grading gauges not refreshed", exc_info=True)
    return f"{closed} notice(s) became final" if closed else None


async def serve_notices(context: Context) -> str | None:
    async with context.factory() as session, session.begin():
        served = await evaluations.serve_awaiting_notices(
            session=session, today=context.clock.today()
        )
    return f"{served} notice(s) served" if served else None


def jobs(settings: Settings) -> list[Job]:
    return [
        # a minute after an admin loads a year, the notices that awaited it are served
        every("serve_notices", 60, serve_notices),
        every("close_notices", settings.grading_notices_minutes * 60, close_notices),
    ]
