"""Intake from other agencies: items keyed by (source, external id), idempotent requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model
from pydantic import Field as PydanticField
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field
from app.models.credit_record import CreditRecordCreate
from app.models.labels import LabelledEnum
from app.models.problem import Problem

MAX_BATCH = 1000


class IntakeItem(SQLModel, table=True):
    """What a source sent under one external id: the record it became and a hash of its content."""

    __tablename__ = "intake_items"

    source: str = Field(max_length=32, primary_key=True)
    external_id: str = Field(max_length=100, primary_key=True)
    # No foreign key (migration 0033): written in the transaction that created or corrected the
    # record, which is never deleted (`credit_records_guard`).
    record_id: uuid.UUID = Field(description="latest version")
    content_hash: str = Field(max_length=64)
    received_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class IdempotentRequest(SQLModel, table=True):
    """A machine client's write and its answer, replayed for a repeat of the same key."""

    __tablename__ = "idempotent_requests"

    client_id: uuid.UUID = Field(foreign_key="api_clients.id", primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    created_at: datetime = timestamp_field()


# An intake item is a record's content with the employer named by USCC; the source is the
# client's own (its key decides it), so neither employer_id nor source is sent.
_CONTENT_FIELDS: dict[str, Any] = {
    name: (field.annotation, field)
    for name, field in CreditRecordCreate.model_fields.items()
    if name not in {"employer_id", "source"}
}
IntakeRecord: type[BaseModel] = create_model(
    "IntakeRecord",
    __config__=ConfigDict(extra="forbid"),  # an unknown field rejects its item, naming it
    external_id=(str, PydanticField(min_length=1, max_length=100, description="sender's own id")),
    uscc=(str, PydanticField(min_length=1, max_length=40, description="the employer's USCC")),
    **_CONTENT_FIELDS,
)


class IntakeOutcomeKind(LabelledEnum):
    created = "created", "已创建", "created"
    unchanged = "unchanged", "未变化", "unchanged"  # the same content sent again
    # changed content: a new version, reason "updated by source"
    corrected = "corrected", "已更正", "corrected (a new version)"
    rejected = "rejected", "已拒绝", "rejected"


class IntakeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Any item: each is checked on its own (an item that is not an object is rejected alone),
    # and a thousand objects are not copied once more on the way in.
    records: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"up to {MAX_BATCH} IntakeRecord objects; each is checked on its own",
        schema_extra={
            "json_schema_extra": {"items": {"$ref": "#/components/schemas/IntakeRecord"}}
        },
    )


class IntakeOutcome(BaseModel):
    external_id: str | None
    outcome: IntakeOutcomeKind
    record_id: uuid.UUID | None = None
    problem: Problem | None = None


class IntakeResult(BaseModel):
    items: list[IntakeOutcome] = Field(description="one per record, in the order sent")
