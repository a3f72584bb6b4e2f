"""An employer's credit profile: the grade in force and why, a pending notice, the record
summary, the measures in force and the grade history."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BindParameter, Uuid, bindparam, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import access, entities
from app.core.actors import Actor
from app.core.db import DriverStatement
from app.core.i18n import Text
from app.employers import grades
from app.evaluations import reads as evaluation_reads
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.employer import Employer
from app.models.evaluation import (
    CreditProfile,
    Evaluation,
    EvaluationPublic,
    EvaluationStatus,
    RecordSummary,
)
from app.models.measure import Measure
from app.models.user import Role
from app.supervision import catalogue as measure_catalogue
from app.supervision import measures as supervision_measures

HISTORY = 100

# Every read of a profile goes to the driver (app.core.entities, DriverStatement): the ORM's
# execution and loading cost a profile more than its seven reads.
_EMPLOYER: BindParameter[uuid.UUID] = bindparam("employer_id", type_=Uuid)
_HISTORY = (  # a template of entities.listed
    select(Evaluation)
    .where(evaluation_reads.of_employer(_EMPLOYER))
    .order_by(col(Evaluation.cycle).desc(), col(Evaluation.created_at).desc())
    .limit(HISTORY)
)
_IN_FORCE = DriverStatement(select(grades.in_force(_EMPLOYER, Evaluation.id)))
_RECORDS = select(col(CreditRecord.category), col(CreditRecord.status), func.count()).where(
    CreditRecord.employer_id == _EMPLOYER
)
_BY_CATEGORY = (col(CreditRecord.category), col(CreditRecord.status))
_SUMMARY = DriverStatement(_RECORDS.group_by(*_BY_CATEGORY))
_VERIFIED_SUMMARY = DriverStatement(
    _RECORDS.where(CreditRecord.status == RecordStatus.verified).group_by(*_BY_CATEGORY)
)


async def get(
    *, session: AsyncSession, employer_id: uuid.UUID, actor: Actor, today: date
) -> CreditProfile:
    employer = await entities.by_id(session, Employer, employer_id)
    access.visible(
        actor, employer, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}")
    )
    history = await entities.listed(session, Evaluation, _HISTORY, {"employer_id": employer_id})
    shown = await evaluation_reads.to_public(session=session, evaluations=history)
    notice = next((e for e in shown if e.status == EvaluationStatus.notice), None)
    current = await _in_force(session, employer_id, shown)
    return CreditProfile(
        employer_id=employer_id,
        current=current,
        pending_notice=notice,
        in_force_note=_note(current, notice),
        records=await _summary(session, employer_id, verified_only=actor.role == Role.employer),
        measures=await _measures(session, employer_id, current, today),
        history=shown,
    )


async def _in_force(
    session: AsyncSession, employer_id: uuid.UUID, shown: list[EvaluationPublic]
) -> EvaluationPublic | None:
    """The evaluation in force: the latest final grade; a proposed C (a notice) is not in force
    until it becomes final (employers.grades, the rule the employer list's `grade` filter uses
    too)."""
    [(current_id,)] = await _IN_FORCE.fetch(session, employer_id=employer_id)
    if current_id is None:
        return None
    found = next((e for e in shown if e.id == current_id), None)
    if found is None:  # older than the history shown
        evaluation = await entities.by_id(session, Evaluation, current_id)
        assert evaluation is not None  # the row the subquery just named
        [found] = await evaluation_reads.to_public(session=session, evaluations=[evaluation])
    return found


async def _measures(
    session: AsyncSession, employer_id: uuid.UUID, current: EvaluationPublic | None, today: date
) -> list[Measure]:
    """Those of the grade in force (a pending notice's C is not), with the joint punishment's
    while listed; none while no catalogue version is in force (GET /employers/{id}/measures
    says so)."""
    listed = await supervision_measures.listed(session=session, employer_id=employer_id)
    try:
        catalogue = await measure_catalogue.in_force(session=session, on=today)
    except supervision_measures.NoMeasureSetInForce:
        return []
    grade = current.grade if current else None
    return supervision_measures.pick(catalogue, grade, listed=listed)


def _note(current: EvaluationPublic | None, notice: EvaluationPublic | None) -> str | None:
    if notice is None:
        return None
    in_force_now = (
        f"{current.cycle}年度{current.grade.value}级继续有效" if current else "暂无生效的信用等级"
    )
    return (
        f"{notice.cycle}年度拟评C级告知尚未生效（陈述申辩期内或待审核决定），生效前{in_force_now}。"
        f" / The proposed C for {notice.cycle} is not in force yet; until it is, "
        + (f"the {current.cycle} grade {current.grade.value} stays in force." if current
           else "no grade is in force.")
    )  # fmt: skip


async def _summary(
    session: AsyncSession, employer_id: uuid.UUID, *, verified_only: bool
) -> RecordSummary:
    # employers see only their verified records
    summary = _VERIFIED_SUMMARY if verified_only else _SUMMARY
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for category, status, count in await summary.fetch(session, employer_id=employer_id):
        by_category[str(category)] = by_category.get(str(category), 0) + count
        by_status[str(status)] = by_status.get(str(status), 0) + count
    return RecordSummary(by_category=by_category, by_status=by_status)
