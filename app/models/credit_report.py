"""Credit reports (专项信用报告, 发改财金〔2025〕565号; docs/law.md §12): what the bureau states of
one employer's credit for an award, a listing review, a tender or in place of a certificate of
compliance, signed by the service and checkable by whoever receives it with its code.

A report is written once and never changed: its `content` (JSON), the SHA-256 of that content's
canonical JSON (`digest`) and an HMAC-SHA256 `signature` over it (`reports.credit_report`). A
row whose content no longer agrees with its digest or signature was altered after issue.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field
from app.models.labels import LabelledEnum

CODE_LENGTH = 16  # base32 of 10 random bytes: 80 bits


class ReportPurpose(LabelledEnum):
    """What the report is for (发改财金〔2025〕565号)."""

    award = "award", "评优评先（表彰奖励）", "an award"
    listing_review = "listing_review", "上市审查", "a listing (IPO) review"
    tender = "tender", "招标投标", "a tender"
    compliance_certificate_replacement = (
        "compliance_certificate_replacement",
        "替代无违法违规证明",
        "in place of a certificate of compliance",
    )


class CreditReport(SQLModel, table=True):
    __tablename__ = "credit_reports"
    __table_args__ = (
        sa.Index("ix_credit_reports_employer", "employer_id", "issued_at"),
        sa.CheckConstraint(
            "purpose IN ('award', 'listing_review', 'tender', "
            "'compliance_certificate_replacement')",
            name="purpose_known",
        ),
        sa.CheckConstraint(f"char_length(code) = {CODE_LENGTH}", name="code_length"),
    )

    id: uuid.UUID = id_field()
    code: str = Field(max_length=CODE_LENGTH, unique=True)
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    purpose: ReportPurpose = Field(sa_type=sa.String(40))
    content: dict[str, Any] = Field(sa_type=JSONB)
    digest: str = Field(max_length=64, description="SHA-256 of the content's canonical JSON")
    signature: str = Field(max_length=64, description="HMAC-SHA256 of the canonical JSON")
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class CreditReportCreate(RequestModel):
    purpose: ReportPurpose = Field(description="what the report is for (发改财金〔2025〕565号)")


class CreditReportPublic(SQLModel):
    """A report as issued: its code, what it says, and how it is checked."""

    id: uuid.UUID
    code: str = Field(description="the verification code (16 base32 characters)")
    employer_id: uuid.UUID
    purpose: ReportPurpose
    issued_at: datetime
    issued_by: uuid.UUID | None
    digest: str = Field(description="SHA-256 (hex) of the content's canonical JSON")
    signature: str = Field(description="HMAC-SHA256 (hex) of the canonical JSON")
    verify_url: str = Field(description="the public check: GET it, no sign-in")
    pdf_url: str
    content: dict[str, Any] = Field(description="what the report says (the signed JSON)")


class CreditReportCheck(SQLModel):
    """The public check of a report by its code: what it said, when, for which unit."""

    code: str
    valid: bool = Field(description="the stored content matches its digest and signature")
    issued_at: datetime
    employer_name: str
    employer_uscc: str
    purpose: ReportPurpose
    digest: str
    content: dict[str, Any]
