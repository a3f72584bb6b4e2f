"""Audit trail (Art 8): every write records who changed what, in the writer's transaction.

The database assigns each event its sequence number and chains it to the previous one
(sha256 over the previous hash and the event's content as canonical JSON) under an advisory
lock, so the chain is one line even with many writers; UPDATE, DELETE and TRUNCATE on the table
are refused. A grading statement writes thousands of evaluations at once: its one event names
them by their range of ids and carries the digest of their content (`evaluations_written`),
which the verification recomputes.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.core.actors import Actor
from app.core.db import bulk_insert
from app.models.audit import AuditEvent, EvaluationsWritten

Changes = dict[str, dict[str, Any]]
WRITTEN = "evaluations_written"  # the key of `changes` naming a grading statement's evaluations


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
    if resource_type:
        query = query.where(AuditEvent.resource_type == resource_type)
    if resource_id:
        query = query.where(AuditEvent.resource_id == resource_id)
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
