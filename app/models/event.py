"""The event log: what grading, disclosure, notifications and the push consume (`core.events`).

Every change a later stage must learn of is written here in the transaction of the change, about
one subject (a credit record today; listings, grades, disclosures and objections as they come).
Consumers keep their own watermarks and receipts, so an event is never updated or deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field
from app.models.labels import LabelledEnum


class CreditEventType(LabelledEnum):
    record_verified = "record.verified", "记录已审核", "record verified"
    record_corrected = "record.corrected", "记录已更正", "record corrected"
    record_revoked = "record.revoked", "记录已撤销", "record revoked"
    # a wage-arrears listing verified: the unit is listed
    listing_listed = "listing.listed", "列入名单", "unit listed"
    # a listing ended: early, at expiry, or its record revoked
    listing_removed = "listing.removed", "移出名单", "listing ended"
    # a proposed C served with its representation deadline (拟评C级告知)
    evaluation_noticed = "evaluation.noticed", "拟评C级告知", "proposed C served"
    # an evaluation took effect; a grading run's own A and B grades are told by the run's event
    evaluation_finalized = "evaluation.finalized", "等级生效", "grade took effect"
    # a grading run wrote its grades (no employer: the run's final evaluations are its subject)
    grading_run_completed = "grading_run.completed", "批量评价完成", "grading run completed"
    disclosure_published = "disclosure.published", "失信信息公示", "disclosure published"
    disclosure_updated = "disclosure.updated", "公示内容变更", "disclosure updated"
    disclosure_withdrawn = "disclosure.withdrawn", "撤销公示", "disclosure withdrawn"
    objection_filed = "objection.filed", "提出异议", "objection filed"
    objection_accepted = "objection.accepted", "异议受理", "objection accepted"
    objection_decided = "objection.decided", "异议处理决定", "objection decided"
    # closed without a decision: withdrawn by the employer (or staff for it), or lapsed because
    # its target changed since filing
    objection_withdrawn = "objection.withdrawn", "撤回异议", "objection withdrawn"
    objection_lapsed = "objection.lapsed", "异议终止（对象已变更）", "objection lapsed"
    repair_applied = "repair.applied", "申请信用修复", "repair applied for"
    repair_accepted = "repair.accepted", "信用修复受理", "repair application accepted"
    repair_decided = "repair.decided", "信用修复决定", "repair decided"


class EventSubject(LabelledEnum):
    """What an event is about; its id is `subject_id`."""

    credit_record = "credit_record", "信用记录", "credit record"
    # a wage-arrears listing (record_id: its record)
    blacklist_entry = "blacklist_entry", "失信联合惩戒名单列入", "wage-arrears listing"
    evaluation = "evaluation", "信用评价", "evaluation"
    # no employer: `employer_id` is NULL for a run's event
    grading_run = "grading_run", "批量评价", "grading run"
    disclosure = "disclosure", "失信信息公示", "disclosure"
    objection = "objection", "异议", "objection"
    repair = "repair", "信用修复申请", "credit repair application"


class CreditEvent(SQLModel, table=True):
    """Written in the transaction of the change it reports; consumers track what they processed."""

    __tablename__ = "credit_events"
    # No index but the primary key (migration 0033): consumers read in id order, nothing else.
    __table_args__ = (
        # a record's event names its record twice: as subject and as the record_id reference
        sa.CheckConstraint(
            "subject_type <> 'credit_record' OR (record_id IS NOT NULL AND subject_id = record_id)",
            name="record_subject",
        ),
        # every event is about one employer, but a grading run's, which is about many
        sa.CheckConstraint(
            "employer_id IS NOT NULL OR subject_type = 'grading_run'", name="employer_subject"
        ),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    event_type: CreditEventType = Field(sa_type=sa.String(32))
    subject_type: EventSubject = Field(sa_type=sa.String(32))
    subject_id: uuid.UUID
    # No foreign key (migration 0033): every writer takes these ids from the row it has just
    # written or locked, and neither employers nor credit records are ever deleted (their guards).
    record_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    occurred_at: datetime = timestamp_field()
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)


class EventConsumer(SQLModel, table=True):
    """A consumer of credit events and its watermark: every event up to it was processed."""

    __tablename__ = "event_consumers"

    name: str = Field(max_length=64, primary_key=True)
    last_event_id: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = timestamp_field()


class ConsumedEvent(SQLModel, table=True):
    """An event past the watermark already processed. Identity ids commit out of order, so the
    watermark passes an event only once it was consumed longer ago than any transaction lasts:
    every transaction that took a smaller id began before, so it has ended (committed, and then
    consumed too, or rolled back)."""

    __tablename__ = "consumed_events"

    consumer: str = Field(max_length=64, primary_key=True)
    event_id: int = Field(sa_type=sa.BigInteger, primary_key=True)
    consumed_at: datetime = timestamp_field()
