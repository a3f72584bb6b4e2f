"""The wage-arrears joint-punishment list (人社部令第45号): list, record payment, remove, read.

Listing creates the employer's dishonesty record (verified at once: see app.models.blacklist) in
the same transaction; removal revokes it, so grading stops counting it and the credit events
(`record.verified`, `record.revoked`) tell grading, disclosure and the push. Responsible
persons' ID numbers are encrypted at rest and masked everywhere but for admins (Art 8).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.audit import service as audit
from app.blacklist import rules
from app.core import personal_data
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models.blacklist import (
    BlacklistEntry,
    BlacklistEntryBase,
    BlacklistEntryCreate,
    BlacklistEntryUpdate,
    BlacklistPerson,
    BlacklistRemovalCreate,
    ListingGround,
    ListingStatus,
    RemovalKind,
)
from app.models.credit_record import (
    CreditRecord,
    CreditRecordCreate,
    RecordCategory,
    RecordKind,
    RecordSource,
    RecordStatus,
    RevocationCreate,
    SeriousCondition,
    Severity,
)
from app.models.employer import Employer
from app.records import service as credit_records
from app.records.rules import invalid

LEGAL_BASIS = "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人社部令第45号）第五条"
_AUDITED = (
    *BlacklistEntryBase.model_fields,
    "status",
    "expires_on",
    "arrears_paid_on",
    "commitment_received_on",
    "removed_on",
    "removal_kind",
    "removal_reason",
    "removal_document",
    "credit_record_id",
)


def etag(entry: BlacklistEntry) -> str:
    return f'"{entry.version}"'


def _record_content(data: BlacklistEntryCreate, expires: date) -> CreditRecordCreate:
    """The listing as the employer's dishonesty record (C condition 7, Art 13)."""
    group = data.ground == ListingGround.group_or_extreme_incident
    return CreditRecordCreate(
        employer_id=data.employer_id,
        category=RecordCategory.dishonesty,
        source=RecordSource.inspection,
        kind=RecordKind.wage_arrears_listing,
        occurred_date=data.listed_on,
        title=f"列入拖欠农民工工资失信联合惩戒对象名单（{data.workers_affected}人，"
        f"{data.amount_owed}元）",
        description=data.facts,
        decision_number=data.decision_number,
        decision_date=data.listed_on,
        violation_type="拖欠农民工工资",
        violation_facts=data.facts,
        legal_basis=LEGAL_BASIS,
        penalty_content=f"列入拖欠农民工工资失信联合惩戒对象名单，期限至{expires}",
        penalty_valid_until=expires,
        punished=True,
        serious_conditions=[SeriousCondition.group_incident] if group else [],
        severity=Severity.serious,
    )


def _persons(
    entry: BlacklistEntry, data: BlacklistEntryCreate, settings: Settings
) -> list[BlacklistPerson]:
    """The responsible persons listed with the unit; ID numbers encrypted at rest (Art 8)."""
    key = settings.data_key.get_secret_value()
    return [
        BlacklistPerson(
            entry_id=entry.id,
            position=index,
            name=person.name,
            role=person.role,
            id_number_enc=personal_data.encrypt(person.id_number.upper(), key),
            id_number_masked=personal_data.mask_id_number(person.id_number.upper()),
        )
        for index, person in enumerate(data.responsible_persons)
    ]


