"""Delivery channels: a failing channel keeps its delivery for retry with exponential backoff,
and the notice stays readable in the inbox all along; a working one sends it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core.clock import Clock
from app.core.jobs import Context
from app.models.event import EventSubject
from app.models.notification import DeliveryStatus, Notification, NotificationDelivery
from app.models.user import Role
from app.notifications import channels, jobs
from tests.conftest import PINNED_AT
from tests.notifications.support import consume, emit


class Unreachable:
    """An SMS gateway that is down."""

    name = "test-sms"

    def __init__(self) -> None:
        self.tried = 0

    async def deliver(self, notification: Notification) -> None:
        self.tried += 1
        raise ConnectionError("gateway 10.0.0.9 refused the connection")


class Mailbox:
    name = "test-mail"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def deliver(self, notification: Notification) -> None:
        self.sent.append(notification.title)


@pytest.fixture
def registered():  # type: ignore[no-untyped-def]
    made: list[str] = []

    def register(channel):  # type: ignore[no-untyped-def]
        channels.register(channel)
        made.append(channel.name)
        return channel

    yield register
    for name in made:
        channels.unregister(name)


def _context(connection, settings, clock, names):  # type: ignore[no-untyped-def]
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    kept = settings.model_copy(
        update={"notification_channels": ("api", *names), "notification_max_attempts": 3}
    )
    return Context(factory=factory, settings=kept, clock=clock)


async def _notice(session, clock, employer_id):  # type: ignore[no-untyped-def]
    payload = {
        "cycle": 2025,
        "grade": "C",
        "representation_deadline": "2026-12-10",
        "served_on": "2026-11-26",
    }
    await emit(
        session,
        "evaluation.noticed",
        subject=EventSubject.evaluation,
        employer_id=employer_id,
        payload=payload,
    )
    await consume(session, clock)


async def _delivery(session, channel: str) -> NotificationDelivery:  # type: ignore[no-untyped-def]
    query = select(NotificationDelivery).where(NotificationDelivery.channel == channel)
    found = await session.scalar(query.execution_options(populate_existing=True))
    assert found is not None
    return found


async def test_a_failing_channel_retries_with_backoff_and_the_notice_stays_readable(
    session, connection, settings, client, make_employer, headers_for, registered
):
    sms = registered(Unreachable())
    employer = await make_employer()
    start = Clock.pinned(PINNED_AT)
    context = _context(connection, settings, start, [sms.name])
    await jobs.deliver(context)  # the channel is enabled from now on
    await _notice(session, start, employer.id)

    said = await jobs.deliver(context)
    assert said == "0 notification delivery(ies) sent, 1 failed"
    delivery = await _delivery(session, sms.name)
    assert delivery.status == DeliveryStatus.failed and delivery.attempts == 1
    assert delivery.last_error == "ConnectionError: gateway 10.0.0.9 refused the connection"
    first_retry = delivery.next_attempt_at
    assert first_retry is not None
    assert timedelta(seconds=59) < first_retry - start.now() <= timedelta(seconds=60)

    assert await jobs.deliver(context) is None  # not due yet: nothing tried
    assert sms.tried == 1

    later = Clock.pinned(first_retry + timedelta(seconds=1))
    await jobs.deliver(_context(connection, settings, later, [sms.name]))
    delivery = await _delivery(session, sms.name)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.failed, 2)
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - later.now()
    assert timedelta(seconds=119) < wait <= timedelta(seconds=120)  # doubled

    last = Clock.pinned(delivery.next_attempt_at + timedelta(seconds=1))
    await jobs.deliver(_context(connection, settings, last, [sms.name]))
    delivery = await _delivery(session, sms.name)
    # out of attempts: kept, failed, shown to staff; no further try
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.failed,
        3,
        None,
    )
    assert sms.tried == 3

    # never lost: the employer reads it in the inbox, staff see the failed channel
    account = await headers_for(Role.employer, employer_id=employer.id)
    chinese = {**account, "Accept-Language": "zh-CN"}
    inbox = (await client.get("/api/v1/notifications", headers=chinese)).json()["items"]
    assert [n["title"] for n in inbox] == ["拟评C级告知（2025年度）"]
    staff = await headers_for(Role.inspector)
    [seen] = (
        await client.get(
            "/api/v1/notifications", headers=staff, params={"employer_id": str(employer.id)}
        )
    ).json()["items"]
    by_channel = {d["channel"]: d for d in seen["deliveries"]}
    assert by_channel["api"]["status"] == "sent"
    assert by_channel[sms.name]["status"] == "failed"
    assert by_channel[sms.name]["attempts"] == 3
    assert "refused the connection" in by_channel[sms.name]["last_error"]


async def test_a_working_channel_sends_once_and_a_new_channel_sends_only_new_notices(
    session, connection, settings, make_employer, registered
):
    mail = registered(Mailbox())
    employer = await make_employer()
    clock = Clock.pinned(PINNED_AT)
    await _notice(session, clock, employer.id)  # before the channel was enabled
    context = _context(connection, settings, clock, [mail.name])
    assert await jobs.deliver(context) is None  # enabled now: that old notice is not mailed
    later = Clock.pinned(PINNED_AT + timedelta(minutes=1))
    await _notice(session, later, employer.id)
    context = _context(connection, settings, later, [mail.name])
    assert await jobs.deliver(context) == "1 notification delivery(ies) sent, 0 failed"
    assert await jobs.deliver(context) is None
    assert mail.sent == ["拟评C级告知（2025年度）"]
    delivery = await _delivery(session, mail.name)
    assert delivery.status == DeliveryStatus.sent and delivery.sent_at is not None


def test_backoff_doubles_up_to_the_cap_then_stops(settings):
    kept = settings.model_copy(
        update={
            "notification_retry_seconds": 60,
            "notification_retry_max_seconds": 300,
            "notification_max_attempts": 5,
        }
    )
    now = PINNED_AT
    waits = [jobs.next_attempt(kept, n, now) for n in range(1, 6)]
    assert [(w - now).total_seconds() if w else None for w in waits] == [60, 120, 240, 300, None]
