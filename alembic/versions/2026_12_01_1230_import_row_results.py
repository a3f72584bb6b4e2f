"""import row results: what became of every row of an import file (created, would be created,
rejected, example skipped); rejection reasons kept in Chinese and English; row numbers are the
spreadsheet's (the header is row 1); a job counts the example rows it skipped

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018_import_row_results"
down_revision: str | None = "0017_representation_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "import_jobs",
        sa.Column("skipped_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.alter_column("import_jobs", "skipped_count", server_default=None)
    op.create_table(
        "import_row_results",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["import_jobs.id"], name=op.f("fk_import_row_results_job_id_import_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_import_row_results_record_id_credit_records"),
        ),
        sa.PrimaryKeyConstraint("job_id", "row_number", name=op.f("pk_import_row_results")),
    )
    # Reasons stored so far were written in English only: they read the same in both languages.
    op.alter_column("import_row_errors", "reason", new_column_name="reason_en")
    op.add_column(
        "import_row_errors",
        sa.Column("reason_zh", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    )
    op.execute("UPDATE import_row_errors SET reason_zh = reason_en")
    op.alter_column("import_row_errors", "reason_zh", nullable=False)
    # Rows were counted from the first data row (1) and blank lines were not counted; the
    # spreadsheet counts the header as row 1 (exact for the files that had no blank lines).
    op.execute("UPDATE import_row_errors SET row_number = row_number + 1")


def downgrade() -> None:
    op.execute("UPDATE import_row_errors SET row_number = row_number - 1")
    op.drop_column("import_row_errors", "reason_zh")
    op.alter_column("import_row_errors", "reason_en", new_column_name="reason")
    op.drop_table("import_row_results")
    op.drop_column("import_jobs", "skipped_count")
