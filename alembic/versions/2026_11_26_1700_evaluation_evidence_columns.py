"""evaluation evidence columns: the records behind each fired rule are stored as binary arrays
(`evidence_counts` per rule of `fired_rules`, `evidence_ids` rule after rule) instead of JSON
items; `evidence` keeps items stored whole (a reviewer's change, and rows written before)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before keep their items in `evidence`, which every reader still reads, so
    # nothing is rewritten (the table refuses updates of its evidence anyway).
    op.add_column("evaluations", sa.Column("evidence_counts", postgresql.ARRAY(sa.Integer())))
    op.add_column("evaluations", sa.Column("evidence_ids", postgresql.ARRAY(sa.Uuid())))
    op.create_check_constraint(
        op.f("ck_evaluations_evidence_columns"), "evaluations",
        "(evidence_counts IS NULL AND evidence_ids IS NULL) OR (evidence_ids IS NOT NULL "
        "AND cardinality(evidence_counts) = cardinality(fired_rules))",
    )  # fmt: skip


def downgrade() -> None:
    # 0011 reads evidence from `evidence` only: refuse rather than drop what explains a grade.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM evaluations WHERE evidence_counts IS NOT NULL) "
        "THEN RAISE EXCEPTION 'evaluations store their evidence in evidence_counts and "
        "evidence_ids: 0011 cannot show them'; END IF; END $$"
    )
    op.drop_constraint(op.f("ck_evaluations_evidence_columns"), "evaluations", type_="check")
    op.drop_column("evaluations", "evidence_ids")
    op.drop_column("evaluations", "evidence_counts")
