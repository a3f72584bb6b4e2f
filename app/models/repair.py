"""Credit repair applications (信用修复, 国家发展改革委令第36号, docs/law.md §11).

An employer asks for one disclosed item's publication to end early: applied -> accepted (within
2 working days) -> approved or refused (within 5 working days of acceptance). Approval ends the
item (end_reason repaired); the grade of the cycle is left as it is (the penalty stays a fact).
Evidence files (repair_attachments) are filed by the employer's account while the application
is open, outside the database under their sha256 like every attachment, and never changed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints, model_validator
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import (
    RequestModel,
    id_field,
    optional_timestamp_field,
    refusal,
    timestamp_field,
)
from app.models.labels import LabelledEnum
from app.models.record_attachment import RecordAttachmentBase as EvidenceFileBase


class RepairStatus(LabelledEnum):
    applied = "applied", "已申请（待受理）", "applied (awaiting acceptance)"
    accepted = "accepted", "已受理（待决定）", "accepted (awaiting decision)"
    approved = "approved", "准予修复", "approved"
    refused = "refused", "不予修复", "refused"


class RepairOutcome(LabelledEnum):
    approved = "approved", "准予修复", "approved"
    refused = "refused", "不予修复", "refused"


class RepairCondition(LabelledEnum):
    """The conditions of 国家发展改革委令第36号 a refusal names."""

    minimum_period = "minimum_period", "未满最短公示期", "minimum publication period not passed"
    not_corrected = "not_corrected", "失信行为未纠正", "the violation is not corrected"
    penalty_not_performed = (
        "penalty_not_performed",
        "行政处罚未履行",
        "the penalty is not performed",
    )
    no_commitment = "no_commitment", "未作出书面信用承诺", "no written credit commitment"


class RepairApplication(SQLModel, table=True):
    __tablename__ = "repair_applications"
    __table_args__ = (
        # one open application per item
        sa.Index(
            "uq_repair_applications_open",
            "item_id",
            unique=True,
            postgresql_where=sa.text("status IN ('applied', 'accepted')"),
        ),
        sa.Index("ix_repair_applications_employer", "employer_id", "applied_at"),
        sa.Index("ix_repair_applications_applied", "applied_at", "id"),
        sa.CheckConstraint(
            "status IN ('applied', 'accepted', 'approved', 'refused')", name="status_known"
        ),
        sa.CheckConstraint(
            "status = 'applied' OR (accepted_on IS NOT NULL AND accepted_by IS NOT NULL)",
            name="accepted",
        ),
        sa.CheckConstraint(
            "status IN ('applied', 'accepted') OR (decided_on IS NOT NULL AND decided_by IS NOT "
            "NULL)",
            name="decided",
        ),
        sa.CheckConstraint(
            "status <> 'refused' OR cardinality(refusal_reasons) > 0", name="refusal_reasons"
        ),
    )

    id: uuid.UUID = id_field()
    disclosure_id: uuid.UUID = Field(foreign_key="disclosures.id")
    item_id: uuid.UUID = Field(foreign_key="disclosure_items.id")
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    status: RepairStatus = Field(sa_type=sa.String(16))
    statement: str = Field(max_length=4000)
    rectified_date: date | None = None
    penalty_performed_date: date | None = None
    credit_commitment: bool = Field(default=False)
    commitment_text: str | None = Field(default=None, max_length=4000)
    evidence_references: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(200)))
    applied_on: date
    applied_at: datetime = timestamp_field()
    applied_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    acceptance_due_date: date | None = None
    accepted_on: date | None = None
    accepted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decision_due_date: date | None = None
    decided_on: date | None = None
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    refusal_reasons: list[RepairCondition] = Field(
        default_factory=list, sa_type=ARRAY(sa.String(32))
    )
    decision_note: str | None = Field(default=None, max_length=2000)
    decided_at: datetime | None = optional_timestamp_field()


class RepairAttachment(EvidenceFileBase, table=True):
    __tablename__ = "repair_attachments"
    __table_args__ = (sa.UniqueConstraint("repair_id", "sha256"),)

    id: uuid.UUID = id_field()
    repair_id: uuid.UUID = Field(foreign_key="repair_applications.id")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = timestamp_field()


class RepairAttachmentPublic(EvidenceFileBase):
    id: uuid.UUID
    repair_id: uuid.UUID
    uploaded_by: uuid.UUID | None = Field(description="the employer's account that filed it")
    uploaded_at: datetime


class RepairCreate(RequestModel):
    item_id: uuid.UUID = Field(description="the disclosed item whose publication should end")
    statement: str = Field(
        min_length=1,
        max_length=4000,
        schema_extra={"examples": ["已于2026年5月补发全部拖欠工资并缴清罚款"]},
    )
    rectified_date: date | None = Field(default=None, description="the violation corrected on")
    penalty_performed_date: date | None = Field(
        default=None, description="the penalty performed (fine paid ...) on"
    )
    credit_commitment: bool = Field(
        default=False, description="a written credit commitment (信用承诺书) is made"
    )
    commitment_text: str | None = Field(
        default=None, max_length=4000, description="the commitment's text, if sent inline"
    )
    evidence_references: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = (
        Field(
            default_factory=list,
            max_length=20,
            description="references of the evidence documents (document numbers, receipts); "
            "the files themselves: POST /api/v1/repairs/{id}/attachments",
        )
    )


class RepairAcceptanceCreate(RequestModel):
    note: str | None = Field(default=None, max_length=2000)


class RepairDecisionCreate(RequestModel):
    outcome: RepairOutcome
    reasons: list[RepairCondition] = Field(
        default_factory=list, description="with `refused`: every condition that fails"
    )
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _reasons_with_refusal(self) -> RepairDecisionCreate:
        if self.outcome == RepairOutcome.refused and not self.reasons:
            raise refusal("不予修复须在 reasons 中列明不满足的条件", "a refusal names its reasons")
        if self.outcome == RepairOutcome.approved and self.reasons:
            raise refusal("准予修复时 reasons 应为空", "an approval takes no reasons")
        return self


class RepairPublic(SQLModel):
    id: uuid.UUID
    disclosure_id: uuid.UUID
    item_id: uuid.UUID
    employer_id: uuid.UUID
    status: RepairStatus
    statement: str
    rectified_date: date | None
    penalty_performed_date: date | None
    credit_commitment: bool
    commitment_text: str | None
    evidence_references: list[str]
    applied_on: date
    applied_at: datetime
    acceptance_due_date: date | None = Field(
        description="accept by (2 working days); null while the calendar lacks the year"
    )
    accepted_on: date | None
    decision_due_date: date | None = Field(
        description="decide by (5 working days of acceptance); null while the calendar lacks "
        "the year"
    )
    decided_on: date | None
    refusal_reasons: list[RepairCondition]
    decision_note: str | None
    repair_available_from: date = Field(
        description="两书同达: the first day the item's repair may be applied for"
    )
    attachments: list[RepairAttachmentPublic] = Field(
        description="the evidence files filed, in the order filed (download: "
        "GET /api/v1/repairs/{id}/attachments/{attachment_id})"
    )


class RepairOption(SQLModel):
    """两书同达: when and how one published item of the employer's may be repaired."""

    item_id: uuid.UUID
    decision_number: str | None
    publication_end_date: date
    repair_available_from: date
    open_application_id: uuid.UUID | None
    how: str = Field(description="how to apply, in the request's language")


class RepairOptions(SQLModel):
    disclosure_id: uuid.UUID
    items: list[RepairOption]
