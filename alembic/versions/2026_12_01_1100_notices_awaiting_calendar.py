"""notices awaiting the calendar: a proposed C whose representation window reaches into a year
the working-day calendar does not cover yet is written without a deadline (not served) instead
of stopping the grading; it is served, with its deadline, once the year is loaded

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_evaluations_notice"), "evaluations", type_="check")
    op.create_check_constraint(
        op.f("ck_evaluations_notice"), "evaluations", "status <> 'notice' OR grade = 'C'"
    )


def downgrade() -> None:
    # 0013 requires every notice to have its deadline: refuse while one awaits the calendar.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM evaluations WHERE status = 'notice' "
        "AND representation_deadline IS NULL) THEN RAISE EXCEPTION 'notices await the "
        "calendar (no deadline yet): load the year, then downgrade'; END IF; END $$"
    )
    op.drop_constraint(op.f("ck_evaluations_notice"), "evaluations", type_="check")
    op.create_check_constraint(
        op.f("ck_evaluations_notice"), "evaluations",
        "status <> 'notice' OR (grade = 'C' AND representation_deadline IS NOT NULL)",
    )  # fmt: skip
