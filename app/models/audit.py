"""The audit trail (Art 8): append-only, hash-chained events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field


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
    )

    # seq and both hashes are assigned by the database trigger under the chain lock.
    seq: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    occurred_at: datetime = timestamp_field()
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    prev_hash: str | None = Field(default=None, max_length=64, nullable=False)
    hash: str | None = Field(default=None, max_length=64, nullable=False)


class AuditEventPublic(AuditEventBase):
    seq: int
    id: uuid.UUID
    prev_hash: str
    hash: str


class ChainVerification(SQLModel):
    intact: bool
    checked: int = Field(description="how many events were walked")
    first_broken_seq: int | None = None
    first_broken_id: uuid.UUID | None = None
    reason: str | None = Field(
        default=None, schema_extra={"examples": ["stored hash does not match content"]}
    )
