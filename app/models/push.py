"""The push to the city credit-sharing platform (Art 7, 16; issue 14): the outbox of messages,
each employer's sequence counter, the circuit breaker every pusher shares, and the daily
reconciliations.

A message is written by the push consumer of the event log in the transaction that reads the
event, so it exists exactly when the change it reports committed. Its id is the message id the
platform de-duplicates by; its body is the Message as sent (`integrations.platform.payloads`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import ConfigDict, StringConstraints, model_validator
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import (
    Instant,
    RequestModel,
    optional_timestamp_field,
    refusal,
    timestamp_field,
)
from app.models.labels import LabelledEnum


class PushStatus(LabelledEnum):
    pending = "pending", "待发送", "waiting to be sent"
    # claimed by a pusher until `lease_until`; a pusher that died leaves it to be sent again
    sending = "sending", "发送中", "being sent"
    awaiting_receipt = "awaiting_receipt", "已送达，待回执", "delivered, awaiting receipt"
    accepted = "accepted", "平台已接收", "accepted by the platform"
    rejected = "rejected", "平台已拒收", "rejected by the platform"
    # a permanent refusal, or every scheduled attempt failed: an operator may replay it
    dead = "dead", "发送失败（死信）", "dead letter"


class BreakerState(LabelledEnum):
    closed = "closed", "正常发送", "closed (sending)"
    open = "open", "暂停发送", "open (not sending)"
    half_open = "half_open", "试探发送", "half open (one probe)"


STATUSES = ", ".join(f"'{s.value}'" for s in PushStatus)
# Per-employer order: the next message of an employer goes once every earlier one is past —
# the platform has it (awaiting its receipt, accepted, or rejected with a receipt). A pending or
# sending message holds the employer's later ones, and so does a dead letter: the platform never
# got it, and would refuse what follows as out of order; they wait until an operator replays it.
PAST = ("awaiting_receipt", "accepted", "rejected")
HOLDING = ("pending", "sending", "dead")


class PushMessage(SQLModel, table=True):
    __tablename__ = "push_messages"
    __table_args__ = (
        # per-employer order: 1, 2, 3 ... with no gaps (`push_sequences` assigns them)
        sa.UniqueConstraint("employer_id", "sequence"),
        # a re-consumed event never doubles a message (a run's event: one per evaluation)
        sa.UniqueConstraint("event_id", "subject_id"),
        # one grade message per evaluation, whether its own event or its run's told it
        sa.Index(
            "uq_push_messages_evaluation",
            "subject_id",
            unique=True,
            postgresql_where=sa.text("subject = 'evaluation'"),
        ),
        # what the pusher claims, in work proportional to the batch: due messages in the order
        # they are due, expired leases, each checked by a probe of the employer's earlier
        # messages that still hold it (`sender`)
        sa.Index(
            "ix_push_messages_due",
            "next_attempt_at",
            "id",
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index(
            "ix_push_messages_lease",
            "lease_until",
            "id",
            postgresql_where=sa.text("status = 'sending'"),
        ),
        sa.Index(
            "ix_push_messages_holding",
            "employer_id",
            "sequence",
            postgresql_where=sa.text("status IN ('pending', 'sending', 'dead')"),
        ),
        sa.Index("ix_push_messages_created_at", "created_at", "id"),
        sa.Index("ix_push_messages_sent_on", "sent_on"),
        sa.Index("ix_push_messages_status", "status"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="status_known"),
        sa.CheckConstraint("type IN ('upsert', 'correct', 'withdraw')", name="type_known"),
        sa.CheckConstraint("sequence >= 1", name="sequence"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.CheckConstraint(
            "status <> 'sending' OR (lease_until IS NOT NULL AND claim_id IS NOT NULL)",
            name="lease",
        ),
        sa.CheckConstraint(
            "status NOT IN ('accepted', 'rejected') OR receipt_received_at IS NOT NULL",
            name="receipt",
        ),
    )

    id: uuid.UUID = Field(primary_key=True, description="the message id (Idempotency-Key)")
    # No foreign key (as evaluations.employer_id): a grading run writes up to a million rows in
    # one statement; the employer comes from an event or an evaluation, both of a real one.
    employer_id: uuid.UUID
    sequence: int = Field(sa_type=sa.BigInteger)
    type: str = Field(max_length=16)
    subject: str = Field(max_length=32)
    subject_id: uuid.UUID
    event_id: int = Field(sa_type=sa.BigInteger)
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    body: dict[str, Any] = Field(sa_type=JSONB)
    status: PushStatus = Field(default=PushStatus.pending, sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    lease_until: datetime | None = optional_timestamp_field()
    claim_id: uuid.UUID | None = None
    last_error: str | None = Field(default=None, max_length=2000)
    # the deadline (Art 16: 5 working days after an objection or repair decision); NULL while
    # the calendar does not cover it: counted from `due_from` once the year is loaded
    due_from: date
    due_days: int | None = None  # NULL: push_due_working_days (a setting)
    due_date: date | None = None
    sent_at: datetime | None = optional_timestamp_field()  # the last send
    sent_on: date | None = None  # the local day of the first send (the reconciliation's day)
    acknowledged_at: datetime | None = optional_timestamp_field()  # a 2xx or a receipt
    acceptance_number: str | None = Field(default=None, max_length=200)
    receipt_reasons: list[str] | None = Field(default=None, sa_type=ARRAY(sa.String(1000)))
    receipt_received_at: datetime | None = optional_timestamp_field()
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class PushSequence(SQLModel, table=True):
    """Each employer's last message sequence: the row is locked while sequences are assigned."""

    __tablename__ = "push_sequences"

    employer_id: uuid.UUID = Field(primary_key=True)
    last_sequence: int = Field(default=0, sa_type=sa.BigInteger)


