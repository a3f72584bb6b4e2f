"""Working days (工作日, docs/law.md §8): the calendar table and the legal way to count on it.

A working day is Monday–Friday unless the year's State Council notice makes it a day off, plus
the weekend days the notice makes working days (调休上班). The day of the triggering event is not
counted; counting starts the next day (民法典 Art 201). A date in a year the table does not cover
is refused with the year to load: the service never guesses an unpublished year.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from importlib.metadata import version

import chinese_calendar
from sqlalchemy import delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.calendar import notice
from app.calendar.errors import (
    CalendarDaysInvalid,
    CalendarLoadedConcurrently,
    CalendarPackageLacksYear,
    CalendarYearInUse,
    CalendarYearLoaded,
    CalendarYearMissing,
    NoticeUnreadable,
)
from app.calendar.preconditions import Precondition
from app.core.actors import Actor
from app.core.db import database_now
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.models.calendar import (
    LAST_YEAR,
    CalendarDay,
    CalendarNoticeRead,
    CalendarSource,
    CalendarYear,
    CalendarYearLoad,
    CalendarYearPublic,
    DayKind,
)
from app.models.evaluation import Evaluation

ONE_DAY = timedelta(days=1)
MAX_DAYS = 366  # no legal period in this service is longer; bounds the walk
_WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def etag(year: CalendarYear | CalendarYearPublic) -> str:
    return f'"{year.version}"'


# --- counting -------------------------------------------------------------------------------


async def add_working_days(*, session: AsyncSession, start: date, days: int) -> date:
    """The last day of a period of `days` working days that starts with the event on `start`."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    if start.year > LAST_YEAR:  # no notice can be loaded that late; keeps the walk in range
        raise CalendarYearMissing(start.year)
    current, remaining = start, days
    while True:
        # One window normally holds the whole period (weekends and the longest holidays
        # included); a second is fetched only when it does not.
        window_end = current + timedelta(days=remaining * 2 + 30)
        covered, special = await _calendar_between(session, current + ONE_DAY, window_end)
        while current < window_end:
            current += ONE_DAY
            if current.year not in covered:
                raise CalendarYearMissing(current.year)
            if _works(current, special):
                remaining -= 1
                if remaining == 0:
                    return current


async def due_date(*, session: AsyncSession, start: date, days: int) -> date | None:
    """`add_working_days`, or None while the calendar lacks a year the period reaches into:
    for a deadline that may wait for the calendar (a C notice not yet served, Art 17's), never
    one guessed."""
    try:
        return await add_working_days(session=session, start=start, days=days)
    except CalendarYearMissing:
        return None


async def is_working_day(*, session: AsyncSession, day: date) -> bool:
    covered, special = await _calendar_between(session, day, day)
    if day.year not in covered:
        raise CalendarYearMissing(day.year)
    return _works(day, special)


def _works(day: date, special: dict[date, DayKind]) -> bool:
    kind = special.get(day)
    if kind is not None:
        return kind == DayKind.workday
    return day.weekday() < 5


async def _calendar_between(
    session: AsyncSession, first: date, last: date
) -> tuple[set[int], dict[date, DayKind]]:
    """The covered years and the special days between `first` and `last`: two indexed reads."""
    years = await session.scalars(
        select(CalendarYear.year).where(col(CalendarYear.year).between(first.year, last.year))
    )
    rows = await session.execute(
        select(col(CalendarDay.day), col(CalendarDay.kind)).where(
            col(CalendarDay.day).between(first, last)
        )
    )
    return set(years.all()), {day: DayKind(kind) for day, kind in rows.all()}


# --- reading --------------------------------------------------------------------------------


async def get_year(*, session: AsyncSession, year: int) -> CalendarYearPublic:
    covered = await session.get(CalendarYear, year)
    if covered is None:
        raise DoesNotExist(
            Text(
                f"工作日历没有{year}年：管理员可按国务院办公厅节假日安排通知载入"
                f"（PUT /api/v1/calendar/{year}）",
                f"the working-day calendar has no {year}: an admin loads it from the State "
                f"Council holiday notice (PUT /api/v1/calendar/{year})",
            ),
            year=year,
        )
    days = await _days_of(session, year)
    return _public(covered, days)


async def list_years(*, session: AsyncSession) -> list[CalendarYear]:
    return list(
        (await session.scalars(select(CalendarYear).order_by(col(CalendarYear.year)))).all()
    )


_Day = tuple[date, DayKind, str | None]


async def _days_of(session: AsyncSession, year: int) -> list[_Day]:
    # Plain rows, not ORM objects: a reload replaces the days with Core statements.
    query = (
        select(col(CalendarDay.day), col(CalendarDay.kind), col(CalendarDay.holiday))
        .where(CalendarDay.year == year)
        .order_by(col(CalendarDay.day))
    )
    rows = (await session.execute(query)).all()
    return [(day, DayKind(kind), holiday) for day, kind, holiday in rows]


