"""sign-in throttling by client address: failures counted per (address, name) and per address
in sign_in_failures; the per-account lock (users.failed_logins, users.locked_until), which let
anyone who knew a name lock its account, is dropped

Revision ID: 0022_sign_in_throttle
Revises: 0018_import_row_results
Create Date: 2026-12-01 13:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022_sign_in_throttle"
down_revision: str | None = "0018_import_row_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_sign_in_failures_window_started_at"), "sign_in_failures", ["window_started_at"]
    )
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")


def downgrade() -> None:
    op.add_column(
        "users",
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.alter_column("users", "failed_logins", server_default=None)
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index(op.f("ix_sign_in_failures_window_started_at"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
