"""The outbox as staff and operators see it: deliveries with their filters (status, type,
employer, overdue, blocked) in keyset pages, one delivery with its body, and the push's health.

A pending message is blocked behind a dead letter when an earlier message of its employer is
dead (`sender`: per-employer order holds across it): `blocked_by` names the employer's first
dead letter before it, which an operator replays to let the employer flow again."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.core import pagination
from app.core.config import Settings
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.core.observability import REGISTRY
from app.models.push import (
    BreakerState,
    DeliveryPublic,
    PushMessage,
    PushReconciliation,
    PushStats,
    PushStatus,
    ReconciliationPublic,
)

MESSAGES = Gauge(
    "push_messages", "messages of the push outbox by status", ["status"], registry=REGISTRY
)
OLDEST_PENDING = Gauge(
    "push_oldest_pending_seconds", "age of the oldest message not yet delivered", registry=REGISTRY
)
OVERDUE = Gauge(
    "push_overdue", "messages past their deadline or their receipt's", ["kind"], registry=REGISTRY
)
BLOCKED = Gauge(
    "push_blocked", "pending messages waiting behind a dead letter of their employer",
    registry=REGISTRY,
)  # fmt: skip
BREAKER_OPEN = Gauge(
    "push_breaker_open", "1 while the circuit breaker stops sending", registry=REGISTRY
)

# Delivered: the platform has it (a receipt, or a 2xx awaiting its receipt).
_UNDELIVERED = ("pending", "sending", "dead", "rejected")


def deadline_passed(today: date) -> ColumnElement[bool]:
    return and_(col(PushMessage.status).in_(_UNDELIVERED), col(PushMessage.due_date) < today)


def receipt_late(now: datetime, settings: Settings) -> ColumnElement[bool]:
    since = now - timedelta(hours=settings.push_receipt_overdue_hours)
    return and_(
        col(PushMessage.status) == PushStatus.awaiting_receipt,
        col(PushMessage.acknowledged_at) < since,
    )


_DEAD = aliased(PushMessage, name="dead")


def _dead_before() -> Any:
    """An earlier dead message of the same employer as a pending PushMessage (the partial index
    on (employer_id, sequence) of the holding statuses answers it)."""
    return and_(
        col(_DEAD.employer_id) == col(PushMessage.employer_id),
        col(_DEAD.sequence) < col(PushMessage.sequence),
        col(_DEAD.status) == PushStatus.dead,
        col(PushMessage.status) == PushStatus.pending,
    )


def blocked_by_column() -> Any:
    """The id of the employer's first dead letter before this pending message, or NULL."""
    return (
        sa_select(col(_DEAD.id))
        .where(_dead_before())
        .order_by(col(_DEAD.sequence))
        .limit(1)
        .correlate(PushMessage)
        .scalar_subquery()
        .label("blocked_by")
    )


async def blocked_by(session: AsyncSession, message: PushMessage) -> uuid.UUID | None:
    if message.status != PushStatus.pending:
        return None
    found = await session.scalar(
        text(
            "SELECT id FROM push_messages WHERE employer_id = :employer_id "
            "AND sequence < :sequence AND status = 'dead' ORDER BY sequence LIMIT 1"
        ),
        {"employer_id": message.employer_id, "sequence": message.sequence},
    )
    return uuid.UUID(str(found)) if found is not None else None


def public(
    message: PushMessage,
    *,
    now: datetime,
    today: date,
    settings: Settings,
    body: bool = False,
    blocked_by: uuid.UUID | None = None,
) -> DeliveryPublic:
    since = now - timedelta(hours=settings.push_receipt_overdue_hours)
    late = message.status == PushStatus.awaiting_receipt and (
        message.acknowledged_at is not None and message.acknowledged_at < since
    )
    passed = message.status in _UNDELIVERED and (
        message.due_date is not None and message.due_date < today
    )
    return DeliveryPublic.model_validate(
        message,
        update={
            "awaiting_calendar": message.due_date is None,
            "overdue": late or passed,
            "next_attempt_at": message.next_attempt_at
            if message.status == PushStatus.pending
            else None,
            "body": message.body if body else None,
            "blocked_by": blocked_by,
        },
    )


