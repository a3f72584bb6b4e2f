"""The outbox: the push consumer of the event log turns each change the platform must learn of
into one message (`push_messages`), in the transaction that reads the event.

Idempotent: an event already turned into its message is skipped before anything is numbered
(and `(event_id, subject_id)` is unique besides, so a re-consumed event can only fail, never
double). Each employer's messages are numbered 1, 2, 3 ... with no gaps: its counter row
(`push_sequences`) is locked by the UPDATE that reserves the numbers, and only rows that will be
inserted are numbered. A grading run's event becomes one message per final evaluation of the run
not already announced by its own `evaluation.finalized`, in one INSERT … SELECT numbered by
row_number() over the employer plus its counter — never a loop over a million evaluations.

The deadline: Art 16's 5 working days after an objection or a repair decision are counted here
(`due_days` = 5); the other types' (`push_due_working_days`, a setting, `due_days` NULL) and any
that waited for the calendar get their date from `schedule_deadlines`, which the pusher runs.
Writes use the caller's session and never commit.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar import service as working_days
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import bulk_insert
from app.core.events import Consumer, Event
from app.integrations.platform.payloads import (
    DoublePublicityRecord,
    Employer,
    Message,
    Subject,
)
from app.models.push import PushMessage, PushStatus
from app.push import rules

_INSTANT = TypeAdapter(datetime)


async def enqueue(*, session: AsyncSession, events: Sequence[Event], clock: Clock) -> None:
    """The messages of `events` (one consumer batch): single employers' first, then the runs."""
    singles = [e for e in events if e.event_type != rules.RUN_COMPLETED]
    if singles:
        await _enqueue_singles(session, singles, clock)
    for event in events:
        if event.event_type == rules.RUN_COMPLETED:
            await enqueue_run(session=session, event=event, clock=clock)


CONSUMER = Consumer(name="push", types=rules.TYPES, handle=enqueue)


async def _enqueue_singles(session: AsyncSession, events: Sequence[Event], clock: Clock) -> None:
    ids = [e.id for e in events]
    done = set(
        (
            await session.scalars(
                text("SELECT event_id FROM push_messages WHERE event_id = ANY(:ids)"),
                {"ids": ids},
            )
        ).all()
    )
    announced = set(
        (
            await session.scalars(
                text(
                    "SELECT subject_id FROM push_messages "
                    "WHERE subject = 'evaluation' AND subject_id = ANY(:ids)"
                ),
                {"ids": [e.subject_id for e in events if e.subject_type == "evaluation"]},
            )
        ).all()
    )  # a grade its run announced already (one grade message per evaluation)
    todo = [e for e in events if e.id not in done and e.subject_id not in announced]
    if not todo:
        return
    records = await _rows(
        session,
        "credit_records",
        [
            *(e.record_id for e in todo if e.record_id),
            *(uuid.UUID(e.payload["previous_id"]) for e in todo if e.payload.get("previous_id")),
        ],
    )
    planned = []
    for event in todo:
        previous = records.get(str(event.payload.get("previous_id")), {})
        found = rules.plan(
            event.event_type, event.subject_type, event.subject_id, event.payload,
            previous_in_catalogue=bool(previous.get("in_catalogue")),
        )  # fmt: skip
        if found is not None:
            planned.append((event, found))
    if not planned:
        return
    assert all(e.employer_id for e, _ in planned)  # every event but a run's is one employer's
    employers = await _rows(session, "employers", [e.employer_id for e, _ in planned])
    occurred = await _occurred(session, [e.id for e, _ in planned])
    sequences = await _reserve(session, Counter(str(e.employer_id) for e, _ in planned))
    rows = []
    for event, found in planned:
        employer = employers[str(event.employer_id)]
        when = occurred[event.id]
        record_id = found.subject_id if found.subject == Subject.credit_record else event.record_id
        record = records.get(str(record_id)) if record_id else None
        message = Message(
            message_id=uuid.uuid4(), type=found.type, sequence=next(sequences[str(employer["id"])]),
            occurred_at=when, subject=found.subject, subject_id=found.subject_id,
            employer=Employer(uscc=employer["uscc"], name=employer["name"]),
            record=DoublePublicityRecord.from_record(record, employer) if record else None,
            data=event.payload,
        )  # fmt: skip
        rows.append(await _row(session, event, message, clock))
    await bulk_insert(session, PushMessage.__table__, rows)  # type: ignore[attr-defined]


