"""The daily reconciliation: what was delivered and what was acknowledged of it, as counts and
a SHA-256 over the sorted ids, with the audit trail's signed checkpoint; and the pusher's pass
(deadlines dated, nothing sent without a transport)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.audit import checkpoints
from app.integrations.platform.client import Outcome
from app.models.audit import Checkpoint
from app.models.event import EventSubject as S
from app.push import jobs, reconciliation, sender
from tests.push.support import RecordingTransport, accepted, consume, emit, messages


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def test_a_day_is_reconciled_by_counts_and_hashes_with_the_checkpoint(
    session, factory, settings, clock, make_employer
):
    employer = await make_employer()
    for n in range(3):
        await emit(
            session,
            "disclosure.updated",
            subject=S.disclosure,
            employer_id=employer.id,
            payload={"n": n},
        )
    await consume(session, clock)
    first, second, third = await messages(session, employer_id=employer.id)

    def answer(message):  # type: ignore[no-untyped-def]
        return accepted(message) if message.sequence != 2 else Outcome("awaiting_receipt")

    await sender.drain(
        factory=factory, transport=RecordingTransport(answer), settings=settings, clock=clock
    )
    found = await reconciliation.reconcile(
        session=session, settings=settings, day=clock.today(), now=clock.now()
    )
    ids = sorted(str(m.id) for m in (first, second, third))
    assert (found.sent_count, found.acknowledged_count) == (3, 2)
    assert found.sent_sha256 == hashlib.sha256("\n".join(ids).encode()).hexdigest()
    assert found.acknowledged_sha256 == reconciliation.digest([str(first.id), str(third.id)])
    assert found.unacknowledged == [str(second.id)]
    assert checkpoints.signed_by(Checkpoint.model_validate(found.checkpoint), settings)
    # recomputed when the late receipt came: the day agrees
    from app.core import actors
    from app.models.push import ReceiptIn
    from app.push import receipts

    late = ReceiptIn(
        message_id=second.id, status="accepted", acceptance_number="LL-2", received_at=clock.now()
    )
    await receipts.record(session=session, receipt=late, actor=actors.system(), clock=clock)
    again = await reconciliation.reconcile(
        session=session, settings=settings, day=clock.today(), now=clock.now()
    )
    assert again.acknowledged_count == 3 and again.unacknowledged == []
    assert again.acknowledged_sha256 == again.sent_sha256


async def test_the_pushers_loop_dates_deadlines_and_queues_without_a_transport(
    session, factory, settings, clock, make_employer
):
    employer = await make_employer()
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        employer_id=employer.id,
        subject_id=uuid.uuid4(),
        payload={"cycle": 2025, "grade": "A"},
    )
    await consume(session, clock)
    stop = asyncio.Event()
    loop = asyncio.create_task(
        jobs.run_pusher(factory=factory, settings=settings, clock=clock, stop=stop)
    )
    await asyncio.sleep(0.2)
    stop.set()
    assert await loop == 0  # no transport configured: the messages queue
    [message] = await messages(session, employer_id=employer.id)
    await session.refresh(message)
    assert message.status == "pending" and message.due_date is not None


async def test_the_pushers_loop_sends_through_the_transport_it_is_given(
    session, factory, settings, clock, make_employer
):
    employer = await make_employer()
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        employer_id=employer.id,
        subject_id=uuid.uuid4(),
        payload={"cycle": 2025, "grade": "A"},
    )
    await consume(session, clock)
    stop = asyncio.Event()
    transport = RecordingTransport()
    loop = asyncio.create_task(
        jobs.run_pusher(
            factory=factory,
            settings=settings,
            clock=clock,
            stop=stop,
            transport=transport,
        )
    )
    await asyncio.sleep(0.3)
    stop.set()
    assert await loop == 1
    [message] = await messages(session, employer_id=employer.id)
    await session.refresh(message)
    assert message.status == "accepted"
