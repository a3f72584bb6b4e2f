"""The sender through a real Transport (tests.push.support.RecordingTransport): one message per
employer at a time, in sequence; retries on the schedule honouring Retry-After; dead letters;
a claim that died is re-sent with the same id; the breaker shared in the database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.integrations.platform.client import Outcome
from app.integrations.platform.payloads import Message
from app.models.event import EventSubject as S
from app.push import sender
from tests.push.support import RecordingTransport, accepted, consume, emit, later, messages


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def push_settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "push_jitter": 0.0,
            "push_retry_schedule_seconds": [10, 60],
            "push_breaker_failures": 3,
            "push_breaker_open_seconds": 30.0,
            "push_lease_seconds": 60,
        }
    )


async def _queue(session, clock, employer_id: uuid.UUID, count: int) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        await emit(
            session,
            "disclosure.updated",
            subject=S.disclosure,
            employer_id=employer_id,
            payload={
                "disclosure_id": str(uuid.uuid4()),
                "cycle": 2025,
                "n": n,
                "list_status": "yellow",
                "items": [],
            },
        )
    await consume(session, clock)


async def test_each_employer_in_order_employers_side_by_side(
    session, factory, push_settings, clock, make_employer
):
    one, two = await make_employer(), await make_employer()
    await _queue(session, clock, one.id, 3)
    await _queue(session, clock, two.id, 1)
    transport = RecordingTransport()
    sent = await sender.drain(
        factory=factory, transport=transport, settings=push_settings, clock=clock
    )
    assert sent == 4
    rounds = [sorted((m.employer.uscc, m.sequence) for m in call) for call in transport.calls]
    assert rounds == [
        sorted([(one.uscc, 1), (two.uscc, 1)]),
        [(one.uscc, 2)],
        [(one.uscc, 3)],
    ]
    found = await messages(session, employer_id=one.id)
    assert {m.status for m in found} == {"accepted"}
    assert found[0].acceptance_number == "LL-000001" and found[0].receipt_received_at


async def test_a_retry_waits_its_turn_and_blocks_the_employers_later_messages(
    session, factory, push_settings, clock, make_employer
):
    employer = await make_employer()
    await _queue(session, clock, employer.id, 2)
    transport = RecordingTransport(lambda m: Outcome("retry", retry_after=120, reason="503"))
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=clock
        )
        == 1
    )
    first, second = await messages(session, employer_id=employer.id)
    await session.refresh(first)
    assert (first.status, first.attempts, second.status) == ("pending", 1, "pending")
    wait = (first.next_attempt_at - clock.now()).total_seconds()
    assert 119 < wait <= 120  # Retry-After beats the schedule's 10 s
    assert "503" in (first.last_error or "")
    # not due yet: nothing is sent, and the second waits behind the first
    transport.answer = accepted
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=clock
        )
        == 0
    )
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=later(clock, 121)
        )
        == 2
    )
    assert [m.message_id for m in transport.sent] == [first.id, first.id, second.id]


async def test_a_permanent_refusal_or_the_last_attempt_dead_letters(
    session, factory, push_settings, clock, make_employer
):
    refused, tired = await make_employer(), await make_employer()
    await _queue(session, clock, refused.id, 2)
    await _queue(session, clock, tired.id, 1)

    def answer(message: Message) -> Outcome:
        if message.employer.uscc == refused.uscc and message.sequence == 1:
            return Outcome("permanent", reason="401 signature invalid")
        if message.employer.uscc == tired.uscc:
            return Outcome("retry", reason="timeout")
        return accepted(message)

    transport = RecordingTransport(answer)
    moments = [clock, later(clock, 11), later(clock, 100)]
    for moment in moments:  # attempts at 0, 10 and 70 s: the schedule [10, 60] is spent
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=moment
        )
    dead, after = await messages(session, employer_id=refused.id)
    assert (dead.status, after.status) == ("dead", "pending")  # held behind the dead letter
    assert after.id not in {m.message_id for m in transport.sent}
    assert dead.last_error == "permanent: 401 signature invalid"
    [spent] = await messages(session, employer_id=tired.id)
    assert (spent.status, spent.attempts) == ("dead", 3)
    assert spent.last_error == "retries exhausted after 3 attempts: timeout"


async def test_a_pusher_that_died_after_sending_is_followed_by_a_resend_of_the_same_id(
    session, factory, push_settings, clock, make_employer
):
    employer = await make_employer()
    await _queue(session, clock, employer.id, 2)
    [claimed] = await sender.claim(factory=factory, settings=push_settings, clock=clock, limit=10)
    # ... sent, then the pusher was killed before it acknowledged: within the lease nothing goes
    transport = RecordingTransport()
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=clock
        )
        == 0
    )
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=later(clock, 61)
        )
        == 2
    )
    assert transport.sent[0].message_id == claimed.id  # the same message id again
    # the dead pusher's late acknowledgement changes nothing: its claim is over
    await sender.acknowledge(
        factory=factory,
        settings=push_settings,
        clock=clock,
        claimed=[claimed],
        outcomes=[Outcome("retry", reason="late")],
    )
    first, _ = await messages(session, employer_id=employer.id)
    await session.refresh(first)
    assert first.status == "accepted" and first.attempts == 2


async def test_a_transport_that_raises_is_a_retry(
    session, factory, push_settings, clock, make_employer
):
    employer = await make_employer()
    await _queue(session, clock, employer.id, 1)
    transport = RecordingTransport()
    transport.fails = ConnectionRefusedError("connection refused")
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=clock
        )
        == 1
    )
    [message] = await messages(session, employer_id=employer.id)
    assert message.status == "pending" and "connection refused" in (message.last_error or "")


async def test_a_2xx_without_receipt_awaits_it(
    session, factory, push_settings, clock, make_employer
):
    employer = await make_employer()
    await _queue(session, clock, employer.id, 2)
    transport = RecordingTransport(lambda m: Outcome("awaiting_receipt"))
    assert (
        await sender.drain(
            factory=factory, transport=transport, settings=push_settings, clock=clock
        )
        == 2
    )
    found = await messages(session, employer_id=employer.id)
    assert [m.status for m in found] == ["awaiting_receipt", "awaiting_receipt"]
    assert all(m.sent_on == clock.today() and m.acknowledged_at for m in found)


async def _breaker(session):  # type: ignore[no-untyped-def]
    return (await session.execute(text("SELECT * FROM push_breaker"))).one()


async def test_the_breaker_opens_after_consecutive_failures_then_probes(
    session, factory, push_settings, clock, make_employer
):
    employers = [await make_employer() for _ in range(4)]
    for employer in employers:
        await _queue(session, clock, employer.id, 1)
    down = RecordingTransport(lambda m: Outcome("retry", reason="502"))
    assert (
        await sender.drain(factory=factory, transport=down, settings=push_settings, clock=clock)
        == 4
    )
    breaker = await _breaker(session)
    assert (breaker.state, breaker.failures) == ("open", 4)
    # open: nothing is sent, though the messages are due again
    assert (
        await sender.drain(
            factory=factory, transport=down, settings=push_settings, clock=later(clock, 20)
        )
        == 0
    )
    # after the open time one probe; it fails: open again
    assert (
        await sender.drain(
            factory=factory, transport=down, settings=push_settings, clock=later(clock, 31)
        )
        == 1
    )
    assert (await _breaker(session)).state == "open"
    up = RecordingTransport()
    assert (
        await sender.drain(
            factory=factory, transport=up, settings=push_settings, clock=later(clock, 100)
        )
        == 4
    )
    assert [len(call) for call in up.calls] == [1, 3]  # the probe, then the rest
    breaker = await _breaker(session)
    assert (breaker.state, breaker.failures) == ("closed", 0)


def test_the_retry_schedule_has_jitter_within_bounds():
    from app.push import rules

    delays = {rules.retry_delay(1, [100], jitter=0.2, retry_after=None) for _ in range(50)}
    assert all(80 <= d <= 120 for d in delays if d is not None) and len(delays) > 1
    assert rules.retry_delay(2, [100], jitter=0.2, retry_after=None) is None
