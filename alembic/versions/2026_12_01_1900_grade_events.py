"""grade events: a grading run's event is about no one employer (its evaluations are), so an
event's employer may be NULL for a run's event only

Revision ID: 0023_grade_events
Revises: 0020_audit_anchors
Create Date: 2026-12-01 19:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_grade_events"
down_revision: str | None = "0020_audit_anchors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("credit_events", "employer_id", nullable=True)
    op.create_check_constraint(
        "employer_subject",
        "credit_events",
        "employer_id IS NOT NULL OR subject_type = 'grading_run'",
    )


def downgrade() -> None:
    op.execute("DELETE FROM credit_events WHERE employer_id IS NULL")
    op.drop_constraint("employer_subject", "credit_events", type_="check")
    op.alter_column("credit_events", "employer_id", nullable=False)
