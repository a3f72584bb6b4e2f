"""Warning ahead (docs/law.md §8): is next year's notice loaded before deadlines reach into it?

The State Council publishes year N's holiday notice around November of N−1, and from
mid-December a deadline of a few working days already falls in January. From a configurable day
of each year (LABOR_CREDIT_CALENDAR_WARNING_FROM, default 10-01) a calendar that lacks next year
is a warning: in /readyz (not a failure), the `calendar_next_year_missing` gauge, GET
/api/v1/stats/calendar and the daily `calendar_coverage_check` job's log. A calendar that lacks
this very year is warned of at once (that year's warning day has long passed).
"""

from __future__ import annotations

from datetime import date

from prometheus_client import Gauge
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.config import Settings
from app.core.observability import REGISTRY
from app.models.calendar import CalendarCoverage, CalendarYear

NEXT_YEAR_MISSING = Gauge(
    "calendar_next_year_missing",
    "1 when the working-day calendar lacks next year (or this year) and the warning period "
    "(LABOR_CREDIT_CALENDAR_WARNING_FROM) has begun, else 0",
    registry=REGISTRY,
)


async def next_year_status(
    *, session: AsyncSession, today: date, settings: Settings
) -> CalendarCoverage:
    """The coverage of next year (or of this year, when even that is missing) as of `today`;
    sets the gauge."""
    first, last = (
        await session.execute(
            select(func.min(col(CalendarYear.year)), func.max(col(CalendarYear.year)))
        )
    ).one()
    near = await session.scalars(
        select(CalendarYear.year).where(col(CalendarYear.year).in_([today.year, today.year + 1]))
    )
    covered = set(near.all())
    year = today.year if today.year not in covered else today.year + 1
    warn_from = settings.calendar_warning_date(year - 1)
    missing = year not in covered and today >= warn_from
    NEXT_YEAR_MISSING.set(1 if missing else 0)
    return CalendarCoverage(
        first_year=first,
        last_year=last,
        year=year,
        covered=year in covered,
        warn_from=warn_from,
        warning=_warning(year) if missing else None,
    )


def _warning(year: int) -> str:
    return (
        f"工作日历尚未载入{year}年：国务院办公厅一般于{year - 1}年11月前后发布{year}年部分节假日"
        f"安排的通知，发布后请管理员通过 PUT /api/v1/calendar/{year} 载入；"
        f"载入前，落在{year}年的工作日期限无法计算。"
    )
