"""records' references held by construction: `credit_events.employer_id` and `.record_id`, and
`intake_items.record_id`, carry no foreign key, and the event log keeps no index but its primary
key (issue 16 §4)

Revision ID: 0033_references_by_construction
Revises: 0032_evaluations_by_cycle
Create Date: 2026-12-02 03:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033_references_by_construction"
down_revision: str | None = "0032_evaluations_by_cycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An intake batch of 1,000 records spent about half of its event statement and of its intake items
# statement in the per-row checks of these keys (each a query locking the employer's or the
# record's row). They hold by construction, as `evaluations.employer_id` does (migration 0007):
# every writer of events takes the ids from the row it has just written or locked in the same
# transaction (an INSERT…SELECT from credit_records for a batch), intake writes an item's record id
# in the transaction that created or corrected that record, and neither side can disappear
# afterwards: employers are never deleted nor their ids changed (`employers_guard`), nor credit
# records (`credit_records_guard`). No query reads events by employer, by record or by subject
# (consumers read in id order, `core.events`), so the two indexes that served the foreign keys go
# with them, and so does the index of subjects (migration 0013), which nothing ever read: every
# event written (a grading run writes one per employer) paid for three indexes no one used.


def upgrade() -> None:
    op.drop_constraint(
        "fk_credit_events_employer_id_employers", "credit_events", type_="foreignkey"
    )
    op.drop_constraint(
        "fk_credit_events_record_id_credit_records", "credit_events", type_="foreignkey"
    )
    op.drop_constraint(
        "fk_intake_items_record_id_credit_records", "intake_items", type_="foreignkey"
    )
    op.drop_index("ix_credit_events_employer_id", table_name="credit_events")
    op.drop_index("ix_credit_events_record_id", table_name="credit_events")
    op.drop_index("ix_credit_events_subject", table_name="credit_events")


def downgrade() -> None:
    op.create_index("ix_credit_events_subject", "credit_events", ["subject_type", "subject_id"])
    op.create_foreign_key(
        "fk_intake_items_record_id_credit_records",
        "intake_items",
        "credit_records",
        ["record_id"],
        ["id"],
    )
    op.create_index("ix_credit_events_record_id", "credit_events", ["record_id"])
    op.create_index("ix_credit_events_employer_id", "credit_events", ["employer_id"])
    op.create_foreign_key(
        "fk_credit_events_record_id_credit_records",
        "credit_events",
        "credit_records",
        ["record_id"],
        ["id"],
    )
    op.create_foreign_key(
        "fk_credit_events_employer_id_employers",
        "credit_events",
        "employers",
        ["employer_id"],
        ["id"],
    )
