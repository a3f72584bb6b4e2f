"""Evidence filed with a representation (陈述申辩) against a proposed C: files outside the
database under their sha256, like record attachments, each with who filed it and when."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from app.models.base import id_field, timestamp_field
from app.models.record_attachment import RecordAttachmentBase as EvidenceFileBase
from app.models.representation import Filer
from app.models.user import Role


class RepresentationAttachment(EvidenceFileBase, table=True):
    __tablename__ = "representation_attachments"
    __table_args__ = (sa.UniqueConstraint("evaluation_id", "sha256"),)

    id: uuid.UUID = id_field()
    evaluation_id: uuid.UUID = Field(foreign_key="evaluations.id")
    uploaded_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    # the uploader's role when filing (migration 0017 filled it for earlier files)
    uploader_role: Role | None = Field(default=None, sa_type=sa.String(16))
    uploaded_at: datetime = timestamp_field()  # set from the app's clock since migration 0017


class RepresentationAttachmentPublic(EvidenceFileBase):
    id: uuid.UUID
    evaluation_id: uuid.UUID
    uploaded_by: uuid.UUID | None = Field(
        description="the uploader's account; null when an employer account reads a file bureau "
        "staff filed"
    )
    filed_by: Filer
    uploaded_at: datetime
