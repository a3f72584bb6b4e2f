"""The evaluations' job: a proposed C whose representation window closed without a
representation becomes final (DOMAIN §3, the notice step)."""

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


def jobs(settings: Settings) -> list[Job]:
    return [every("close_notices", settings.grading_notices_minutes * 60, close_notices)]
