"""The demo county (`app.demo`) as a newcomer meets it: believable, coherent as of the day it is
seeded, loaded once (a second seed changes nothing), never in production."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import demo
from app.core.clock import Clock
from app.core.config import Settings
from app.demo import names
from app.demo import plan as story
from app.models.credit_record import CreditRecord, RecordSource, RecordStatus
from app.models.employer import Employer
from app.models.user import User

STAFF = {"inspector": ["demo-inspector", "demo-inspector-2"],
         "reviewer": ["demo-reviewer", "demo-reviewer-2"]}  # fmt: skip


async def sign_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def fingerprint(session: AsyncSession) -> dict[str, int]:
    """How many rows each table holds, and the audit chain's last link."""
    tables = await session.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    )
    counts = {}
    for table in tables.all():
        counts[table] = int(await session.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)
    counts["audit seq"] = int(await session.scalar(text("SELECT max(seq) FROM audit_events")) or 0)
    return counts


async def test_the_county_is_there_to_explore_and_loads_once(
    session: AsyncSession, settings: Settings, clock: Clock, client: httpx.AsyncClient, today: date
):
    first = await demo.seed(session=session, settings=settings, clock=clock)
    assert (first.employers_added, first.accounts_added, first.county_loaded) == (300, 7, True)
    assert first.tour.as_of == today
    loaded = await fingerprint(session)
    second = await demo.seed(session=session, settings=settings, clock=clock)
    assert (second.employers_added, second.accounts_added, second.county_loaded) == (0, 0, False)
    assert await fingerprint(session) == loaded  # nothing written the second time
    assert "loaded before, left as it is" in str(second)

    reviewer = await sign_in(client, "demo-reviewer")
    # three graded cycles, most A, some B, a few C
    for cycle in (today.year - 3, today.year - 2, today.year - 1):
        counts = (await get(client, f"/api/v1/stats/grading?cycle={cycle}", reviewer))["counts"]
        assert counts["A"] > counts["B"] > counts["C"] > 0, (cycle, counts)
    # C notices: some final after their window, one changed after a representation, some open
    past = await get(client, f"/api/v1/evaluations?cycle={today.year - 2}&limit=500", reviewer)
    finals = [e for e in past["items"] if e["grade"] == "C" and e["status"] == "final"]
    assert finals and all(e["effective_from"] > e["representation_deadline"] for e in finals
                          if e["represented_at"] is None)  # fmt: skip
    assert any(e["origin"] == "decision" and e["grade"] == "B" for e in past["items"])
    assert any(e["origin"] == "art17" for e in past["items"])
    notices = (await get(client, "/api/v1/evaluations?status=notice&limit=500", reviewer))["items"]
    assert len(notices) >= 3
    assert all(n["representation_deadline"] >= today.isoformat() for n in notices)
    assert {n["cycle"] for n in notices} == {today.year - 1, today.year}

    # records from every source, each verified by a reviewer who did not collect it
    for source in RecordSource:
        page = await get(client, f"/api/v1/credit-records?source={source}&limit=1", reviewer)
        assert page["items"] or source == RecordSource.other, source
    drafts = (await get(client, "/api/v1/credit-records?status=draft&limit=50", reviewer))["items"]
    assert len(drafts) == story.DRAFTS
    people = {i: name for i, name in await session.execute(select(User.id, User.username))}
    rows = (
        await session.execute(
            select(col(CreditRecord.collected_by), col(CreditRecord.verified_by))
            .where(CreditRecord.status == RecordStatus.verified)
            # a correction is a reviewer's new version, verified as it is entered
            .where(col(CreditRecord.supersedes_id).is_(None))
        )
    ).all()
    collectors = {people[c] for c, _ in rows if c}
    verifiers = {people[v] for _, v in rows if v}
    assert set(STAFF["inspector"]) <= collectors
    assert set(STAFF["reviewer"]) == verifiers
    assert all(c != v for c, v in rows)
    last = await session.scalar(select(func.max(CreditRecord.occurred_date)))
    assert last is not None and last <= today

    listings = (await get(client, "/api/v1/blacklist-entries", reviewer))["items"]
    assert [e["status"] for e in listings] == ["listed", "listed"]
    assert any(e["early_removal_eligible"] for e in listings)
    interviews = (await get(client, "/api/v1/interviews?limit=200", reviewer))["items"]
    assert interviews and all(i["evaluation_id"] for i in interviews)

    # the demo employer reads its open C notice and states its case; another reviewer decides
    employer = await sign_in(client, "demo-employer")
    [own] = (await get(client, "/api/v1/evaluations?status=notice", employer))["items"]
    assert own["cycle"] == today.year and own["representation_deadline"] >= today.isoformat()
    assert first.tour.employer_notice is not None and own["id"] == str(first.tour.employer_notice)
    answered = await client.post(
        f"/api/v1/evaluations/{own['id']}/representations",
        json={"text": "我单位已全部整改，请求不评为C级。"},
        headers=employer,
    )
    assert answered.status_code == 201, answered.text
    decided = await client.post(
        f"/api/v1/evaluations/{own['id']}/decision",
        json={"outcome": "confirm"},
        headers=await sign_in(client, "demo-reviewer-2"),
    )
    assert decided.status_code == 200, decided.text

    auditor = await sign_in(client, "demo-auditor")
    assert (await get(client, "/api/v1/audit-events/verification", auditor))["intact"] is True


