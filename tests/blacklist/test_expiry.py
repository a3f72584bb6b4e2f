"""Listings end when their 3-year term does (人社部令第45号): the daily scheduler job."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.blacklist import expiry as blacklist_expiry
from app.blacklist import service as blacklist
from app.core.actors import Actor
from app.core.clock import Clock, add_months
from app.core.config import Settings
from app.core.jobs import Context, run_job
from app.models.audit import AuditEvent
from app.models.blacklist import (
    BlacklistEntry,
    BlacklistEntryCreate,
    ListingGround,
    ListingStatus,
    PartyRole,
    RemovalKind,
    ResponsiblePersonCreate,
)
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.event import CreditEvent, CreditEventType
from app.models.user import Role
from app.scheduler import all_jobs


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    """Sessions for the job: each of its transactions is a savepoint of the test's own."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def on(clock: Clock) -> date:
    """Today by the app's clock (the job's)."""
    return clock.today()


@pytest.fixture
def listed_on_for(on: date):  # type: ignore[no-untyped-def]
    """The listing date whose 3-year term ends `days` from today (negative: already ended)."""

    def listed_on(days: int) -> date:
        return add_months(on + timedelta(days=days), -36)

    return listed_on


@pytest.fixture
def list_employer(
    session: AsyncSession, make_employer, make_user, settings: Settings, clock: Clock
):  # type: ignore[no-untyped-def]
    async def list_(listed_on: date) -> BlacklistEntry:
        """A listing in force: entered by one reviewer, verified by another."""
        employer = await make_employer()
        enterer, verifier = await make_user(Role.reviewer), await make_user(Role.reviewer)
        actor = Actor(kind="user", id=enterer.id, name=enterer.full_name, role=enterer.role)
        data = BlacklistEntryCreate(
            employer_id=employer.id,
            decision_number=f"文人社失惩字〔{listed_on.year}〕{uuid.uuid4().hex[:4]}号",
            listed_on=listed_on,
            payment_order_number="文人社监令字〔2023〕7号",
            payment_deadline=listed_on - timedelta(days=30),
            amount_owed=Decimal("86000.50"),
            workers_affected=12,
            ground=ListingGround.arrears_over_threshold,
            responsible_persons=[
                ResponsiblePersonCreate(
                    name="张建国",
                    role=PartyRole.legal_representative,
                    id_number="14112119800101123X",
                )
            ],
        )
        draft = await blacklist.create(
            session=session, data=data, actor=actor, settings=settings, clock=clock
        )
        second = Actor(kind="user", id=verifier.id, name=verifier.full_name, role=verifier.role)
        return await blacklist.verify(
            session=session, entry_id=draft.id, actor=second, settings=settings, clock=clock
        )

    return list_


async def _reload(session: AsyncSession, entry: BlacklistEntry) -> BlacklistEntry:
    await session.refresh(entry)
    return entry


async def _audit_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_a_listing_whose_term_ended_leaves_the_list_and_its_record_stays(
    session, factory, settings, list_employer, listed_on_for, on, clock
):
    entry = await list_employer(listed_on_for(-5))
    assert entry.expires_on == on - timedelta(days=5)

    assert await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock) == 1

    entry = await _reload(session, entry)
    assert entry.status == ListingStatus.expired
    assert entry.removal_kind == RemovalKind.expiry
    assert entry.removed_on == on and entry.removed_by is None
    assert "人社部令第45号" in (entry.removal_reason or "")
    assert entry.removal_document == blacklist_expiry.DOCUMENT
    record = await session.get(CreditRecord, entry.credit_record_id, populate_existing=True)
    assert record is not None and record.status == RecordStatus.verified  # the years it covered
    removed = await session.scalar(
        select(CreditEvent)
        .where(CreditEvent.subject_id == entry.id)
        .where(CreditEvent.event_type == CreditEventType.listing_removed)
    )
    assert removed is not None  # grading, disclosure and the push hear of it
    assert removed.record_id == record.id
    assert removed.payload["removal_kind"] == "expiry"
    assert removed.payload["expires_on"] == str(entry.expires_on)
    audited = (
        await session.scalars(
            select(AuditEvent)
            .where(col(AuditEvent.resource_id).in_([str(entry.id), str(record.id)]))
            .where(col(AuditEvent.action).in_(["blacklist_entry.remove", "credit_record.revoke"]))
        )
    ).all()
    assert [(a.action, a.actor_type, a.actor_name) for a in audited] == [
        ("blacklist_entry.remove", "system", "scheduler")
    ]


async def test_the_term_ends_on_its_date_and_not_before(
    session, factory, settings, list_employer, listed_on_for, on, clock
):
    ends_today = await list_employer(listed_on_for(0))
    ends_tomorrow = await list_employer(listed_on_for(1))
    recent = await list_employer(on - timedelta(days=10))

    assert await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock) == 1

    assert (await _reload(session, ends_today)).status == ListingStatus.expired
    assert (await _reload(session, ends_tomorrow)).status == ListingStatus.listed
    assert (await _reload(session, recent)).status == ListingStatus.listed
    record = await session.get(CreditRecord, recent.credit_record_id, populate_existing=True)
    assert record is not None and record.status == RecordStatus.verified


async def test_a_second_run_does_nothing(
    session, factory, settings, list_employer, listed_on_for, clock
):
    entry = await list_employer(listed_on_for(-400))
    assert await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock) == 1
    removed_at, events = (await _reload(session, entry)).removed_at, await _audit_count(session)

    assert await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock) == 0

    assert (await _reload(session, entry)).removed_at == removed_at
    assert await _audit_count(session) == events


async def test_an_early_removal_is_left_as_it_is(
    session, factory, settings, list_employer, listed_on_for, on, clock
):
    entry = await list_employer(listed_on_for(-30))
    entry.arrears_paid_on, entry.commitment_received_on = on - timedelta(days=400), on
    await session.flush()
    await blacklist.remove(
        session=session,
        entry_id=entry.id,
        data=blacklist.BlacklistRemovalCreate(
            kind=RemovalKind.early,
            reason="已足额支付并作出信用承诺",
            document="文人社失移字〔2026〕1号",
        ),
        actor=Actor(kind="system", name="test"),
        settings=settings,
        clock=clock,
    )

    assert await blacklist_expiry.expire_due(factory=factory, settings=settings, clock=clock) == 0
    assert (await _reload(session, entry)).status == ListingStatus.removed


async def test_many_due_listings_end_in_bounded_batches(
    session, factory, settings, list_employer, listed_on_for, clock
):
    entries = [await list_employer(listed_on_for(-days)) for days in range(1, 6)]

    assert (
        await blacklist_expiry.expire_due(
            factory=factory, settings=settings, clock=clock, batch_size=2
        )
        == 5
    )

    for entry in entries:
        assert (await _reload(session, entry)).status == ListingStatus.expired


async def test_the_scheduler_runs_the_job_once_a_day(
    session, factory, settings, list_employer, listed_on_for, clock
):
    [job] = [j for j in all_jobs(settings) if j.name == "blacklist_expiry"]
    context = Context(factory=factory, settings=settings, clock=clock)
    entry = await list_employer(listed_on_for(-1))
    at = datetime(2026, 3, 1, 16, 5, tzinfo=UTC)  # 00:05 on 2 March in Asia/Shanghai
    assert job.run_key(at) == "2026-03-02"  # one run per legal day

    assert await run_job(job, context=context, now=at) == "succeeded"
    assert await run_job(job, context=context, now=at) is None

    assert (await _reload(session, entry)).status == ListingStatus.expired
