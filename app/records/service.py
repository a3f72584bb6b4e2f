"""Credit record writes (Art 5–8): draft -> verified by a second person -> superseded or revoked.

A verified version's content never changes (the database refuses it too, see migration 0002): a
correction is a new draft version, verified by a second person like any record, and then the old
one becomes `superseded`, linked both ways (`corrections`). Every transition is audited; those
that change what is in force emit a credit event.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import validation
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import DriverUUID, bulk_insert, bulk_insert_columns, ordered_id_tail, rows_of
from app.core.errors import DoesNotExist, FieldProblem, check_if_match
from app.core.i18n import Text, say
from app.models.credit_record import (
    CreditRecord,
    CreditRecordBase,
    CreditRecordCreate,
    CreditRecordUpdate,
    RecordStatus,
    RevocationCreate,
)
from app.models.employer import Employer
from app.models.event import CreditEventType
from app.records import events as credit_events
from app.records import reads, rules
from app.records.errors import (
    CorrectionChangesEmployer,
    NotCollector,
    RecordNotDraft,
    RecordNotVerified,
    SamePerson,
)

CONTENT_FIELDS = (
    *CreditRecordBase.model_fields,
    "rectification_ordered_date",
    "rectified_date",
    "penalty_performed_date",
)


def etag(record: CreditRecord) -> str:
    return f'"{record.version}.{record.revision}"'


def content_of(record: CreditRecord) -> dict[str, Any]:
    return {field: getattr(record, field) for field in CONTENT_FIELDS}


async def problems(
    *, session: AsyncSession, items: Sequence[CreditRecordCreate], clock: Clock
) -> list[list[FieldProblem]]:
    """Every item's problems (empty when it may be written); one query for all employers."""
    wanted = {item.employer_id for item in items}
    known = set(await session.scalars(select(Employer.id).where(col(Employer.id).in_(wanted))))
    on = clock.today()
    found = []
    for item in items:
        item_problems = rules.problems(item, today=on)
        if item.employer_id not in known:
            msg = say(
                Text(
                    f"用人单位 {item.employer_id} 不存在",
                    f"employer {item.employer_id} does not exist",
                )
            )
            item_problems.insert(
                0, FieldProblem(loc=["body", "employer_id"], msg=msg, type="unknown")
            )
        found.append(item_problems)
    return found


async def create(
    *,
    session: AsyncSession,
    data: CreditRecordCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    verified: bool = False,
) -> CreditRecord:
    """A new record: a draft, or (intake from a trusted source) verified at once."""
    [record_id] = await create_many(
        session=session,
        items=[data],
        actor=actor,
        settings=settings,
        clock=clock,
        verified=verified,
    )
    record = await session.get(CreditRecord, record_id)
    assert record is not None
    return record


async def create_many(
    *,
    session: AsyncSession,
    items: Sequence[CreditRecordCreate],
    actor: Actor,
    settings: Settings,
    clock: Clock,
    verified: bool = False,
    prechecked: bool = False,
    batch: AuditedBatch | None = None,
) -> list[uuid.UUID]:
    """All or nothing: the first item with a problem raises a 422. Set-based for batches:
    one statement each for the records, their audit events and their credit events.
    `prechecked`: the caller already ran `problems` on these very items (intake, import).
    `batch`: verified records audited by one event for all of them (`AuditedBatch`), which the
    caller writes with `audit_batch` as the last statement before it commits."""
    if not prechecked:
        for found in await problems(session=session, items=items, clock=clock):
            if found:
                raise rules.invalid(found)
    now = clock.now()
    fixed = {
        "version": 1,
        "revision": 1,
        "status": RecordStatus.verified if verified else RecordStatus.draft,
        "collected_by": actor.id if actor.kind == "user" else None,
        "verified_at": now if verified else None,
        "created_at": now,
        "updated_at": now,
    }
    assert batch is None or verified, "a draft may be edited in place: audited one by one"
    if not items:
        return []
    count = len(items)
    ids = batch_ids(count, now) if batch else random_ids(count)
    table = CreditRecord.__table__  # type: ignore[attr-defined]
    columns = {
        **{name: [value] * count for name, value in _NEW_ROW.items()},
        **rules.column_values(items, settings),
        **{name: [value] * count for name, value in fixed.items()},
        "id": ids,
        # A record is known across its versions by its first version's id: a batch's keys are
        # ordered as its ids are, so both unique indexes of keys take them at their right edge.
        "record_key": ids,
    }
    if batch is not None:  # audited by the caller, last (`audit_batch`)
        await bulk_insert_columns(session, table, columns)
        await credit_events.emit_range(
            session=session,
            event_type=CreditEventType.record_verified,
            first_id=ids[0],
            last_id=ids[-1],
        )
        return ids
    rows = rows_of(columns)
    await bulk_insert(session, table, rows)
    # The events before the audit: the audit chain's lock, taken by the first audit event, is
    # held until commit, so what follows it waits for every other writer of audit events.
    if verified:
        await credit_events.emit_rows(
            session=session, event_type=CreditEventType.record_verified, rows=rows
        )
    await audit.record_many(
        session=session,
        actor=actor,
        action="credit_record.create",
        resource_type="credit_record",
        entries=[(row["id"], audit.created(_created_fields(row))) for row in rows],
    )
    return ids


