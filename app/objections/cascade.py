"""An objection's decision and what an upholding one does, in one transaction (Art 16, docs
DOMAIN §6): the record corrected (a new version verified by this decision, citing it) or
revoked, the employer re-graded, the disclosure brought in line and no longer flagged as
disputed, and the events the platform push carries emitted, with the push's due date (5
working days after the decision). Any failure on the way undoes all of it: the request's
transaction is the only one, and nothing here commits.

On an evaluation, an upheld objection is the re-grade alone, on the facts as they are (a
record's error is contested on the record, whose correction re-grades too): the grade changes
only if the rules now say otherwise, and an upgrade is allowed.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.calendar import service as working_days
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.disclosure import service as disclosure
from app.grading import apply
from app.grading import service as grading
from app.models.credit_record import CreditRecord
from app.models.evaluation import EvaluationOrigin
from app.models.event import CreditEventType
from app.models.objection import (
    Objection,
    ObjectionDecisionCreate,
    ObjectionStatus,
    ObjectionTarget,
)
from app.objections import rules, service
from app.objections.problems import (
    DeciderCollectedTarget,
    ObjectionNotAccepted,
    ObjectionTargetChanged,
)
from app.records import corrections
from app.records import service as credit_records

# An upheld objection re-grades as a correction does (Art 10): an upgrade applies at once;
# mid-cycle an A is the default state, no evaluation is created for it.
POLICY = apply.Policy(origin=EvaluationOrigin.event, allow_upgrade=True, create_a=False)


async def decide(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    data: ObjectionDecisionCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> Objection:
    objection = await service.locked(session, objection_id, actor)
    if objection.status != ObjectionStatus.accepted:
        raise ObjectionNotAccepted(
            Text(
                zh=f"异议 {objection.id} {ObjectionStatus(objection.status).zh}：处理决定针对"
                "已受理、未处理的异议",
                en=f"objection {objection.id} is {objection.status}: a decision is made on an "
                "accepted objection not yet decided",
            ),
            objection_status=str(objection.status),
        )
    rules.check_remedy(objection.target_type, data)
    # before the rows it locks: the disclosure is reflected below (`disclosure.lock`)
    await disclosure.lock(session=session, employer_id=objection.employer_id)
    target = await _unchanged(session, objection)
    await _not_collector(session, target, actor)
    now = clock.now()
    today = clock.local(now).date()
    upholds = data.outcome in rules.UPHOLDING
    push_due = None
    if upholds:  # Art 16: pushed within 5 working days of the decision; waits for the calendar
        push_due = await working_days.due_date(session=session, start=today, days=rules.PUSH_DAYS)
    # the decision first: whatever fails after it undoes it with the rest
    objection.status, objection.outcome, objection.decision_reasons = (
        ObjectionStatus.decided, data.outcome, data.reasons,
    )  # fmt: skip
    objection.decided_by, objection.decided_at, objection.decided_on = actor.id, now, today
    objection.push_due_date, objection.updated_at = push_due, now
    await session.flush()
    if upholds:
        result = await _remedy(session, objection, target, data, actor, settings, clock)
        objection.result_record_id = result.id if result is not None else None
        await session.flush()
        await _regrade(session, target, result, today)
    # the record, the grade and the open objections as they now are: items updated or withdrawn,
    # and no longer flagged as disputed by this objection
    await disclosure.reflect(
        session=session, employer_id=objection.employer_id, clock=clock, settings=settings
    )
    payload = {
        "objection_id": str(objection.id), "outcome": data.outcome.value,
        "reasons": data.reasons, "decided_on": today.isoformat(),
        "push_due_date": push_due.isoformat() if push_due else None,
        "record_id": str(objection.result_record_id) if objection.result_record_id else None,
    }  # fmt: skip
    await service.emit(session, objection, CreditEventType.objection_decided, payload)
    await service.audit_event(session, actor, "objection.decide", objection.id, payload)
    return objection


async def _unchanged(session: AsyncSession, objection: Objection) -> service.Target:
    """The target as filed, locked; 409 if it changed since (corrected, revoked, superseded)."""
    target, change = await service.as_filed(session, objection)
    if change is not None:
        what = ObjectionTarget(objection.target_type)
        extra = {"current_id": str(change.current_id)} if change.current_id else {}
        raise ObjectionTargetChanged(
            Text(
                zh=f"异议 {objection.id} 提出后，其对象（{what.zh} {objection.target_id}）"
                f"{change.status_zh}：不能再就原对象作出处理决定；可以“对象已变更”终止该异议",
                en=f"since objection {objection.id} was filed its target ({what.en} "
                f"{objection.target_id}) became {change.status}: no decision can be made on "
                "it; it may be closed as lapsed",
            ),
            target_status=change.status,
            **extra,
        )
    return target


async def _not_collector(session: AsyncSession, target: service.Target, actor: Actor) -> None:
    """Art 8: the reviewer who decides collected neither the record nor the evaluation's."""
    if actor.id is None:
        return
    if target.record is not None:
        collected = target.record.collected_by == actor.id
    else:
        assert target.evaluation is not None
        ids = set(target.evaluation.evidence_ids or [])
        ids |= {
            uuid.UUID(r) for item in target.evaluation.evidence or [] for r in item["record_ids"]
        }
        collected = bool(ids) and bool(
            await session.scalar(
                select(func.count())
                .select_from(CreditRecord)
                .where(col(CreditRecord.id).in_(ids), CreditRecord.collected_by == actor.id)
            )
        )
    if collected:
        raise DeciderCollectedTarget(
            Text(
                zh="异议所针对的信用记录（或评价所依据的记录）由你采集：须由另一名审核人员处理",
                en="you collected the record contested (or one the evaluation rests on): "
                "another reviewer must decide",
            ),
            reason="collector",
        )


async def _remedy(
    session: AsyncSession,
    objection: Objection,
    target: service.Target,
    data: ObjectionDecisionCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditRecord | None:
    """The record corrected (verified by this decision, citing it) or revoked; None on an
    evaluation, which the re-grade alone settles."""
    if target.record is None:
        return None
    if data.correction is not None:
        return await corrections.correct_by_decision(
            session=session, record_id=target.record.id, content=data.correction,
            reason=f"依异议 {objection.id} 的处理决定更正：{data.reasons}", actor=actor,
            settings=settings, clock=clock,
        )  # fmt: skip
    assert data.revocation is not None  # rules.check_remedy
    return await credit_records.revoke(
        session=session, record_id=target.record.id, data=data.revocation, actor=actor,
        clock=clock,
    )  # fmt: skip


async def _regrade(
    session: AsyncSession, target: service.Target, result: CreditRecord | None, today: date
) -> None:
    """The employer re-graded in this transaction, so grade and record agree at commit: the
    evaluation's cycle, or the current cycle and the cycles the record was decided in."""
    if target.evaluation is not None:
        cycles = [target.evaluation.cycle]
    else:
        assert target.record is not None

        def day(record: CreditRecord | None) -> date | None:  # its cycle's day, as grading's
            return (record.decision_date or record.occurred_date) if record is not None else None

        cycles = rules.cycles(today, day(target.record), day(result))
    employer_ids = [target.employer_id]
    for cycle in cycles:
        await grading.regrade(
            session=session, employer_ids=employer_ids, cycle=cycle, policy=POLICY, today=today
        )
