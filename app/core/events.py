"""The event log and its consumers (docs/architecture.md, the event log).

A writer emits an event in the transaction of the change it reports, so an event exists exactly
when its change committed. Every later stage (grading, disclosure, notifications, the push)
learns of changes as a named `Consumer`: `consume` reads, in one transaction, a batch of the
events of the consumer's types it has not handled, hands them to its handler, records a receipt
for each and advances the consumer's watermark. A crash re-reads the batch, and handlers are
idempotent, so nothing is done twice. Never "id > last seen" alone: identity ids commit out of
order (docs/architecture.md), so the watermark passes an event only once no smaller id can still
commit (see `models.event.ConsumedEvent`); events above it are skipped by their receipt.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.db import bulk_insert
from app.core.jobs import Context, Job, every
from app.models.event import ConsumedEvent, CreditEvent, EventSubject


@dataclass(frozen=True)
class Event:
    """An event as a consumer reads it."""

    id: int
    event_type: str
    subject_type: str
    subject_id: uuid.UUID
    employer_id: uuid.UUID | None  # None only for a grading run's event
    record_id: uuid.UUID | None
    payload: dict[str, Any]


class Handler(Protocol):
    async def __call__(
        self, *, session: AsyncSession, events: Sequence[Event], clock: Clock
    ) -> None: ...


@dataclass(frozen=True)
class Consumer:
    """A stage that reacts to events of `types`, in `handle`, in the batch's transaction."""

    name: str
    types: frozenset[str]
    handle: Handler


def event(
    event_type: str,
    *,
    subject_type: EventSubject,
    subject_id: uuid.UUID,
    employer_id: uuid.UUID | None,
    payload: dict[str, Any],
    record_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """One event's row, for `emit`."""
    return {
        "event_type": event_type,
        "subject_type": subject_type.value,
        "subject_id": subject_id,
        "record_id": record_id,
        "employer_id": employer_id,
        "payload": payload,
    }


async def emit(*, session: AsyncSession, events: Sequence[Mapping[str, Any]]) -> None:
    """Write events in the caller's transaction (COPY for a batch: an intake of 1,000 records)."""
    table = CreditEvent.__table__  # type: ignore[attr-defined]
    await bulk_insert(session, table, [dict(e) for e in events])


_PENDING = """
    SELECT e.id, e.event_type, e.subject_type, e.subject_id, e.employer_id, e.record_id,
           e.payload
    FROM credit_events e
    WHERE e.id > :watermark AND e.event_type = ANY(:types)
      AND NOT EXISTS (SELECT 1 FROM consumed_events c
                      WHERE c.consumer = :consumer AND c.event_id = e.id)
    ORDER BY e.id
    LIMIT :batch
"""
# The highest receipt older than the horizon below the first event still to handle.
_WATERMARK = """
    SELECT max(c.event_id) FROM consumed_events c
    WHERE c.consumer = :consumer AND c.consumed_at < now() - CAST(:horizon AS interval)
      AND c.event_id < coalesce(
          (SELECT min(e.id) FROM credit_events e
           WHERE e.id > :watermark AND e.event_type = ANY(:types) AND NOT EXISTS (
               SELECT 1 FROM consumed_events k WHERE k.consumer = :consumer AND k.event_id = e.id)),
          9223372036854775807)
"""


async def _lock_watermark(session: AsyncSession, consumer: Consumer) -> int:
    """The consumer's watermark, its row locked: one batch of a consumer runs at a time."""
    await session.execute(
        text(
            "INSERT INTO event_consumers (name, last_event_id) VALUES (:name, 0) "
            "ON CONFLICT DO NOTHING"
        ),
        {"name": consumer.name},
    )
    watermark = await session.scalar(
        text("SELECT last_event_id FROM event_consumers WHERE name = :name FOR UPDATE"),
        {"name": consumer.name},
    )
    return int(watermark or 0)


async def consume(
    *,
    session: AsyncSession,
    consumer: Consumer,
    clock: Clock,
    batch: int,
    horizon: timedelta,
) -> int:
    """One batch in the caller's transaction; the number of events handled."""
    watermark = await _lock_watermark(session, consumer)
    types = sorted(consumer.types)
    rows = (
        await session.execute(
            text(_PENDING),
            {"watermark": watermark, "consumer": consumer.name, "types": types, "batch": batch},
        )
    ).all()
    events = [Event(**row._mapping) for row in rows]
    if events:
        await consumer.handle(session=session, events=events, clock=clock)
        table = ConsumedEvent.__table__  # type: ignore[attr-defined]
        await session.execute(
            insert(table).on_conflict_do_nothing(),
            [{"consumer": consumer.name, "event_id": e.id} for e in events],
        )
    await _advance(session, consumer, types, watermark, horizon)
    return len(events)


async def _advance(
    session: AsyncSession, consumer: Consumer, types: list[str], watermark: int, horizon: timedelta
) -> None:
    params = {"consumer": consumer.name, "types": types, "horizon": horizon, "watermark": watermark}
    passed = await session.scalar(text(_WATERMARK), params)
    if passed is None or passed <= watermark:
        return
    await session.execute(
        text("UPDATE event_consumers SET last_event_id = :w, updated_at = now() WHERE name = :n"),
        {"w": passed, "n": consumer.name},
    )
    await session.execute(
        text("DELETE FROM consumed_events WHERE consumer = :n AND event_id <= :w"),
        {"w": passed, "n": consumer.name},
    )


async def drain(context: Context, consumer: Consumer) -> str | None:
    """Every pending event of `consumer`, in bounded batches, one transaction each."""
    settings = context.settings
    horizon = timedelta(seconds=settings.events_horizon_seconds)
    total = 0
    while True:
        async with context.factory() as session, session.begin():
            handled = await consume(
                session=session,
                consumer=consumer,
                clock=context.clock,
                batch=settings.events_batch,
                horizon=horizon,
            )
        total += handled
        if handled < settings.events_batch:
            return f"{consumer.name}: {total} event(s) handled" if total else None


def job(consumer: Consumer, seconds: float) -> Job:
    """The consumer as scheduled upkeep: drained every `seconds`."""

    async def work(context: Context) -> str | None:
        return await drain(context, consumer)

    return every(f"{consumer.name}_events", seconds, work)