def _public(covered: CalendarYear, days: list[_Day]) -> CalendarYearPublic:
    return CalendarYearPublic(
        year=covered.year,
        days_off=[day for day, kind, _ in days if kind == DayKind.off],
        make_up_workdays=[day for day, kind, _ in days if kind == DayKind.workday],
        holiday_names={day: name for day, _, name in days if name},
        source=covered.source,
        notice=covered.notice,
        loaded_by=covered.loaded_by,
        loaded_at=covered.loaded_at,
        version=covered.version,
    )


# --- loading --------------------------------------------------------------------------------


def validate(year: int, data: CalendarYearLoad) -> None:
    """What a notice cannot say; each failure is a 422 naming the field and the date.

    Refused: a date outside `year`, a date listed twice, a date both off and worked, a make-up
    workday on a weekday (a weekday is a working day already, so it is a typo). Accepted: days
    off on weekends. The notice lists the weekends inside a holiday (2026: 02-15..02-23), and a
    holiday falling on a weekend alone is published as a day off too (2015: 9-27, a Sunday,
    中秋); such days change no count, and refusing them would refuse real notices.
    """
    for field, days in (("days_off", data.days_off), ("make_up_workdays", data.make_up_workdays)):
        seen: set[date] = set()
        for i, day in enumerate(days):
            loc: list[str | int] = ["body", field, i]
            if day.year != year:
                raise CalendarDaysInvalid(
                    loc, Text(f"{day} 不在{year}年", f"{day} is not in {year}"),
                    kind="calendar.outside_year",
                )  # fmt: skip
            if day in seen:
                raise CalendarDaysInvalid(
                    loc, Text(f"{day} 列出了两次", f"{day} is listed twice"),
                    kind="calendar.duplicate",
                )  # fmt: skip
            seen.add(day)
    off = set(data.days_off)
    for i, day in enumerate(data.make_up_workdays):
        loc = ["body", "make_up_workdays", i]
        if day in off:
            raise CalendarDaysInvalid(
                loc,
                Text(
                    f"{day} 既列为放假日又列为上班日",
                    f"{day} is listed both as a day off and as a workday",
                ),
                kind="calendar.both",
            )
        if day.weekday() < 5:
            raise CalendarDaysInvalid(
                loc,
                Text(
                    f"{day} 是{_WEEKDAYS[day.weekday()]}：调休上班日只能是周六或周日",
                    f"{day} is a {day:%A}: a make-up workday (调休上班) is a Saturday or Sunday",
                ),
                kind="calendar.workday_not_weekend",
            )


async def load_year(
    *,
    session: AsyncSession,
    year: int,
    data: CalendarYearLoad,
    actor: Actor,
    precondition: Precondition | None = None,
    holiday_names: Mapping[date, str] | None = None,
) -> CalendarYearPublic:
    """Admin: replace `year` with the notice's days (create it when not covered yet). Audited.
    Refused when the days change and a stored deadline was counted on them, and when
    `precondition` (PUT's If-Match / If-None-Match) does not hold."""
    validate(year, data)
    names = holiday_names or {}
    days = [
        CalendarDay(day=d, year=year, kind=DayKind.off, holiday=names.get(d)) for d in data.days_off
    ] + [
        CalendarDay(day=d, year=year, kind=DayKind.workday, holiday=names.get(d))
        for d in data.make_up_workdays
    ]
    return await _replace(
        session=session,
        year=year,
        days=days,
        source=CalendarSource.admin,
        notice=data.notice,
        actor=actor,
        precondition=precondition,
    )


async def load_notice(
    *,
    session: AsyncSession,
    year: int,
    text: str,
    actor: Actor,
    now: datetime,
    confirm: bool = False,
    replace: bool = False,
) -> CalendarNoticeRead:
    """Admin: read `year` from the notice's text; show it, or (`confirm`) save it as a PUT
    would. A year already covered is replaced only with `replace`."""
    parsed = notice.parse(text, year)
    if parsed.problems:
        raise NoticeUnreadable(year, parsed.problems)
    data = CalendarYearLoad(
        days_off=parsed.days_off,
        make_up_workdays=parsed.make_up_workdays,
        notice=parsed.reference,
    )
    covered = await session.get(CalendarYear, year)
    if not confirm:  # what GET would answer once saved
        return CalendarNoticeRead(
            year=year,
            days_off=data.days_off,
            make_up_workdays=data.make_up_workdays,
            holiday_names=parsed.holiday_names,
            source=CalendarSource.admin,
            notice=data.notice,
            loaded_by=actor.name or actor.kind,
            loaded_at=now,
            version=covered.version + 1 if covered else 1,
            saved=False,
        )
    if covered is not None and not replace:
        raise CalendarYearLoaded(covered)
    saved = await load_year(
        session=session, year=year, data=data, actor=actor, holiday_names=parsed.holiday_names
    )
    return CalendarNoticeRead(**saved.model_dump(), saved=True)


