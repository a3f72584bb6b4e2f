"""An employer's credit profile: the grade in force and why, a pending notice, the record
summary, the measures in force and the grade history."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Select, Uuid, bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import access, entities
from app.core.actors import Actor
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
# execution and loading cost a profile more than its reads. The employer's row comes with what
# the profile asks of it beside (`entities.by_id_beside`): the id of the evaluation in force, its
# listing, and its records counted by category and status, as arrays.
_EMPLOYER: BindParameter[uuid.UUID] = bindparam("employer_id", type_=Uuid)
_HISTORY = (  # a template of entities.listed
    select(Evaluation)
    .where(evaluation_reads.of_employer(_EMPLOYER))
    .order_by(col(Evaluation.cycle).desc(), col(Evaluation.created_at).desc())
    .limit(HISTORY)
)
_EMPLOYERS = Employer.__table__  # type: ignore[attr-defined]
_THE_EMPLOYER = _EMPLOYERS.c.id  # the row read, which the selects beside it refer to


def _beside(*, verified_only: bool) -> Select[Any]:
    counted = select(
        col(CreditRecord.category), col(CreditRecord.status), func.count().label("n")
    ).where(CreditRecord.employer_id == _THE_EMPLOYER)
    if verified_only:  # employers see only their verified records
        counted = counted.where(CreditRecord.status == RecordStatus.verified)
    by_category = counted.group_by(col(CreditRecord.category), col(CreditRecord.status))
    records = by_category.correlate(_EMPLOYERS).subquery("r")
    return sa_select(
        grades.in_force(_THE_EMPLOYER, Evaluation.id).correlate(_EMPLOYERS),
        supervision_measures.is_listed(_THE_EMPLOYER).correlate(_EMPLOYERS),
        func.array_agg(records.c.category),
        func.array_agg(records.c.status),
        func.array_agg(records.c.n),
    ).select_from(records)


_BESIDE, _BESIDE_VERIFIED = _beside(verified_only=False), _beside(verified_only=True)


async def get(
    *, session: AsyncSession, employer_id: uuid.UUID, actor: Actor, today: date
) -> CreditProfile:
    beside = _BESIDE_VERIFIED if actor.role == Role.employer else _BESIDE
    found = await entities.by_id_beside(session, Employer, employer_id, beside)
    row, read_beside = found if found is not None else (None, [])
    access.visible(actor, row, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}"))
    [(in_force_id, listed, categories, statuses, counts)] = read_beside
    history = await entities.listed(session, Evaluation, _HISTORY, {"employer_id": employer_id})
    shown = await evaluation_reads.to_public(session=session, evaluations=history)
    notice = next((e for e in shown if e.status == EvaluationStatus.notice), None)
    current = await _in_force(session, in_force_id, shown)
    return CreditProfile(
        employer_id=employer_id,
        current=current,
        pending_notice=notice,
        in_force_note=_note(current, notice),
        records=_summary(categories or [], statuses or [], counts or []),
        measures=await _measures(session, current, listed=listed, today=today),
        history=shown,
    )


async def _in_force(
    session: AsyncSession, current_id: uuid.UUID | None, shown: list[EvaluationPublic]
) -> EvaluationPublic | None:
    """The evaluation in force (`current_id`): the latest final grade; a proposed C (a notice)
    is not in force until it becomes final (employers.grades, the rule the employer list's
    `grade` filter uses too)."""
    if current_id is None:
        return None
    found = next((e for e in shown if e.id == current_id), None)
    if found is None:  # older than the history shown
        evaluation = await entities.by_id(session, Evaluation, current_id)
        assert evaluation is not None  # the row the subquery just named
        [found] = await evaluation_reads.to_public(session=session, evaluations=[evaluation])
    return found


async def _measures(
    session: AsyncSession, current: EvaluationPublic | None, *, listed: bool, today: date
) -> list[Measure]:
    """Those of the grade in force (a pending notice's C is not), with the joint punishment's
    while listed; none while no catalogue version is in force (GET /employers/{id}/measures
    says so)."""
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


def _summary(categories: list[str], statuses: list[str], counts: list[int]) -> RecordSummary:
    """The records counted by category and status (the arrays read beside the employer)."""
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for category, status, count in zip(categories, statuses, counts, strict=True):
        by_category[str(category)] = by_category.get(str(category), 0) + count
        by_status[str(status)] = by_status.get(str(status), 0) + count
    return RecordSummary(by_category=by_category, by_status=by_status)
