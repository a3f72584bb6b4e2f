"""Dynamic adjustment (Art 10): credit events re-grade their employer promptly.

One consumer at a time (it locks its own row in `event_consumers`), in one transaction per
batch: read the events it has not consumed, re-grade their employers, record the events as
consumed and advance the watermark — so a crash re-reads the batch and the re-grade, being
idempotent, changes nothing twice. Never "id > last seen" alone: identity ids commit out of
order (DESIGN decision log), so the watermark passes an event only when no smaller id can still
commit (see `ConsumedEvent`); events above it are skipped by their receipt instead.

DOMAIN §3 defaults: a re-grade that downgrades applies at once (to C through the notice step);
an upgrade only when a record was corrected or revoked; mid-cycle, an A creates no evaluation.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models.credit_event import CreditEventType
from app.models.evaluation import EvaluationOrigin
from app.models.grading_run import ConsumedEvent
from app.services import evaluations
from app.services.grading import apply

CONSUMER = "grading"
UPGRADING = {CreditEventType.record_corrected.value, CreditEventType.record_revoked.value}

_PENDING = """
    SELECT e.id, e.employer_id, e.event_type, e.payload->>'decision_date' AS decision_date
    FROM credit_events e
    WHERE e.id > :watermark
      AND NOT EXISTS (SELECT 1 FROM consumed_events c
                      WHERE c.consumer = :consumer AND c.event_id = e.id)
    ORDER BY e.id
    LIMIT :batch
"""
_WATERMARK = """
    SELECT max(c.event_id) FROM consumed_events c
    WHERE c.consumer = :consumer AND c.consumed_at < now() - CAST(:horizon AS interval)
      AND c.event_id < coalesce(
          (SELECT min(e.id) FROM credit_events e
           WHERE e.id > :watermark AND NOT EXISTS (
               SELECT 1 FROM consumed_events k WHERE k.consumer = :consumer AND k.event_id = e.id)),
          9223372036854775807)
"""


async def _lock_watermark(session: AsyncSession) -> int:
    await session.execute(
        text(
            "INSERT INTO event_consumers (name, last_event_id) VALUES (:name, 0) "
            "ON CONFLICT DO NOTHING"
        ),
        {"name": CONSUMER},
    )
    watermark = await session.scalar(
        text("SELECT last_event_id FROM event_consumers WHERE name = :name FOR UPDATE"),
        {"name": CONSUMER},
    )
    return int(watermark or 0)


def _cycles(decision_date: str | None, today: date) -> set[int]:
    """The current cycle, and a past cycle the record was decided in (its grade may change)."""
    cycles = {today.year}
    if decision_date and int(decision_date[:4]) < today.year:
        cycles.add(int(decision_date[:4]))
    return cycles


async def consume(*, session: AsyncSession, settings: Settings, today: date) -> int:
    """One batch in the caller's transaction; the number of events consumed."""
    watermark = await _lock_watermark(session)
    rows = (
        await session.execute(
            text(_PENDING),
            {"watermark": watermark, "consumer": CONSUMER, "batch": settings.grading_events_batch},
        )
    ).all()
    upgrade: dict[tuple[int, uuid.UUID], bool] = defaultdict(bool)
    for row in rows:
        for cycle in _cycles(row.decision_date, today):
            key = (cycle, row.employer_id)
            upgrade[key] = upgrade[key] or row.event_type in UPGRADING
    groups: dict[tuple[int, bool], list[uuid.UUID]] = defaultdict(list)
    for (cycle, employer_id), allowed in upgrade.items():
        groups[(cycle, allowed)].append(employer_id)
    for (cycle, allowed), employer_ids in sorted(groups.items()):
        policy = apply.Policy(origin=EvaluationOrigin.event, allow_upgrade=allowed, create_a=False)
        await evaluations.regrade(
            session=session, employer_ids=employer_ids, cycle=cycle, policy=policy, today=today
        )
    if rows:
        table = ConsumedEvent.__table__  # type: ignore[attr-defined]
        await session.execute(
            insert(table).on_conflict_do_nothing(),
            [{"consumer": CONSUMER, "event_id": row.id} for row in rows],
        )
    await _advance(session, watermark, settings)
    return len(rows)


async def _advance(session: AsyncSession, watermark: int, settings: Settings) -> None:
    horizon = timedelta(seconds=settings.grading_events_horizon_seconds)
    passed = await session.scalar(
        text(_WATERMARK),
        {"consumer": CONSUMER, "horizon": horizon, "watermark": watermark},
    )
    if passed is None or passed <= watermark:
        return
    await session.execute(
        text("UPDATE event_consumers SET last_event_id = :w, updated_at = now() WHERE name = :n"),
        {"w": passed, "n": CONSUMER},
    )
    await session.execute(
        text("DELETE FROM consumed_events WHERE consumer = :n AND event_id <= :w"),
        {"w": passed, "n": CONSUMER},
    )
