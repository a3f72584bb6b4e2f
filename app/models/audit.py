"""The audit trail (Art 8): append-only, hash-chained events, their signed checkpoints and what
the verification found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AwareDatetime, StringConstraints
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, timestamp_field
from app.models.labels import LabelledEnum

GENESIS_HASH = "0" * 64  # the previous hash of the first event
Hex256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class AuditEventBase(SQLModel):
    occurred_at: datetime
    actor_type: str = Field(max_length=16, description="user, client or system")
    actor_id: str | None = Field(default=None, max_length=64)
    actor_name: str | None = Field(default=None, max_length=100)
    action: str = Field(max_length=64, schema_extra={"examples": ["employer.update"]})
    resource_type: str = Field(max_length=64, schema_extra={"examples": ["employer"]})
    resource_id: str | None = Field(default=None, max_length=64)
    changes: dict[str, Any] = Field(
        default_factory=dict, description="field -> {old, new}; personal data masked"
    )
    request_id: str | None = Field(default=None, max_length=64)


class AuditEvent(AuditEventBase, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_resource", "resource_type", "resource_id"),
        sa.Index("ix_audit_events_actor", "actor_id"),
        sa.Index("ix_audit_events_occurred_at", "occurred_at"),
        # an intake batch's event by the first id of the records it wrote (migration 0031)
        sa.Index(
            "ix_audit_events_records_written",
            sa.text("(CAST(changes #>> '{records_written,new,first_id}' AS uuid))"),
            postgresql_where=sa.text("changes ? 'records_written'"),
        ),
    )

    # seq, both hashes and the digest version are assigned by the database trigger under the
    # chain lock (version 1: events written before migration 0020; 2: since).
    seq: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    occurred_at: datetime = timestamp_field()
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    prev_hash: str | None = Field(default=None, max_length=64, nullable=False)
    hash: str | None = Field(default=None, max_length=64, nullable=False)
    digest_version: int | None = Field(
        default=None, sa_column=sa.Column(sa.SmallInteger, nullable=False)
    )


class AuditEventPublic(AuditEventBase):
    seq: int
    id: uuid.UUID
    prev_hash: str
    hash: str
    digest_version: int = Field(
        description="1: '|'-joined fields (events before 2026-12); 2: canonical JSON"
    )


class Checkpoint(RequestModel):
    """The trail's head at a time, signed with the service's audit key (HMAC-SHA256)."""

    seq: int = Field(ge=0, description="the newest event's sequence number (0: none yet)")
    hash: Hex256 = Field(description="that event's hash")
    count: int = Field(ge=0, description="how many events the trail held up to it")
    at: AwareDatetime = Field(description="when the checkpoint was taken")
    signature: Hex256 = Field(description="HMAC-SHA256, hex")


class CheckpointsGiven(RequestModel):
    checkpoints: list[Checkpoint] = Field(
        max_length=100_000, description="checkpoints an auditor kept, as they were exported"
    )


@dataclass(frozen=True)
class UnreadableCheckpoint:
    """A line of a checkpoints file that is not a checkpoint."""

    source: str
    line: int
    problem: str


@dataclass(frozen=True)
class EvaluationsWritten:
    """The evaluations one grading statement wrote: the range of their ids (nothing else lies in
    it), what all of them share, how many, and the digest of what each holds
    (`evaluations_digest`, migration 0020)."""

    first_id: uuid.UUID
    last_id: uuid.UUID
    cycle: int
    origin: str
    rule_set_version: int
    grading_run_id: uuid.UUID | None
    count: int
    digest: str


@dataclass(frozen=True)
class RecordsWritten:
    """The credit records one intake batch created verified: the range of their ids (nothing
    else lies in it), how many, and the digest of their rows (`credit_records_digest`,
    migration 0031)."""

    first_id: uuid.UUID
    last_id: uuid.UUID
    count: int
    digest: str


class FindingKind(LabelledEnum):
    content_changed = "content_changed", "事件内容被改", "an event's content changed"
    predecessor_missing = (
        "predecessor_missing", "前一事件缺失", "the event before it is missing",
    )  # fmt: skip
    out_of_order = "out_of_order", "事件顺序被改", "events out of order"
    link_broken = "link_broken", "哈希链断开", "the link to the event before is broken"
    version_downgraded = "version_downgraded", "摘要版本被降", "digest version lowered"
    unknown_version = "unknown_version", "未知摘要版本", "unknown digest version"
    tail_deleted = "tail_deleted", "末尾事件被删", "the newest events deleted"
    checkpoint_event_missing = (
        "checkpoint_event_missing", "检查点所签事件缺失", "the event a checkpoint signed is gone",
    )  # fmt: skip
    chain_rewritten = "chain_rewritten", "哈希链被重算", "the chain rewritten"
    events_missing = "events_missing", "事件被删", "events deleted"
    events_added = "events_added", "事件被插入", "events inserted"
    checkpoint_forged = "checkpoint_forged", "检查点签名不符", "a forged checkpoint"
    checkpoint_unreadable = "checkpoint_unreadable", "检查点无法读取", "an unreadable checkpoint"
    grades_changed = "grades_changed", "评价结果被改", "evaluations changed"
    grades_missing = "grades_missing", "评价结果被删", "evaluations deleted"
    grades_added = "grades_added", "评价结果被插入", "evaluations inserted"
    records_changed = "records_changed", "信用记录被改", "credit records changed"
    records_missing = "records_missing", "信用记录被删", "credit records deleted"
    records_added = "records_added", "信用记录被插入", "credit records inserted"


class Finding(SQLModel):
    kind: FindingKind
    seq: int | None = Field(default=None, description="the event concerned")
    event_id: uuid.UUID | None = None
    checkpoint: Checkpoint | None = Field(default=None, description="the checkpoint concerned")
    reason: str


class ChainVerification(SQLModel):
    intact: bool = Field(
        description="nothing found: the chain, each checkpoint, each grade, each intake batch hold"
    )
    checked: int = Field(description="how many events were walked")
    head_seq: int | None = Field(default=None, description="the newest event's sequence number")
    checkpoints_checked: int = 0
    grade_batches_checked: int = Field(
        default=0, description="audit events of grading statements whose evaluations were checked"
    )
    record_batches_checked: int = Field(
        default=0, description="audit events of intake batches whose credit records were checked"
    )
    first_broken_seq: int | None = Field(default=None, description="of the first finding")
    first_broken_id: uuid.UUID | None = None
    reason: str | None = Field(
        default=None,
        description="the first finding's reason",
        schema_extra={"examples": ["stored hash does not match the event's content"]},
    )
    findings: list[Finding] = Field(default_factory=list)
    findings_left_out: int = Field(default=0, description="findings beyond the first 100")
