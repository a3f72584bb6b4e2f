"""Evidence filed with a representation (陈述申辩) against a proposed C: files outside the
database under their sha256, like record attachments."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from app.models.base import id_field, timestamp_field
from app.models.record_attachment import RecordAttachmentBase as EvidenceFileBase


class RepresentationAttachment(EvidenceFileBase, table=True):
    __tablename__ = "representation_attachments"
    __table_args__ = (sa.UniqueConstraint("evaluation_id", "sha256"),)

    id: uuid.UUID = id_field()
    evaluation_id: uuid.UUID = Field(foreign_key="evaluations.id")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = timestamp_field()


class RepresentationAttachmentPublic(EvidenceFileBase):
    id: uuid.UUID
    evaluation_id: uuid.UUID
    uploaded_by: uuid.UUID | None
    uploaded_at: datetime
