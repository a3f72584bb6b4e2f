"""Notifications written from the event log, and an employer marking one read.

`notify` is the consumer's handler: each event an employer must be told of becomes one
notification for that employer, with its `api` (inbox) delivery recorded sent; a grading run's
event becomes one notification per A or B grade the run wrote, in one INSERT … SELECT (a run may
grade a million employers). Unique keys make a re-consumed event a no-op: (event_id,
employer_id), and one final-grade notice per evaluation, whether told by its own
`evaluation.finalized` or by its run's `grading_run.completed`. Writes use the caller's session
and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.events import Event
from app.models.notification import (
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationKind,
)
from app.notifications import channels, reads, texts

RUN_COMPLETED = "grading_run.completed"
TYPES = frozenset({*texts.BY_EVENT, RUN_COMPLETED})


async def notify(*, session: AsyncSession, events: Sequence[Event], clock: Clock) -> None:
    """The notifications of `events` (one consumer batch), idempotently: the events of single
    employers first, then the runs (a run's grade told by its own event keeps that text)."""
    now = clock.now()
    rows = []
    for event in events:
        if event.event_type == RUN_COMPLETED:
            continue
        assert event.employer_id is not None  # every event but a run's is one employer's
        kind, render = texts.BY_EVENT[event.event_type]
        told = render(event.payload, str(event.subject_id))
        rows.append(
            {
                "id": uuid.uuid4(),
                "employer_id": event.employer_id,
                "kind": kind.value,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "event_id": event.id,
                "title": told.title,
                "body": told.body,
                "title_en": told.title_en,
                "body_en": told.body_en,
                "facts": event.payload,
                "deadline": told.deadline,
                "created_at": now,
            }
        )
    if rows:
        table = Notification.__table__  # type: ignore[attr-defined]
        statement = insert(table).on_conflict_do_nothing().returning(table.c.id)
        written = list((await session.execute(statement, rows)).scalars())
        if written:
            await session.execute(
                insert(NotificationDelivery.__table__),  # type: ignore[attr-defined]
                [_inbox(notification_id, now) for notification_id in written],
            )
    for event in events:
        if event.event_type == RUN_COMPLETED:
            await notify_run(session=session, event=event, now=now)


def _inbox(notification_id: uuid.UUID, now: datetime) -> dict[str, object]:
    return {
        "notification_id": notification_id,
        "channel": channels.INBOX,
        "status": DeliveryStatus.sent.value,
        "attempts": 1,
        "sent_at": now,
        "created_at": now,
    }


# A grading run's A and B grades, the grade and date put into `texts.sql_template`'s words by
# the database, row by row; those already told (their own event, or this event consumed again)
# are skipped by the unique keys. Each with its inbox delivery, in the same statement.
_RUN = """
WITH new AS (
  INSERT INTO notifications (id, employer_id, kind, subject_type, subject_id, event_id, title,
                             body, title_en, body_en, facts, deadline, created_at)
  SELECT gen_random_uuid(), e.employer_id, :kind, 'evaluation', e.id, :event_id,
         replace(:title, :grade, e.grade),
         replace(replace(:body, :grade, e.grade), :zh_day,
                 to_char(e.effective_from, 'YYYY"年"FMMM"月"FMDD"日"')),
         replace(:title_en, :grade, e.grade),
         replace(replace(:body_en, :grade, e.grade), :en_day,
                 to_char(e.effective_from, 'YYYY-MM-DD')),
         jsonb_build_object('cycle', e.cycle, 'grade', e.grade,
                            'effective_from', to_char(e.effective_from, 'YYYY-MM-DD'),
                            'previous_grade', NULL, 'origin', e.origin,
                            'run_id', CAST(:run_text AS text)),
         NULL, :now
  FROM evaluations e
  WHERE e.grading_run_id = :run_id AND e.status = 'final' AND e.grade IN ('A', 'B')
  ON CONFLICT DO NOTHING
  RETURNING id
)
INSERT INTO notification_deliveries (notification_id, channel, status, attempts, sent_at,
                                     created_at)
SELECT id, :inbox, 'sent', 1, :now, :now FROM new
"""


async def notify_run(*, session: AsyncSession, event: Event, now: datetime) -> None:
    """One final-grade notification per A or B grade of the run (`grading_run.completed`)."""
    run_id = uuid.UUID(str(event.payload.get("run_id") or event.subject_id))
    template = texts.sql_template(int(event.payload["cycle"]))
    await session.execute(
        text(_RUN),
        {
            "kind": NotificationKind.grade_final.value,
            "event_id": event.id,
            "title": template.title,
            "body": template.body,
            "title_en": template.title_en,
            "body_en": template.body_en,
            "grade": texts.GRADE,
            "zh_day": texts.ZH_DAY,
            "en_day": texts.EN_DAY,
            "run_id": run_id,
            "run_text": str(run_id),
            "inbox": channels.INBOX,
            "now": now,
        },
    )


async def mark_read(
    *, session: AsyncSession, notification_id: uuid.UUID, actor: Actor, clock: Clock
) -> Notification:
    """The employer's own account marks its notice read (idempotent: the first reading stays).
    Staff read what was sent but may not mark it read for the employer: the permission
    (`notifications_mark_read`) is the employer's alone, and another employer's is a 404."""
    await reads.get(session=session, notification_id=notification_id, actor=actor)
    notification = await session.get_one(
        Notification, notification_id, with_for_update=True, populate_existing=True
    )  # two readings at once: the second sees the first's
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.read_by = actor.id
        session.add(notification)
        await session.flush()
    return notification
