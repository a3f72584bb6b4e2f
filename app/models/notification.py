"""Notifications (issue 13 §4): what an employer is told of, in Chinese, with the facts and the
deadline that applies, and how each was delivered.

A notification is written by the notifications consumer of the event log in the transaction
that reads the event; it is readable in the API (the in-app inbox) from that moment, whatever
becomes of its other channels. Each enabled channel has one delivery per notification; a
failing channel's delivery is retried with backoff, and the notice itself is never lost.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum


class NotificationKind(LabelledEnum):
    grade_notice = "grade_notice", "拟评C级告知", "notice of a proposed C"
    grade_final = "grade_final", "信用等级生效", "grade in force"
    disclosure_published = "disclosure_published", "失信信息公示", "disclosure published"
    disclosure_updated = "disclosure_updated", "公示内容变更", "disclosure changed"
    disclosure_withdrawn = "disclosure_withdrawn", "撤销公示", "disclosure withdrawn"
    objection_filed = "objection_filed", "异议申请已收到", "objection received"
    objection_accepted = "objection_accepted", "异议受理", "objection accepted"
    objection_decided = "objection_decided", "异议处理决定", "objection decided"
    objection_withdrawn = "objection_withdrawn", "异议已撤回", "objection withdrawn"
    objection_lapsed = "objection_lapsed", "异议已终止（对象已变更）", "objection lapsed"
    repair_applied = "repair_applied", "信用修复申请已收到", "repair application received"
    repair_accepted = "repair_accepted", "信用修复受理", "repair application accepted"
    repair_decided = "repair_decided", "信用修复决定", "repair decided"


class DeliveryStatus(LabelledEnum):
    pending = "pending", "待发送", "not yet tried"
    sent = "sent", "已发送", "sent"
    # the last attempt failed: tried again at next_attempt_at (null: attempts exhausted)
    failed = "failed", "发送失败", "last attempt failed"


KINDS = ", ".join(f"'{k.value}'" for k in NotificationKind)


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        # a re-consumed event never doubles a notice (a grading run's event: one per employer)
        sa.UniqueConstraint("event_id", "employer_id"),
        # one final-grade notice per evaluation, whether its own event or its run's told it
        sa.Index(
            "uq_notifications_grade_final",
            "subject_id",
            unique=True,
            postgresql_where=sa.text("kind = 'grade_final'"),
        ),
        # the inbox, newest first (keyset on created_at, id)
        sa.Index("ix_notifications_employer_id_created_at", "employer_id", "created_at", "id"),
        sa.Index("ix_notifications_created_at", "created_at", "id"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind_known"),
        sa.CheckConstraint("(read_at IS NULL) = (read_by IS NULL)", name="read"),
    )

    id: uuid.UUID = id_field()
    # No foreign key (as evaluations.employer_id): a grading run writes up to a million rows in
    # one statement; the employer comes from an event or an evaluation, both of a real one.
    employer_id: uuid.UUID
    kind: NotificationKind = Field(sa_type=sa.String(32))
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    # the credit_events row it came from (a grading run's event for each of the run's grades)
    event_id: int = Field(sa_type=sa.BigInteger)
    # what the employer was sent, in Chinese, and its English rendering
    title: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)
    title_en: str = Field(max_length=200)
    body_en: str = Field(sa_type=sa.Text)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    deadline: date | None = None
    created_at: datetime = timestamp_field()
    read_at: datetime | None = optional_timestamp_field()
    # the employer account that read it (checked by the route: no foreign key, as employer_id)
    read_by: uuid.UUID | None = None


class NotificationDelivery(SQLModel, table=True):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        # what the delivery job picks up: due, not yet sent
        sa.Index(
            "ix_notification_deliveries_due",
            "channel",
            "next_attempt_at",
            postgresql_where=sa.text("status <> 'sent'"),
        ),
    )

    notification_id: uuid.UUID = Field(foreign_key="notifications.id", primary_key=True)
    channel: str = Field(max_length=32, primary_key=True)
    status: DeliveryStatus = Field(sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime | None = optional_timestamp_field()
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = optional_timestamp_field()
    created_at: datetime = timestamp_field()


class NotificationChannel(SQLModel, table=True):
    """A channel besides the inbox, from the first time the delivery job found it enabled: it
    delivers the notices written from then on (enabling SMS does not text last year's)."""

    __tablename__ = "notification_channels"

    name: str = Field(max_length=32, primary_key=True)
    enabled_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class DeliveryPublic(SQLModel):
    channel: str = Field(description="`api`: the in-app inbox; others as configured")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="the next try of a failed delivery")
    last_error: str | None
    sent_at: datetime | None


class NotificationPublic(SQLModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    kind: NotificationKind
    subject_type: str = Field(description="what it is about: evaluation, disclosure, ...")
    subject_id: uuid.UUID
    title: str = Field(description="in the request's language (Chinese unless English asked)")
    body: str = Field(description="in the request's language; Chinese is what the employer reads")
    facts: dict[str, Any] = Field(description="the facts told, as data (dates YYYY-MM-DD)")
    deadline: date | None = Field(description="the deadline that applies, if any")
    created_at: datetime = Field(description="when it was sent to the inbox")
    read_at: datetime | None
    read_by: uuid.UUID | None = Field(description="staff only: the account that read it")
    deliveries: list[DeliveryPublic] | None = Field(
        default=None, description="staff only: each channel's delivery"
    )
