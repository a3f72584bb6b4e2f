"""The wage-arrears joint-punishment list (人社部令第45号): enter, verify, record payment, remove.

Four eyes (Art 8): a reviewer enters a listing decision as a draft, which is not in force and
writes no credit record; a second reviewer verifies it, which lists the unit and writes its
dishonesty record (verified) in the same transaction. A listing ends by early removal or at
expiry (`expiry`): the end is recorded (`removed_on`) and its record stays verified, since the
listing is a fact of the years it covered (`grading.facts` counts it in every cycle its period
overlaps). A wrong listing is corrected by revoking its record through /credit-records; the
listing then ends as revoked (`end_revoked`, run by `blacklist.revocation`). Every change is
audited and emits a credit event (`listing.listed`, `listing.removed`; the record's own
`record.verified`) for grading, disclosure and the push. Responsible persons' ID numbers are
encrypted at rest and masked everywhere but for admins (Art 8).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.blacklist import events as listing_events
from app.blacklist import rules
from app.blacklist.errors import (
    AlreadyListed,
    EarlyRemovalNotEligible,
    ListingAwaitingVerification,
    ListingEnded,
    ListingNotDraft,
    ListingNotExpired,
    ListingNotFound,
)
from app.core import personal_data
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import FieldProblem, check_if_match
from app.core.i18n import Text, say
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
    SeriousCondition,
    Severity,
)
from app.models.employer import Employer
from app.models.event import CreditEventType
from app.records import service as credit_records
from app.records.errors import SamePerson
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
    "verified_by",
)


def etag(entry: BlacklistEntry) -> str:
    return f'"{entry.version}"'


def _record_content(entry: BlacklistEntry) -> CreditRecordCreate:
    """The listing decision as the employer's dishonesty record (C condition 7, Art 13); its
    penalty runs until the listing's term ends."""
    group = entry.ground == ListingGround.group_or_extreme_incident
    return CreditRecordCreate(
        employer_id=entry.employer_id,
        category=RecordCategory.dishonesty,
        source=RecordSource.inspection,
        kind=RecordKind.wage_arrears_listing,
        occurred_date=entry.listed_on,
        title=f"列入拖欠农民工工资失信联合惩戒对象名单（{entry.workers_affected}人，"
        f"{entry.amount_owed}元）",
        description=entry.facts,
        decision_number=entry.decision_number,
        decision_date=entry.listed_on,
        violation_type="拖欠农民工工资",
        violation_facts=entry.facts,
        legal_basis=LEGAL_BASIS,
        penalty_content=f"列入拖欠农民工工资失信联合惩戒对象名单，期限至{entry.expires_on}",
        penalty_valid_until=entry.expires_on,
        punished=True,
        serious_conditions=[SeriousCondition.group_incident] if group else [],
        severity=Severity.serious,
    )


def _persons(
    entry: BlacklistEntry, data: BlacklistEntryCreate, settings: Settings
) -> list[BlacklistPerson]:
    """The responsible persons listed with the unit; ID numbers encrypted at rest (Art 8)."""
    keys = personal_data.keyring(settings)
    listed = []
    for index, person in enumerate(data.responsible_persons):
        row_id, number = uuid.uuid4(), person.id_number.upper()
        sealed = personal_data.encrypt(
            number, keys=keys, column=personal_data.LISTED_PERSON_ID_NUMBER, row_id=row_id
        )
        listed.append(
            BlacklistPerson(
                id=row_id,
                entry_id=entry.id,
                position=index,
                name=person.name,
                role=person.role,
                id_number_enc=sealed,
                id_number_masked=personal_data.mask_id_number(number),
            )
        )
    return listed


