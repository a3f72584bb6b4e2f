"""Publishing, updating and withdrawing an employer's disclosure (Art 14, docs/law.md §5).

`reflect` brings the employer's disclosure in line with the facts, idempotently: its grade in
force (the final evaluation of the latest cycle) and its verified dishonesty records. A C in
force publishes one disclosure for that cycle; its items are the verified dishonesty records of
severity general or serious (light ones are not shown) that the evaluation rests on
(`evidence_ids`: a wage-arrears listing of an earlier year, say) or whose decision date (else
occurrence date) falls in the cycle: every dishonesty penalty of the cycle, not only those that
made the C. An item ends when its record is corrected (the new version, if still shown, is a new
item) or revoked, when its publication end date has passed, or when a repair is approved; an
item that expired or was repaired never comes back in that cycle. The disclosure is withdrawn
(never deleted) when the unit leaves C (`grade_changed`: a final evaluation that is not C, or a
C of a later cycle, which gets its own disclosure) or when no item remains (`items_ended`). A C
with nothing to show publishes nothing. An item is flagged as disputed (异议标注) exactly while an
objection against it, its record or its evaluation is open: objections reflect the disclosure
when they are filed and decided. Every change bumps `version`, is audited, and emits
`disclosure.published` / `updated` / `withdrawn` (INTERFACES.md) for the push and notifications.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import actors, events
from app.core.clock import Clock
from app.core.config import Settings, get_settings
from app.core.db import AdvisoryLock
from app.disclosure import rules
from app.models.blacklist import BlacklistEntry, ListingStatus
from app.models.credit_record import CreditRecord, RecordCategory, RecordStatus
from app.models.disclosure import (
    Disclosure,
    DisclosureItem,
    DisclosureStatus,
    ItemEnd,
    WithdrawalReason,
)
from app.models.employer import Employer
from app.models.evaluation import Evaluation, EvaluationStatus
from app.models.event import CreditEventType, EventSubject
from app.models.objection import OPEN, Objection, ObjectionTarget

ACTOR = actors.system("disclosure")


async def reflect(
    *,
    session: AsyncSession,
    employer_id: uuid.UUID,
    clock: Clock,
    settings: Settings | None = None,
) -> None:
    """Bring the employer's disclosure in line with its current final evaluation and verified
    records (publish / update / withdraw), idempotently; emits disclosure.* events on change."""
    settings = settings or get_settings()
    await lock(session=session, employer_id=employer_id)
    in_force = await _grade_in_force(session, employer_id)
    published = list(
        (
            await session.scalars(
                select(Disclosure)
                .where(Disclosure.employer_id == employer_id)
                .where(Disclosure.status == DisclosureStatus.published)
                .with_for_update()
            )
        ).all()
    )
    current = None
    for disclosure in published:
        if in_force is not None and in_force.grade == "C" and disclosure.cycle == in_force.cycle:
            current = disclosure
        else:
            await _withdraw(session, disclosure, WithdrawalReason.grade_changed, clock)
    if in_force is None or in_force.grade != "C":
        return
    await _sync(session, employer_id, in_force, current, clock, settings)


async def lock(*, session: AsyncSession, employer_id: uuid.UUID) -> None:
    """One writer of an employer's disclosure at a time, to the end of the transaction. A
    service that locks a disclosure's rows (an item, the disclosure) and then reflects takes
    this first, as `reflect` does, so the two never wait on each other in opposite orders."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:e))"),
        {"ns": int(AdvisoryLock.DISCLOSURE), "e": str(employer_id)},
    )


async def _grade_in_force(session: AsyncSession, employer_id: uuid.UUID) -> Evaluation | None:
    found = await session.scalars(
        select(Evaluation)
        .where(Evaluation.employer_id == employer_id)
        .where(Evaluation.status == EvaluationStatus.final)
        .order_by(col(Evaluation.cycle).desc())
        .limit(1)
    )
    return found.first()


