"""push: the outbox of messages to the city credit-sharing platform (issue 14), each employer's
sequence counter, the shared circuit breaker and the daily reconciliations

Revision ID: 0027_push
Revises: 0024_disclosures
Create Date: 2026-12-01 20:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0027_push"
down_revision: str | None = "0024_disclosures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'pending', 'sending', 'awaiting_receipt', 'accepted', 'rejected', 'dead'"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "push_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("due_from", sa.Date(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("acceptance_number", sqlmodel.sql.sqltypes.AutoString(length=200),
                  nullable=True),
        sa.Column("receipt_reasons", postgresql.ARRAY(sa.String(length=1000)), nullable=True),
        sa.Column("receipt_received_at", TS, nullable=True),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_push_messages_status_known")),
        sa.CheckConstraint("type IN ('upsert', 'correct', 'withdraw')",
                           name=op.f("ck_push_messages_type_known")),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_push_messages_sequence")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_push_messages_attempts")),
        sa.CheckConstraint(
            "status <> 'sending' OR (lease_until IS NOT NULL AND claim_id IS NOT NULL)",
            name=op.f("ck_push_messages_lease"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('accepted', 'rejected') OR receipt_received_at IS NOT NULL",
            name=op.f("ck_push_messages_receipt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_messages")),
        sa.UniqueConstraint("employer_id", "sequence",
                            name=op.f("uq_push_messages_employer_id_sequence")),
        sa.UniqueConstraint("event_id", "subject_id",
                            name=op.f("uq_push_messages_event_id_subject_id")),
    )  # fmt: skip
    op.create_index(
        "uq_push_messages_evaluation", "push_messages", ["subject_id"], unique=True,
        postgresql_where=sa.text("subject = 'evaluation'"),
    )  # fmt: skip
    op.create_index(
        "ix_push_messages_due", "push_messages", ["next_attempt_at", "id"],
        postgresql_where=sa.text("status = 'pending'"),
    )  # fmt: skip
    op.create_index(
        "ix_push_messages_lease", "push_messages", ["lease_until", "id"],
        postgresql_where=sa.text("status = 'sending'"),
    )  # fmt: skip
    op.create_index(
        "ix_push_messages_holding", "push_messages", ["employer_id", "sequence"],
        postgresql_where=sa.text("status IN ('pending', 'sending', 'dead')"),
    )  # fmt: skip
    op.create_index("ix_push_messages_created_at", "push_messages", ["created_at", "id"])
    op.create_index("ix_push_messages_sent_on", "push_messages", ["sent_on"])
    op.create_index("ix_push_messages_status", "push_messages", ["status"])
    op.create_table(
        "push_sequences",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("employer_id", name=op.f("pk_push_sequences")),
    )
    op.create_table(
        "push_breaker",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("open_until", TS, nullable=True),
        sa.Column("probe_until", TS, nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("updated_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("state IN ('closed', 'open', 'half_open')",
                           name=op.f("ck_push_breaker_state_known")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_push_breaker")),
    )  # fmt: skip
    op.create_table(
        "push_reconciliations",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("sent_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("acknowledged_count", sa.Integer(), nullable=False),
        sa.Column("acknowledged_sha256", sqlmodel.sql.sqltypes.AutoString(length=64),
                  nullable=False),
        sa.Column("unacknowledged", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("checkpoint", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_push_reconciliations")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("push_reconciliations")
    op.drop_table("push_breaker")
    op.drop_table("push_sequences")
    op.drop_table("push_messages")
