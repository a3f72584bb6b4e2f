"""Corrections of the credit file (Art 8: no tampering): a verified record is never edited; a
correction is version N+1, verified at once, that supersedes version N with a reason, linked
both ways. From a reviewer (`correct`) or from the record's source system (`replace_by_source`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import Conflict, InvalidField
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecord,
    CreditRecordCreate,
    RecordStatus,
)
from app.models.event import CreditEventType
from app.records import events as credit_events
from app.records import rules, service


async def correct(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    data: CorrectionCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditRecord:
    """Version N+1, verified at once by the correcting reviewer; version N becomes superseded."""
    old = await service.locked(session, record_id)
    service.must_be(old, RecordStatus.verified, "corrected")
    service.second_person(old, actor, "correct")
    content = CreditRecordCreate.model_validate(data.model_dump(exclude={"reason"}))
    await _check_replacement(session, old, content, clock)
    return await _supersede(session, old, content, actor, settings, clock, reason=data.reason)


async def replace_by_source(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    content: CreditRecordCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    verified: bool,
    reason: str,
) -> CreditRecord:
    """Changed content from the record's source system (intake): a draft is edited in place
    (and verified when the source is trusted); a verified record gets a new verified version
    from a trusted source only (an untrusted one needs a reviewer's correction: 409)."""
    record = await service.locked(session, record_id)
    await _check_replacement(session, record, content, clock)
    if record.status == RecordStatus.draft:
        before = service.content_of(record)
        for key, value in rules.columns(content, settings).items():
            setattr(record, key, value)
        record.revision += 1
        record.updated_at = clock.now()
        if verified:
            record.status, record.verified_at = RecordStatus.verified, record.updated_at
        await session.flush()
        changes = audit.diff(before, service.content_of(record))
        if verified:
            changes["status"] = {"old": "draft", "new": "verified"}
        await service.audit_change(session, actor, "credit_record.update", record.id, changes)
        if verified:
            await credit_events.emit(
                session=session, event_type=CreditEventType.record_verified, records=[record]
            )
        return record
    service.must_be(record, RecordStatus.verified, "replaced")
    if not verified:
        raise Conflict(
            f"credit record {record.id} is verified; a change from an untrusted source needs "
            "a reviewer's correction",
            record_status=str(record.status),
        )
    return await _supersede(session, record, content, actor, settings, clock, reason=reason)


async def _check_replacement(
    session: AsyncSession, old: CreditRecord, content: CreditRecordCreate, clock: Clock
) -> None:
    if content.employer_id != old.employer_id:
        raise InvalidField(
            ["body", "employer_id"],
            "a correction cannot move a record to another employer; revoke it and create a new one",
        )
    [found] = await service.problems(session=session, items=[content], clock=clock)
    if found:
        raise rules.invalid(found)


async def _supersede(
    session: AsyncSession,
    old: CreditRecord,
    content: CreditRecordCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    *,
    reason: str,
) -> CreditRecord:
    """The new verified version N+1 and the old one superseded, linked both ways."""
    person = actor.id if actor.kind == "user" else None
    now = clock.now()  # a record's times all come from the clock (`create_many` stamps them)
    new = CreditRecord(
        **rules.columns(content, settings),
        id=uuid.uuid4(),
        record_key=old.record_key,
        version=old.version + 1,
        status=RecordStatus.verified,
        supersedes_id=old.id,
        correction_reason=reason,
        collected_by=person,
        verified_by=person,
        verified_at=now,
        created_at=now,
        updated_at=now,
    )
    old.status, old.superseded_by_id, old.updated_at = RecordStatus.superseded, new.id, now
    await session.flush()  # the old version steps aside before the new one becomes current
    session.add(new)
    await session.flush()
    await service.audit_transition(
        session, actor, old, "credit_record.supersede",
        was=RecordStatus.verified, superseded_by_id=new.id,
    )  # fmt: skip
    changes = audit.diff(service.content_of(old), service.content_of(new))
    changes["reason"] = {"old": None, "new": reason}
    changes["supersedes_id"] = {"old": None, "new": str(old.id)}
    await service.audit_change(session, actor, "credit_record.correct", new.id, changes)
    extra = {"previous_id": str(old.id), "reason": reason}
    await credit_events.emit(
        session=session, event_type=CreditEventType.record_corrected, records=[new], extra=extra
    )
    return new
