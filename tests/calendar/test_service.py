"""Working days (docs/law.md §8) on the real calendar table, as the migration seeded it.

No test depends on which years the installed chinesecalendar ships (docs/law.md §8): 2026 is
always there, and a test that needs a year uncovered makes it uncovered itself, in its own
rolled-back transaction (`last_loaded_2026`, `_uncover`).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from app.calendar import service as working_days
from app.calendar.service import ONE_DAY, CalendarYearInUse, CalendarYearMissing
from app.core import actors
from app.core.clock import Clock
from app.core.errors import InvalidField, NotFound
from app.models.calendar import LAST_YEAR, CalendarSource, CalendarYear, CalendarYearLoad
from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus

ADMIN = actors.system("test-admin")


async def _uncover(session: AsyncSession, *years: int) -> None:
    """Take `years` off the calendar as if never loaded (their days go too, ON DELETE CASCADE);
    rolled back with the test's transaction."""
    await session.execute(delete(CalendarYear).where(col(CalendarYear.year).in_(years)))


@pytest.fixture
async def last_loaded_2026(session: AsyncSession) -> None:
    """The calendar ends with 2026 (loaded), 2027 and later are not covered, whether or not
    the installed chinesecalendar ships them."""
    await _uncover(session, *range(2027, LAST_YEAR + 1))
    assert [y.year for y in await working_days.list_years(session=session)][-1] == 2026


def _package_years() -> list[int]:
    return sorted({d.year for d in chinese_calendar.holidays})


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# The 2026 notice as docs/law.md §8 quotes it (notice of 2025-11-04).
NOTICE_2026_OFF = [
    day
    for first, last in [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ]
    for day in _span(first, last)
]
NOTICE_2026_MAKE_UP = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # docs/law.md §8 examples
        (date(2026, 2, 13), 3, date(2026, 2, 25)),  # Fri; 02-14 make-up, then 春节 to 02-23
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # Wed; 国庆 to 10-07, Sat 10-10 make-up
        (date(2026, 4, 30), 5, date(2026, 5, 11)),  # Thu; 劳动节 05-01..05-05, Sat 05-09 make-up
        # day 0 is not counted (民法典 Art 201), even when it is itself a working day
        (date(2026, 3, 2), 1, date(2026, 3, 3)),
        # an event on a holiday: counting starts after it, on the first working day
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        # an ordinary weekend is skipped
        (date(2026, 3, 6), 1, date(2026, 3, 9)),
    ],
)
async def test_add_working_days(session: AsyncSession, start: date, days: int, due: date) -> None:
    assert await working_days.add_working_days(session=session, start=start, days=days) == due


async def test_the_2026_notice_is_what_was_seeded(session: AsyncSession) -> None:
    year = await working_days.get_year(session=session, year=2026)
    assert year.days_off == NOTICE_2026_OFF
    assert year.make_up_workdays == NOTICE_2026_MAKE_UP
    assert year.source == CalendarSource.chinesecalendar
    assert year.holiday_names[date(2026, 2, 15)] == "春节"
    assert year.holiday_names[date(2026, 10, 10)] == "国庆节"


async def test_every_year_the_package_knows_is_seeded(session: AsyncSession) -> None:
    years = await working_days.list_years(session=session)
    package_years = _package_years()
    assert [y.year for y in years] == package_years
    assert package_years[0] <= 2026 <= package_years[-1]
    for year in (package_years[0], 2015, package_years[-1]):
        seeded = await working_days.get_year(session=session, year=year)
        assert seeded.days_off == sorted(d for d in chinese_calendar.holidays if d.year == year)
        assert seeded.make_up_workdays == sorted(
            d for d in chinese_calendar.workdays if d.year == year
        )


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_span_into_an_uncovered_year_names_that_year(session: AsyncSession) -> None:
    # Tue..Thu 12-29..31 are 3 working days; the 4th would be in 2027, which is not loaded.
    with pytest.raises(CalendarYearMissing) as caught:
        await working_days.add_working_days(session=session, start=date(2026, 12, 28), days=5)
    assert caught.value.year == 2027
    assert caught.value.status == 409
    assert "2027" in caught.value.detail.en
    assert "PUT /api/v1/calendar/2027" in caught.value.detail.en


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_span_ending_before_the_uncovered_year_is_answered(session: AsyncSession) -> None:
    due = await working_days.add_working_days(session=session, start=date(2026, 12, 28), days=3)
    assert due == date(2026, 12, 31)


