"""Shared helpers of the grading tests: records in any state, the rule set, actors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecordCreate,
    RecordCategory,
    RecordKind,
    RecordSource,
    Rectification,
    RevocationCreate,
)
from app.models.user import Role, User
from app.records import corrections
from app.records import service as credit_records


def actor_of(user: User) -> Actor:
    return Actor(
        kind="user", id=user.id, name=user.username, role=user.role, employer_id=user.employer_id
    )


@dataclass
class Spec:
    """One record of a scenario: content and what happens to it after it is entered."""

    punished: bool = True
    decided: date | None = date(2025, 6, 1)
    occurred: date = date(2025, 5, 1)
    serious: list[str] = field(default_factory=list)
    kind: RecordKind = RecordKind.wages
    state: str = "verified"  # draft | verified | revoked | superseded
    rectified: bool = False
    cited: bool = True  # False: it counts only for a rule of a better grade than the one decided


def content(employer_id: uuid.UUID, spec: Spec, **over: Any) -> CreditRecordCreate:
    values: dict[str, Any] = {
        "employer_id": employer_id,
        "category": RecordCategory.dishonesty,
        "source": RecordSource.inspection,
        "kind": spec.kind,
        "occurred_date": spec.occurred,
        "decision_date": spec.decided,
        "title": "测试违法记录",
        "punished": spec.punished,
        "serious_conditions": spec.serious,
    }
    if spec.rectified:
        values["rectification"] = Rectification(
            ordered_date=spec.occurred,
            # two months after the decision (or the occurrence) it answers
            rectified_date=(spec.decided or spec.occurred) + timedelta(days=61),
            penalty_performed_date=(spec.decided or spec.occurred) + timedelta(days=62),
        )
    values.update(over)
    return CreditRecordCreate(**values)


async def add_record(
    session: AsyncSession,
    settings: Settings,
    employer_id: uuid.UUID,
    spec: Spec,
    *,
    clock: Clock,
    collector: Actor,
    reviewer: Actor,
) -> uuid.UUID | None:
    """The record in its state; returns the id of the version that should count (or None)."""
    data = content(employer_id, spec)
    record = await credit_records.create(
        session=session, data=data, actor=collector, settings=settings, clock=clock
    )
    if spec.state == "draft":
        return None
    await credit_records.verify(session=session, record_id=record.id, actor=reviewer, clock=clock)
    if spec.state == "revoked":
        revocation = RevocationCreate(reason="复议撤销", revoking_document="文人社撤字〔2026〕1号")
        await credit_records.revoke(
            session=session, record_id=record.id, data=revocation, actor=reviewer, clock=clock
        )
        return None
    if spec.state == "superseded":  # corrected: no serious condition after all
        fixed = CorrectionCreate(
            **content(employer_id, spec, serious_conditions=[]).model_dump(), reason="认定有误"
        )
        new = await corrections.correct(
            session=session,
            record_id=record.id,
            data=fixed,
            actor=collector,
            settings=settings,
            clock=clock,
        )
        await corrections.verify(session=session, record_id=new.id, actor=reviewer, clock=clock)
        return new.id if spec.punished else None
    return record.id


ROLES_NEEDED = (Role.inspector, Role.reviewer)
