"""evaluation evidence: an evaluation stores, per fired rule, its id, grade and records; the
citation and detail text are rendered from the rule set version when read. An employer's history
is read through uq_evaluations_current and a partial index of superseded rows, so a grading run
keeps two indexes up to date per row instead of three

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before keep their whole items (citation and detail included); the reader
    # shows such an item as it is (`rules.render`), so nothing is rewritten.
    op.alter_column("evaluations", "explanation", new_column_name="evidence")
    op.drop_index("ix_evaluations_employer", table_name="evaluations")
    op.create_index(
        "ix_evaluations_superseded", "evaluations", ["employer_id", "cycle"],
        postgresql_where=sa.text("status = 'superseded'"),
    )  # fmt: skip


def downgrade() -> None:
    # Evidence-only items are shown rendered by the code of 0010 onwards only: refuse, rather
    # than leave an older reader with items that lack their citation and detail.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM evaluations e, jsonb_array_elements(e.evidence) i "
        "WHERE NOT i ? 'detail') THEN RAISE EXCEPTION 'evaluations store evidence without its "
        "text: 0009 cannot show them'; END IF; END $$"
    )
    op.drop_index("ix_evaluations_superseded", table_name="evaluations")
    op.create_index(
        "ix_evaluations_employer", "evaluations", ["employer_id", "cycle", "created_at"]
    )
    op.alter_column("evaluations", "evidence", new_column_name="explanation")
