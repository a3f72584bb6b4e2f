"""evaluation id counter: the last 32 bits of the ordered ids a grading statement gives its new
evaluations come from a sequence instead of a window over the statement's rows (no WindowAgg,
no padding: every value has eight hex digits)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 16:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 0x10000000..0xffffffff: always eight hex digits; CYCLE after four billion rows is harmless,
    # the 96-bit prefix of each statement keeps the ids unique. CACHE: a backend takes a
    # thousand values per visit to the sequence.
    op.execute(
        "CREATE SEQUENCE evaluation_id_counter AS bigint MINVALUE 268435456 "
        "MAXVALUE 4294967295 START 268435456 CACHE 1000 CYCLE"
    )


def downgrade() -> None:
    op.execute("DROP SEQUENCE evaluation_id_counter")
