"""A deadline that reaches into a year the calendar does not cover waits for it, visibly (as a
C notice does), and is dated by the job once an admin loads the year; the daily job reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select

from app.calendar import service as calendar
from app.core import actors
from app.core.clock import Clock
from app.core.jobs import Context
from app.models.notification import Notification, NotificationKind
from app.objections import deadlines
from app.objections import jobs as objection_jobs
from tests.evaluations.test_awaiting_calendar import TEST_2027
from tests.notifications import support as notifications
from tests.objections.support import BASE, accepted, filed, make_case, objection

# Mon 2026-12-28: 10 working days later is in January 2027
DEC_28 = datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEPARTMENTS = {"handling": "departments", "departments": ["县公安局"]}


@pytest.fixture
async def december(app, connection) -> Clock:  # type: ignore[no-untyped-def]
    """The calendar ends with 2026, whatever years chinesecalendar ships (rolled back)."""
    await connection.execute(text("DELETE FROM calendar_years WHERE year > 2026"))
    app.state.clock = Clock.pinned(DEC_28)
    return app.state.clock


async def test_an_acceptance_whose_deadline_is_in_an_unloaded_year_waits_then_is_dated(
    client, session, settings, app, connection, make_employer, make_user, december
):
    case = await make_case(session, settings, app, make_employer, make_user)
    body = await filed(client, case.account, objection(case.record_id))
    shown = await accepted(client, case.staff, body["id"], **DEPARTMENTS)
    assert shown["due_date"] is None and shown["awaiting_calendar"] is True
    event = (
        await session.execute(
            text("SELECT payload FROM credit_events WHERE event_type = 'objection.accepted' "
                 "AND subject_id = :i"), {"i": shown["id"]},
        )
    ).scalar_one()  # fmt: skip
    assert event["due_date"] is None
    found = await deadlines.summary(
        session=session, today=december.today(), soon_days=2, actor=actors.system()
    )
    assert [i.objection_id for i in found.awaiting_calendar.items] == [uuid.UUID(shown["id"])]
    # the job finds nothing to date yet; once the admin loads 2027, it dates it
    context = Context(
        factory=async_sessionmaker(bind=connection, expire_on_commit=False,
                                   join_transaction_mode="create_savepoint"),
        settings=settings, clock=december,
    )  # fmt: skip
    assert await objection_jobs.date_deadlines(context) is None
    await calendar.load_year(session=session, year=2027, data=TEST_2027, actor=actors.system())
    await session.commit()
    assert await objection_jobs.date_deadlines(context) == "1 objection deadline(s) dated"
    again = await client.get(f"{BASE}/{shown['id']}", headers=case.account)
    # 12-29, 12-30, 12-31, then 01-04 .. 01-08 and 01-11, 01-12 (01-01..01-03 off)
    assert again.json()["due_date"] == "2027-01-12"
    assert again.json()["awaiting_calendar"] is False
    assert await objection_jobs.date_deadlines(context) is None  # idempotent
    # the employer is told the date: `objection.accepted` again, dated later, once
    told = (
        await session.execute(
            text("SELECT payload FROM credit_events WHERE event_type = 'objection.accepted' "
                 "AND subject_id = :i ORDER BY id"), {"i": shown["id"]},
        )
    ).scalars().all()  # fmt: skip
    assert told[1:] == [
        {"objection_id": shown["id"], "handling": "departments", "departments": ["县公安局"],
         "receipt_date": "2026-12-28", "due_date": "2027-01-12", "dated_later": True}
    ]  # fmt: skip
    await notifications.consume(session, december)
    rows = await session.scalars(
        select(Notification)
        .where(Notification.subject_id == uuid.UUID(shown["id"]))
        .where(Notification.kind == NotificationKind.objection_accepted)
        .order_by(col(Notification.event_id))
    )
    first, dated = rows.all()
    assert first.title == "异议受理通知" and "待本年度工作日历载入后确定" in first.body
    assert first.deadline is None
    assert dated.title == "异议处理期限已确定"
    assert "处理期限现已确定：2027年1月12日前作出处理决定" in dated.body
    assert "due date is set: it will be decided by 2027-01-12" in dated.body_en
    assert dated.deadline == date(2027, 1, 12)


async def test_a_push_due_date_waits_for_the_calendar_too(
    client, session, settings, app, make_employer, make_user, december
):
    case = await make_case(session, settings, app, make_employer, make_user)
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])  # 3 WD: Thu 2026-12-31
    revocation = {"reason": "复议撤销", "revoking_document": "文人社撤字〔2026〕12号"}
    decision = {"outcome": "upheld", "reasons": "成立", "revocation": revocation}
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert response.status_code == 200, response.text
    assert response.json()["push_due_date"] is None
    stats = (await client.get("/api/v1/stats/deadlines", headers=case.account)).json()
    [waiting] = stats["push_awaiting_calendar"]["items"]
    assert waiting["objection_id"] == body["id"] and waiting["decided_on"] == "2026-12-28"
    assert waiting["due_date"] is None and stats["push_awaiting_calendar"]["count"] == 1
    assert body["id"] not in {i["objection_id"] for i in stats["awaiting_calendar"]["items"]}
    since = await session.scalar(text("SELECT max(id) FROM credit_events"))
    await calendar.load_year(session=session, year=2027, data=TEST_2027, actor=actors.system())
    assert await deadlines.fill_awaiting(session=session) == 1
    again = await client.get(f"{BASE}/{body['id']}", headers=case.staff)
    assert again.json()["push_due_date"] == "2027-01-05"  # 12-29..31, 01-04, 01-05
    # the push reads the date from the objection: no event for it
    assert await session.scalar(
        text("SELECT count(*) FROM credit_events WHERE id > :s"), {"s": since}
    ) == 0  # fmt: skip
    stats = (await client.get("/api/v1/stats/deadlines", headers=case.account)).json()
    assert stats["push_awaiting_calendar"] == {"count": 0, "items": []}


async def test_the_daily_job_reports_the_counts(
    client, session, settings, connection, clock, app, make_employer, make_user
):
    """One objection received on a letter on Mon 2026-11-02, due Thu 11-05 (3 working days),
    still undecided on the pinned 2026-11-26: the job counts it overdue, log and gauge alike."""
    case = await make_case(session, settings, app, make_employer, make_user)
    letter = objection(case.record_id, receipt_date="2026-11-02", channel="letter")
    body = await filed(client, case.staff, letter)
    assert (await accepted(client, case.staff, body["id"]))["due_date"] == "2026-11-05"
    context = Context(
        factory=async_sessionmaker(bind=connection, expire_on_commit=False,
                                   join_transaction_mode="create_savepoint"),
        settings=settings, clock=clock,
    )  # fmt: skip
    said = await objection_jobs.report_deadlines(context)
    assert said is not None and "overdue 1" in said.split(", ")
    assert deadlines.DEADLINES.labels(state="overdue")._value.get() == 1
