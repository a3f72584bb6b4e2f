"""An employer's credit profile: the grade in force and why, a pending notice, the record
summary and the grade history (DESIGN: `/employers/{id}/credit-profile`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import access
from app.core.actors import Actor
from app.evaluations import reads as evaluation_reads
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.employer import Employer
from app.models.evaluation import CreditProfile, Evaluation, EvaluationStatus, RecordSummary
from app.models.user import Role

HISTORY = 100


async def get(*, session: AsyncSession, employer_id: uuid.UUID, actor: Actor) -> CreditProfile:
    employer = await session.get(Employer, employer_id)
    access.visible(actor, employer, missing=f"employer {employer_id}")
    history = list(
        (
            await session.scalars(
                select(Evaluation)
                .where(evaluation_reads.of_employer(employer_id))
                .order_by(col(Evaluation.cycle).desc(), col(Evaluation.created_at).desc())
                .limit(HISTORY)
            )
        ).all()
    )
    shown = await evaluation_reads.to_public(session=session, evaluations=history)
    current = next((e for e in shown if e.status == EvaluationStatus.final), None)
    notice = next((e for e in shown if e.status == EvaluationStatus.notice), None)
    return CreditProfile(
        employer_id=employer_id,
        current=current,
        pending_notice=notice,
        records=await _summary(session, employer_id, verified_only=actor.role == Role.employer),
        history=shown,
    )


async def _summary(
    session: AsyncSession, employer_id: uuid.UUID, *, verified_only: bool
) -> RecordSummary:
    query = (
        select(col(CreditRecord.category), col(CreditRecord.status), func.count())
        .where(CreditRecord.employer_id == employer_id)
        .group_by(col(CreditRecord.category), col(CreditRecord.status))
    )
    if verified_only:  # employers see only their verified records
        query = query.where(CreditRecord.status == RecordStatus.verified)
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for category, status, count in (await session.execute(query)).all():
        by_category[str(category)] = by_category.get(str(category), 0) + count
        by_status[str(status)] = by_status.get(str(status), 0) + count
    return RecordSummary(by_category=by_category, by_status=by_status)
