"""Objections (Art 15, 16): filing and acceptance. The decision and its one-transaction cascade
are in `cascade`, closing without a decision (withdrawn, lapsed) in `closure`, deadlines in
`deadlines`, evidence files in `evidence`, reads in `reads`.

An employer files against its own verified record in force, its current evaluation or a
published item of its disclosure, received today, online; staff enter a walk-in or a
letter with the day it was received. Filing flags the target as disputed (异议标注) on the public
list. A reviewer accepts it, saying whether the bureau settles it itself (3 working days from
receipt) or other departments verify (10): the deadline is counted on the calendar, and waits,
visibly, while the calendar lacks the year it falls in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendar import service as working_days
from app.core import access, events
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.i18n import Text
from app.disclosure import service as disclosure
from app.evaluations import reads as evaluation_reads
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.disclosure import Disclosure, DisclosureItem, DisclosureStatus, ItemEnd
from app.models.evaluation import Evaluation, EvaluationStatus
from app.models.event import CreditEventType, EventSubject
from app.models.objection import (
    AcceptanceCreate,
    Objection,
    ObjectionChannel,
    ObjectionCreate,
    ObjectionStatus,
    ObjectionTarget,
)
from app.models.user import Role
from app.objections import reads, rules
from app.objections.problems import (
    ObjectionAlreadyOpen,
    ObjectionNotFiled,
    ObjectionReceiptRequired,
    ObjectionStaffField,
    ObjectionTargetNotCurrent,
)
from app.records import reads as record_reads


@dataclass(frozen=True)
class Target:
    """What an objection contests, resolved and locked for this transaction."""

    employer_id: uuid.UUID
    key: uuid.UUID  # one open objection per key: a record's key (all versions), else the id
    record: CreditRecord | None = None  # a disclosure item's: the version it shows
    evaluation: Evaluation | None = None
    item: DisclosureItem | None = None


async def file(
    *, session: AsyncSession, data: ObjectionCreate, actor: Actor, clock: Clock
) -> Objection:
    """A new objection, the target flagged as disputed, `objection.filed` emitted."""
    receipt_date, channel = _receipt(actor, data, clock.today())
    target = await resolve(session, data.target_type, data.target_id, actor, clock.today())
    already = await reads.open_on(session, data.target_type, target.key)
    if already is not None:
        raise ObjectionAlreadyOpen(
            Text(
                zh=f"该对象已有未办结的异议 {already.id}（{ObjectionStatus(already.status).zh}，"
                f"收到日期{already.receipt_date}）",
                en=f"objection {already.id} on it is open ({already.status}, received "
                f"{already.receipt_date})",
            ),
            open_objection_id=str(already.id),
        )
    now = clock.now()
    objection = Objection(
        employer_id=target.employer_id, target_type=data.target_type, target_id=data.target_id,
        target_key=target.key, reason_category=data.reason_category, statement=data.statement,
        channel=channel, receipt_date=receipt_date, status=ObjectionStatus.filed,
        filed_by=actor.id, filer_role=actor.role, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(objection)
    await session.flush()
    # 异议标注: the items it contests are flagged on the public list while it is open
    await disclosure.reflect(session=session, employer_id=target.employer_id, clock=clock)
    payload = {
        "objection_id": str(objection.id), "target_type": data.target_type.value,
        "target_id": str(data.target_id), "receipt_date": receipt_date.isoformat(),
        "reason_category": data.reason_category.value,
    }  # fmt: skip
    await emit(session, objection, CreditEventType.objection_filed, payload)
    await audit_event(session, actor, "objection.file", objection.id, {
        **payload, "channel": channel.value, "statement": data.statement,
    })  # fmt: skip
    return objection


def _receipt(actor: Actor, data: ObjectionCreate, today: date) -> tuple[date, ObjectionChannel]:
    """An employer account's own objection is received today, online; staff give both."""
    if actor.role == Role.employer:
        for name in ("receipt_date", "channel"):
            given = getattr(data, name)
            if given is not None and given != ObjectionChannel.online:
                raise ObjectionStaffField(
                    ["body", name],
                    Text(
                        zh=f"单位账户自己提出的异议收到日期即今天（{today}）、方式为网上；{name}"
                        "由代为录入的工作人员填写",
                        en=f"an employer account's own objection is received today ({today}), "
                        f"online; `{name}` is for staff entering a walk-in or a letter",
                    ),
                )
        return today, ObjectionChannel.online
    if data.receipt_date is None or data.receipt_date > today:
        given = data.receipt_date or "未填写 / missing"
        raise ObjectionReceiptRequired(
            ["body", "receipt_date"],
            Text(
                zh=f"工作人员录入异议须写明收到日期 receipt_date，且不晚于今天（{today}；现为"
                f"{given}）",
                en=f"staff entering an objection give its receipt_date, not after today "
                f"({today}; given: {given})",
            ),
            "date.future" if data.receipt_date else "missing",
        )
    if data.channel not in (ObjectionChannel.in_person, ObjectionChannel.letter):
        given = data.channel or "未填写 / missing"
        raise ObjectionReceiptRequired(
            ["body", "channel"],
            Text(
                zh=f"工作人员录入异议须写明提出方式 channel：in_person 或 letter（现为{given}）",
                en=f"staff entering an objection give its channel: in_person or letter "
                f"(given: {given})",
            ),
        )
    return data.receipt_date, data.channel