async def list_(
    *,
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    today: date,
    status: PushStatus | None,
    type_: str | None,
    employer_id: uuid.UUID | None,
    overdue: bool | None,
    limit: int,
    cursor: str | None,
    blocked: bool | None = None,
) -> tuple[list[tuple[PushMessage, uuid.UUID | None]], str | None]:
    """Newest first (created_at, id); each message with the dead letter that blocks it."""
    query = select(PushMessage, blocked_by_column())
    if blocked is not None:
        behind = exists().where(_dead_before())
        query = query.where(behind if blocked else ~behind)
    if status is not None:
        query = query.where(col(PushMessage.status) == status)
    if type_ is not None:
        query = query.where(col(PushMessage.type) == type_)
    if employer_id is not None:
        query = query.where(col(PushMessage.employer_id) == employer_id)
    if overdue is not None:
        late = or_(deadline_passed(today), receipt_late(now, settings))
        # a message without a due date yet (waiting for the calendar) is not overdue
        query = query.where(late if overdue else ~func.coalesce(late, false()))
    if cursor:
        at, last_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        query = query.where(
            or_(
                col(PushMessage.created_at) < at,
                and_(col(PushMessage.created_at) == at, col(PushMessage.id) < last_id),
            )
        )
    query = query.order_by(col(PushMessage.created_at).desc(), col(PushMessage.id).desc())
    rows = [(m, b) for m, b in (await session.execute(query.limit(limit + 1))).all()]
    return pagination.page(rows, limit, lambda r: (r[0].created_at.isoformat(), str(r[0].id)))


async def get(*, session: AsyncSession, message_id: uuid.UUID) -> PushMessage:
    message = await session.get(PushMessage, message_id)
    if message is None:
        raise DoesNotExist(
            Text(f"消息 {message_id} 不存在", f"message {message_id} does not exist")
        )
    return message


_STATS = """
SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')) AS backlog,
       min(created_at) FILTER (WHERE status IN ('pending', 'sending')) AS oldest_pending_at,
       count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS failing,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'awaiting_receipt') AS awaiting_receipt,
       count(*) FILTER (WHERE status = 'awaiting_receipt' AND acknowledged_at < :since)
         AS receipts_overdue,
       count(*) FILTER (WHERE status = ANY(:undelivered) AND due_date < :today) AS overdue,
       count(*) FILTER (WHERE due_date IS NULL AND status NOT IN ('accepted', 'rejected'))
         AS awaiting_calendar,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'sending') AS sending,
       count(*) FILTER (WHERE status = 'accepted') AS accepted
FROM push_messages
"""
# Pending messages behind a dead letter of their employer: from the dead letters (few), each
# probing its employer's later messages in the holding index.
_BLOCKED = """
SELECT count(*) AS blocked, count(DISTINCT m.employer_id) AS blocked_employers
FROM (SELECT employer_id, min(sequence) AS first FROM push_messages WHERE status = 'dead'
      GROUP BY employer_id) d
JOIN push_messages m ON m.employer_id = d.employer_id AND m.sequence > d.first
                    AND m.status = 'pending'
"""


async def stats(
    *, session: AsyncSession, settings: Settings, now: datetime, today: date
) -> PushStats:
    since = now - timedelta(hours=settings.push_receipt_overdue_hours)
    row = (
        await session.execute(
            text(_STATS),
            {"since": since, "today": today, "undelivered": list(_UNDELIVERED)},
        )
    ).one()
    blocked = (await session.execute(text(_BLOCKED))).one()
    breaker = (
        await session.execute(text("SELECT * FROM push_breaker WHERE name = 'platform'"))
    ).one_or_none()
    last = await session.scalar(
        select(PushReconciliation).order_by(col(PushReconciliation.day).desc()).limit(1)
    )
    oldest = row.oldest_pending_at
    found = PushStats(
        backlog=row.backlog, oldest_pending_at=oldest,
        oldest_pending_seconds=(now - oldest).total_seconds() if oldest else None,
        failing=row.failing, dead=row.dead, rejected=row.rejected,
        blocked=blocked.blocked, blocked_employers=blocked.blocked_employers,
        awaiting_receipt=row.awaiting_receipt, receipts_overdue=row.receipts_overdue,
        overdue=row.overdue, awaiting_calendar=row.awaiting_calendar,
        breaker=BreakerState(breaker.state) if breaker else BreakerState.closed,
        breaker_failures=breaker.failures if breaker else 0,
        breaker_open_until=breaker.open_until if breaker else None,
        last_reconciliation=ReconciliationPublic.model_validate(last) if last else None,
    )  # fmt: skip
    _measure(found, row._mapping)
    return found


def _measure(found: PushStats, counts: Any) -> None:
    for status in PushStatus:
        MESSAGES.labels(status.value).set(counts[status.value])
    OLDEST_PENDING.set(found.oldest_pending_seconds or 0)
    BLOCKED.set(found.blocked)
    OVERDUE.labels("deadline").set(found.overdue)
    OVERDUE.labels("receipt").set(found.receipts_overdue)
    BREAKER_OPEN.set(0 if found.breaker == BreakerState.closed else 1)


async def reconciliations(
    *, session: AsyncSession, limit: int, cursor: str | None
) -> tuple[list[PushReconciliation], str | None]:
    query = select(PushReconciliation)
    if cursor:
        [day] = pagination.decode_as(cursor, date.fromisoformat)
        query = query.where(col(PushReconciliation.day) < day)
    query = query.order_by(col(PushReconciliation.day).desc()).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    return pagination.page(rows, limit, lambda r: (r.day.isoformat(),))
