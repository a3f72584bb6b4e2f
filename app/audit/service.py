"""Audit trail (Art 8): every write records who changed what, in the writer's transaction.

The database assigns each event its sequence number and chains it to the previous one
(sha256 over the previous hash and the event's content as canonical JSON) under an advisory
lock, so the chain is one line even with many writers; UPDATE, DELETE and TRUNCATE on the table
are refused. A grading statement writes thousands of evaluations at once: its one event names
them by their range of ids and carries the digest of their content (`evaluations_written`),
which the verification recomputes. An intake batch does the same for the credit records it
created verified (`records_written`, `credit_records_digest` of migration 0031).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.core.actors import Actor
from app.core.db import bulk_insert
from app.models.audit import AuditEvent, EvaluationsWritten

Changes = dict[str, dict[str, Any]]
WRITTEN = "evaluations_written"  # the key of `changes` naming a grading statement's evaluations
RECORDS_WRITTEN = "records_written"  # the key naming the credit records of an intake batch


def diff(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """Fields whose value differs, as {field: {old, new}}."""
    return {
        key: {"old": old.get(key), "new": value}
        for key, value in new.items()
        if old.get(key) != value
    }


def created(values: dict[str, Any]) -> Changes:
    """A new resource's fields that have a value (an absent field was empty).

    Values may be dates, decimals, UUIDs: they are stored as their JSON text (see db.json_text).
    """
    return {key: {"old": None, "new": value} for key, value in values.items() if value is not None}


async def record(
    *,
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | str | None,
    changes: Changes | None = None,
) -> None:
    await record_many(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        entries=[(resource_id, changes or {})],
    )


async def record_many(
    *,
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    entries: list[tuple[uuid.UUID | str | None, Changes]],
) -> None:
    """One event per (resource id, changes), all in one statement (batches write many)."""
    if not entries:
        return
    await bulk_insert(
        session,
        AuditEvent.__table__,  # type: ignore[attr-defined]
        [
            {
                "id": uuid.uuid4(),
                "actor_type": actor.kind,
                "actor_id": str(actor.id) if actor.id else None,
                "actor_name": actor.name,
                "action": action,
                "resource_type": resource_type,
                "resource_id": str(resource_id) if resource_id is not None else None,
                "changes": changes,
                "request_id": actor.request_id,
            }
            for resource_id, changes in entries
        ],
    )


async def list_(
    *,
    session: AsyncSession,
    resource_type: str | None = None,
    resource_id: str | None = None,
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEvent], str | None]:
    query = select(AuditEvent)
    if resource_id:
        query = query.where(await _about(session, resource_type, resource_id))
    elif resource_type:
        query = query.where(AuditEvent.resource_type == resource_type)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at < until)
    if cursor:
        (after_seq,) = pagination.decode_as(cursor, int)
        query = query.where(col(AuditEvent.seq) < after_seq)
    query = query.order_by(col(AuditEvent.seq).desc()).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    return pagination.page(rows, limit, lambda e: [e.seq])


async def _about(session: AsyncSession, resource_type: str | None, resource_id: str) -> Any:
    """Events of this resource; for a credit record, the intake batch event that names it too
    (found by the range of ids it wrote)."""
    own: Any = col(AuditEvent.resource_id) == resource_id
    if resource_type:
        own = and_(col(AuditEvent.resource_type) == resource_type, own)
    if resource_type not in (None, "credit_record"):
        return own
    try:
        record_id = uuid.UUID(resource_id)
    except ValueError:
        return own
    seq = await batch_event_of(session=session, record_id=record_id)
    return own if seq is None else or_(own, col(AuditEvent.seq) == seq)


_EVALUATIONS_DIGEST = text(
    "SELECT written, strays, digest FROM evaluations_digest(CAST(:first_id AS uuid), "
    "CAST(:last_id AS uuid), CAST(:cycle AS int), CAST(:origin AS text), "
    "CAST(:rule_set_version AS int), CAST(:grading_run_id AS uuid))"
)


async def evaluations_digest(*, session: AsyncSession, named: EvaluationsWritten) -> Any:
    """The evaluations in `named`'s range as stored now: how many (`written`), how many of them
    do not share its cycle, origin, rule set version and run (`strays`), and their `digest`."""
    params = {
        "first_id": named.first_id, "last_id": named.last_id, "cycle": named.cycle,
        "origin": named.origin, "rule_set_version": named.rule_set_version,
        "grading_run_id": named.grading_run_id,
    }  # fmt: skip
    return (await session.execute(_EVALUATIONS_DIGEST, params)).one()


async def record_evaluations_written(
    *,
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | None,
    written: EvaluationsWritten,
    details: dict[str, Any],
) -> None:
    """One event for the evaluations a grading statement wrote, however many."""
    named = {
        **dataclasses.asdict(written),
        "first_id": str(written.first_id),
        "last_id": str(written.last_id),
        "grading_run_id": str(written.grading_run_id) if written.grading_run_id else None,
    }
    await record(
        session=session, actor=actor, action=action, resource_type=resource_type,
        resource_id=resource_id, changes=created({**details, WRITTEN: named}),
    )  # fmt: skip


_RECORDS_DIGEST = text(
    "SELECT written, digest FROM credit_records_digest(CAST(:first_id AS uuid), "
    "CAST(:last_id AS uuid))"
)


async def records_digest(*, session: AsyncSession, first_id: uuid.UUID, last_id: uuid.UUID) -> Any:
    """The credit records with ids in first_id..last_id as stored now: how many (`written`) and
    their `digest` (migration 0031)."""
    params = {"first_id": first_id, "last_id": last_id}
    return (await session.execute(_RECORDS_DIGEST, params)).one()


async def record_records_written(
    *,
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str | None,
    ids: list[uuid.UUID],
    details: dict[str, Any],
) -> None:
    """One event for the credit records a batch just wrote, named by the range of their ids
    (`ids`, sorted, nothing else in between), their count and their digest as stored."""
    first_id, last_id = ids[0], ids[-1]
    stored = await records_digest(session=session, first_id=first_id, last_id=last_id)
    assert stored.written == len(ids), "another record lies in the batch's range of ids"
    named = {
        "first_id": str(first_id),
        "last_id": str(last_id),
        "count": len(ids),
        "digest": stored.digest,
    }
    await record(
        session=session, actor=actor, action=action, resource_type=resource_type,
        resource_id=resource_id, changes=created({**details, RECORDS_WRITTEN: named}),
    )  # fmt: skip


_BATCH_OF = text(
    f"""
    SELECT seq FROM audit_events
    WHERE changes ? '{RECORDS_WRITTEN}'
      AND CAST(changes #>> '{{{RECORDS_WRITTEN},new,first_id}}' AS uuid) <= :record_id
    ORDER BY CAST(changes #>> '{{{RECORDS_WRITTEN},new,first_id}}' AS uuid) DESC
    LIMIT 1
    """
)
_LAST_OF = text(
    f"SELECT CAST(changes #>> '{{{RECORDS_WRITTEN},new,last_id}}' AS uuid) AS last_id "
    "FROM audit_events WHERE seq = :seq"
)


async def batch_event_of(*, session: AsyncSession, record_id: uuid.UUID) -> int | None:
    """The seq of the batch event naming this credit record among those it wrote, if any (the
    batch whose first id is the greatest not above the record's, if its range holds it)."""
    seq = await session.scalar(_BATCH_OF, {"record_id": record_id})
    if seq is None:
        return None
    last_id = await session.scalar(_LAST_OF, {"seq": seq})
    return int(seq) if last_id is not None and record_id <= last_id else None