async def _row(
    session: AsyncSession, event: Event, message: Message, clock: Clock
) -> dict[str, Any]:
    """The outbox row of `message`, its deadline counted when the law gives it (Art 16)."""
    now = clock.now()
    due_from = clock.local(now).date()  # the day the consumer learnt of it, on the app's clock
    due_days, due = None, None
    decided = rules.LEGAL_DEADLINE.get(event.event_type)
    if decided is not None:
        if event.payload.get(decided):
            due_from = date.fromisoformat(event.payload[decided])
        due_days = rules.LEGAL_DAYS
        due = await working_days.due_date(session=session, start=due_from, days=due_days)
    return {
        "id": message.message_id,
        "employer_id": event.employer_id,
        "sequence": message.sequence,
        "type": message.type.value,
        "subject": message.subject.value,
        "subject_id": message.subject_id,
        "event_id": event.id,
        "occurred_at": message.occurred_at,
        "body": message.model_dump(mode="json"),
        "status": PushStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
        "due_from": due_from,
        "due_days": due_days,
        "due_date": due,
    }


async def _rows(
    session: AsyncSession, table: str, ids: Sequence[uuid.UUID | None]
) -> dict[str, Mapping[str, Any]]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    result = await session.execute(
        text(f"SELECT * FROM {table} WHERE id = ANY(:ids)"),
        {"ids": wanted},
    )
    return {str(row["id"]): dict(row) for row in result.mappings()}


