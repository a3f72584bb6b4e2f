"""The year turns: a missing calendar year never stops grading. A proposed C whose
representation window reaches into a year the calendar does not cover is written as a notice
awaiting the calendar (no deadline, not served); loading the year serves it, its deadline
counted from the day it is served. A and B grades, Art 17 and the job runs go on."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core.clock import Clock
from app.core.jobs import Context
from app.evaluations import jobs as evaluation_jobs
from app.evaluations import service as evaluations
from app.grading import rectification
from app.models.calendar import CalendarYearLoad
from app.models.user import Role
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.conftest import assert_problem
from tests.grading.support import Spec, actor_of, add_record

BASE = "/api/v1/evaluations"
# Mon 2026-12-28: five working days later is in January 2027, which the calendar lacks
DEC_28 = datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TEST_2027 = CalendarYearLoad(  # a test notice, not the State Council's
    days_off=[date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)],
    make_up_workdays=[],
    notice="测试通知〔2026〕1号",
)


@pytest.fixture
async def no_2027(connection) -> None:  # type: ignore[no-untyped-def]
    """The calendar ends with 2026 whatever years chinesecalendar ships (rolled back)."""
    await connection.execute(text("DELETE FROM calendar_years WHERE year > 2026"))


@pytest.fixture
def december(app) -> Clock:  # type: ignore[no-untyped-def]
    app.state.clock = Clock.pinned(DEC_28)
    return app.state.clock


@pytest.fixture
async def reviewers(make_user):  # type: ignore[no-untyped-def]
    return actor_of(await make_user(Role.reviewer)), actor_of(await make_user(Role.reviewer))


async def _c_and_b(session, settings, make_employer, reviewers, clock):  # type: ignore[no-untyped-def]
    collector, verifier = reviewers
    c_unit, b_unit = await make_employer(), await make_employer()
    for employer, spec in ((c_unit, CHILD_LABOUR), (b_unit, Spec())):
        await add_record(
            session, settings, employer.id, spec, clock=clock, collector=collector,
            reviewer=verifier,
        )  # fmt: skip
    await graded(session, [c_unit.id, b_unit.id], clock.today())
    return c_unit, b_unit


async def test_a_c_awaits_the_calendar_and_grading_goes_on(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, reviewers, headers_for, no_2027, december
):
    c_unit, b_unit = await _c_and_b(session, settings, make_employer, reviewers, december)
    notice, b_grade = await current(session, c_unit.id), await current(session, b_unit.id)
    assert (b_grade.grade, b_grade.status) == ("B", "final")  # A and B as always
    assert (notice.grade, notice.status, notice.representation_deadline) == ("C", "notice", None)
    shown = await client.get(f"{BASE}/{notice.id}", headers=await headers_for(Role.auditor))
    assert shown.json()["awaiting_calendar"] is True
    assert shown.json()["representation_deadline"] is None
    own = await headers_for(Role.employer, employer_id=c_unit.id)
    refused = await client.post(f"{BASE}/{notice.id}/representations", json={"text": "x"},
                                headers=own)  # fmt: skip
    assert assert_problem(refused, 409)["type"].endswith("/notice-awaiting-calendar")
    # nothing is guessed: without the year, serving leaves it waiting
    assert await evaluations.serve_awaiting_notices(session=session, today=december.today()) == 0
    assert await evaluations.close_notices(session=session, today=date(2027, 2, 1)) == 0


async def test_loading_the_year_serves_the_notice_counted_from_that_day(  # type: ignore[no-untyped-def]
    client,
    connection,
    session,
    settings,
    make_employer,
    reviewers,
    headers_for,
    no_2027,
    december,
):
    c_unit, _ = await _c_and_b(session, settings, make_employer, reviewers, december)
    notice = await current(session, c_unit.id)
    admin = await headers_for(Role.admin)
    loaded = await client.put("/api/v1/calendar/2027", json=TEST_2027.model_dump(mode="json"),
                              headers=admin)  # fmt: skip
    assert loaded.status_code == 200, loaded.text
    # the scheduler's job serves it; on Tue 12-29 the window is 12-30, 12-31, (1-1..1-3 off),
    # 1-4, 1-5, 1-6: five working days counted from the day it is served
    served_on = Clock.pinned(datetime(2026, 12, 29, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    context = Context(factory=factory, settings=settings, clock=served_on)
    assert await evaluation_jobs.serve_notices(context) == "1 notice(s) served"
    assert await evaluation_jobs.serve_notices(context) is None  # served once
    body = (await client.get(f"{BASE}/{notice.id}", headers=admin)).json()
    assert (body["representation_deadline"], body["awaiting_calendar"]) == ("2027-01-06", False)
    trail = await session.execute(
        text("SELECT changes FROM audit_events WHERE resource_id = :i AND "
             "action = 'evaluation.notice_served'"), {"i": str(notice.id)},
    )  # fmt: skip
    assert trail.scalar_one()["served_on"]["new"] == "2026-12-29"


async def test_art17_goes_on_without_next_years_calendar(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, reviewers, headers_for, no_2027, clock
):
    collector, verifier = reviewers
    fixed = await make_employer()
    child = Spec(serious=["child_or_forced_labour"], kind=CHILD_LABOUR.kind, rectified=True,
                 decided=date(2026, 9, 1), occurred=date(2026, 8, 1))  # fmt: skip
    await add_record(session, settings, fixed.id, child, clock=clock, collector=collector,
                     reviewer=verifier)  # fmt: skip
    await graded(session, [fixed.id], clock.today(), cycle=2026)  # served on 11-26, in 2026
    await evaluations.close_notices(session=session, today=date(2026, 12, 31))
    # 2 January 2027: Art 17's deadline (5 working days after 2026-12-31) is not known yet
    new_year = date(2027, 1, 2)
    waiting = await rectification.eligible(session=session, today=new_year)
    assert [(d.employer_id, d.cycle, d.deadline) for d in waiting] == [(fixed.id, 2026, None)]
    assert await rectification.regrade_rectified(session=session, today=new_year) == 1
    after = await current(session, fixed.id, 2026)
    assert (after.grade, after.origin) == ("B", "art17")
