"""The policies the service implements (Art 18): a document with its validity, extended or
replaced by the bureau; rule sets and measure sets carry the policy they implement.

文人社字〔2022〕46号 was valid for two years from 2022-12-26 (to 2024-12-25). Grading under a
policy past its validity still works, since the bureau may have extended it, but is flagged
(docs/law.md §10) until an admin records the extension (`policy_extensions`) or a new policy
that succeeds it (`succeeds_id`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, timestamp_field

# The policy rule set version 1 and measure set version 1 implement (migration data).
WENSHUI_2022 = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


class PolicyBase(SQLModel):
    name: str = Field(min_length=1, max_length=300)
    document_number: str = Field(
        min_length=1, max_length=100, schema_extra={"examples": ["文人社字〔2022〕46号"]}
    )
    valid_from: date
    valid_until: date | None = Field(
        default=None, description="inclusive, as issued; null: no end stated"
    )


class Policy(PolicyBase, table=True):
    __tablename__ = "policies"
    __table_args__ = (
        sa.UniqueConstraint("document_number"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity"),
    )

    id: uuid.UUID = id_field()
    # a new policy that continues an older one: what implemented the older one now rests on it
    succeeds_id: uuid.UUID | None = Field(default=None, foreign_key="policies.id")
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()


class PolicyExtension(SQLModel, table=True):
    """An extension of a policy's validity, by a document of the bureau; the latest one counts."""

    __tablename__ = "policy_extensions"
    __table_args__ = (sa.Index("ix_policy_extensions_policy", "policy_id", "created_at"),)

    id: uuid.UUID = id_field()
    policy_id: uuid.UUID = Field(foreign_key="policies.id")
    valid_until: date | None = Field(description="the new end, inclusive; null: no end")
    document: str = Field(max_length=300)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()


class PolicyCreate(PolicyBase, RequestModel):
    succeeds_id: uuid.UUID | None = Field(
        default=None,
        description="the policy this one continues: rule sets and measure sets implementing "
        "that one are covered by this one's validity too",
    )


class PolicyExtensionCreate(RequestModel):
    valid_until: date | None = Field(description="the new end, inclusive; null: no end")
    document: str = Field(
        min_length=1,
        max_length=300,
        description="the document that extends it",
        schema_extra={"examples": ["文人社字〔2024〕58号"]},
    )


class PolicyExtensionPublic(SQLModel):
    id: uuid.UUID
    valid_until: date | None
    document: str
    created_by: uuid.UUID | None
    created_at: datetime


class PolicyPublic(PolicyBase):
    id: uuid.UUID
    succeeds_id: uuid.UUID | None
    valid_until_now: date | None = Field(
        description="the validity's end as extended (the latest extension), else as issued"
    )
    extensions: list[PolicyExtensionPublic]
    created_at: datetime