async def create(
    *,
    session: AsyncSession,
    data: BlacklistEntryCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> BlacklistEntry:
    found = rules.problems(data, today=clock.today(), settings=settings)
    if await session.get(Employer, data.employer_id) is None:
        msg = f"employer {data.employer_id} does not exist"
        found.insert(0, FieldProblem(loc=["body", "employer_id"], msg=msg, type="unknown"))
    if found:
        raise invalid(found)
    existing = await session.scalar(
        select(BlacklistEntry.id)
        .where(BlacklistEntry.employer_id == data.employer_id)
        .where(BlacklistEntry.status == ListingStatus.listed)
    )
    if existing:
        raise Conflict(
            f"employer {data.employer_id} is already on the list; remove that listing first",
            existing_id=str(existing),
        )
    expires = rules.expires_on(data.listed_on, settings)
    record = await credit_records.create(
        session=session,
        data=_record_content(data, expires),
        actor=actor,
        settings=settings,
        clock=clock,
        verified=True,
    )
    entry = BlacklistEntry(
        **data.model_dump(exclude={"responsible_persons"}),
        expires_on=expires,
        credit_record_id=record.id,
        listed_by=actor.id if actor.kind == "user" else None,
    )
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent listing of the same employer won the race
        raise Conflict(f"employer {data.employer_id} is already on the list") from exc
    persons = _persons(entry, data, settings)
    session.add_all(persons)
    await session.flush()
    changes = audit.created(_audited(entry))
    changes["responsible_persons"] = {"old": None, "new": [_audited_person(p) for p in persons]}
    await _audit(session, actor, "blacklist_entry.create", entry.id, changes)
    return entry


async def update(
    *,
    session: AsyncSession,
    entry_id: uuid.UUID,
    data: BlacklistEntryUpdate,
    if_match: str | None,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> BlacklistEntry:
    """Record the arrears paid and the written credit commitment (the early-removal facts)."""
    entry = await _locked(session, entry_id)
    _must_be_listed(entry, "updated")
    if if_match is None:
        raise PreconditionRequired("send If-Match with the ETag of the listing you read")
    if if_match.removeprefix("W/") != etag(entry):
        raise PreconditionFailed(
            f"listing changed since you read it (now ETag {etag(entry)}); reload and retry"
        )
    values = data.model_dump(exclude_unset=True)
    found = rules.update_problems(entry, values, today=clock.today())
    if found:
        raise invalid(found)
    before = _audited(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    changes = audit.diff(before, _audited(entry))
    if changes:
        entry.version += 1
        entry.updated_at = clock.now()
        await session.flush()
        await _audit(session, actor, "blacklist_entry.update", entry.id, changes)
    return entry


async def remove(
    *,
    session: AsyncSession,
    entry_id: uuid.UUID,
    data: BlacklistRemovalCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> BlacklistEntry:
    """Early removal (every condition met) or removal at expiry; revokes the listing's record."""
    entry = await _locked(session, entry_id)
    _must_be_listed(entry, "removed")
    on = clock.today()
    if data.kind == RemovalKind.early:
        missing = rules.missing(entry, settings, on)
        if missing:
            start = rules.eligible_from(entry, settings)
            raise Conflict(
                rules.describe(entry, settings, on),
                missing=[m.value for m in missing],
                early_removal_eligible_from=start.isoformat() if start else None,
            )
        entry.status = ListingStatus.removed
    else:
        if on < entry.expires_on:
            raise Conflict(
                f"listing {entry.id} runs until {entry.expires_on}; removal at expiry is "
                "possible on or after that date (early removal needs its conditions)",
                expires_on=entry.expires_on.isoformat(),
            )
        entry.status = ListingStatus.expired
    before = _audited(entry) | {"status": ListingStatus.listed}
    entry.removal_kind, entry.removed_on = data.kind, on
    entry.removal_reason, entry.removal_document = data.reason, data.document
    entry.removed_by = actor.id if actor.kind == "user" else None
    entry.removed_at = entry.updated_at = clock.now()
    entry.version += 1
    await session.flush()
    await _revoke_record(session, entry, data, actor, clock)
    await _audit(
        session, actor, "blacklist_entry.remove", entry.id, audit.diff(before, _audited(entry))
    )
    return entry


async def _revoke_record(
    session: AsyncSession,
    entry: BlacklistEntry,
    data: BlacklistRemovalCreate,
    actor: Actor,
    clock: Clock,
) -> None:
    """Revoke the current version of the listing's record (a reviewer may have corrected it);
    nothing to do if someone revoked it already through /credit-records."""
    first = await session.get(CreditRecord, entry.credit_record_id)
    assert first is not None  # a foreign key
    current = await session.scalar(
        select(CreditRecord.id)
        .where(CreditRecord.record_key == first.record_key)
        .where(CreditRecord.status == RecordStatus.verified)
    )
    if current is None:
        return
    label = "提前移出" if data.kind == RemovalKind.early else "期满移出"
    revocation = RevocationCreate(
        reason=f"{label}拖欠农民工工资失信联合惩戒对象名单: {data.reason}",
        revoking_document=data.document,
    )
    await credit_records.revoke(
        session=session, record_id=current, data=revocation, actor=actor, clock=clock
    )


async def _locked(session: AsyncSession, entry_id: uuid.UUID) -> BlacklistEntry:
    entry = await session.get(BlacklistEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"blacklist entry {entry_id} does not exist")
    return entry


def _must_be_listed(entry: BlacklistEntry, doing: str) -> None:
    if entry.status != ListingStatus.listed:
        raise Conflict(
            f"listing {entry.id} is {entry.status}; only a current listing can be {doing}",
            listing_status=str(entry.status),
        )


def _audited(entry: BlacklistEntry) -> dict[str, Any]:
    return {field: getattr(entry, field) for field in _AUDITED}


def _audited_person(person: BlacklistPerson) -> dict[str, Any]:
    """Personal data reaches the audit trail only masked (Art 8)."""
    return {"name": person.name, "role": str(person.role), "id_number": person.id_number_masked}


async def _audit(
    session: AsyncSession, actor: Actor, action: str, entry_id: uuid.UUID, changes: audit.Changes
) -> None:
    await audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="blacklist_entry",
        resource_id=entry_id,
        changes=changes,
    )