def package_years() -> list[int]:
    """The years the installed chinesecalendar has data for."""
    return sorted({d.year for d in chinese_calendar.holidays})


async def seed_year(*, session: AsyncSession, year: int, actor: Actor) -> CalendarYearPublic:
    """(Re)load `year` from the installed chinesecalendar: its days off as published, and its
    make-up workdays on weekends. A year it does not know is refused, never guessed."""
    if year not in package_years():
        package = f"chinesecalendar {version('chinesecalendar')}"
        raise CalendarPackageLacksYear(
            Text(
                f"{package} 没有{year}年的数据；"
                f"请用 PUT /api/v1/calendar/{year} 载入国务院办公厅通知",
                f"{package} has no data for {year}; load the State Council notice with "
                f"PUT /api/v1/calendar/{year}",
            ),
            year=year,
        )
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = [
        CalendarDay(day=d, year=year, kind=DayKind.off, holiday=names.get(n, n))
        for d, n in sorted(chinese_calendar.holidays.items())
        if d.year == year
    ] + [
        CalendarDay(day=d, year=year, kind=DayKind.workday, holiday=names.get(n, n))
        for d, n in sorted(chinese_calendar.workdays.items())
        if d.year == year and d.weekday() >= 5
    ]
    return await _replace(
        session=session,
        year=year,
        days=days,
        source=CalendarSource.chinesecalendar,
        notice=None,
        actor=actor,
    )


async def _replace(
    *,
    session: AsyncSession,
    year: int,
    days: list[CalendarDay],
    source: CalendarSource,
    notice: str | None,
    actor: Actor,
    precondition: Precondition | None = None,
) -> CalendarYearPublic:
    covered = await session.get(CalendarYear, year, with_for_update=True)
    if precondition is not None:
        precondition.check(year, etag(covered) if covered is not None else None)
    before: dict[str, object] = {}
    if covered is not None:
        old_days = await _days_of(session, year)
        if {(d, k) for d, k, _ in old_days} != {(d.day, d.kind) for d in days}:
            await _refuse_if_used(session, year)
        before = _audited(_public(covered, old_days))
    loaded_by = actor.name or actor.kind
    if covered is None:
        covered = CalendarYear(year=year, source=source, notice=notice, loaded_by=loaded_by)
        session.add(covered)
    else:
        covered.source, covered.notice, covered.loaded_by = source, notice, loaded_by
        # by the database's clock, as when the year was first loaded (the column's default)
        covered.loaded_at = await database_now(session)
        covered.version += 1
    try:
        await session.flush()
    except IntegrityError as exc:  # another admin created the year at the same moment
        raise CalendarLoadedConcurrently(
            Text(
                f"{year}年的工作日历同时被另一位管理员载入；请重新读取后再试",
                f"calendar {year} was loaded concurrently; reload and retry",
            )
        ) from exc
    await session.execute(delete(CalendarDay).where(col(CalendarDay.year) == year))
    await session.execute(
        insert(CalendarDay),
        [{"day": d.day, "year": year, "kind": d.kind, "holiday": d.holiday} for d in days],
    )
    result = _public(
        covered, sorted(((d.day, d.kind, d.holiday) for d in days), key=lambda t: t[0])
    )
    after = _audited(result)
    await audit.record(
        session=session,
        actor=actor,
        action="calendar.load",
        resource_type="calendar_year",
        resource_id=str(year),
        changes=audit.diff(before, after) if before else audit.created(after),
    )
    return result


async def _refuse_if_used(session: AsyncSession, year: int) -> None:
    """The deadlines stored in `year`: evaluations' representation deadlines (拟评C级告知),
    of any status (a closed window was counted on the year too)."""
    deadline = col(Evaluation.representation_deadline)
    count, first, last = (
        await session.execute(
            select(func.count(), func.min(deadline), func.max(deadline)).where(
                deadline.between(date(year, 1, 1), date(year, 12, 31))
            )
        )
    ).one()
    if first is not None and last is not None:
        raise CalendarYearInUse(year, count, first, last)


def _audited(year: CalendarYearPublic) -> dict[str, object]:
    return {
        "days_off": [d.isoformat() for d in year.days_off],
        "make_up_workdays": [d.isoformat() for d in year.make_up_workdays],
        "source": year.source.value,
        "notice": year.notice,
    }
