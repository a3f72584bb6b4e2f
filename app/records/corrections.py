"""Corrections of the credit file (Art 8: no tampering): a verified record is never edited.

A person's correction (`correct`) is version N+1 as a draft, linked to version N with a reason;
N stays verified and in force, counted by grading and shown as before, until a second person
verifies the correction (`verify`): then N+1 becomes verified and N superseded, linked both
ways, in one transaction. One correction of a record is open at a time; its proposer or a
reviewer may withdraw it (`withdraw`). A trusted source system keeps its own rule
(`replace_by_source`): its new version is verified at once and supersedes N.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecord,
    CreditRecordCreate,
    RecordStatus,
    WithdrawalCreate,
)
from app.models.event import CreditEventType
from app.models.user import Role
from app.records import events as credit_events
from app.records import rules, service
from app.records.errors import (
    CorrectionChangesEmployer,
    CorrectionPending,
    CorrectionStale,
    NotCorrectable,
    NotWithdrawable,
    SamePerson,
    SourceChangeNeedsCorrection,
    WithdrawalNotAllowed,
)

# why a pending correction is withdrawn when its record's trusted source replaces the record
REPLACED_BY_SOURCE = "withdrawn: the record's trusted source sent a new version"
# ... or when an objection's decision corrects the record
DECIDED_BY_OBJECTION = "withdrawn: an objection's decision corrected the record"


async def correct(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    data: CorrectionCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditRecord:
    """Version N+1 as a draft correction of the verified version N, which stays in force."""
    old = await _locked(session, record_id)
    _must_be_in_force(old)
    pending = await _pending(session, old)
    if pending is not None:
        raise CorrectionPending(old.id, pending.id)
    content = CreditRecordCreate.model_validate(data.model_dump(exclude={"reason"}))
    await _check_replacement(session, old, content, clock)
    now = clock.now()  # a record's times all come from the clock (`create_many` stamps them)
    new = CreditRecord(
        **rules.columns(content, settings),
        id=uuid.uuid4(),
        record_key=old.record_key,
        version=await _next_version(session, old),
        status=RecordStatus.draft,
        supersedes_id=old.id,
        correction_reason=data.reason,
        collected_by=actor.id if actor.kind == "user" else None,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    await session.flush()
    changes = audit.diff(service.content_of(old), service.content_of(new))
    changes["reason"] = {"old": None, "new": data.reason}
    changes["supersedes_id"] = {"old": None, "new": str(old.id)}
    changes["status"] = {"old": None, "new": str(RecordStatus.draft)}
    await service.audit_change(session, actor, "credit_record.correct", new.id, changes)
    return new


async def verify(
    *, session: AsyncSession, record_id: uuid.UUID, actor: Actor, clock: Clock
) -> CreditRecord:
    """Verify a draft. A first version: `service.verify`. A correction takes effect: N+1
    verified by a second person, N superseded, linked both ways, `record.corrected` emitted."""
    found = await session.get(CreditRecord, record_id)
    if found is None or found.status != RecordStatus.draft or found.supersedes_id is None:
        return await service.verify(session=session, record_id=record_id, actor=actor, clock=clock)
    # N before the draft: the order a trusted source's replacement locks them in
    old = await _locked(session, found.supersedes_id)
    draft = await _locked(session, record_id)
    if draft.status != RecordStatus.draft:  # withdrawn meanwhile: say so as for any record
        return await service.verify(session=session, record_id=record_id, actor=actor, clock=clock)
    if draft.collected_by is not None and draft.collected_by == actor.id:
        raise SamePerson(
            Text(
                f"更正 {draft.id} 由您提出，须由另一名审核人员核实（两人核实）。",
                f"you proposed correction {draft.id}, so you cannot verify it: another "
                "reviewer must (two-person verification)",
            ),
            proposed_by=str(draft.collected_by),
        )
    if old.status != RecordStatus.verified:
        raise CorrectionStale(
            Text(
                f"更正 {draft.id} 所更正的版本 {old.id} 已{_status_zh(old.status)}，不能再生效；"
                "请撤回该更正。",
                f"correction {draft.id} corrects version {old.id}, which is {old.status} now: "
                "it can no longer take effect; withdraw it",
            ),
            record_status=str(old.status),
            corrects_id=str(old.id),
        )
    if draft.employer_id != old.employer_id:  # PATCH refuses it; checked again on the row
        raise CorrectionChangesEmployer(old.id)
    return await _take_effect(session, old, draft, actor, clock)


async def withdraw(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    data: WithdrawalCreate,
    actor: Actor,
    clock: Clock,
) -> CreditRecord:
    """A draft correction taken back by its proposer or turned down by a reviewer; version N
    stays in force and may be corrected again. The draft stays, marked `withdrawn`."""
    draft = await _locked(session, record_id)
    if draft.status != RecordStatus.draft or draft.supersedes_id is None:
        first = draft.status == RecordStatus.draft
        what = "a first draft" if first else str(draft.status)
        what_zh = "首次录入的草稿" if first else _status_zh(draft.status)
        raise NotWithdrawable(
            Text(
                f"信用信息 {draft.id} 不是待核实的更正草稿（{what_zh}），不能撤回。",
                f"credit record {draft.id} is {what}, not a draft correction: only a draft "
                "correction can be withdrawn",
            ),
            record_status=str(draft.status),
        )
    proposer = draft.collected_by is not None and draft.collected_by == actor.id
    if not (proposer or actor.role == Role.reviewer):
        raise WithdrawalNotAllowed(
            Text(
                f"更正 {draft.id} 只能由其提出人或审核人员撤回。",
                f"correction {draft.id} can be withdrawn only by its proposer or a reviewer",
            )
        )
    await _withdraw(session, draft, actor, clock, reason=data.reason)
    return draft


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
    from a trusted source only (an untrusted one needs a person's correction: 409). A trusted
    source's version supersedes N at once and withdraws a correction of N still pending."""
    record = await _locked(session, record_id)
    await _check_replacement(session, record, content, clock)
    if record.status == RecordStatus.draft:
        return await _edit_by_source(session, record, content, actor, settings, clock, verified)
    _must_be_in_force(record)
    if not verified:
        raise SourceChangeNeedsCorrection(
            Text(
                f"信用信息 {record.id} 已核实；非受信来源的修改须由审核人员提出更正。",
                f"credit record {record.id} is verified; a change from an untrusted source "
                "needs a reviewer's correction",
            ),
            record_status=str(record.status),
        )
    pending = await _pending(session, record)
    if pending is not None:  # proposed against content its source has just replaced
        draft = await _locked(session, pending.id)
        await _withdraw(session, draft, actor, clock, reason=REPLACED_BY_SOURCE)
    return await _supersede(session, record, content, actor, settings, clock, reason=reason)