async def _shown_records(
    session: AsyncSession, employer_id: uuid.UUID, evaluation: Evaluation, today: date,
    settings: Settings,
) -> list[CreditRecord]:  # fmt: skip
    """The verified dishonesty records the disclosure of `evaluation` shows today."""
    evidence_keys = (
        select(CreditRecord.record_key).where(
            col(CreditRecord.id).in_(evaluation.evidence_ids or [])
        )
    ).scalar_subquery()
    ended_for_good = (
        select(DisclosureItem.record_id)
        .join(Disclosure, col(Disclosure.id) == DisclosureItem.disclosure_id)
        .where(Disclosure.employer_id == employer_id, Disclosure.cycle == evaluation.cycle)
        .where(col(DisclosureItem.end_reason).in_([ItemEnd.expired, ItemEnd.repaired]))
    )
    in_cycle = text(
        "extract(year FROM coalesce(credit_records.decision_date, "
        "credit_records.occurred_date)) = :cycle"
    ).bindparams(cycle=evaluation.cycle)
    found = await session.scalars(
        select(CreditRecord)
        .where(CreditRecord.employer_id == employer_id)
        .where(CreditRecord.status == RecordStatus.verified)
        .where(CreditRecord.category == RecordCategory.dishonesty)
        .where(col(CreditRecord.severity).in_(rules.SHOWN))
        .where(or_(in_cycle, col(CreditRecord.record_key).in_(evidence_keys)))
        .where(col(CreditRecord.id).not_in(ended_for_good))
        .order_by(col(CreditRecord.decision_date), col(CreditRecord.id))
    )
    return [r for r in found.all() if rules.publication_end_date(r, settings) >= today]


async def _sync(
    session: AsyncSession, employer_id: uuid.UUID, evaluation: Evaluation,
    current: Disclosure | None, clock: Clock, settings: Settings,
) -> None:  # fmt: skip
    today = clock.today()
    records = await _shown_records(session, employer_id, evaluation, today, settings)
    employer = await session.get_one(Employer, employer_id)
    if current is None and not records:
        return  # a C with nothing to show publishes nothing
    listed = await _listed(session, employer_id)
    items = await _current_items(session, current)
    disputed = await _disputed(session, employer_id)
    changed = False
    if current is None:
        current = Disclosure(
            employer_id=employer_id,
            evaluation_id=evaluation.id,
            cycle=evaluation.cycle,
            status=DisclosureStatus.published,
            list_status=rules.list_status(listed=False, serious_item=False, settings=settings),
            employer_name=employer.name,
            uscc=employer.uscc,
            legal_representative=employer.legal_representative,
            town=employer.town,
            published_at=clock.now(),
        )
        session.add(current)
        await session.flush()
        fresh = True
    else:
        fresh = False
    wanted = {r.id: r for r in records}
    for item in items:
        if item.record_id not in wanted:
            await _end_item(session, item, today)
            changed = True
    have = {i.record_id for i in items if i.ended_on is None}
    for record in records:
        if record.id not in have:
            session.add(_item(current.id, record, settings))
            changed = True
    await session.flush()
    for item in await _current_items(session, current):  # flagged while an objection is open
        if item.disputed != (flag := disputed.flags(item, evaluation.id)):
            item.disputed = flag
            changed = True
    await session.flush()
    shown = [i for i in await _current_items(session, current) if i.ended_on is None]
    snapshot: dict[str, Any] = {
        "evaluation_id": evaluation.id,
        "employer_name": employer.name,
        "uscc": employer.uscc,
        "legal_representative": employer.legal_representative,
        "town": employer.town,
        "list_status": rules.list_status(
            listed=listed,
            serious_item=any(i.severity == "serious" for i in shown),
            settings=settings,
        ),
    }
    for field, value in snapshot.items():
        if getattr(current, field) != value:
            setattr(current, field, value)
            changed = True
    if not shown:
        await _withdraw(session, current, WithdrawalReason.items_ended, clock)
        return
    if fresh:
        await _emit(session, CreditEventType.disclosure_published, current, _items_payload(shown))
        await audit.record(
            session=session, actor=ACTOR, action="disclosure.publish",
            resource_type="disclosure", resource_id=current.id,
            changes=audit.created({"cycle": current.cycle, "items": len(shown)}),
        )  # fmt: skip
    elif changed:
        current.version += 1
        await session.flush()
        await _emit(session, CreditEventType.disclosure_updated, current, _items_payload(shown))
        await audit.record(
            session=session, actor=ACTOR, action="disclosure.update",
            resource_type="disclosure", resource_id=current.id,
            changes={"items": {"old": None, "new": len(shown)}},
        )  # fmt: skip


def _item(disclosure_id: uuid.UUID, record: CreditRecord, settings: Settings) -> DisclosureItem:
    assert record.severity is not None  # rules.SHOWN
    decided = rules.penalty_date(record)
    return DisclosureItem(
        disclosure_id=disclosure_id,
        record_id=record.id,
        record_key=record.record_key,
        penalty_date=decided,
        decision_number=record.decision_number,
        violation=rules.violation(record),
        legal_basis=rules.legal_basis(record),
        result=rules.result(record),
        severity=record.severity,
        publication_end_date=rules.publication_end_date(record, settings),
        repair_available_from=rules.repair_available_from(record.severity, decided, settings),
    )


