"""Domain events of the credit file: what grading, disclosure and the push consume."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field


class CreditEventType(StrEnum):
    record_verified = "record.verified"
    record_corrected = "record.corrected"
    record_revoked = "record.revoked"


class CreditEvent(SQLModel, table=True):
    """Written in the transaction of the change it reports; consumers track what they processed."""

    __tablename__ = "credit_events"
    __table_args__ = (
        sa.Index("ix_credit_events_record_id", "record_id"),
        sa.Index("ix_credit_events_employer_id", "employer_id"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    event_type: CreditEventType = Field(sa_type=sa.String(32))
    record_id: uuid.UUID = Field(foreign_key="credit_records.id")
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    occurred_at: datetime = timestamp_field()
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