async def correct_by_decision(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    content: CreditRecordCreate,
    reason: str,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditRecord:
    """An upheld objection's correction (Art 16): version N+1 verified at once by the deciding
    reviewer (the decision is the second person's check), N superseded, `record.corrected`
    emitted; a correction of N still pending is withdrawn, as its content is decided now."""
    record = await _locked(session, record_id)
    _must_be_in_force(record)
    await _check_replacement(session, record, content, clock)
    pending = await _pending(session, record)
    if pending is not None:
        draft = await _locked(session, pending.id)
        await _withdraw(session, draft, actor, clock, reason=DECIDED_BY_OBJECTION)
    return await _supersede(
        session, record, content, actor, settings, clock, reason=reason, verified_by=actor.id
    )


async def _edit_by_source(
    session: AsyncSession,
    record: CreditRecord,
    content: CreditRecordCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    verified: bool,
) -> CreditRecord:
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


async def _take_effect(
    session: AsyncSession, old: CreditRecord, new: CreditRecord, actor: Actor, clock: Clock
) -> CreditRecord:
    """A person's correction verified: N superseded and N+1 verified, linked both ways."""
    now = clock.now()
    old.status, old.superseded_by_id, old.updated_at = RecordStatus.superseded, new.id, now
    await session.flush()  # the old version steps aside before the new one is in force
    new.status, new.verified_by, new.verified_at, new.updated_at = (
        RecordStatus.verified, actor.id, now, now,
    )  # fmt: skip
    await session.flush()
    await service.audit_transition(
        session, actor, old, "credit_record.supersede",
        was=RecordStatus.verified, superseded_by_id=new.id,
    )  # fmt: skip
    await service.audit_transition(
        session, actor, new, "credit_record.verify", was=RecordStatus.draft
    )
    await _corrected(session, old, new)
    return new


async def _supersede(
    session: AsyncSession,
    old: CreditRecord,
    content: CreditRecordCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    *,
    reason: str,
    verified_by: uuid.UUID | None = None,
) -> CreditRecord:
    """A trusted source's new version N+1 (or an objection decision's, `verified_by` its
    reviewer), verified at once; N superseded, linked both ways."""
    person = actor.id if actor.kind == "user" else None
    now = clock.now()  # a record's times all come from the clock (`create_many` stamps them)
    new = CreditRecord(
        **rules.columns(content, settings),
        id=uuid.uuid4(),
        record_key=old.record_key,
        version=await _next_version(session, old),
        status=RecordStatus.verified,
        supersedes_id=old.id,
        correction_reason=reason,
        collected_by=person,
        # None: verified by its trusted source, as a trusted source's new record
        verified_by=verified_by,
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
    await _corrected(session, old, new)
    return new


async def _corrected(session: AsyncSession, old: CreditRecord, new: CreditRecord) -> None:
    """`record.corrected`, once, when the new version takes effect (grading, disclosure, push)."""
    extra = {"previous_id": str(old.id), "reason": new.correction_reason}
    await credit_events.emit(
        session=session, event_type=CreditEventType.record_corrected, records=[new], extra=extra
    )


async def _withdraw(
    session: AsyncSession, draft: CreditRecord, actor: Actor, clock: Clock, reason: str
) -> None:
    draft.status, draft.updated_at = RecordStatus.withdrawn, clock.now()
    await session.flush()
    await service.audit_transition(
        session, actor, draft, "credit_record.withdraw", was=RecordStatus.draft, reason=reason
    )


async def _locked(session: AsyncSession, record_id: uuid.UUID) -> CreditRecord:
    """The row locked for this transaction, as it is now (not as this session read it)."""
    record = await session.get(
        CreditRecord, record_id, with_for_update=True, populate_existing=True
    )
    if record is None:
        return await service.locked(session, record_id)  # its 404
    return record


async def _pending(session: AsyncSession, record: CreditRecord) -> CreditRecord | None:
    """The open draft correction of the verified `record`, if any (at most one: an index)."""
    found = await session.scalars(
        select(CreditRecord)
        .where(CreditRecord.record_key == record.record_key)
        .where(CreditRecord.status == RecordStatus.draft)
    )
    return found.first()


async def _next_version(session: AsyncSession, record: CreditRecord) -> int:
    """After every version so far, withdrawn corrections included (their numbers stay theirs)."""
    last = await session.scalar(
        select(func.max(col(CreditRecord.version))).where(
            CreditRecord.record_key == record.record_key
        )
    )
    return int(last or record.version) + 1


def _must_be_in_force(record: CreditRecord) -> None:
    if record.status == RecordStatus.verified:
        return
    current = {"current_id": str(record.superseded_by_id)} if record.superseded_by_id else {}
    raise NotCorrectable(
        Text(
            f"信用信息 {record.id} {_status_zh(record.status)}；只有现行有效的已核实版本可以更正。",
            f"credit record {record.id} is {record.status}; only the verified version in force "
            "can be corrected",
        ),
        record_status=str(record.status),
        **current,
    )


async def _check_replacement(
    session: AsyncSession, old: CreditRecord, content: CreditRecordCreate, clock: Clock
) -> None:
    if content.employer_id != old.employer_id:
        raise CorrectionChangesEmployer(old.id)
    [found] = await service.problems(session=session, items=[content], clock=clock)
    if found:
        raise rules.invalid(found)


_STATUS_ZH = {
    RecordStatus.draft: "是草稿",
    RecordStatus.verified: "已核实",
    RecordStatus.superseded: "已被取代",
    RecordStatus.revoked: "已撤销",
    RecordStatus.withdrawn: "已撤回",
}


def _status_zh(status: RecordStatus) -> str:
    return _STATUS_ZH[status]
