"""Objections (Art 15, 16): an employer contests a credit record, an evaluation or a disclosure
item; the bureau accepts it (3 working days in-house, 10 when other departments verify, counted
from receipt) and decides; an upheld one corrects the file, re-grades and updates the disclosure
in one transaction, and the push is due within 5 working days of the decision.

An open objection may also close without a decision: withdrawn by the employer (or staff for
it), or lapsed when its target changed since filing (corrected, revoked, superseded, its item
ended), since no decision on what was contested can then be made.

At most one open (filed or accepted) objection per target: for a record, per record (all its
versions, `target_key` = record_key); for an evaluation or a disclosure item, per that one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints, computed_field
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, optional_timestamp_field, timestamp_field
from app.models.credit_record import CreditRecordCreate, RevocationCreate
from app.models.labels import LabelledEnum
from app.models.record_attachment import RecordAttachmentBase as EvidenceFileBase
from app.models.representation import Filer
from app.models.user import Role


class ObjectionTarget(LabelledEnum):
    record = "record", "信用记录", "credit record"
    evaluation = "evaluation", "信用评价", "evaluation"
    disclosure_item = "disclosure_item", "公示事项", "disclosure item"


class ObjectionReason(LabelledEnum):
    """Art 15: errors, omissions, infringement of trade secrets or privacy."""

    error = "error", "信息错误", "error"
    omission = "omission", "信息遗漏", "omission"
    trade_secret = "trade_secret", "侵犯商业秘密", "infringes a trade secret"
    privacy = "privacy", "侵犯个人隐私", "infringes privacy"
    other = "other", "其他", "other"


class ObjectionChannel(LabelledEnum):
    online = "online", "网上提出", "online, by the employer's own account"
    in_person = "in_person", "当面提出", "in person at the bureau, entered by staff"
    letter = "letter", "书面提出", "by letter, entered by staff"


class ObjectionStatus(LabelledEnum):
    filed = "filed", "已提出", "filed"
    accepted = "accepted", "已受理", "accepted"
    decided = "decided", "已处理", "decided"
    withdrawn = "withdrawn", "已撤回", "withdrawn"
    # closed without a decision: its target changed since filing (DOMAIN §6)
    lapsed = "lapsed", "已终止（对象已变更）", "lapsed: the target changed"


# open: flagged as disputed, one per target, on the deadlines; the others are closed
OPEN = (ObjectionStatus.filed, ObjectionStatus.accepted)
CLOSED_WITHOUT_DECISION = (ObjectionStatus.withdrawn, ObjectionStatus.lapsed)


class ObjectionHandling(LabelledEnum):
    # Art 16: settled by the bureau itself in 3 working days, 10 when other departments verify
    in_house = "in_house", "本局核查（3个工作日）", "handled in-house (3 working days)"
    departments = "departments", "需其他部门核查（10个工作日）", "other departments verify (10 WD)"


class ObjectionOutcome(LabelledEnum):
    upheld = "upheld", "异议成立", "upheld"
    partly_upheld = "partly_upheld", "异议部分成立", "partly upheld"
    rejected = "rejected", "异议不成立", "rejected"


STATUS_KNOWN = "status IN ('filed', 'accepted', 'decided', 'withdrawn', 'lapsed')"
# accepted and decided ones were accepted, a filed one not yet; a withdrawn or lapsed one either
ACCEPTED = (
    "CASE WHEN status = 'filed' THEN handling IS NULL AND accepted_at IS NULL "
    "WHEN status IN ('accepted', 'decided') THEN handling IS NOT NULL AND accepted_at IS NOT NULL "
    "ELSE (handling IS NULL) = (accepted_at IS NULL) END"
)
CLOSED = (
    "(status IN ('withdrawn', 'lapsed')) = (closed_at IS NOT NULL AND closure_reason IS NOT NULL)"
)


class Objection(SQLModel, table=True):
    __tablename__ = "objections"
    __table_args__ = (
        # one open objection per target (its record, all versions; its evaluation; its item)
        sa.Index(
            "uq_objections_open_target",
            "target_type",
            "target_key",
            unique=True,
            postgresql_where=sa.text("status IN ('filed', 'accepted')"),
        ),
        sa.Index("ix_objections_employer_id", "employer_id"),
        sa.Index(
            "ix_objections_due_date", "due_date", postgresql_where=sa.text("status = 'accepted'")
        ),
        sa.CheckConstraint(
            "target_type IN ('record', 'evaluation', 'disclosure_item')", name="target_known"
        ),
        sa.CheckConstraint(
            "reason_category IN ('error', 'omission', 'trade_secret', 'privacy', 'other')",
            name="reason_known",
        ),
        sa.CheckConstraint(STATUS_KNOWN, name="status_known"),
        sa.CheckConstraint("channel IN ('online', 'in_person', 'letter')", name="channel_known"),
        sa.CheckConstraint(ACCEPTED, name="accepted"),
        sa.CheckConstraint(CLOSED, name="closed"),
        sa.CheckConstraint(
            "handling IS NULL OR handling IN ('in_house', 'departments')", name="handling_known"
        ),
        # the departments that verify are named exactly when other departments verify
        sa.CheckConstraint(
            "(handling = 'departments') = (cardinality(departments) > 0)", name="departments"
        ),
        sa.CheckConstraint(
            "(status = 'decided') = (outcome IS NOT NULL AND decided_at IS NOT NULL "
            "AND decided_on IS NOT NULL AND decision_reasons IS NOT NULL)",
            name="decided",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'rejected')",
            name="outcome_known",
        ),
        sa.CheckConstraint(
            "outcome IS DISTINCT FROM 'rejected' OR result_record_id IS NULL",
            name="rejected_changes_nothing",
        ),
    )

    id: uuid.UUID = id_field()
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    target_type: ObjectionTarget = Field(sa_type=sa.String(16))
    target_id: uuid.UUID = Field(description="the record version, evaluation or item contested")
    target_key: uuid.UUID = Field(description="what one open objection is per: a record's key")
    reason_category: ObjectionReason = Field(sa_type=sa.String(16))
    statement: str = Field(max_length=4000)
    channel: ObjectionChannel = Field(sa_type=sa.String(16))
    receipt_date: date
    status: ObjectionStatus = Field(default=ObjectionStatus.filed, sa_type=sa.String(16))
    filed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    filer_role: Role | None = Field(default=None, sa_type=sa.String(16))
    handling: ObjectionHandling | None = Field(default=None, sa_type=sa.String(16))
    departments: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String(200)), nullable=False, server_default="{}"),
    )
    due_date: date | None = Field(default=None, description="null until accepted, or while "
                                  "the calendar lacks the year it falls in")  # fmt: skip
    accepted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    accepted_at: datetime | None = optional_timestamp_field()
    outcome: ObjectionOutcome | None = Field(default=None, sa_type=sa.String(16))
    decision_reasons: str | None = Field(default=None, max_length=2000)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = optional_timestamp_field()
    decided_on: date | None = None
    push_due_date: date | None = None
    result_record_id: uuid.UUID | None = Field(default=None, foreign_key="credit_records.id")
    # withdrawn or lapsed: by whom (the employer's account, or staff), when and why
    closed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    closer_role: Role | None = Field(default=None, sa_type=sa.String(16))
    closed_at: datetime | None = optional_timestamp_field()
    closure_reason: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class ObjectionCreate(RequestModel):
    """An objection as filed. An employer account files its own, received today, online; staff
    entering a walk-in or a letter give its `receipt_date` (not in the future) and `channel`."""

    target_type: ObjectionTarget
    target_id: uuid.UUID = Field(
        description="a credit record version id (the one in force), a current evaluation's id, "
        "or a disclosure item's id"
    )
    reason_category: ObjectionReason
    statement: str = Field(min_length=1, max_length=4000,
                           schema_extra={"examples": ["该处罚决定已被复议撤销"]})  # fmt: skip
    receipt_date: date | None = Field(
        default=None, description="staff only, required: the day the bureau received it"
    )
    channel: ObjectionChannel | None = Field(
        default=None, description="staff only, required: in_person or letter"
    )


class AcceptanceCreate(RequestModel):
    handling: ObjectionHandling
    departments: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="the other departments that verify; required for `departments`, "
        "empty for `in_house`",
    )


class ObjectionDecisionCreate(RequestModel):
    """The decision. Upheld or partly upheld on a record: `correction` (the full new content,
    verified by this decision) or `revocation`; on an evaluation, the re-grade alone. Rejected:
    neither."""

    outcome: ObjectionOutcome
    reasons: str = Field(
        min_length=1,
        max_length=900,
        schema_extra={"examples": ["经核实，原记录的处罚决定日期录入错误"]},
    )
    correction: CreditRecordCreate | None = None
    revocation: RevocationCreate | None = None


class ObjectionClosureCreate(RequestModel):
    """Why an open objection is withdrawn, or closed as lapsed."""

    reason: str = Field(
        min_length=1,
        max_length=900,
        schema_extra={"examples": ["该记录已依法更正，本单位撤回异议"]},
    )


class ObjectionPublic(SQLModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    target_type: ObjectionTarget
    target_id: uuid.UUID
    reason_category: ObjectionReason
    statement: str
    channel: ObjectionChannel
    receipt_date: date
    status: ObjectionStatus
    filed_by: Filer
    handling: ObjectionHandling | None
    departments: list[str]
    due_date: date | None
    accepted_at: datetime | None
    outcome: ObjectionOutcome | None
    decision_reasons: str | None
    decided_at: datetime | None
    decided_on: date | None
    push_due_date: date | None = Field(
        description="5 working days after an upholding decision; null while the calendar "
        "lacks the year, or when nothing is to be pushed"
    )
    result_record_id: uuid.UUID | None = Field(
        description="the corrected version, or the revoked record"
    )
    closed_by: Filer | None = Field(
        default=None, description="who withdrew it or closed it as lapsed (bureau staff unnamed "
        "to an employer account); null unless withdrawn or lapsed"
    )  # fmt: skip
    closed_at: datetime | None = None
    closure_reason: str | None = Field(default=None, description="why it was withdrawn or lapsed")
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def awaiting_calendar(self) -> bool:
        """Accepted, but the calendar does not yet cover the year the deadline falls in."""
        return self.status == ObjectionStatus.accepted and self.due_date is None


class ObjectionAttachment(EvidenceFileBase, table=True):
    __tablename__ = "objection_attachments"
    __table_args__ = (sa.UniqueConstraint("objection_id", "sha256"),)

    id: uuid.UUID = id_field()
    objection_id: uuid.UUID = Field(foreign_key="objections.id")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploader_role: Role | None = Field(default=None, sa_type=sa.String(16))
    uploaded_at: datetime = timestamp_field()


class ObjectionAttachmentPublic(EvidenceFileBase):
    id: uuid.UUID
    objection_id: uuid.UUID
    filed_by: Filer
    uploaded_at: datetime


class DeadlineItem(SQLModel):
    objection_id: uuid.UUID
    employer_id: uuid.UUID
    receipt_date: date
    due_date: date | None = Field(
        description="the group's deadline: the decision's (counted from receipt); in "
        "`push_awaiting_calendar` the push's, not yet known"
    )
    decided_on: date | None = Field(default=None, description="when decided (the push's start)")


class DeadlineGroup(SQLModel):
    count: int
    items: list[DeadlineItem] = Field(description="the first ones by due date (at most 100)")


class ObjectionDeadlines(SQLModel):
    today: date
    soon_until: date | None = Field(
        description="the last day counted as soon (N working days ahead); null while the "
        "calendar lacks that year (then every later due date counts as soon)"
    )
    due_today: DeadlineGroup
    due_soon: DeadlineGroup
    overdue: DeadlineGroup
    awaiting_calendar: DeadlineGroup = Field(description="accepted, deadline not yet known")
    awaiting_acceptance: DeadlineGroup = Field(description="filed, not yet accepted")
    push_awaiting_calendar: DeadlineGroup = Field(
        description="decided and upheld, the push's due date (5 working days after the "
        "decision) not yet known: the calendar lacks its year"
    )