@dataclass(frozen=True)
class AuditedBatch:
    """One audit event for the verified records of a batch (an intake batch from a trusted
    source), naming them by the range of their ids, their count and the digest of their rows,
    which the verification recomputes (Art 8; migration 0031). Only for records verified when
    written: their content never changes afterwards, and what their lawful life changes
    (supersession, revocation) is audited record by record. A draft may be edited in place by
    its source, so drafts keep an event each."""

    action: str
    resource_type: str
    resource_id: str | None
    details: dict[str, Any]


async def audit_batch(
    *, session: AsyncSession, actor: Actor, batch: AuditedBatch, ids: list[uuid.UUID]
) -> None:
    """The one audit event of the records `create_many` wrote for `batch` (`ids`, as it returned
    them). Written last: the audit chain's lock, which it takes, is held until commit, so every
    statement after it would keep every other writer of audit events waiting."""
    if ids:
        await audit.record_records_written(
            session=session, actor=actor, action=batch.action, resource_type=batch.resource_type,
            resource_id=batch.resource_id, ids=ids, details=batch.details,
        )  # fmt: skip


def random_ids(count: int) -> list[uuid.UUID]:
    """`count` UUIDv4 from one read of the system's random source, not one read each (as
    `DriverUUID`s)."""
    pool = bytearray(os.urandom(16 * count))
    pool[6::16] = bytes(b & 0x0F | 0x40 for b in pool[6::16])  # version 4
    pool[8::16] = bytes(b & 0x3F | 0x80 for b in pool[8::16])  # variant RFC 9562
    whole = bytes(pool)
    return [DriverUUID(whole[i : i + 16]) for i in range(0, 16 * count, 16)]


def batch_ids(count: int, at: datetime) -> list[uuid.UUID]:
    """UUIDv7 (RFC 9562) sharing one 96-bit prefix (the milliseconds of `at`, then the version,
    variant and 42 random bits of `ordered_id_tail`) and a counter from 0x10000000: sorted,
    appended at the primary key's right edge, and no other batch's id lies between the first and
    the last (unless 42 random bits collide in the same millisecond, which the writer checks).
    Made as `random_ids` makes its ids."""
    milliseconds = int(at.timestamp() * 1000) & 0xFFFF_FFFF_FFFF
    prefix = (milliseconds << 48 | int(ordered_id_tail(), 16)).to_bytes(12, "big")
    return [DriverUUID(prefix + (0x1000_0000 + i).to_bytes(4, "big")) for i in range(count)]


# Columns a new record leaves empty, so every row of a batch has the same keys.
_NEW_ROW: dict[str, Any] = dict.fromkeys(
    (
        "supersedes_id",
        "superseded_by_id",
        "correction_reason",
        "revocation_reason",
        "revoking_document",
        "revoked_by",
        "revoked_at",
        "verified_by",
    )
)


def _created_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {field: row[field] for field in (*CONTENT_FIELDS, "status")}


async def locked(session: AsyncSession, record_id: uuid.UUID) -> CreditRecord:
    record = await session.get(CreditRecord, record_id, with_for_update=True)
    if record is None:
        raise DoesNotExist(
            Text(f"信用记录 {record_id} 不存在", f"credit record {record_id} does not exist")
        )
    return record


# What is done to a record, as refusals say it (callers may pass the English word alone).
DOING = {
    "edited": Text("修改", "edited"),
    "verified": Text("审核", "verified"),
    "revoked": Text("撤销", "revoked"),
    "corrected": Text("更正", "corrected"),
    "replaced": Text("替换", "replaced"),
    "verify": Text("审核", "verify"),
    "correct": Text("更正", "correct"),
}
STATUS_NAMES = {
    RecordStatus.draft: Text("草稿", "draft"),
    RecordStatus.verified: Text("已审核", "verified"),
    RecordStatus.superseded: Text("已被取代", "superseded"),
    RecordStatus.revoked: Text("已撤销", "revoked"),
    RecordStatus.withdrawn: Text("已撤回", "withdrawn"),
}


def _doing(doing: Text | str) -> Text:
    return doing if isinstance(doing, Text) else DOING.get(doing, Text(doing, doing))