async def test_seeded_early_in_january_nothing_lies_after_the_seed_day(
    session: AsyncSession, settings: Settings, client: httpx.AsyncClient
):
    day = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    summary = await demo.seed(session=session, settings=settings, clock=Clock.pinned(day))
    assert summary.tour.cycles == [2023, 2024, 2025]
    assert summary.tour.employer_deadline is not None
    assert summary.tour.employer_deadline >= day.date()
    for column in (CreditRecord.occurred_date, CreditRecord.decision_date):
        latest = await session.scalar(select(func.max(column)))
        assert latest is not None and latest <= day.date()
    # 2025's notices were served on 1 January: their window is still open on the 5th
    open_2025 = await session.scalar(
        text("SELECT count(*) FROM evaluations WHERE cycle = 2025 AND status = 'notice'")
    )
    assert open_2025 and open_2025 > 1


def test_the_story_is_the_same_every_time():
    units = [
        story.Unit(
            id=uuid.uuid5(uuid.NAMESPACE_OID, e.uscc),
            name=e.name,
            legal_representative=e.legal_representative,
            subject_type=str(e.subject_type),
        )
        for e in names.demo_employers(300)
    ]
    on = date(2026, 11, 26)
    first, again = story.plan(units, units[0].id, on), story.plan(units, units[0].id, on)
    assert first == again
    assert story.plan(units, units[0].id, on + timedelta(days=1)) != first  # dated by its day


async def test_refused_in_production(session: AsyncSession, settings: Settings, clock: Clock):
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(demo.DemoRefused):
        await demo.seed(session=session, settings=production, clock=clock)
    assert await session.scalar(select(func.count()).select_from(Employer)) == 0


async def test_the_later_stages_take_the_county_in(
    session: AsyncSession, settings: Settings, clock: Clock, client: httpx.AsyncClient
):
    """What the scheduler's consumers do once `make run` serves the county: every stage reads
    the demo's events — grades, disclosures, notifications, the push's outbox — without
    failing, and a second pass finds nothing to do."""
    from app import scheduler
    from app.core import events

    await demo.seed(session=session, settings=settings, clock=clock)

    async def settle() -> int:
        handled = 0
        for consumer in scheduler.CONSUMERS:
            while n := await events.consume(
                session=session, consumer=consumer, clock=clock, batch=1000,
                horizon=timedelta(hours=1),
            ):  # fmt: skip
                handled += n
        return handled

    assert await settle() > 0
    finals_c = await session.scalar(
        text("SELECT count(DISTINCT employer_id) FROM evaluations e WHERE status = 'final' "
             "AND grade = 'C' AND cycle = (SELECT max(cycle) FROM evaluations "
             "WHERE employer_id = e.employer_id AND status = 'final')")
    )  # fmt: skip
    published = await session.scalar(
        text("SELECT count(*) FROM disclosures WHERE status = 'published'")
    )
    assert finals_c and 0 < published <= finals_c  # a C with nothing showable publishes nothing
    listed = await client.get("/api/v1/disclosures", params={"limit": 100})
    assert listed.status_code == 200 and len(listed.json()["items"]) == published
    told = await session.scalar(text("SELECT count(DISTINCT employer_id) FROM notifications"))
    assert told and told >= published
    queued = await session.scalar(text("SELECT count(*) FROM push_messages"))
    assert queued and queued > published
    before = await fingerprint(session)
    assert await settle() == 0
    assert await fingerprint(session) == before
