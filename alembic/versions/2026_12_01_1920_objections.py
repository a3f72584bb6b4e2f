"""objections (Art 15, 16): one open objection per target, its acceptance with the working-day
deadline, its decision with the push's due date, or its closure without one (withdrawn, or
lapsed when its target changed); evidence files append-only like the others

Revision ID: 0025_objections
Revises: 0026_notifications
Create Date: 2026-12-01 19:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025_objections"
down_revision: str | None = "0026_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Evidence is append-only, as for record and representation attachments (Art 8).
REFUSE_CHANGE = """
CREATE FUNCTION objection_attachments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'objection attachments are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("target_key", sa.Uuid(), nullable=False),
        sa.Column("reason_category", sa.String(length=16), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=True),
        sa.Column("filer_role", sa.String(length=16), nullable=True),
        sa.Column("handling", sa.String(length=16), nullable=True),
        sa.Column(
            "departments",
            postgresql.ARRAY(sa.String(length=200)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decision_reasons", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("push_due_date", sa.Date(), nullable=True),
        sa.Column("result_record_id", sa.Uuid(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("closer_role", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closure_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(handling = 'departments') = (cardinality(departments) > 0)",
            name=op.f("ck_objections_departments"),
        ),
        sa.CheckConstraint(
            "(status = 'decided') = (outcome IS NOT NULL AND decided_at IS NOT NULL "
            "AND decided_on IS NOT NULL AND decision_reasons IS NOT NULL)",
            name=op.f("ck_objections_decided"),
        ),
        sa.CheckConstraint(
            "CASE WHEN status = 'filed' THEN handling IS NULL AND accepted_at IS NULL "
            "WHEN status IN ('accepted', 'decided') THEN handling IS NOT NULL AND accepted_at IS "
            "NOT NULL ELSE (handling IS NULL) = (accepted_at IS NULL) END",
            name=op.f("ck_objections_accepted"),
        ),
        sa.CheckConstraint(
            "(status IN ('withdrawn', 'lapsed')) = (closed_at IS NOT NULL AND closure_reason IS "
            "NOT NULL)",
            name=op.f("ck_objections_closed"),
        ),
        sa.CheckConstraint(
            "channel IN ('online', 'in_person', 'letter')", name=op.f("ck_objections_channel_known")
        ),
        sa.CheckConstraint(
            "handling IS NULL OR handling IN ('in_house', 'departments')",
            name=op.f("ck_objections_handling_known"),
        ),
        sa.CheckConstraint(
            "outcome IS DISTINCT FROM 'rejected' OR result_record_id IS NULL",
            name=op.f("ck_objections_rejected_changes_nothing"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'rejected')",
            name=op.f("ck_objections_outcome_known"),
        ),
        sa.CheckConstraint(
            "reason_category IN ('error', 'omission', 'trade_secret', 'privacy', 'other')",
            name=op.f("ck_objections_reason_known"),
        ),
        sa.CheckConstraint(
            "status IN ('filed', 'accepted', 'decided', 'withdrawn', 'lapsed')",
            name=op.f("ck_objections_status_known"),
        ),
        sa.CheckConstraint(
            "target_type IN ('record', 'evaluation', 'disclosure_item')",
            name=op.f("ck_objections_target_known"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name=op.f("fk_objections_accepted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_objections_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_objections_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_objections_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"], ["users.id"], name=op.f("fk_objections_filed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["result_record_id"],
            ["credit_records.id"],
            name=op.f("fk_objections_result_record_id_credit_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index(
        "ix_objections_due_date",
        "objections",
        ["due_date"],
        unique=False,
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.create_index("ix_objections_employer_id", "objections", ["employer_id"], unique=False)
    op.create_index(
        "uq_objections_open_target",
        "objections",
        ["target_type", "target_key"],
        unique=True,
        postgresql_where=sa.text("status IN ('filed', 'accepted')"),
    )
    op.create_table(
        "objection_attachments",
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("objection_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("uploader_role", sa.String(length=16), nullable=True),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["objections.id"],
            name=op.f("fk_objection_attachments_objection_id_objections"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_objection_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_attachments")),
        sa.UniqueConstraint(
            "objection_id", "sha256", name=op.f("uq_objection_attachments_objection_id_sha256")
        ),
    )
    op.execute(REFUSE_CHANGE)
    op.execute(
        "CREATE TRIGGER objection_attachments_immutable BEFORE UPDATE OR DELETE "
        "ON objection_attachments FOR EACH ROW "
        "EXECUTE FUNCTION objection_attachments_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER objection_attachments_no_truncate BEFORE TRUNCATE "
        "ON objection_attachments FOR EACH STATEMENT "
        "EXECUTE FUNCTION objection_attachments_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("objection_attachments")  # drops its triggers too
    op.execute("DROP FUNCTION objection_attachments_refuse_change()")
    op.drop_index(
        "uq_objections_open_target",
        table_name="objections",
        postgresql_where=sa.text("status IN ('filed', 'accepted')"),
    )
    op.drop_index("ix_objections_employer_id", table_name="objections")
    op.drop_index(
        "ix_objections_due_date",
        table_name="objections",
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.drop_table("objections")