async def _end_item(session: AsyncSession, item: DisclosureItem, today: date) -> None:
    record = await session.get_one(CreditRecord, item.record_id)
    if record.status == RecordStatus.revoked:
        reason = ItemEnd.revoked
    elif record.status == RecordStatus.verified and item.publication_end_date < today:
        reason = ItemEnd.expired
    else:  # superseded by a correction, or its new content no longer shown
        reason = ItemEnd.corrected
    item.ended_on = today
    item.end_reason = reason


async def _current_items(
    session: AsyncSession, disclosure: Disclosure | None
) -> list[DisclosureItem]:
    if disclosure is None:
        return []
    found = await session.scalars(
        select(DisclosureItem)
        .where(DisclosureItem.disclosure_id == disclosure.id)
        .where(col(DisclosureItem.ended_on).is_(None))
        .order_by(col(DisclosureItem.penalty_date), col(DisclosureItem.id))
    )
    return list(found.all())


@dataclass(frozen=True)
class _Disputed:
    """What the employer's open objections contest (异议标注): records (every version, by key),
    evaluations and single items."""

    record_keys: frozenset[uuid.UUID]
    evaluation_ids: frozenset[uuid.UUID]
    item_ids: frozenset[uuid.UUID]

    def flags(self, item: DisclosureItem, evaluation_id: uuid.UUID) -> bool:
        return (
            item.record_key in self.record_keys
            or evaluation_id in self.evaluation_ids
            or item.id in self.item_ids
        )


async def _disputed(session: AsyncSession, employer_id: uuid.UUID) -> _Disputed:
    rows = (
        await session.execute(
            select(Objection.target_type, Objection.target_id, Objection.target_key)
            .where(Objection.employer_id == employer_id)
            .where(col(Objection.status).in_(OPEN))  # filed or accepted
        )
    ).all()
    of = {kind: {(t_id, key) for k, t_id, key in rows if k == kind} for kind in ObjectionTarget}
    return _Disputed(
        record_keys=frozenset(key for _, key in of[ObjectionTarget.record]),
        evaluation_ids=frozenset(t_id for t_id, _ in of[ObjectionTarget.evaluation]),
        item_ids=frozenset(t_id for t_id, _ in of[ObjectionTarget.disclosure_item]),
    )


async def _listed(session: AsyncSession, employer_id: uuid.UUID) -> bool:
    found = await session.scalars(
        select(BlacklistEntry.id)
        .where(BlacklistEntry.employer_id == employer_id)
        .where(BlacklistEntry.status == ListingStatus.listed)
        .limit(1)
    )
    return found.first() is not None


async def _withdraw(
    session: AsyncSession, disclosure: Disclosure, reason: WithdrawalReason, clock: Clock
) -> None:
    disclosure.status = DisclosureStatus.withdrawn
    disclosure.withdrawn_at = clock.now()
    disclosure.withdrawal_reason = reason
    disclosure.version += 1
    await session.flush()
    await _emit(
        session,
        CreditEventType.disclosure_withdrawn,
        disclosure,
        {
            "reason": str(reason),
            "withdrawn_at": disclosure.withdrawn_at.isoformat(),
            "withdrawn_on": clock.local(disclosure.withdrawn_at).date().isoformat(),
        },
    )
    await audit.record(
        session=session, actor=ACTOR, action="disclosure.withdraw",
        resource_type="disclosure", resource_id=disclosure.id,
        changes=audit.diff({"status": "published"}, {"status": "withdrawn", "reason": reason}),
    )  # fmt: skip


def _items_payload(items: list[DisclosureItem]) -> dict[str, Any]:
    return {
        "items": [
            {
                "item_id": str(i.id),
                "record_id": str(i.record_id),
                "decision_number": i.decision_number,
                "severity": str(i.severity),
                "publication_end_date": i.publication_end_date.isoformat(),
                "repair_available_from": i.repair_available_from.isoformat(),
            }
            for i in items
        ]
    }


async def _emit(
    session: AsyncSession,
    event_type: CreditEventType,
    disclosure: Disclosure,
    body: dict[str, Any],
) -> None:
    payload: dict[str, Any] = {"disclosure_id": str(disclosure.id), "cycle": disclosure.cycle}
    if event_type != CreditEventType.disclosure_withdrawn:
        payload["list_status"] = str(disclosure.list_status)
    await events.emit(
        session=session,
        events=[
            events.event(
                event_type.value,
                subject_type=EventSubject.disclosure,
                subject_id=disclosure.id,
                employer_id=disclosure.employer_id,
                payload={**payload, **body},
            )
        ],
    )
