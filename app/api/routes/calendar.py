"""The working-day calendar (工作日, docs/law.md §8): covered years, a year's notice, due dates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, require
from app.api.routing import api_router
from app.calendar import service as working_days
from app.calendar.errors import (
    CalendarDaysInvalid,
    CalendarLoadedConcurrently,
    CalendarYearInUse,
    CalendarYearLoaded,
    CalendarYearMissing,
    NoticeUnreadable,
)
from app.calendar.preconditions import (
    CalendarYearExists,
    CalendarYearNotLoadedYet,
    Precondition,
)
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, StaleEtag, problems
from app.models.base import Page
from app.models.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarNoticeLoad,
    CalendarNoticeRead,
    CalendarYearLoad,
    CalendarYearPublic,
    CalendarYearSummary,
    WorkingDayDue,
)

router = api_router(prefix="/calendar", tags=["calendar"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.calendar_read))]
Writer = Annotated[Actor, Depends(require(Permission.calendar_write))]
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2026])]


@router.get(
    "",
    summary="工作日历已覆盖的年份 / List the years the calendar covers",
    response_model=Page[CalendarYearSummary],
    description="Deadlines can be counted only inside these years (docs/law.md §8); `source` says "
    "whether a year was seeded from `chinesecalendar` or loaded by an admin from the notice. "
    "Oldest first, in one page: there are at most a hundred years (`next_cursor` is null).",
)
async def list_calendar_years(session: SessionDep, actor: Reader) -> Page[CalendarYearSummary]:
    """工作日期限只能在已覆盖的年份内计算；`source` 表示该年取自 `chinesecalendar` 还是由管理员
    依国务院通知载入。"""
    rows = await working_days.list_years(session=session)
    return Page(items=[CalendarYearSummary.model_validate(row) for row in rows])


@router.get(
    "/working-days",
    summary="计算工作日期限 / Count working days",
    description="The due date of a period of `days` working days (工作日) that starts with an "
    "event on `start`: the day of the event is not counted, counting starts the next day "
    "(民法典 Art 201); Monday–Friday count unless the notice makes them days off, and make-up "
    "weekend days (调休上班) count. A period reaching into a year the calendar does not cover "
    "is a 409 `calendar-year-missing` naming the `year` to load; the service never guesses.",
    responses=problems(*GUARDED, CalendarYearMissing),
)
async def count_working_days(
    session: SessionDep,
    actor: Reader,
    start: Annotated[date, Query(description="the day of the event", examples=["2026-02-13"])],
    days: Annotated[int, Query(ge=1, le=working_days.MAX_DAYS, examples=[3])],
) -> WorkingDayDue:
    """自事件发生次日起算若干个工作日的到期日（民法典第二百零一条）：周一至周五除放假日外为工作
    日，调休上班的周六、周日也是工作日。期限延伸到工作日历未覆盖的年份时拒绝（409），绝不推算。"""
    due = await working_days.add_working_days(session=session, start=start, days=days)
    return WorkingDayDue(start=start, days=days, due=due)


@router.get(
    "/{year}",
    summary="查看某年工作日历 / Read a year's calendar",
    description="The year's official days off (weekends inside a holiday included) and make-up "
    "workdays, as the State Council notice publishes them. 404 naming the year when it is not "
    "loaded. The `ETag` header is what `PUT /calendar/{year}` needs in `If-Match` to replace "
    "the year.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_calendar_year(
    year: Year, response: Response, session: SessionDep, actor: Reader
) -> CalendarYearPublic:
    """国务院通知公布的该年放假日（含假期中的周末）和调休上班日。"""
    calendar_year = await working_days.get_year(session=session, year=year)
    response.headers["ETag"] = working_days.etag(calendar_year)
    return calendar_year


@router.put(
    "/{year}",
    summary="按国务院通知载入某年工作日历 / Load a year from the State Council notice",
    description="Admin only. Replaces the year's days with the notice's (creates the year when "
    "not covered yet). Refused with a 422 naming the field and index: a date outside the year, "
    "a date listed twice, a date both off and worked, a make-up workday that is not a Saturday "
    "or Sunday. Days off on weekends are accepted: notices list the weekends inside a holiday. "
    "Replacing a year already loaded needs `If-Match` with the `ETag` of `GET "
    "/calendar/{year}` (428 `if-match-required` without it, 412 "
    "`stale-etag` when stale). Loading a year not loaded yet needs no precondition; "
    "send `If-None-Match: *` to load it only if it is still not loaded (412 "
    "`calendar-year-exists` otherwise: another admin loaded it first); `If-Match` on a year not "
    "loaded is a 412 `calendar-year-not-loaded-yet`. Changing the days of a year a stored "
    "deadline was counted on (an evaluation's `representation_deadline` in that year) is a 409 "
    "`calendar-year-in-use` naming the deadlines. Audited with the old and new days.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        CalendarDaysInvalid,
        CalendarYearInUse,
        IfMatchRequired,
        StaleEtag,
        CalendarYearExists,
        CalendarYearNotLoadedYet,
        CalendarLoadedConcurrently,
    ),
)
async def load_calendar_year(
    year: Year,
    data: CalendarYearLoad,
    response: Response,
    session: SessionDep,
    actor: Writer,
    if_match: IfMatch = None,
    if_none_match: Annotated[
        str | None,
        Header(
            pattern=r"^\*$",
            description="`*`: load the year only if it is not loaded yet (412 if it is)",
        ),
    ] = None,
) -> CalendarYearPublic:
    """仅管理员。以通知所列日期替换该年的放假日和调休上班日（尚未覆盖的年份即新建）。已据以计算
    过期限的年份，其日期不得改变（409）。"""
    calendar_year = await working_days.load_year(
        session=session,
        year=year,
        data=data,
        actor=actor,
        precondition=Precondition(if_match=if_match, if_none_match=if_none_match),
    )
    response.headers["ETag"] = working_days.etag(calendar_year)
    return calendar_year


@router.post(
    "/{year}/notice",
    summary="从通知原文读取并保存某年工作日历 / Read a year from the notice's text, then save it",
    description="Admin only. `text` is the State Council notice as published "
    '(国务院办公厅关于20XX年部分节假日安排的通知), e.g. "一、元旦：1月1日（周四）至3日（周六）'
    '放假调休，共3天。1月4日（周日）上班。": one numbered line per holiday, its days off (放假) '
    "and make-up working days (上班); any other date a line mentions counts for nothing. "
    "Answers the year as `GET "
    "/calendar/{year}` would show it, with `saved: false`; nothing is written. With "
    "`confirm: true` the year is saved as a PUT would save it (`saved: true`, audited, the "
    "holiday names kept, `notice` the notice's number when the text has it, else its title). "
    'A 422 (`errors`, loc `["body", "text"]`, each message quoting its line) for a line '
    "that cannot be read, a weekday in brackets that is not the date's (the notice of another "
    "year), a date outside the year, a day listed twice or both off and worked, a count "
    "(共N天) that does not match, no holiday line at all. A 409 `calendar-year-loaded` when the "
    "year is covered already, unless `replace: true`; a 409 `calendar-year-in-use` when the "
    "days would change and a stored deadline was counted on them.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        NoticeUnreadable,
        CalendarDaysInvalid,
        CalendarYearLoaded,
        CalendarYearInUse,
        CalendarLoadedConcurrently,
    ),
)
async def load_calendar_notice(
    year: Year,
    data: CalendarNoticeLoad,
    response: Response,
    session: SessionDep,
    actor: Writer,
    clock: ClockDep,
) -> CalendarNoticeRead:
    """仅管理员。粘贴国务院办公厅关于部分节假日安排的通知原文，逐条读出放假日和调休上班日供核
    对；`confirm: true` 时保存。读不懂的行、括号中星期与日期不符的行均为 422，并引用该行。"""
    read = await working_days.load_notice(
        session=session,
        year=year,
        text=data.text,
        confirm=data.confirm,
        replace=data.replace,
        actor=actor,
        now=clock.now(),
    )
    if read.saved:
        response.headers["ETag"] = working_days.etag(read)
    return read
