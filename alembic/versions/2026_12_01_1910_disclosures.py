"""disclosures (Art 14): the public C list, one per employer and cycle, its items (one per
published dishonesty record), and credit repair applications (信用修复, 国家发展改革委令第36号)
with their evidence files, append-only like the others

Revision ID: 0024_disclosures
Revises: 0025_objections
Create Date: 2026-12-01 19:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024_disclosures"
down_revision: str | None = "0025_objections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Evidence is append-only, as for record, representation and objection attachments (Art 8).
REFUSE_CHANGE = """
CREATE FUNCTION repair_attachments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'repair attachments are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("list_status", sa.String(length=16), nullable=False),
        sa.Column("employer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column(
            "legal_representative", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column("town", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'published' AND withdrawn_at IS NULL AND withdrawal_reason IS NULL) OR "
            "(status = 'withdrawn' AND withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name=op.f("ck_disclosures_withdrawal"),
        ),
        sa.CheckConstraint(
            "list_status IN ('yellow', 'black')", name=op.f("ck_disclosures_list_status_known")
        ),
        sa.CheckConstraint(
            "status IN ('published', 'withdrawn')", name=op.f("ck_disclosures_status_known")
        ),
        sa.CheckConstraint("cycle BETWEEN 2000 AND 2100", name=op.f("ck_disclosures_cycle_range")),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_disclosures_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_disclosures_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index(
        "ix_disclosures_name_trgm",
        "disclosures",
        ["employer_name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"employer_name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_disclosures_published",
        "disclosures",
        ["published_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index(
        "ix_disclosures_town",
        "disclosures",
        ["town", "published_at", "id"],
        unique=False,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index("ix_disclosures_uscc", "disclosures", ["uscc"], unique=False)
    op.create_index(
        "uq_disclosures_current",
        "disclosures",
        ["employer_id", "cycle"],
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "disclosure_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_key", sa.Uuid(), nullable=False),
        sa.Column("penalty_date", sa.Date(), nullable=False),
        sa.Column("decision_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("violation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=2100), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("publication_end_date", sa.Date(), nullable=False),
        sa.Column("repair_available_from", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('expired', 'corrected', 'revoked', 'repaired')",
            name=op.f("ck_disclosure_items_end_reason_known"),
        ),
        sa.CheckConstraint(
            "severity IN ('general', 'serious')", name=op.f("ck_disclosure_items_severity_shown")
        ),
        sa.CheckConstraint(
            "(ended_on IS NULL) = (end_reason IS NULL)", name=op.f("ck_disclosure_items_ended")
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_items_disclosure_id_disclosures"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_disclosure_items_record_id_credit_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_items")),
        sa.UniqueConstraint(
            "disclosure_id", "record_id", name=op.f("uq_disclosure_items_disclosure_id_record_id")
        ),
    )
    op.create_index(
        "ix_disclosure_items_due",
        "disclosure_items",
        ["publication_end_date"],
        unique=False,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_index(
        "ix_disclosure_items_record_key", "disclosure_items", ["record_key"], unique=False
    )
    op.create_index(
        "uq_disclosure_items_current",
        "disclosure_items",
        ["disclosure_id", "record_key"],
        unique=True,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_table(
        "repair_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("rectified_date", sa.Date(), nullable=True),
        sa.Column("penalty_performed_date", sa.Date(), nullable=True),
        sa.Column("credit_commitment", sa.Boolean(), nullable=False),
        sa.Column("commitment_text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("evidence_references", postgresql.ARRAY(sa.String(length=200)), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("applied_by", sa.Uuid(), nullable=True),
        sa.Column("acceptance_due_date", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("decision_due_date", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("refusal_reasons", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'refused' OR cardinality(refusal_reasons) > 0",
            name=op.f("ck_repair_applications_refusal_reasons"),
        ),
        sa.CheckConstraint(
            "status = 'applied' OR (accepted_on IS NOT NULL AND accepted_by IS NOT NULL)",
            name=op.f("ck_repair_applications_accepted"),
        ),
        sa.CheckConstraint(
            "status IN ('applied', 'accepted') OR "
            "(decided_on IS NOT NULL AND decided_by IS NOT NULL)",
            name=op.f("ck_repair_applications_decided"),
        ),
        sa.CheckConstraint(
            "status IN ('applied', 'accepted', 'approved', 'refused')",
            name=op.f("ck_repair_applications_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name=op.f("fk_repair_applications_accepted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["applied_by"], ["users.id"], name=op.f("fk_repair_applications_applied_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_repair_applications_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_repair_applications_disclosure_id_disclosures"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_repair_applications_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["disclosure_items.id"],
            name=op.f("fk_repair_applications_item_id_disclosure_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
    )
    op.create_index(
        "ix_repair_applications_applied", "repair_applications", ["applied_at", "id"], unique=False
    )
    op.create_index(
        "ix_repair_applications_employer",
        "repair_applications",
        ["employer_id", "applied_at"],
        unique=False,
    )
    op.create_index(
        "uq_repair_applications_open",
        "repair_applications",
        ["item_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('applied', 'accepted')"),
    )
    op.create_table(
        "repair_attachments",
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("repair_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["repair_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_attachments_repair_id_repair_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_repair_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_attachments")),
        sa.UniqueConstraint(
            "repair_id", "sha256", name=op.f("uq_repair_attachments_repair_id_sha256")
        ),
    )
    op.execute(REFUSE_CHANGE)
    op.execute(
        "CREATE TRIGGER repair_attachments_immutable BEFORE UPDATE OR DELETE "
        "ON repair_attachments FOR EACH ROW EXECUTE FUNCTION repair_attachments_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER repair_attachments_no_truncate BEFORE TRUNCATE "
        "ON repair_attachments FOR EACH STATEMENT "
        "EXECUTE FUNCTION repair_attachments_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("repair_attachments")  # drops its triggers too
    op.execute("DROP FUNCTION repair_attachments_refuse_change()")
    op.drop_table("repair_applications")
    op.drop_table("disclosure_items")
    op.drop_table("disclosures")
