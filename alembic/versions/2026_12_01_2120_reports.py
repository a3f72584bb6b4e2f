"""reports: credit reports (专项信用报告, signed, with a verification code), the official
documents with their per-series yearly counters, and the admins' document templates (issue 15
§3, §4)

Revision ID: 0030_reports
Revises: 0028_measures
Create Date: 2026-12-01 21:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030_reports"
down_revision: str | None = "0028_measures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
PURPOSES = "'award', 'listing_review', 'tender', 'compliance_certificate_replacement'"
KINDS = ("'grade_notice', 'grade_decision', 'objection_acceptance', 'objection_decision', "
         "'repair_decision', 'interview_record'")  # fmt: skip


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "credit_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", _str(16), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("digest", _str(64), nullable=False),
        sa.Column("signature", _str(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(f"purpose IN ({PURPOSES})",
                           name=op.f("ck_credit_reports_purpose_known")),
        sa.CheckConstraint("char_length(code) = 16", name=op.f("ck_credit_reports_code_length")),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_credit_reports_employer_id_employers")),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"],
                                name=op.f("fk_credit_reports_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
        sa.UniqueConstraint("code", name=op.f("uq_credit_reports_code")),
    )  # fmt: skip
    op.create_index("ix_credit_reports_employer", "credit_reports", ["employer_id", "issued_at"])

    op.create_table(
        "document_templates",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("series", _str(20), nullable=False),
        sa.Column("title", _str(100), nullable=False),
        sa.Column("body", _str(20000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_document_templates_kind_known")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"],
                                name=op.f("fk_document_templates_updated_by_users")),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_document_templates")),
    )  # fmt: skip

    op.create_table(
        "document_counters",
        sa.Column("series", _str(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_document_counters")),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("series", _str(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document_number", _str(60), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("subject_type", _str(32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("title", _str(100), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", _str(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_documents_kind_known")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_documents_number_positive")),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_documents_employer_id_employers")),
        sa.ForeignKeyConstraint(["event_id"], ["credit_events.id"],
                                name=op.f("fk_documents_event_id_credit_events")),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"],
                                name=op.f("fk_documents_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("series", "year", "number",
                            name=op.f("uq_documents_series_year_number")),
        sa.UniqueConstraint("event_id", "kind", name=op.f("uq_documents_event_id_kind")),
    )  # fmt: skip
    op.create_index("ix_documents_employer", "documents", ["employer_id", "issued_at"])
    op.create_index("ix_documents_subject", "documents", ["subject_type", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_subject", table_name="documents")
    op.drop_index("ix_documents_employer", table_name="documents")
    op.drop_table("documents")
    op.drop_table("document_counters")
    op.drop_table("document_templates")
    op.drop_index("ix_credit_reports_employer", table_name="credit_reports")
    op.drop_table("credit_reports")
