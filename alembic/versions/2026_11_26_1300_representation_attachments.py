"""representation attachments: evidence filed with a representation against a proposed C

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Evidence is append-only, as for record attachments (Art 8): a row never changes or disappears.
REFUSE_CHANGE = """
CREATE FUNCTION representation_attachments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'representation attachments are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "representation_attachments",
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"],
            name=op.f("fk_representation_attachments_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"],
            name=op.f("fk_representation_attachments_uploaded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation_attachments")),
        sa.UniqueConstraint(
            "evaluation_id", "sha256",
            name=op.f("uq_representation_attachments_evaluation_id_sha256"),
        ),
    )  # fmt: skip
    op.execute(REFUSE_CHANGE)
    op.execute(
        "CREATE TRIGGER representation_attachments_immutable BEFORE UPDATE OR DELETE "
        "ON representation_attachments FOR EACH ROW "
        "EXECUTE FUNCTION representation_attachments_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER representation_attachments_no_truncate BEFORE TRUNCATE "
        "ON representation_attachments FOR EACH STATEMENT "
        "EXECUTE FUNCTION representation_attachments_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("representation_attachments")  # drops its triggers too
    op.execute("DROP FUNCTION representation_attachments_refuse_change()")
