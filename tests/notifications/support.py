"""Shared helpers of the notifications tests: emitting an event as its writer does, and
consuming the log as the scheduler's notifications consumer does."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.clock import Clock
from app.models.event import EventSubject
from app.models.notification import Notification
from app.notifications.consumer import CONSUMER


async def emit(
    session: AsyncSession,
    event_type: str,
    *,
    subject: EventSubject,
    employer_id: uuid.UUID | None,
    payload: dict[str, Any],
    subject_id: uuid.UUID | None = None,
) -> uuid.UUID:
    subject_id = subject_id or uuid.uuid4()
    one = events.event(
        event_type,
        subject_type=subject,
        subject_id=subject_id,
        employer_id=employer_id,
        payload=payload,
    )
    await events.emit(session=session, events=[one])
    return subject_id


async def consume(session: AsyncSession, clock: Clock, *, again: bool = False) -> int:
    """Every pending event of the notifications consumer; `again`: forget the receipts first,
    as a crash after the handler and before the commit of its batch would."""
    if again:
        await session.execute(
            text("DELETE FROM consumed_events WHERE consumer = :c"), {"c": CONSUMER.name}
        )
        await session.execute(
            text("UPDATE event_consumers SET last_event_id = 0 WHERE name = :c"),
            {"c": CONSUMER.name},
        )
    handled = 0
    while True:
        n = await events.consume(
            session=session, consumer=CONSUMER, clock=clock, batch=1000, horizon=timedelta(hours=1)
        )
        handled += n
        if n < 1000:
            return handled


async def count(session: AsyncSession, **where: Any) -> int:
    query = select(func.count()).select_from(Notification)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return int(await session.scalar(query) or 0)


async def only(session: AsyncSession, **where: Any) -> Notification:
    query = select(Notification)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    [found] = (await session.scalars(query)).all()
    return found
