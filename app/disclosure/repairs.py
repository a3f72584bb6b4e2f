"""Credit repair (信用修复, 国家发展改革委令第36号, docs/law.md §11): an employer applies to end a
disclosed item's publication early; a reviewer accepts (2 working days of the application) and
decides (5 working days of acceptance); approval ends the item (`repaired`) and reflects the
disclosure, which is withdrawn if nothing remains. A repair does NOT change the grade: the
penalty stays a fact of the cycle (a grade changes only through its records, Art 10, 17).
Due dates are None while the calendar lacks the year they reach into: the application waits,
visibly, never on a guessed holiday. Evidence: document references on the application, and
files filed with it while it is open (repair_evidence); the decision's audit entry counts them.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.calendar import service as working_days
from app.core import access, events, pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text, say
from app.disclosure import rules, service
from app.disclosure.errors import (
    DisclosureWithdrawn,
    RepairAlreadyOpen,
    RepairConditionsUnmet,
    RepairItemNotFound,
    RepairItemNotPublished,
    RepairTooEarly,
    RepairWrongState,
)
from app.models.disclosure import (
    Disclosure,
    DisclosureItem,
    DisclosureStatus,
    ItemEnd,
    WithdrawalReason,
)
from app.models.event import CreditEventType, EventSubject
from app.models.repair import (
    RepairApplication,
    RepairAttachment,
    RepairAttachmentPublic,
    RepairCreate,
    RepairDecisionCreate,
    RepairOption,
    RepairOptions,
    RepairOutcome,
    RepairPublic,
    RepairStatus,
)

HOW = Text(
    "自可申请之日起，以用人单位账号 POST /api/v1/disclosures/{id}/repairs 提交申请，附纠正失信"
    "行为、履行处罚的说明和证据及书面信用承诺；审核员2个工作日内受理、受理后5个工作日内决定。",
    "From the date given, the employer's account applies with POST "
    "/api/v1/disclosures/{id}/repairs: how the violation was corrected and the penalty performed, "
    "with evidence, and a written credit commitment; a reviewer accepts within 2 working days "
    "and decides within 5 of acceptance.",
)


async def _disclosure(session: AsyncSession, disclosure_id: uuid.UUID, actor: Actor) -> Disclosure:
    found = await session.get(Disclosure, disclosure_id)
    return access.visible(
        actor, found, missing=Text(f"公示 {disclosure_id}", f"disclosure {disclosure_id}")
    )


async def apply(
    *, session: AsyncSession, disclosure_id: uuid.UUID, data: RepairCreate, actor: Actor,
    settings: Settings, clock: Clock,
) -> RepairApplication:  # fmt: skip
    today = clock.today()
    disclosure = await _disclosure(session, disclosure_id, actor)
    if disclosure.status == DisclosureStatus.withdrawn:
        assert disclosure.withdrawal_reason is not None
        raise DisclosureWithdrawn(
            disclosure.id, disclosure.withdrawn_at, WithdrawalReason(disclosure.withdrawal_reason)
        )
    item = await session.get(DisclosureItem, data.item_id, with_for_update=True)
    if item is None or item.disclosure_id != disclosure.id:
        raise RepairItemNotFound(data.item_id, disclosure.id)
    _still_shown(item, today)
    if today < item.repair_available_from:
        raise RepairTooEarly(item.id, item.repair_available_from)
    existing = await session.scalar(
        select(RepairApplication.id).where(
            RepairApplication.item_id == item.id,
            col(RepairApplication.status).in_([RepairStatus.applied, RepairStatus.accepted]),
        )
    )
    if existing is not None:
        raise RepairAlreadyOpen(item.id, existing)
    repair = RepairApplication(
        disclosure_id=disclosure.id,
        item_id=item.id,
        employer_id=disclosure.employer_id,
        status=RepairStatus.applied,
        **data.model_dump(exclude={"item_id"}),
        applied_on=today,
        applied_at=clock.now(),
        applied_by=actor.id if actor.kind == "user" else None,
        acceptance_due_date=await working_days.due_date(
            session=session, start=today, days=settings.repair_acceptance_working_days
        ),
    )
    session.add(repair)
    await session.flush()
    await _emit(session, CreditEventType.repair_applied, repair, {
        "disclosure_id": str(disclosure.id),
        "applied_on": today.isoformat(),
        "acceptance_due_date": _day(repair.acceptance_due_date),
    })  # fmt: skip
    await audit.record(
        session=session, actor=actor, action="repair.apply", resource_type="repair",
        resource_id=repair.id, changes=audit.created({"item_id": item.id, "status": "applied"}),
    )  # fmt: skip
    return repair


async def accept(
    *, session: AsyncSession, repair_id: uuid.UUID, actor: Actor, settings: Settings,
    clock: Clock, note: str | None = None,
) -> RepairApplication:  # fmt: skip
    repair = await locked(session, repair_id, actor)
    if repair.status != RepairStatus.applied:
        raise RepairWrongState(repair.id, repair.status, Text("受理", "accepted"))
    today = clock.today()
    repair.status = RepairStatus.accepted
    repair.accepted_on = today
    repair.accepted_by = actor.id
    repair.decision_due_date = await working_days.due_date(
        session=session, start=today, days=settings.repair_decision_working_days
    )
    await session.flush()
    await _emit(session, CreditEventType.repair_accepted, repair, {
        "accepted_on": today.isoformat(), "decision_due_date": _day(repair.decision_due_date),
    })  # fmt: skip
    await audit.record(
        session=session, actor=actor, action="repair.accept", resource_type="repair",
        resource_id=repair.id, changes=audit.diff(
            {"status": "applied", "note": None}, {"status": "accepted", "note": note}
        ),
    )  # fmt: skip
    return repair


def _still_shown(item: DisclosureItem, today: date) -> None:
    """The item is published today (not ended, not past its end date even before the daily job
    records it): RepairItemNotPublished otherwise, naming the day it ended."""
    if item.ended_on is not None or item.publication_end_date < today:
        ended = item.ended_on or item.publication_end_date + timedelta(days=1)
        raise RepairItemNotPublished(item.id, item.end_reason, ended)


async def decide(
    *, session: AsyncSession, repair_id: uuid.UUID, data: RepairDecisionCreate, actor: Actor,
    settings: Settings, clock: Clock,
) -> RepairApplication:  # fmt: skip
    repair = await locked(session, repair_id, actor)
    if repair.status != RepairStatus.accepted:
        raise RepairWrongState(repair.id, repair.status, Text("决定", "decided"))
    today = clock.today()
    await service.lock(session=session, employer_id=repair.employer_id)  # before the item's
    item = await session.get_one(DisclosureItem, repair.item_id, with_for_update=True)
    if data.outcome == RepairOutcome.approved:
        _still_shown(item, today)  # ended meanwhile (expired, corrected): nothing to repair
        failing = rules.failing_conditions(
            available_from=item.repair_available_from, today=today,
            rectified_date=repair.rectified_date,
            penalty_performed_date=repair.penalty_performed_date,
            credit_commitment=repair.credit_commitment,
        )  # fmt: skip
        if failing:
            raise RepairConditionsUnmet(repair.id, failing)
    repair.status = RepairStatus(data.outcome.value)
    repair.refusal_reasons = list(data.reasons)
    repair.decision_note = data.note
    repair.decided_on = today
    repair.decided_by = actor.id
    repair.decided_at = clock.now()
    if data.outcome == RepairOutcome.approved and item.ended_on is None:
        item.ended_on = today
        item.end_reason = ItemEnd.repaired
    await session.flush()
    await _emit(session, CreditEventType.repair_decided, repair, {
        "outcome": str(data.outcome), "reasons": [r.zh for r in data.reasons],
        "decided_on": today.isoformat(),
    })  # fmt: skip
    attachments = await session.scalar(
        select(func.count()).where(RepairAttachment.repair_id == repair.id)
    )
    await audit.record(
        session=session, actor=actor, action="repair.decide", resource_type="repair",
        resource_id=repair.id,
        changes={
            **audit.diff({"status": "accepted"}, {"status": str(repair.status)}),
            # the evidence files the decision was made on (none can be added after it)
            "attachments": {"old": None, "new": attachments},
        },
    )  # fmt: skip
    if data.outcome == RepairOutcome.approved:
        await service.reflect(
            session=session, employer_id=repair.employer_id, clock=clock, settings=settings
        )
    return repair


def _missing(repair_id: uuid.UUID) -> Text:
    return Text(f"信用修复申请 {repair_id}", f"repair application {repair_id}")


async def locked(session: AsyncSession, repair_id: uuid.UUID, actor: Actor) -> RepairApplication:
    repair = await session.get(RepairApplication, repair_id, with_for_update=True)
    return access.visible(actor, repair, missing=_missing(repair_id))


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


async def _emit(
    session: AsyncSession, kind: CreditEventType, repair: RepairApplication, body: dict[str, Any]
) -> None:
    payload = {"repair_id": str(repair.id), "item_id": str(repair.item_id), **body}
    await events.emit(
        session=session,
        events=[
            events.event(
                kind.value, subject_type=EventSubject.repair, subject_id=repair.id,
                employer_id=repair.employer_id, payload=payload,
            )
        ],
    )  # fmt: skip


# --- reads -----------------------------------------------------------------------------------


async def get(*, session: AsyncSession, repair_id: uuid.UUID, actor: Actor) -> RepairApplication:
    repair = await session.get(RepairApplication, repair_id)
    return access.visible(actor, repair, missing=_missing(repair_id))


async def list_(
    *, session: AsyncSession, actor: Actor, employer_id: uuid.UUID | None,
    status: RepairStatus | None, limit: int, cursor: str | None,
) -> tuple[list[RepairApplication], str | None]:  # fmt: skip
    query = select(RepairApplication)
    employer_id = access.own_employer(actor, employer_id)
    if employer_id is not None:
        query = query.where(RepairApplication.employer_id == employer_id)
    if status is not None:
        query = query.where(RepairApplication.status == status)
    if cursor:
        at, last = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        key = tuple_(col(RepairApplication.applied_at), col(RepairApplication.id))
        query = query.where(key < tuple_(literal(at), literal(last)))
    query = query.order_by(
        col(RepairApplication.applied_at).desc(), col(RepairApplication.id).desc()
    ).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    return pagination.page(rows, limit, lambda r: [r.applied_at.isoformat(), str(r.id)])


async def public(*, session: AsyncSession, repairs: list[RepairApplication]) -> list[RepairPublic]:
    ids = [r.id for r in repairs]
    items = {
        i.id: i
        for i in await session.scalars(
            select(DisclosureItem).where(col(DisclosureItem.id).in_([r.item_id for r in repairs]))
        )
    }
    files: dict[uuid.UUID, list[RepairAttachmentPublic]] = {id_: [] for id_ in ids}
    for a in await session.scalars(
        select(RepairAttachment)
        .where(col(RepairAttachment.repair_id).in_(ids))
        .order_by(col(RepairAttachment.uploaded_at), col(RepairAttachment.id))
    ):
        files[a.repair_id].append(RepairAttachmentPublic.model_validate(a))
    return [
        RepairPublic.model_validate(r, update={
            "repair_available_from": items[r.item_id].repair_available_from,
            "attachments": files[r.id],
        })
        for r in repairs
    ]  # fmt: skip


async def options(
    *, session: AsyncSession, disclosure_id: uuid.UUID, actor: Actor, clock: Clock
) -> RepairOptions:
    """两书同达: for each item shown, when and how its repair may be applied for."""
    disclosure = await _disclosure(session, disclosure_id, actor)
    today = clock.today()
    items = (
        await session.scalars(
            select(DisclosureItem)
            .where(DisclosureItem.disclosure_id == disclosure.id)
            .where(col(DisclosureItem.ended_on).is_(None))
            .where(DisclosureItem.publication_end_date >= today)
            .order_by(col(DisclosureItem.penalty_date), col(DisclosureItem.id))
        )
    ).all()
    open_: dict[uuid.UUID, uuid.UUID] = dict(
        (
            await session.execute(
                select(RepairApplication.item_id, RepairApplication.id).where(
                    col(RepairApplication.item_id).in_([i.id for i in items]),
                    col(RepairApplication.status).in_(
                        [RepairStatus.applied, RepairStatus.accepted]
                    ),
                )
            )
        ).all()
    )
    how = say(HOW).replace("{id}", str(disclosure.id))
    shown = [] if disclosure.status == DisclosureStatus.withdrawn else items
    return RepairOptions(
        disclosure_id=disclosure.id,
        items=[
            RepairOption(
                item_id=i.id, decision_number=i.decision_number,
                publication_end_date=i.publication_end_date,
                repair_available_from=i.repair_available_from,
                open_application_id=open_.get(i.id), how=how,
            )
            for i in shown
        ],
    )  # fmt: skip