async def test_only_the_counted_days_need_covering(session: AsyncSession) -> None:
    # Day 0 is not counted, so its year (2003, not covered) does not matter;
    # 2004-01-01 is 元旦, Fri 2004-01-02 is the first working day.
    await _uncover(session, 2003)
    due = await working_days.add_working_days(session=session, start=date(2003, 12, 31), days=1)
    assert due == date(2004, 1, 2)
    with pytest.raises(CalendarYearMissing) as caught:
        await working_days.add_working_days(session=session, start=date(2003, 12, 30), days=1)
    assert caught.value.year == 2003


@pytest.mark.usefixtures("last_loaded_2026")
async def test_is_working_day(session: AsyncSession) -> None:
    assert await working_days.is_working_day(session=session, day=date(2026, 10, 10))  # make-up
    assert not await working_days.is_working_day(session=session, day=date(2026, 10, 1))
    assert not await working_days.is_working_day(session=session, day=date(2026, 3, 7))  # Sat
    assert await working_days.is_working_day(session=session, day=date(2026, 3, 9))  # Mon
    with pytest.raises(CalendarYearMissing):
        await working_days.is_working_day(session=session, day=date(2027, 1, 4))


async def test_queries_do_not_grow_with_the_period(
    session: AsyncSession, connection: AsyncConnection
) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):  # not the test's SAVEPOINT
            statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        await working_days.add_working_days(session=session, start=date(2026, 1, 5), days=3)
        short = len(statements)
        statements.clear()
        await working_days.add_working_days(session=session, start=date(2026, 1, 5), days=200)
        long = len(statements)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)
    assert short == long == 2  # the covered years, then the special days of the whole range


@pytest.mark.usefixtures("last_loaded_2026")
async def test_loading_a_year_makes_deadlines_countable(session: AsyncSession) -> None:
    with pytest.raises(CalendarYearMissing):
        await working_days.add_working_days(session=session, start=date(2026, 12, 28), days=5)
    data = CalendarYearLoad(
        days_off=_span("2027-01-01", "2027-01-03"),
        make_up_workdays=[],
        notice="测试通知〔2026〕1号",
    )
    await working_days.load_year(session=session, year=2027, data=data, actor=ADMIN)
    due = await working_days.add_working_days(session=session, start=date(2026, 12, 28), days=5)
    assert due == date(2027, 1, 5)  # 12-29, 12-30, 12-31, (01-01..01-03 off), 01-04, 01-05


async def test_reseeding_restores_the_package_data(session: AsyncSession) -> None:
    changed = CalendarYearLoad(
        days_off=NOTICE_2026_OFF, make_up_workdays=NOTICE_2026_MAKE_UP[:-1], notice="改过的通知"
    )
    await working_days.load_year(session=session, year=2026, data=changed, actor=ADMIN)
    assert (await working_days.get_year(session=session, year=2026)).source == CalendarSource.admin
    assert await working_days.add_working_days(
        session=session, start=date(2026, 9, 30), days=3
    ) == date(2026, 10, 12)

    reseeded = await working_days.seed_year(session=session, year=2026, actor=ADMIN)
    assert reseeded.make_up_workdays == NOTICE_2026_MAKE_UP
    assert reseeded.source == CalendarSource.chinesecalendar
    assert reseeded.notice is None
    assert await working_days.add_working_days(
        session=session, start=date(2026, 9, 30), days=3
    ) == date(2026, 10, 10)


async def test_seeding_a_year_the_package_does_not_know_is_refused(session: AsyncSession) -> None:
    unknown = _package_years()[-1] + 1  # the first year the installed package has no data for
    with pytest.raises(NotFound, match=f"no data for {unknown}"):
        await working_days.seed_year(session=session, year=unknown, actor=ADMIN)


@pytest.mark.usefixtures("last_loaded_2026")
async def test_get_year_not_loaded_names_it(session: AsyncSession) -> None:
    with pytest.raises(NotFound, match="has no 2031"):
        await working_days.get_year(session=session, year=2031)


