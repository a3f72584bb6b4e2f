"""The calendar's job: a daily look at whether next year's notice is loaded (docs/law.md §8), so
that the warning reaches the logs as well as /readyz, /metrics and /stats/calendar."""

from __future__ import annotations

import logging

from app.calendar import coverage
from app.core.config import Settings
from app.core.jobs import Context, Job, daily

log = logging.getLogger(__name__)


async def calendar_coverage_check(context: Context) -> str | None:
    async with context.factory() as session:
        status = await coverage.next_year_status(
            session=session, today=context.clock.today(), settings=context.settings
        )
    year = status.year
    if status.covered:
        return f"calendar covers {year}"
    if status.warning is None:
        return f"calendar does not cover {year} yet; a warning from {status.warn_from}"
    line = (
        f"calendar does not cover {year}: an admin must load the State Council holiday notice "
        f"for {year} (PUT /api/v1/calendar/{year})"
    )
    log.warning(line, extra={"year": year, "warn_from": status.warn_from.isoformat()})
    return line


def jobs(settings: Settings) -> list[Job]:
    return [
        daily(
            "calendar_coverage_check",
            settings.calendar_check_cron,
            calendar_coverage_check,
            settings,
        )
    ]