async def _occurred(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    result = await session.execute(
        text("SELECT id, occurred_at FROM credit_events WHERE id = ANY(:ids)"), {"ids": ids}
    )
    return {row.id: row.occurred_at for row in result}


async def _reserve(session: AsyncSession, counts: Counter[str]) -> dict[str, Any]:
    """Reserve `counts[employer]` numbers for each employer, its counter row locked by the
    UPDATE until the transaction ends; an iterator of each employer's numbers, in order."""
    employers = sorted(counts)
    await session.execute(
        text(
            "INSERT INTO push_sequences (employer_id, last_sequence) "
            "SELECT unnest(CAST(:ids AS uuid[])), 0 ON CONFLICT DO NOTHING"
        ),
        {"ids": employers},
    )
    result = await session.execute(
        text(
            "UPDATE push_sequences s SET last_sequence = s.last_sequence + v.n "
            "FROM unnest(CAST(:ids AS uuid[]), CAST(:ns AS bigint[])) AS v(employer_id, n) "
            "WHERE s.employer_id = v.employer_id RETURNING s.employer_id, s.last_sequence"
        ),
        {"ids": employers, "ns": [counts[e] for e in employers]},
    )
    last = {str(row.employer_id): int(row.last_sequence) for row in result}
    return {e: iter(range(last[e] - counts[e] + 1, last[e] + 1)) for e in employers}


# A grading run's final evaluations not yet announced (by their own event, or this event read
# again), numbered per employer after its counter, which the UPDATE locks and advances; each
# message's body is the Message JSON built by the database (tests check it against `Message`).
_RUN_COUNTERS = """
INSERT INTO push_sequences (employer_id, last_sequence)
SELECT DISTINCT e.employer_id, 0 FROM evaluations e
WHERE e.grading_run_id = :run_id AND e.status = 'final'
ON CONFLICT DO NOTHING
"""
_RUN = """
WITH todo AS MATERIALIZED (
  SELECT gen_random_uuid() AS message_id, e.id, e.employer_id, e.cycle, e.grade,
         e.effective_from, e.origin,
         row_number() OVER (PARTITION BY e.employer_id ORDER BY e.id) AS n
  FROM evaluations e
  WHERE e.grading_run_id = :run_id AND e.status = 'final'
    AND NOT EXISTS (SELECT 1 FROM push_messages m
                    WHERE m.subject = 'evaluation' AND m.subject_id = e.id)
),
counts AS (SELECT employer_id, max(n) AS n FROM todo GROUP BY employer_id),
reserved AS (
  UPDATE push_sequences s SET last_sequence = s.last_sequence + c.n
  FROM counts c WHERE s.employer_id = c.employer_id
  RETURNING s.employer_id, s.last_sequence - c.n AS base
)
INSERT INTO push_messages (id, employer_id, sequence, type, subject, subject_id, event_id,
                           occurred_at, body, status, attempts, next_attempt_at, due_from,
                           due_days, due_date, created_at, updated_at)
SELECT t.message_id, t.employer_id, r.base + t.n, 'upsert', 'evaluation', t.id, :event_id,
       :occurred_at,
       jsonb_build_object(
         'message_id', CAST(t.message_id AS text), 'type', 'upsert',
         'sequence', r.base + t.n, 'occurred_at', CAST(:occurred_text AS text),
         'subject', 'evaluation', 'subject_id', CAST(t.id AS text),
         'employer', jsonb_build_object('uscc', m.uscc, 'name', m.name),
         'record', NULL,
         'data', jsonb_build_object(
           'cycle', t.cycle, 'grade', t.grade,
           'effective_from', to_char(t.effective_from, 'YYYY-MM-DD'),
           'previous_grade', NULL, 'origin', t.origin, 'run_id', CAST(:run_text AS text))),
       'pending', 0, :now, :due_from, NULL, NULL, :now, :now
FROM todo t
JOIN reserved r ON r.employer_id = t.employer_id
JOIN employers m ON m.id = t.employer_id
"""


async def enqueue_run(*, session: AsyncSession, event: Event, clock: Clock) -> None:
    """One upsert per final evaluation of the run (`grading_run.completed`), set-based."""
    run_id = uuid.UUID(str(event.payload.get("run_id") or event.subject_id))
    occurred = (await _occurred(session, [event.id]))[event.id]
    now = clock.now()
    await session.execute(text(_RUN_COUNTERS), {"run_id": run_id})
    await session.execute(
        text(_RUN),
        {
            "run_id": run_id,
            "run_text": str(run_id),
            "event_id": event.id,
            "occurred_at": occurred,
            "occurred_text": _INSTANT.dump_python(occurred, mode="json"),
            "now": now,
            "due_from": clock.local(now).date(),
        },
    )


# --- deadlines that waited ----------------------------------------------------------------------

_WAITING = """
SELECT DISTINCT due_from, coalesce(due_days, :default) AS days FROM push_messages
WHERE due_date IS NULL AND status NOT IN ('accepted', 'rejected')
ORDER BY due_from LIMIT 100
"""
_DATE = """
UPDATE push_messages SET due_date = :due
WHERE due_date IS NULL AND due_from = :due_from AND coalesce(due_days, :default) = :days
"""


async def schedule_deadlines(*, session: AsyncSession, settings: Settings) -> int:
    """Give a due date to the messages without one that the calendar now covers: those of the
    types without a legal deadline (`push_due_working_days`), and any that waited for a year's
    notice. The number of messages dated; those the calendar still lacks keep waiting, visibly."""
    default = settings.push_due_working_days
    dated = 0
    for row in (await session.execute(text(_WAITING), {"default": default})).all():
        due = await working_days.due_date(session=session, start=row.due_from, days=row.days)
        if due is None:
            continue
        result = await session.execute(
            text(_DATE),
            {"due": due, "due_from": row.due_from, "days": row.days, "default": default},
        )
        dated += result.rowcount  # type: ignore[attr-defined]
    return dated
