"""Shared helpers of the push tests: events emitted as their writers do, the log consumed as
the scheduler's push consumer does, and a real Transport that records what it was sent and
answers scripted Outcomes (the lead's end-to-end tests use the platform simulator)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.clock import Clock
from app.integrations.platform.client import Outcome
from app.integrations.platform.payloads import Message, Receipt
from app.models.event import EventSubject
from app.models.push import PushMessage
from app.push.outbox import CONSUMER

Answer = Callable[[Message], Outcome]


def accepted(message: Message) -> Outcome:
    receipt = Receipt(
        message_id=message.message_id,
        status="accepted",
        acceptance_number=f"LL-{message.sequence:06d}",
        received_at=datetime.now(UTC),
    )
    return Outcome("accepted", receipt=receipt)


class RecordingTransport:
    """Answers each message with `answer` (default: accepted), or raises `fails` for the whole
    call; remembers every call's messages in order."""

    def __init__(
        self, answer: Answer = accepted, *, delay: float = 0.0, log: list[Message] | None = None
    ) -> None:
        self.answer = answer
        self.delay = delay
        self.calls: list[list[Message]] = []
        self.log = log  # shared by several transports: the platform's arrival order
        self.fails: Exception | None = None

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        self.calls.append(list(messages))
        if self.log is not None:
            self.log.extend(messages)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fails is not None:
            raise self.fails
        return [self.answer(m) for m in messages]

    @property
    def sent(self) -> list[Message]:
        return [m for call in self.calls for m in call]


def later(clock: Clock, seconds: float) -> Clock:
    """A clock `seconds` ahead of `clock`."""
    return Clock.pinned(clock.now() + timedelta(seconds=seconds))


async def emit(
    session: AsyncSession,
    event_type: str,
    *,
    subject: EventSubject,
    employer_id: uuid.UUID | None,
    payload: dict[str, Any],
    subject_id: uuid.UUID | None = None,
    record_id: uuid.UUID | None = None,
) -> uuid.UUID:
    subject_id = subject_id or record_id or uuid.uuid4()
    one = events.event(
        event_type,
        subject_type=subject,
        subject_id=subject_id,
        employer_id=employer_id,
        payload=payload,
        record_id=record_id,
    )
    await events.emit(session=session, events=[one])
    return subject_id


async def consume(session: AsyncSession, clock: Clock, *, again: bool = False) -> int:
    """Every pending event of the push consumer; `again`: forget its receipts first, as a
    crash after the handler and before the batch's commit would."""
    if again:
        await session.execute(
            text("DELETE FROM consumed_events WHERE consumer = :c"), {"c": CONSUMER.name}
        )
        await session.execute(
            text("UPDATE event_consumers SET last_event_id = 0 WHERE name = :c"),
            {"c": CONSUMER.name},
        )
    return await events.consume(
        session=session, consumer=CONSUMER, clock=clock, batch=1000, horizon=timedelta(hours=1)
    )


async def messages(session: AsyncSession, **where: Any) -> list[PushMessage]:
    query = select(PushMessage)
    for name, value in where.items():
        query = query.where(getattr(PushMessage, name) == value)
    found = await session.scalars(query.order_by(PushMessage.employer_id, PushMessage.sequence))
    return list(found.all())
