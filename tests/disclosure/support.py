"""Helpers of the disclosure tests: verified dishonesty records and a final C."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.models.credit_record import (
    CreditRecord,
    CreditRecordCreate,
    RecordCategory,
    RecordKind,
    RecordSource,
)
from app.models.disclosure import Disclosure, DisclosureItem
from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.user import Role
from app.records import service as credit_records
from tests.grading.support import actor_of


async def staff(make_user: Any) -> tuple[Actor, Actor]:
    return actor_of(await make_user(Role.inspector)), actor_of(await make_user(Role.reviewer))


async def add_record(
    session: AsyncSession, settings: Settings, clock: Clock, employer_id: uuid.UUID,
    people: tuple[Actor, Actor], *, severity: str = "general",
    decided: date = date(2026, 3, 10), **over: Any,
) -> CreditRecord:  # fmt: skip
    values: dict[str, Any] = {
        "employer_id": employer_id,
        "category": RecordCategory.dishonesty,
        "source": RecordSource.inspection,
        "kind": RecordKind.wages,
        "occurred_date": decided,
        "decision_date": decided,
        "title": "拖欠工资",
        "decision_number": f"文人社监罚字〔2026〕{uuid.uuid4().int % 1000}号",
        "violation_type": "拖欠劳动者工资",
        "legal_basis": "《保障农民工工资支付条例》第五十四条",
        "penalty_category": "fine",
        "penalty_content": "罚款2万元",
        "fine_amount": "20000",
        "punished": True,
        "severity": severity,
    }
    values.update(over)
    collector, reviewer = people
    record = await credit_records.create(
        session=session, data=CreditRecordCreate(**values), actor=collector,
        settings=settings, clock=clock,
    )  # fmt: skip
    return await credit_records.verify(
        session=session, record_id=record.id, actor=reviewer, clock=clock
    )


async def final_evaluation(
    session: AsyncSession, employer_id: uuid.UUID, *, grade: str = "C", cycle: int = 2026,
    evidence: list[uuid.UUID] | None = None,
) -> Evaluation:  # fmt: skip
    """A final evaluation in force, replacing the employer's current one of the cycle."""
    for old in (
        await session.scalars(
            select(Evaluation).where(
                Evaluation.employer_id == employer_id,
                Evaluation.cycle == cycle,
                Evaluation.status == EvaluationStatus.final,  # type: ignore[arg-type]
            )
        )
    ).all():
        old.status = EvaluationStatus.superseded
        old.superseded_at = old.created_at
        await session.flush()
    evaluation = Evaluation(
        employer_id=employer_id,
        cycle=cycle,
        grade=grade,  # type: ignore[arg-type]
        computed_grade=grade,  # type: ignore[arg-type]
        status=EvaluationStatus.final,
        origin=EvaluationOrigin.event,
        rule_set_version=1,
        fired_rules=["c_punished_three_times"] if evidence else [],
        evidence_counts=[len(evidence)] if evidence else None,
        evidence_ids=evidence,
        effective_from=date(2026, 11, 1),
    )
    session.add(evaluation)
    await session.flush()
    return evaluation


async def disclosures_of(session: AsyncSession, employer_id: uuid.UUID) -> list[Disclosure]:
    found = await session.scalars(
        select(Disclosure)
        .where(Disclosure.employer_id == employer_id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return list(found.all())


async def items_of(session: AsyncSession, disclosure_id: uuid.UUID) -> list[DisclosureItem]:
    found = await session.scalars(
        select(DisclosureItem)
        .where(DisclosureItem.disclosure_id == disclosure_id)  # type: ignore[arg-type]
        .order_by(DisclosureItem.penalty_date)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return list(found.all())