def test_validate_accepts_a_holiday_alone_on_a_weekend() -> None:
    # 2015 notice: 中秋 on Sunday 9-27 is a day off by itself (no weekday next to it).
    days_off = sorted(d for d in chinese_calendar.holidays if d.year == 2015)
    assert date(2015, 9, 27) in days_off
    working_days.validate(
        2015, CalendarYearLoad(days_off=days_off, make_up_workdays=[], notice="国办发明电")
    )


def test_validate_refuses_a_make_up_workday_on_a_weekday() -> None:
    data = CalendarYearLoad(
        days_off=[date(2027, 1, 1)], make_up_workdays=[date(2027, 1, 4)], notice="x"
    )
    with pytest.raises(InvalidField) as caught:
        working_days.validate(2027, data)
    assert caught.value.errors[0].loc == ["body", "make_up_workdays", 0]
    assert "Monday" in caught.value.detail.en


# --- loading from the notice's text (calendar.notice) -----------------------------------------

NOTICES = Path(__file__).parent / "notices"


def _in_use(year: int, deadline: date) -> Evaluation:
    """A final evaluation whose representation window closed on `deadline` (counted on `year`)."""
    return Evaluation(
        employer_id=uuid.uuid4(), cycle=year - 1, grade="C", computed_grade="C",
        status=EvaluationStatus.final, origin=EvaluationOrigin.batch, rule_set_version=1,
        representation_deadline=deadline, effective_from=deadline + ONE_DAY,
    )  # fmt: skip


@pytest.mark.usefixtures("last_loaded_2026")
async def test_a_notice_is_shown_then_saved(session: AsyncSession, clock: Clock) -> None:
    text = (NOTICES / "2027-test.txt").read_text(encoding="utf-8")
    shown = await working_days.load_notice(
        session=session, year=2027, text=text, actor=ADMIN, now=clock.now()
    )
    assert not shown.saved and shown.version == 1 and len(shown.days_off) == 28
    with pytest.raises(NotFound):
        await working_days.get_year(session=session, year=2027)

    saved = await working_days.load_notice(
        session=session, year=2027, text=text, actor=ADMIN, now=clock.now(), confirm=True
    )
    assert saved.saved
    read = await working_days.get_year(session=session, year=2027)
    assert saved.model_dump(exclude={"saved"}) == read.model_dump()
    assert read.days_off == shown.days_off and read.make_up_workdays == shown.make_up_workdays
    assert read.holiday_names[date(2027, 1, 30)] == "春节"
    assert read.notice == "国务院办公厅关于2027年部分节假日安排的通知"
    # 2027-01-01..03 off, Mon 01-04 the 1st working day, ... Fri 01-08 the 5th
    assert await working_days.add_working_days(
        session=session, start=date(2026, 12, 31), days=5
    ) == date(2027, 1, 8)


async def test_the_days_a_deadline_was_counted_on_do_not_change(
    session: AsyncSession, clock: Clock
) -> None:
    session.add(_in_use(2026, date(2026, 10, 12)))
    await session.flush()
    changed = CalendarYearLoad(
        days_off=NOTICE_2026_OFF, make_up_workdays=NOTICE_2026_MAKE_UP[:-1], notice="改过的通知"
    )
    with pytest.raises(CalendarYearInUse) as caught:
        await working_days.load_year(session=session, year=2026, data=changed, actor=ADMIN)
    assert caught.value.status == 409 and caught.value.slug == "calendar-year-in-use"
    assert caught.value.extra["representation_deadlines"] == 1
    assert "2026-10-12" in caught.value.detail.en
    # The same days change no deadline: reseeding, or the published notice over the seed.
    assert (await working_days.seed_year(session=session, year=2026, actor=ADMIN)).version == 2
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    saved = await working_days.load_notice(
        session=session, year=2026, text=text, actor=ADMIN, now=clock.now(), confirm=True,
        replace=True,
    )  # fmt: skip
    assert saved.version == 3 and saved.source == CalendarSource.admin
    assert saved.days_off == NOTICE_2026_OFF and saved.make_up_workdays == NOTICE_2026_MAKE_UP
    # a deadline in 2026 leaves 2025 free to change
    data_2025 = CalendarYearLoad(days_off=[date(2025, 1, 1)], notice="改过的通知")
    assert await working_days.load_year(session=session, year=2025, data=data_2025, actor=ADMIN)