def must_be(record: CreditRecord, status: RecordStatus, doing: Text | str) -> None:
    """A draft-only or verified-only step refused for a record in another status (409)."""
    if record.status == status:
        return
    extra = {"current_id": str(record.superseded_by_id)} if record.superseded_by_id else {}
    done, now, wanted = _doing(doing), STATUS_NAMES[record.status], STATUS_NAMES[status]
    kind = RecordNotDraft if status == RecordStatus.draft else RecordNotVerified
    raise kind(
        Text(
            f"信用记录 {record.id} {now.zh}；只有{wanted.zh}的记录可以{done.zh}",
            f"credit record {record.id} is {record.status}; only a {status} one can be {done.en}",
        ),
        record_status=str(record.status),
        **extra,
    )


def _merged(record: CreditRecord, data: CreditRecordUpdate) -> CreditRecordCreate:
    values = {k: v for k, v in content_of(record).items() if k in CreditRecordCreate.model_fields}
    values["rectification"] = reads.rectification(record).model_dump()
    values.update(data.model_dump(exclude_unset=True))
    try:
        return CreditRecordCreate.model_validate(values)
    except ValidationError as exc:
        found = [validation.field_problem(e, ["body", *map(str, e["loc"])]) for e in exc.errors()]
        raise rules.invalid(found) from exc


async def update(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    data: CreditRecordUpdate,
    if_match: str | None,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditRecord:
    """Only a draft, only by its collector, only with the ETag they read."""
    record = await locked(session, record_id)
    must_be(record, RecordStatus.draft, "edited")
    if actor.id is None or record.collected_by != actor.id:
        raise NotCollector(
            Text(
                "只有采集这份草稿的监察员可以修改它",
                "only the inspector who collected a draft may edit it",
            ),
            reason="collector",
        )
    check_if_match(if_match, etag(record), Text("信用记录", "record"))
    merged = _merged(record, data)
    if record.supersedes_id is not None and merged.employer_id != record.employer_id:
        raise CorrectionChangesEmployer(record.supersedes_id)  # a draft correction
    [found] = await problems(session=session, items=[merged], clock=clock)
    if found:
        raise rules.invalid(found)
    before = content_of(record)
    for key, value in rules.columns(merged, settings).items():
        setattr(record, key, value)
    changes = audit.diff(before, content_of(record))
    if changes:
        record.revision += 1
        record.updated_at = clock.now()
        await session.flush()
        await audit_change(session, actor, "credit_record.update", record.id, changes)
    return record


def second_person(record: CreditRecord, actor: Actor, doing: Text | str) -> None:
    """Art 8: whoever collected a record does not also verify or correct it."""
    if record.collected_by is not None and record.collected_by == actor.id:
        done = _doing(doing)
        raise SamePerson(
            Text(
                f"这条记录是你采集的，你不能{done.zh}它：须由另一位审核员办理（第8条，双人核查）",
                f"you collected this record, so you cannot {done.en} it: a second reviewer "
                "must (Art 8, two-person verification)",
            ),
            reason="same_person",
        )


async def verify(
    *, session: AsyncSession, record_id: uuid.UUID, actor: Actor, clock: Clock
) -> CreditRecord:
    record = await locked(session, record_id)
    must_be(record, RecordStatus.draft, "verified")
    second_person(record, actor, "verify")
    record.status = RecordStatus.verified
    record.verified_by = actor.id
    record.verified_at = record.updated_at = clock.now()
    await session.flush()
    await audit_transition(session, actor, record, "credit_record.verify", was=RecordStatus.draft)
    await credit_events.emit(
        session=session, event_type=CreditEventType.record_verified, records=[record]
    )
    return record


async def audit_change(
    session: AsyncSession,
    actor: Actor,
    action: str,
    record_id: uuid.UUID,
    changes: audit.Changes,
) -> None:
    await audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="credit_record",
        resource_id=record_id,
        changes=changes,
    )


async def audit_transition(
    session: AsyncSession,
    actor: Actor,
    record: CreditRecord,
    action: str,
    *,
    was: RecordStatus,
    **new: Any,
) -> None:
    changes = audit.created(new)
    changes["status"] = {"old": str(was), "new": str(record.status)}
    await audit_change(session, actor, action, record.id, changes)


async def revoke(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    data: RevocationCreate,
    actor: Actor,
    clock: Clock,
) -> CreditRecord:
    record = await locked(session, record_id)
    must_be(record, RecordStatus.verified, "revoked")
    record.status = RecordStatus.revoked
    record.revocation_reason = data.reason
    record.revoking_document = data.revoking_document
    record.revoked_by = actor.id
    record.revoked_at = record.updated_at = clock.now()
    await session.flush()
    extra = {"reason": data.reason, "revoking_document": data.revoking_document}
    await audit_transition(
        session, actor, record, "credit_record.revoke", was=RecordStatus.verified, **extra
    )
    await credit_events.emit(
        session=session, event_type=CreditEventType.record_revoked, records=[record], extra=extra
    )
    return record
