"""working-day calendar: official days off and make-up workdays, seeded from chinesecalendar

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:30:00+00:00
"""

from collections.abc import Sequence
from importlib.metadata import version

import chinese_calendar
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("notice", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("loaded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_calendar_years_year_range")),
        sa.CheckConstraint(
            "source IN ('chinesecalendar', 'admin')", name=op.f("ck_calendar_years_source_known")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("holiday", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.CheckConstraint("kind IN ('off', 'workday')", name=op.f("ck_calendar_days_kind_known")),
        sa.CheckConstraint(
            "extract(year FROM day) = year", name=op.f("ck_calendar_days_day_in_year")
        ),
        sa.CheckConstraint(
            "kind <> 'workday' OR extract(isodow FROM day) >= 6",
            name=op.f("ck_calendar_days_workday_on_weekend"),
        ),
        sa.ForeignKeyConstraint(
            ["year"],
            ["calendar_years.year"],
            name=op.f("fk_calendar_days_year_calendar_years"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index("ix_calendar_days_year", "calendar_days", ["year"], unique=False)
    _seed()


def _seed() -> None:
    """Every year the installed chinesecalendar knows (its data is the published notices).

    Days off: every date of its holiday data, weekends inside a holiday included, as the
    notice lists them. Make-up workdays: its workday data, which are weekend days only.
    The names are looked up through the package's Holiday enum (English value -> 春节 etc.).
    """
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    years = sorted({d.year for d in chinese_calendar.holidays})
    loaded_by = f"migration 0003 (chinesecalendar {version('chinesecalendar')})"
    year_rows = [
        {"year": y, "source": "chinesecalendar", "notice": None, "loaded_by": loaded_by}
        for y in years
    ]
    day_rows = [
        {"day": d, "year": d.year, "kind": "off", "holiday": names.get(name, name)[:60]}
        for d, name in chinese_calendar.holidays.items()
    ] + [
        {"day": d, "year": d.year, "kind": "workday", "holiday": names.get(name, name)[:60]}
        for d, name in chinese_calendar.workdays.items()
        if d.weekday() >= 5 and d.year in years
    ]
    calendar_years = sa.table(
        "calendar_years",
        sa.column("year", sa.Integer),
        sa.column("source", sa.String),
        sa.column("notice", sa.String),
        sa.column("loaded_by", sa.String),
        sa.column("version", sa.Integer),
    )
    calendar_days = sa.table(
        "calendar_days",
        sa.column("day", sa.Date),
        sa.column("year", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("holiday", sa.String),
    )
    op.bulk_insert(calendar_years, [{**row, "version": 1} for row in year_rows])
    op.bulk_insert(calendar_days, sorted(day_rows, key=lambda row: row["day"]))


def downgrade() -> None:
    op.drop_index("ix_calendar_days_year", table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
