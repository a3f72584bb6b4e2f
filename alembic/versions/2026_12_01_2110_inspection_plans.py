"""inspection plans (双随机、一公开): a period's plan with its sampling ratios, patrols per grade,
the seed's commitment and the seed; its eligible units with the grade in force at creation and
the inspectors excluded from each; the visits drawn, their two inspectors and outcomes

Revision ID: 0029_inspection_plans
Revises: 0027_push
Create Date: 2026-12-01 21:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0029_inspection_plans"
down_revision: str | None = "0027_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ratio_a", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("ratio_b", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("ratio_c", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("patrols_a", sa.Integer(), nullable=False),
        sa.Column("patrols_b", sa.Integer(), nullable=False),
        sa.Column("patrols_c", sa.Integer(), nullable=False),
        sa.Column("exclude_collectors", sa.Boolean(), nullable=False),
        sa.Column("algorithm", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("seed_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("inspectors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status = 'draft' OR (seed_sha256 IS NOT NULL AND seed IS NOT NULL)",
            name=op.f("ck_inspection_plans_commitment"),
        ),
        sa.CheckConstraint("period_to >= period_from", name=op.f("ck_inspection_plans_period")),
        sa.CheckConstraint(
            "ratio_a BETWEEN 0 AND 1 AND ratio_b BETWEEN 0 AND 1 AND ratio_c BETWEEN 0 AND 1",
            name=op.f("ck_inspection_plans_ratios"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_inspection_plans_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
    )
    op.create_index(
        "ix_inspection_plans_created", "inspection_plans", ["created_at", "id"], unique=False
    )
    op.create_index(
        "ix_inspection_plans_period", "inspection_plans", ["period_from", "period_to"], unique=False
    )
    op.create_table(
        "inspection_plan_units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("excluded_inspectors", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("draw_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_inspection_plan_units_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_inspection_plan_units_plan_id_inspection_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan_units")),
        sa.UniqueConstraint("plan_id", "uscc", name=op.f("uq_inspection_plan_units_plan_id_uscc")),
    )
    op.create_table(
        "inspection_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("inspectors", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("inspector_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("credit_record_id", sa.Uuid(), nullable=True),
        sa.Column("outcome_by", sa.Uuid(), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(outcome = 'violation_found') = (credit_record_id IS NOT NULL)",
            name=op.f("ck_inspection_visits_record"),
        ),
        sa.CheckConstraint("extract(day FROM month) = 1", name=op.f("ck_inspection_visits_month")),
        sa.ForeignKeyConstraint(
            ["credit_record_id"],
            ["credit_records.id"],
            name=op.f("fk_inspection_visits_credit_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_inspection_visits_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["outcome_by"], ["users.id"], name=op.f("fk_inspection_visits_outcome_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_inspection_visits_plan_id_inspection_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_visits")),
    )
    op.create_index(
        "ix_inspection_visits_plan",
        "inspection_visits",
        ["plan_id", "month", "uscc", "id"],
        unique=False,
    )
    op.create_index(
        "ix_inspection_visits_record", "inspection_visits", ["credit_record_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inspection_visits_record", table_name="inspection_visits")
    op.drop_index("ix_inspection_visits_plan", table_name="inspection_visits")
    op.drop_table("inspection_visits")
    op.drop_table("inspection_plan_units")
    op.drop_index("ix_inspection_plans_period", table_name="inspection_plans")
    op.drop_index("ix_inspection_plans_created", table_name="inspection_plans")
    op.drop_table("inspection_plans")
