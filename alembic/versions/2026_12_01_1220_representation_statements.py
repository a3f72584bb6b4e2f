"""representation statements: a representation against a proposed C is a list of statements,
each with who filed it (staff for the employer, saying how the employer made its case, or the
employer's own account), so staff filing no longer locks the employer out; each evidence file
records its uploader's role; the single representation stored on the evaluation moves into
the new table

Revision ID: 0017_representation_statements
Revises: 0014
Create Date: 2026-12-01 12:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017_representation_statements"
down_revision: str | None = "0016_listing_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Statements are kept as filed (Art 8): a row never changes or disappears.
REFUSE_CHANGE = """
CREATE FUNCTION representation_statements_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'representation statements are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# Every representation so far was filed by a user (the route needs a user's role).
REFUSE_ANONYMOUS = """
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM evaluations WHERE representation IS NOT NULL
             AND represented_by IS NULL) THEN
    RAISE EXCEPTION 'a representation without its filer (represented_by) cannot be moved';
  END IF;
END $$
"""

# The one representation of an evaluation becomes its statement 1. Its channel is unknown when
# staff filed it (null); an employer account filed online.
MOVE_REPRESENTATIONS = """
INSERT INTO representation_statements
  (id, evaluation_id, seq, text, filed_by, filer_role, channel, filed_at)
SELECT gen_random_uuid(), e.id, 1, e.representation, e.represented_by, u.role,
       CASE WHEN u.role = 'employer' THEN 'online' END,
       coalesce(e.represented_at, e.updated_at)
FROM evaluations e JOIN users u ON u.id = e.represented_by
WHERE e.representation IS NOT NULL
"""

# Downgrading keeps one text per evaluation: refuse while one has more than one statement.
REFUSE_SEVERAL = """
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM representation_statements WHERE seq > 1) THEN
    RAISE EXCEPTION 'evaluations have more than one representation statement: 0014 keeps one';
  END IF;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "representation_statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=False),
        sa.Column("filer_role", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("presented_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_representation_statements_seq_positive")),
        sa.CheckConstraint(
            "filer_role IN ('employer', 'admin', 'inspector', 'reviewer')",
            name=op.f("ck_representation_statements_filer_role_known"),
        ),
        sa.CheckConstraint(
            "channel IN ('online', 'in_person', 'letter', 'phone')",
            name=op.f("ck_representation_statements_channel_known"),
        ),
        sa.CheckConstraint(
            "(filer_role = 'employer') = (channel IS NOT DISTINCT FROM 'online')",
            name=op.f("ck_representation_statements_channel_of_filer"),
        ),
        sa.CheckConstraint(
            "filer_role <> 'employer' OR presented_by IS NULL",
            name=op.f("ck_representation_statements_presented_by_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"],
            name=op.f("fk_representation_statements_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"], ["users.id"], name=op.f("fk_representation_statements_filed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation_statements")),
        sa.UniqueConstraint(
            "evaluation_id", "seq", name=op.f("uq_representation_statements_evaluation_id_seq")
        ),
    )  # fmt: skip
    op.execute(REFUSE_CHANGE)
    op.execute(
        "CREATE TRIGGER representation_statements_immutable BEFORE UPDATE OR DELETE "
        "ON representation_statements FOR EACH ROW "
        "EXECUTE FUNCTION representation_statements_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER representation_statements_no_truncate BEFORE TRUNCATE "
        "ON representation_statements FOR EACH STATEMENT "
        "EXECUTE FUNCTION representation_statements_refuse_change()"
    )
    op.execute(REFUSE_ANONYMOUS)
    op.execute(MOVE_REPRESENTATIONS)
    # represented_at and represented_by stay: the first statement's time and filer
    op.drop_column("evaluations", "representation")

    op.add_column(
        "representation_attachments",
        sa.Column("uploader_role", sa.String(length=16), nullable=True),
    )
    # evidence is append-only: its trigger steps aside for this one backfill
    op.execute(
        "ALTER TABLE representation_attachments "
        "DISABLE TRIGGER representation_attachments_immutable"
    )
    op.execute(
        "UPDATE representation_attachments a SET uploader_role = u.role FROM users u "
        "WHERE u.id = a.uploaded_by"
    )
    op.execute(
        "ALTER TABLE representation_attachments ENABLE TRIGGER representation_attachments_immutable"
    )


def downgrade() -> None:
    op.execute(REFUSE_SEVERAL)
    op.drop_column("representation_attachments", "uploader_role")
    op.add_column(
        "evaluations",
        sa.Column("representation", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    )
    # a decided notice is history the guard keeps unchanged: it steps aside for the text's return
    # (the channel and presented_by of a staff-filed statement are not kept by 0014)
    # (its deferred reference check runs at once: a table with pending trigger events cannot be
    # altered)
    op.execute("ALTER TABLE evaluations DISABLE TRIGGER evaluations_guard")
    op.execute("SET CONSTRAINTS evaluations_references IMMEDIATE")
    op.execute(
        "UPDATE evaluations e SET representation = s.text FROM representation_statements s "
        "WHERE s.evaluation_id = e.id AND s.seq = 1"
    )
    op.execute("SET CONSTRAINTS evaluations_references DEFERRED")
    op.execute("ALTER TABLE evaluations ENABLE TRIGGER evaluations_guard")
    op.drop_table("representation_statements")  # drops its triggers too
    op.execute("DROP FUNCTION representation_statements_refuse_change()")