async def resolve(
    session: AsyncSession, target_type: ObjectionTarget, target_id: uuid.UUID, actor: Actor,
    today: date,
) -> Target:  # fmt: skip
    """The target as `actor` may see it (another employer's is a 404), locked, in force."""
    if target_type == ObjectionTarget.record:
        await record_reads.get(session=session, record_id=target_id, actor=actor)
        record = await session.get(
            CreditRecord, target_id, with_for_update=True, populate_existing=True
        )
        assert record is not None
        if record.status != RecordStatus.verified:
            status = RecordStatus(record.status)
            what = Text("信用记录", "credit record")
            raise _not_current(what, target_id, status.zh, str(status), record.superseded_by_id)
        return Target(record.employer_id, record.record_key, record=record)
    if target_type == ObjectionTarget.evaluation:
        await evaluation_reads.get(session=session, evaluation_id=target_id, actor=actor)
        evaluation = await session.get(
            Evaluation, target_id, with_for_update=True, populate_existing=True
        )
        assert evaluation is not None
        if evaluation.status == EvaluationStatus.superseded:
            status_zh, superseded_by = EvaluationStatus.superseded.zh, evaluation.superseded_by
            what = Text("评价", "evaluation")
            raise _not_current(what, target_id, status_zh, "superseded", superseded_by)
        return Target(evaluation.employer_id, evaluation.id, evaluation=evaluation)
    return await _item(session, target_id, actor, today)


async def _item(session: AsyncSession, item_id: uuid.UUID, actor: Actor, today: date) -> Target:
    """A published item the actor sees, still shown: its record (the version shown) is what a
    decision corrects or revokes; one open objection per item."""
    item = await session.get(DisclosureItem, item_id)
    shown_in = await session.get(Disclosure, item.disclosure_id) if item else None
    what = Text("公示事项", "disclosure item")
    published = access.visible(
        actor, shown_in, missing=Text(f"{what.zh} {item_id}", f"{what.en} {item_id}")
    )
    assert item is not None
    # the disclosure's lock before its rows', as `reflect` takes them (filing reflects)
    await disclosure.lock(session=session, employer_id=published.employer_id)
    for row in (published, item):
        await session.refresh(row, with_for_update=True)
    ended = item.ended_on is not None or item.publication_end_date < today  # not shown now
    if published.status != DisclosureStatus.published or ended:
        status = Text("已结束公示", "ended") if ended else Text("已撤销公示", "withdrawn")
        raise ObjectionTargetNotCurrent(
            Text(
                zh=f"{what.zh} {item_id} {status.zh}，不受理异议",
                en=f"{what.en} {item_id} is {status.en}: it takes no objection",
            ),
            target_status="ended" if ended else "withdrawn",
        )
    record = await session.get(
        CreditRecord, item.record_id, with_for_update=True, populate_existing=True
    )
    assert record is not None
    return Target(published.employer_id, item.id, record=record, item=item)


@dataclass(frozen=True)
class Change:
    """How an objection's target changed since it was filed: what it is now, and the version in
    force that replaced it, if any."""

    status: str
    status_zh: str
    current_id: uuid.UUID | None


