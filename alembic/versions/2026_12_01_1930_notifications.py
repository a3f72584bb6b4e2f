"""notifications: what an employer is told of (issue 13 §4), each channel's delivery, and when
each channel besides the inbox was first enabled

Revision ID: 0026_notifications
Revises: 0023_grade_events
Create Date: 2026-12-01 19:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026_notifications"
down_revision: str | None = "0023_grade_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'grade_notice', 'grade_final', 'disclosure_published', 'disclosure_updated', "
    "'disclosure_withdrawn', 'objection_filed', 'objection_accepted', 'objection_decided', "
    "'objection_withdrawn', 'objection_lapsed', 'repair_applied', 'repair_accepted', "
    "'repair_decided'"
)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_notifications_kind_known")),
        sa.CheckConstraint("(read_at IS NULL) = (read_by IS NULL)",
                           name=op.f("ck_notifications_read")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("event_id", "employer_id",
                            name=op.f("uq_notifications_event_id_employer_id")),
    )  # fmt: skip
    op.create_index(
        "uq_notifications_grade_final", "notifications", ["subject_id"], unique=True,
        postgresql_where=sa.text("kind = 'grade_final'"),
    )  # fmt: skip
    op.create_index(
        "ix_notifications_employer_id_created_at", "notifications",
        ["employer_id", "created_at", "id"],
    )  # fmt: skip
    op.create_index("ix_notifications_created_at", "notifications", ["created_at", "id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')",
                           name=op.f("ck_notification_deliveries_status_known")),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL",
                           name=op.f("ck_notification_deliveries_sent")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notification_deliveries_attempts")),
        sa.ForeignKeyConstraint(
            ["notification_id"], ["notifications.id"],
            name=op.f("fk_notification_deliveries_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("notification_id", "channel",
                                name=op.f("pk_notification_deliveries")),
    )  # fmt: skip
    op.create_index(
        "ix_notification_deliveries_due", "notification_deliveries",
        ["channel", "next_attempt_at"], postgresql_where=sa.text("status <> 'sent'"),
    )  # fmt: skip
    op.create_table(
        "notification_channels",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_channels")),
    )


def downgrade() -> None:
    op.drop_table("notification_channels")
    op.drop_table("notification_deliveries")
    op.drop_table("notifications")
