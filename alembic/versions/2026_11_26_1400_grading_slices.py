"""grading slices: a run's work planned as slices that several workers grade at once; the
evaluations' references checked only when set; a default explanation is not stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The four references of an evaluation (who represented, who decided, which evaluation it
# supersedes and which superseded it) are empty on every row a grading run writes. As foreign
# keys they queued a check per key and row all the same — a fifth of a run's write time. This
# constraint trigger checks the same keys, fires only for a row that sets one, and is deferred
# like the `superseded_by` key was (a superseded row points at one inserted after it). Neither
# referenced table loses rows: evaluations refuse DELETE (evaluations_guard) and users are
# never deleted.
REFERENCES = """
CREATE FUNCTION evaluations_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.represented_by IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.represented_by) THEN
    RAISE EXCEPTION 'evaluation %: represented_by % is not a user', NEW.id, NEW.represented_by
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NEW.decided_by IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.decided_by) THEN
    RAISE EXCEPTION 'evaluation %: decided_by % is not a user', NEW.id, NEW.decided_by
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NEW.supersedes_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM evaluations WHERE id = NEW.supersedes_id) THEN
    RAISE EXCEPTION 'evaluation %: supersedes_id % is not an evaluation', NEW.id,
      NEW.supersedes_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NEW.superseded_by IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM evaluations WHERE id = NEW.superseded_by) THEN
    RAISE EXCEPTION 'evaluation %: superseded_by % is not an evaluation', NEW.id,
      NEW.superseded_by USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$
"""
SET_REFERENCES = (
    "NEW.represented_by IS NOT NULL OR NEW.decided_by IS NOT NULL "
    "OR NEW.supersedes_id IS NOT NULL OR NEW.superseded_by IS NOT NULL"
)
FOREIGN_KEYS = {
    "fk_evaluations_decided_by_users": ("decided_by", "users", False),
    "fk_evaluations_represented_by_users": ("represented_by", "users", False),
    "fk_evaluations_supersedes_id_evaluations": ("supersedes_id", "evaluations", False),
    "fk_evaluations_superseded_by_evaluations": ("superseded_by", "evaluations", True),
}


def upgrade() -> None:
    op.create_table(
        "grading_run_slices",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Uuid(), nullable=False),
        sa.Column("high_id", sa.Uuid(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("low_id <= high_id", name=op.f("ck_grading_run_slices_range")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["grading_runs.id"], name=op.f("fk_grading_run_slices_run_id_grading_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_grading_run_slices")),
    )
    op.drop_column("grading_runs", "after_employer_id")
    for name in FOREIGN_KEYS:
        op.drop_constraint(name, "evaluations", type_="foreignkey")
    # NULL: only the default rule fired; that explanation is rendered from the rule set
    op.alter_column("evaluations", "explanation", nullable=True)
    op.execute(REFERENCES)
    op.execute(
        "CREATE CONSTRAINT TRIGGER evaluations_references AFTER INSERT OR UPDATE ON evaluations "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({SET_REFERENCES}) "
        "EXECUTE FUNCTION evaluations_references()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS evaluations_references ON evaluations")
    op.execute("DROP FUNCTION IF EXISTS evaluations_references()")
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM evaluations WHERE explanation IS NULL) THEN "
        "RAISE EXCEPTION 'evaluations without a stored explanation exist: 0008 cannot hold them'; "
        "END IF; END $$"
    )
    op.alter_column("evaluations", "explanation", nullable=False)
    for name, (column, table, deferred) in FOREIGN_KEYS.items():
        op.create_foreign_key(
            name, "evaluations", table, [column], ["id"],
            deferrable=deferred or None, initially="DEFERRED" if deferred else None,
        )  # fmt: skip
    op.add_column("grading_runs", sa.Column("after_employer_id", sa.Uuid(), nullable=True))
    op.drop_table("grading_run_slices")
