"""Official documents (docs/law.md §12): the letters the bureau sends, rendered as PDFs in
Chinese from templates an admin can adjust, each numbered in its series per year
(文人社信告〔2026〕12号), stored with the SHA-256 of its bytes and linked to the event it records.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, timestamp_field
from app.models.labels import LabelledEnum


class DocumentKind(LabelledEnum):
    grade_notice = "grade_notice", "拟评C级告知书", "notice of a proposed C"
    grade_decision = "grade_decision", "信用等级评价决定书", "grade decision"
    objection_acceptance = "objection_acceptance", "异议受理通知书", "objection acceptance"
    objection_decision = "objection_decision", "异议处理决定书", "objection decision"
    repair_decision = "repair_decision", "信用修复决定书", "repair decision"
    interview_record = "interview_record", "约谈记录", "interview record"


KINDS = "'" + "', '".join(k.value for k in DocumentKind) + "'"


class DocumentTemplate(SQLModel, table=True):
    """The current template of one kind; every change is a new `version` and audited."""

    __tablename__ = "document_templates"
    __table_args__ = (sa.CheckConstraint(f"kind IN ({KINDS})", name="kind_known"),)

    kind: DocumentKind = Field(sa_type=sa.String(32), primary_key=True)
    series: str = Field(max_length=20, description="the number's prefix: 文人社信告")
    title: str = Field(max_length=100)
    body: str = Field(max_length=20_000)
    version: int = Field(default=1)
    updated_at: datetime = timestamp_field()
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class DocumentCounter(SQLModel, table=True):
    """The last number given in a series and year: taken under a row lock, so gap-free."""

    __tablename__ = "document_counters"

    series: str = Field(max_length=20, primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = Field(default=0)


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (
        sa.UniqueConstraint("series", "year", "number"),
        # one document of a kind per event: a consumer batch read again writes nothing new
        sa.UniqueConstraint("event_id", "kind"),
        sa.Index("ix_documents_employer", "employer_id", "issued_at"),
        sa.Index("ix_documents_subject", "subject_type", "subject_id"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind_known"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: uuid.UUID = id_field()
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    kind: DocumentKind = Field(sa_type=sa.String(32))
    series: str = Field(max_length=20)
    year: int
    number: int
    document_number: str = Field(max_length=60, description="文人社信告〔2026〕12号")
    event_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="credit_events.id"
    )
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    template_version: int
    title: str = Field(max_length=100)
    fields: dict[str, Any] = Field(sa_type=JSONB, description="what the template was filled with")
    pdf: bytes = Field(sa_type=sa.LargeBinary)
    sha256: str = Field(max_length=64)
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class DocumentPublic(SQLModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    kind: DocumentKind
    document_number: str
    title: str
    event_id: int | None = Field(description="the credit event the document records")
    subject_type: str
    subject_id: uuid.UUID
    template_version: int
    sha256: str = Field(description="SHA-256 of the PDF's bytes")
    issued_at: datetime
    issued_by: uuid.UUID | None
    pdf_url: str


class DocumentTemplatePublic(SQLModel):
    kind: DocumentKind
    series: str
    title: str
    body: str
    version: int = Field(description="0: the built-in template; each change adds one")
    updated_at: datetime | None = Field(description="null for the built-in template")
    updated_by: uuid.UUID | None
    placeholders: list[str] = Field(description="the names a template of this kind may use")


class DocumentTemplateUpdate(RequestModel):
    series: str = Field(min_length=1, max_length=20, schema_extra={"examples": ["文人社信告"]})
    title: str = Field(min_length=1, max_length=100, schema_extra={"examples": ["拟评C级告知书"]})
    body: str = Field(
        min_length=1,
        max_length=20_000,
        description="plain text with {{name}} placeholders (the kind's `placeholders`); a "
        "blank line starts a paragraph",
    )


class InterviewDocumentCreate(RequestModel):
    interview_id: uuid.UUID = Field(description="the interview (约谈) whose record is issued")
