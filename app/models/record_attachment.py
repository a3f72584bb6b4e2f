"""Evidence attached to a credit record: the file lives outside the database under its sha256."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import id_field, timestamp_field


class RecordAttachmentBase(SQLModel):
    file_name: str = Field(max_length=255, schema_extra={"examples": ["处罚决定书.pdf"]})
    content_type: str = Field(max_length=100, schema_extra={"examples": ["application/pdf"]})
    size_bytes: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64, description="hex digest; the stored file's name")


class RecordAttachment(RecordAttachmentBase, table=True):
    __tablename__ = "record_attachments"
    __table_args__ = (sa.UniqueConstraint("record_id", "sha256"),)

    id: uuid.UUID = id_field()
    record_id: uuid.UUID = Field(foreign_key="credit_records.id")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = timestamp_field()


class RecordAttachmentPublic(RecordAttachmentBase):
    id: uuid.UUID
    record_id: uuid.UUID
    uploaded_by: uuid.UUID | None
    uploaded_at: datetime
