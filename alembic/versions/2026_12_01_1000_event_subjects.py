"""event subjects: the event log carries what each event is about (`subject_type`,
`subject_id`) beside the record it may name, so listings, grades, disclosures and objections can
emit into the same log as credit records; existing events are about their record

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The default fills the existing rows without a rewrite; new rows always name their subject.
    op.add_column(
        "credit_events",
        sa.Column(
            "subject_type", sa.String(length=32), nullable=False, server_default="credit_record"
        ),
    )
    op.alter_column("credit_events", "subject_type", server_default=None)
    op.add_column("credit_events", sa.Column("subject_id", sa.Uuid()))
    op.execute("UPDATE credit_events SET subject_id = record_id")
    op.alter_column("credit_events", "subject_id", nullable=False)
    op.alter_column("credit_events", "record_id", nullable=True)
    op.create_check_constraint(
        op.f("ck_credit_events_record_subject"), "credit_events",
        "subject_type <> 'credit_record' OR (record_id IS NOT NULL AND subject_id = record_id)",
    )  # fmt: skip
    op.create_index("ix_credit_events_subject", "credit_events", ["subject_type", "subject_id"])


def downgrade() -> None:
    # 0012's log holds record events only: refuse rather than drop what consumers must still read.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM credit_events WHERE subject_type <> 'credit_record') "
        "THEN RAISE EXCEPTION 'the event log holds events about other subjects than credit "
        "records: 0012 cannot keep them'; END IF; END $$"
    )
    op.drop_index("ix_credit_events_subject", table_name="credit_events")
    op.drop_constraint(op.f("ck_credit_events_record_subject"), "credit_events", type_="check")
    op.alter_column("credit_events", "record_id", nullable=False)
    op.drop_column("credit_events", "subject_id")
    op.drop_column("credit_events", "subject_type")