async def as_filed(session: AsyncSession, objection: Objection) -> tuple[Target, Change | None]:
    """The target as filed, locked and read afresh, and how it changed since (None: it did not):
    a record corrected or revoked, an evaluation superseded, an item ended or its record no
    longer in force."""
    if objection.target_type == ObjectionTarget.disclosure_item:
        item = await session.get(
            DisclosureItem, objection.target_id, with_for_update=True, populate_existing=True
        )
        assert item is not None
        record = await session.get(
            CreditRecord, item.record_id, with_for_update=True, populate_existing=True
        )
        assert record is not None
        target = Target(record.employer_id, item.id, record=record, item=item)
        if item.ended_on is None and record.status == RecordStatus.verified:
            return target, None
        status = ItemEnd(item.end_reason) if item.end_reason else RecordStatus(record.status)
        return target, Change(str(status), status.zh, record.superseded_by_id)
    if objection.target_type == ObjectionTarget.record:
        record = await session.get(
            CreditRecord, objection.target_id, with_for_update=True, populate_existing=True
        )
        assert record is not None
        target = Target(record.employer_id, record.record_key, record=record)
        if record.status == RecordStatus.verified:
            return target, None
        status = RecordStatus(record.status)
        return target, Change(str(status), status.zh, record.superseded_by_id)
    evaluation = await session.get(
        Evaluation, objection.target_id, with_for_update=True, populate_existing=True
    )
    assert evaluation is not None
    target = Target(evaluation.employer_id, evaluation.id, evaluation=evaluation)
    if evaluation.status != EvaluationStatus.superseded:
        return target, None
    superseded = EvaluationStatus.superseded
    return target, Change(str(superseded), superseded.zh, evaluation.superseded_by)


def _not_current(
    what: Text, target_id: uuid.UUID, status_zh: str, status: str, current: uuid.UUID | None
) -> ObjectionTargetNotCurrent:
    extra = {"current_id": str(current)} if current else {}
    return ObjectionTargetNotCurrent(
        Text(
            zh=f"{what.zh} {target_id} {status_zh}，不是现行有效的版本，不受理异议",
            en=f"{what.en} {target_id} is {status}, not the one in force: it takes no objection",
        ),
        target_status=status,
        **extra,
    )


async def accept(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    data: AcceptanceCreate,
    actor: Actor,
    clock: Clock,
) -> Objection:
    """Art 16: accepted, with the deadline its handling gives, counted from receipt."""
    objection = await locked(session, objection_id, actor)
    if objection.status != ObjectionStatus.filed:
        raise ObjectionNotFiled(
            Text(
                zh=f"异议 {objection.id} {ObjectionStatus(objection.status).zh}，不在待受理状态",
                en=f"objection {objection.id} is {objection.status}, not awaiting acceptance",
            ),
            objection_status=str(objection.status),
        )
    departments = rules.departments(data)
    due = await working_days.due_date(
        session=session, start=objection.receipt_date, days=rules.HANDLING_DAYS[data.handling]
    )
    now = clock.now()
    objection.status, objection.handling, objection.departments = (
        ObjectionStatus.accepted, data.handling, departments,
    )  # fmt: skip
    objection.due_date, objection.accepted_by, objection.accepted_at = due, actor.id, now
    objection.updated_at = now
    await session.flush()
    payload = {
        "objection_id": str(objection.id), "handling": data.handling.value,
        "departments": departments, "receipt_date": objection.receipt_date.isoformat(),
        "due_date": due.isoformat() if due else None,
    }  # fmt: skip
    await emit(session, objection, CreditEventType.objection_accepted, payload)
    await audit_event(session, actor, "objection.accept", objection.id, payload)
    return objection


async def locked(session: AsyncSession, objection_id: uuid.UUID, actor: Actor) -> Objection:
    """The objection (if the actor sees it), locked and read afresh for this transaction."""
    await reads.get(session=session, objection_id=objection_id, actor=actor)
    objection = await session.get(
        Objection, objection_id, with_for_update=True, populate_existing=True
    )
    assert objection is not None
    return objection


async def emit(
    session: AsyncSession, objection: Objection, kind: CreditEventType, payload: dict[str, Any]
) -> None:
    await events.emit(
        session=session,
        events=[
            events.event(
                kind.value,
                subject_type=EventSubject.objection,
                subject_id=objection.id,
                employer_id=objection.employer_id,
                payload=payload,
            )
        ],
    )


async def audit_event(
    session: AsyncSession, actor: Actor, action: str, objection_id: uuid.UUID, values: dict
) -> None:
    await audit.record(
        session=session, actor=actor, action=action, resource_type="objection",
        resource_id=objection_id, changes=audit.created(values),
    )  # fmt: skip
