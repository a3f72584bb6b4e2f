"""evaluations by cycle: the index that serves GET /evaluations?cycle= (newest first, a keyset
page), which otherwise read and sorted every evaluation of the cycle per page (issue 16 §2)

Revision ID: 0032_evaluations_by_cycle
Revises: 0031_intake_batch_audit
Create Date: 2026-12-01 21:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032_evaluations_by_cycle"
down_revision: str | None = "0031_intake_batch_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # scanned backwards for ORDER BY created_at DESC, id DESC, the cursor's row comparison too
    op.create_index("ix_evaluations_cycle_created", "evaluations", ["cycle", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_cycle_created", table_name="evaluations")
