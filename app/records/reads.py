"""Reading the credit file: one record, filtered lists, and a record's full history.

Employers see only their own verified records (issue 3 item 7); the public sees none.
"""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Select, Uuid, and_, bindparam, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import access, entities, pagination, showing
from app.core.actors import Actor
from app.core.i18n import Text
from app.models.audit import AuditEvent
from app.models.credit_record import (
    CreditRecord,
    CreditRecordHistory,
    CreditRecordPublic,
    HistoryTransition,
    RecordCategory,
    RecordKind,
    RecordSource,
    RecordStatus,
    Rectification,
)
from app.models.user import Role
from app.records.errors import RecordHistoryStaffOnly


def rectification(record: CreditRecord) -> Rectification:
    return Rectification(**_rectification(record))


def _rectification(record: CreditRecord) -> dict[str, date | None]:
    return {
        "ordered_date": record.rectification_ordered_date,
        "rectified_date": record.rectified_date,
        "penalty_performed_date": record.penalty_performed_date,
    }


def to_public(record: CreditRecord) -> CreditRecordPublic:
    return showing.model(CreditRecordPublic, record, rectification=rectification(record))


def to_public_data(record: CreditRecord) -> dict[str, Any]:
    """`to_public`'s JSON as plain data (showing.data): what its reads send."""
    return showing.data(CreditRecordPublic, record, rectification=_rectification(record))


async def get(*, session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> CreditRecord:
    """Employers see only their own verified records; anything else is simply not there."""
    record = await entities.by_id(session, CreditRecord, record_id)
    if actor.role == Role.employer and record and record.status != RecordStatus.verified:
        record = None  # a draft or an old version is not there for its employer
    return access.visible(
        actor, record, missing=Text(f"信用记录 {record_id}", f"credit record {record_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    category: RecordCategory | None = None,
    kind: RecordKind | None = None,
    source: RecordSource | None = None,
    status: RecordStatus | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[CreditRecord], str | None]:
    """Newest occurrence first. `occurred_from` and `occurred_to` are both inclusive."""
    employer_id = access.own_employer(actor, employer_id)
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("employer_id", employer_id), ("category", category), ("kind", kind),
            ("source", source), ("status", status), ("occurred_from", occurred_from),
            ("occurred_to", occurred_to),
        )
        if value is not None
    }  # fmt: skip
    if cursor:
        given["after_day"], given["after_id"] = pagination.decode_as(
            cursor, date.fromisoformat, uuid.UUID
        )
    query = _listing(tuple(given), verified_only=actor.role == Role.employer)
    rows = await entities.listed(session, CreditRecord, query, {**given, "limit": limit + 1})
    return pagination.page(rows, limit, lambda r: [r.occurred_date.isoformat(), str(r.id)])


_EQUALS = {
    "employer_id": CreditRecord.employer_id,
    "category": CreditRecord.category,
    "kind": CreditRecord.kind,
    "source": CreditRecord.source,
    "status": CreditRecord.status,
}


@functools.cache
def _listing(given: tuple[str, ...], *, verified_only: bool) -> Select[Any]:
    """The page's query for the filters `given` (and the cursor's `after_day`, `after_id`), its
    values named binds (a template of `entities.listed`), built once per shape."""
    query = select(CreditRecord)
    if verified_only:
        query = query.where(CreditRecord.status == RecordStatus.verified)
    for name in given:
        if name in _EQUALS:
            query = query.where(_EQUALS[name] == bindparam(name))
    if "occurred_from" in given:
        query = query.where(CreditRecord.occurred_date >= bindparam("occurred_from"))
    if "occurred_to" in given:
        query = query.where(CreditRecord.occurred_date <= bindparam("occurred_to"))
    if "after_id" in given:
        key = func.row(CreditRecord.occurred_date, CreditRecord.id)
        after = func.row(bindparam("after_day", type_=Date), bindparam("after_id", type_=Uuid))
        query = query.where(key < after)
    order = (col(CreditRecord.occurred_date).desc(), col(CreditRecord.id).desc())
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


async def history(
    *, session: AsyncSession, record_id: uuid.UUID, actor: Actor
) -> CreditRecordHistory:
    """Every version (oldest first) and every audited transition of any of them, who and when."""
    if actor.role == Role.employer:
        raise RecordHistoryStaffOnly(
            Text(
                "记录的历史（草稿、经办人、更正）只限局内工作人员查看",
                "a record's history (drafts, staff, corrections) is for bureau staff",
            )
        )
    record = await get(session=session, record_id=record_id, actor=actor)
    versions = list(
        (
            await session.scalars(
                select(CreditRecord)
                .where(CreditRecord.record_key == record.record_key)
                .order_by(col(CreditRecord.version))
            )
        ).all()
    )
    ids = [str(v.id) for v in versions]
    batches = await _batch_events(session, [v.id for v in versions])
    own = and_(
        col(AuditEvent.resource_type) == "credit_record", col(AuditEvent.resource_id).in_(ids)
    )
    events = (
        await session.scalars(
            select(AuditEvent)
            .where(or_(own, col(AuditEvent.seq).in_(list(batches))))
            .order_by(col(AuditEvent.seq))
        )
    ).all()
    transitions = [
        HistoryTransition(
            action=e.action,
            record_id=batches.get(e.seq or 0) or uuid.UUID(e.resource_id or ""),
            actor_type=e.actor_type,
            actor_id=e.actor_id,
            actor_name=e.actor_name,
            occurred_at=e.occurred_at,
            changes=e.changes,
        )
        for e in events
    ]
    return CreditRecordHistory(
        record_key=record.record_key,
        versions=[to_public(v) for v in versions],
        transitions=transitions,
    )


async def _batch_events(session: AsyncSession, ids: list[uuid.UUID]) -> dict[int, uuid.UUID]:
    """The intake batch events that created any of these versions (one event for a whole
    batch, naming its records by their range of ids): {seq: the version it created}."""
    found: dict[int, uuid.UUID] = {}
    for record_id in ids:
        seq = await audit.batch_event_of(session=session, record_id=record_id)
        if seq is not None:
            found[seq] = record_id
    return found