async def create(
    *,
    session: AsyncSession,
    data: BlacklistEntryCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> BlacklistEntry:
    """The listing decision as a draft: not in force, no credit record, nothing for grading
    until a second reviewer verifies it. Refused while the unit has a listing in force."""
    found = rules.problems(data, today=clock.today(), settings=settings)
    if await session.get(Employer, data.employer_id) is None:
        msg = Text(
            f"用人单位 {data.employer_id} 不存在", f"employer {data.employer_id} does not exist"
        )
        found.insert(0, FieldProblem(loc=["body", "employer_id"], msg=say(msg), type="unknown"))
    if found:
        raise invalid(found)
    await _not_listed(session, data.employer_id)
    entry = BlacklistEntry(
        **data.model_dump(exclude={"responsible_persons"}),
        status=ListingStatus.draft,
        expires_on=rules.expires_on(data.listed_on, settings),  # from the decision's date
        listed_by=actor.id if actor.kind == "user" else None,
    )
    session.add(entry)
    await session.flush()
    persons = _persons(entry, data, settings)
    session.add_all(persons)
    await session.flush()
    changes = audit.created(_audited(entry))
    changes["responsible_persons"] = {"old": None, "new": [_audited_person(p) for p in persons]}
    await _audit(session, actor, "blacklist_entry.create", entry.id, changes)
    return entry


async def verify(
    *,
    session: AsyncSession,
    entry_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> BlacklistEntry:
    """A second reviewer lists the unit: the draft comes into force and its dishonesty record
    is written, verified (C condition 7, Art 13). The reviewer who entered it may not (Art 8)."""
    entry = await _locked(session, entry_id)
    if entry.status != ListingStatus.draft:
        raise ListingNotDraft(entry.id, entry.status)
    if entry.listed_by is not None and entry.listed_by == actor.id:
        raise SamePerson(
            Text(
                f"名单记录 {entry.id} 由您录入，不能由您复核：须由另一名审核人员复核（两人确认）",
                f"you entered listing {entry.id}, so you cannot verify it: a second reviewer "
                "must (two-person verification)",
            ),
            listed_by=str(entry.listed_by),
        )
    await _not_listed(session, entry.employer_id)
    before = _audited(entry)
    record = await credit_records.create(
        session=session,
        data=_record_content(entry),
        actor=actor,
        settings=settings,
        clock=clock,
        verified=True,
    )
    entry.status, entry.credit_record_id = ListingStatus.listed, record.id
    entry.verified_by = actor.id if actor.kind == "user" else None
    entry.verified_at = entry.updated_at = clock.now()
    entry.version += 1
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent verification of the same employer won the race
        raise AlreadyListed(entry.employer_id, None) from exc
    changes = audit.diff(before, _audited(entry))
    await _audit(session, actor, "blacklist_entry.verify", entry.id, changes)
    await listing_events.emit(
        session=session, event_type=CreditEventType.listing_listed, entry=entry
    )
    return entry


async def _not_listed(session: AsyncSession, employer_id: uuid.UUID) -> None:
    existing = await session.scalar(
        select(BlacklistEntry.id)
        .where(BlacklistEntry.employer_id == employer_id)
        .where(BlacklistEntry.status == ListingStatus.listed)
    )
    if existing:
        raise AlreadyListed(employer_id, existing)


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
    _must_be_listed(entry, Text("登记支付或信用承诺", "updated"))
    check_if_match(if_match, etag(entry), Text("名单记录", "listing"))
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
    """Early removal (every condition met) or removal at expiry: the listing ends today. Its
    record stays verified: the years the listing covered keep it (`grading.facts`)."""
    entry = await _locked(session, entry_id)
    _must_be_listed(entry, Text("移出", "removed"))
    on = clock.today()
    if data.kind == RemovalKind.early:
        missing = rules.missing(entry, settings, on)
        if missing:
            start = rules.eligible_from(entry, settings)
            raise EarlyRemovalNotEligible(
                rules.describe(entry, settings, on),
                missing=[m.value for m in missing],
                early_removal_eligible_from=start.isoformat() if start else None,
            )
        entry.status = ListingStatus.removed
    else:
        if on < entry.expires_on:
            raise ListingNotExpired(entry.id, entry.expires_on)
        entry.status = ListingStatus.expired
    before = _audited(entry) | {"status": ListingStatus.listed}
    entry.removal_kind, entry.removed_on = data.kind, on
    entry.removal_reason, entry.removal_document = data.reason, data.document
    entry.removed_by = actor.id if actor.kind == "user" else None
    entry.removed_at = entry.updated_at = clock.now()
    entry.version += 1
    await session.flush()
    await _audit(
        session, actor, "blacklist_entry.remove", entry.id, audit.diff(before, _audited(entry))
    )
    await listing_events.emit(
        session=session, event_type=CreditEventType.listing_removed, entry=entry
    )
    return entry


async def end_revoked(
    *, session: AsyncSession, record_key: uuid.UUID, actor: Actor, clock: Clock
) -> BlacklistEntry | None:
    """The listing in force whose record (any version of it) was revoked ends as revoked: the
    listing was wrong. Its end is the revocation's day, reason and document. None when no
    listing in force has that record (it ended already, or the record is no listing's)."""
    entry = await session.scalar(
        select(BlacklistEntry)
        .join(CreditRecord, col(CreditRecord.id) == col(BlacklistEntry.credit_record_id))
        .where(CreditRecord.record_key == record_key)
        .where(BlacklistEntry.status == ListingStatus.listed)
        .with_for_update(of=BlacklistEntry)
    )
    revoked = await session.scalar(
        select(CreditRecord)
        .where(CreditRecord.record_key == record_key)
        .where(CreditRecord.status == RecordStatus.revoked)
    )
    if entry is None or revoked is None or revoked.revoked_at is None:
        return None
    before = _audited(entry)
    entry.status, entry.removed_on = ListingStatus.revoked, clock.local(revoked.revoked_at).date()
    entry.removal_reason = revoked.revocation_reason
    entry.removal_document = revoked.revoking_document
    entry.removed_by, entry.removed_at = revoked.revoked_by, revoked.revoked_at
    entry.updated_at = clock.now()
    entry.version += 1
    await session.flush()
    await _audit(
        session, actor, "blacklist_entry.revoke", entry.id, audit.diff(before, _audited(entry))
    )
    await listing_events.emit(
        session=session, event_type=CreditEventType.listing_removed, entry=entry
    )
    return entry


async def _locked(session: AsyncSession, entry_id: uuid.UUID) -> BlacklistEntry:
    entry = await session.get(BlacklistEntry, entry_id, with_for_update=True)
    if entry is None:
        raise ListingNotFound(entry_id)
    return entry


def _must_be_listed(entry: BlacklistEntry, doing: Text) -> None:
    if entry.status == ListingStatus.draft:
        raise ListingAwaitingVerification(entry.id, doing)
    if entry.status != ListingStatus.listed:
        raise ListingEnded(entry.id, entry.status, doing)


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