class PushBreaker(SQLModel, table=True):
    """The circuit breaker, one row shared by every pusher of every replica."""

    __tablename__ = "push_breaker"
    __table_args__ = (
        sa.CheckConstraint("state IN ('closed', 'open', 'half_open')", name="state_known"),
    )

    name: str = Field(max_length=32, primary_key=True)
    state: BreakerState = Field(default=BreakerState.closed, sa_type=sa.String(16))
    failures: int = 0  # consecutive transport failures
    open_until: datetime | None = optional_timestamp_field()  # open: no sending until then
    probe_until: datetime | None = optional_timestamp_field()  # half open: the probe's lease
    last_error: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = timestamp_field()


class PushReconciliation(SQLModel, table=True):
    """One day's reconciliation: what was sent and what was acknowledged of it, as counts and
    a SHA-256 over the sorted message ids, and the audit trail's signed checkpoint then."""

    __tablename__ = "push_reconciliations"

    day: date = Field(primary_key=True)
    sent_count: int
    sent_sha256: str = Field(max_length=64)
    acknowledged_count: int
    acknowledged_sha256: str = Field(max_length=64)
    # sent that day but not acknowledged (yet): their ids, the first 100
    unacknowledged: list[str] = Field(default_factory=list, sa_type=JSONB)
    checkpoint: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    computed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


# --- API shapes ---------------------------------------------------------------------------------


class DeliveryPublic(SQLModel):
    id: uuid.UUID = Field(description="the message id, also its Idempotency-Key and webhook-id")
    employer_id: uuid.UUID
    sequence: int = Field(description="per employer: 1, 2, 3 ... with no gaps")
    type: str = Field(description="upsert, correct or withdraw")
    subject: str
    subject_id: uuid.UUID
    status: PushStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="pending: the next try")
    last_error: str | None = Field(description="why the last attempt failed, or the dead reason")
    due_date: date | None = Field(
        description="the deadline; null while the working-day calendar does not cover it"
    )
    awaiting_calendar: bool = Field(description="the deadline waits for the calendar")
    overdue: bool = Field(
        description="not acknowledged by its due date, or its receipt overdue "
        "(LABOR_CREDIT_PUSH_RECEIPT_OVERDUE_HOURS after delivery)"
    )
    sent_at: datetime | None
    acknowledged_at: datetime | None
    acceptance_number: str | None
    receipt_reasons: list[str] | None
    receipt_received_at: datetime | None
    created_at: datetime
    body: dict[str, Any] | None = Field(default=None, description="one delivery: the Message")
    blocked_by: uuid.UUID | None = Field(
        default=None,
        description="pending behind a dead letter: the id of its employer's first dead message "
        "before it, which must be replayed first (per-employer order); null otherwise",
    )


class ReplayRange(RequestModel):
    """Replay the dead (and, if asked, rejected) messages created in [from, to)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Instant = Field(alias="from", description="created at or after")
    to: Instant = Field(description="created before")
    status: PushStatus | None = Field(default=None, description="dead or rejected; default both")
    employer_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _a_range(self) -> ReplayRange:
        if self.to <= self.from_:
            raise refusal("to 必须晚于 from", "`to` must be later than `from`")
        if self.status is not None and self.status not in (PushStatus.dead, PushStatus.rejected):
            raise refusal(
                "只能重发死信（dead）或被拒收（rejected）的消息",
                "only dead or rejected messages are replayed",
            )
        return self


class Replayed(SQLModel):
    replayed: int
    ids: list[uuid.UUID] = Field(description="the first 1,000")


class ReceiptIn(RequestModel):
    """The platform's receipt of one message (the Receipt of the wire format)."""

    message_id: uuid.UUID
    status: str = Field(max_length=16, description="accepted or rejected")
    acceptance_number: str | None = Field(default=None, max_length=200)
    reasons: list[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=list, max_length=50
    )
    received_at: Instant

    @model_validator(mode="after")
    def _known(self) -> ReceiptIn:
        if self.status not in ("accepted", "rejected"):
            raise refusal("status 只能是 accepted 或 rejected", "status is accepted or rejected")
        if self.status == "accepted" and not self.acceptance_number:
            raise refusal("接收回执须有受理编号", "an accepted receipt carries its number")
        return self


class ReceiptRecorded(SQLModel):
    message_id: uuid.UUID
    status: PushStatus
    acceptance_number: str | None
    receipt_reasons: list[str] | None
    receipt_received_at: datetime | None
    repeated: bool = Field(description="the same receipt was recorded before")


class ReconciliationPublic(SQLModel):
    day: date
    sent_count: int
    sent_sha256: str
    acknowledged_count: int
    acknowledged_sha256: str
    unacknowledged: list[str]
    checkpoint: dict[str, Any]
    computed_at: datetime


class PushStats(SQLModel):
    backlog: int = Field(description="pending or being sent")
    oldest_pending_at: datetime | None
    oldest_pending_seconds: float | None
    failing: int = Field(description="pending after at least one failed attempt")
    dead: int
    blocked: int = Field(
        description="pending behind a dead letter of their employer: they wait until it is "
        "replayed (per-employer order)"
    )
    blocked_employers: int = Field(description="employers whose messages wait behind a dead one")
    rejected: int
    awaiting_receipt: int
    receipts_overdue: int
    overdue: int = Field(description="not acknowledged by the due date")
    awaiting_calendar: int
    breaker: BreakerState
    breaker_failures: int
    breaker_open_until: datetime | None
    last_reconciliation: ReconciliationPublic | None
