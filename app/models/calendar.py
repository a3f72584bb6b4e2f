"""The working-day calendar (docs/law.md §8): the State Council's yearly holiday notice, per year.

Only the exceptions to "Monday–Friday work, weekends off" are stored: the official days off as
the notice publishes them (weekends inside a holiday included) and the make-up working days
(调休上班) that fall on weekends. A year is covered only once it has a `calendar_years` row; a
deadline in a year without one is refused, never guessed.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, refusal, timestamp_field
from app.models.labels import LabelledEnum

FIRST_YEAR, LAST_YEAR = 2000, 2100  # a sanity range for a year's number, not coverage
MAX_DAYS_OFF, MAX_MAKE_UP_WORKDAYS = 120, 30  # more than any notice has


class DayKind(LabelledEnum):
    off = "off", "放假", "day off"  # an official day off
    workday = "workday", "调休上班", "make-up working day"  # on a weekend


class CalendarSource(LabelledEnum):
    chinesecalendar = (
        "chinesecalendar",
        "chinesecalendar 数据包",
        "chinesecalendar package",
    )  # seeded from the PyPI package
    admin = "admin", "管理员载入的通知", "notice loaded by an admin"


class CalendarYear(SQLModel, table=True):
    """A year the calendar covers, and where its days came from."""

    __tablename__ = "calendar_years"
    __table_args__ = (
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
        sa.CheckConstraint("source IN ('chinesecalendar', 'admin')", name="source_known"),
    )

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: CalendarSource = Field(sa_type=sa.String(16))
    notice: str | None = Field(default=None, max_length=100)
    loaded_by: str = Field(max_length=100)
    version: int = Field(default=1)
    loaded_at: datetime = timestamp_field()


class CalendarDay(SQLModel, table=True):
    """One exception to the ordinary week: an official day off or a make-up working day."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('off', 'workday')", name="kind_known"),
        sa.CheckConstraint("extract(year FROM day) = year", name="day_in_year"),
        # Only weekends are made up (调休上班); a weekday is a working day already.
        sa.CheckConstraint(
            "kind <> 'workday' OR extract(isodow FROM day) >= 6", name="workday_on_weekend"
        ),
        sa.Index("ix_calendar_days_year", "year"),
    )

    day: date = Field(primary_key=True)
    year: int = Field(foreign_key="calendar_years.year", ondelete="CASCADE")
    kind: DayKind = Field(sa_type=sa.String(8))
    holiday: str | None = Field(default=None, max_length=60, description="e.g. 春节")


class CalendarYearPublic(SQLModel):
    """A covered year as the notice publishes it (docs/law.md §8)."""

    year: int = Field(schema_extra={"examples": [2026]})
    days_off: list[date] = Field(
        description="official days off, weekends inside a holiday included",
        schema_extra={"examples": [["2026-01-01", "2026-01-02", "2026-01-03"]]},
    )
    make_up_workdays: list[date] = Field(
        description="weekend days that are working days (调休上班)",
        schema_extra={"examples": [["2026-01-04", "2026-02-14"]]},
    )
    holiday_names: dict[date, str] = Field(
        default_factory=dict,
        description="the holiday a listed day belongs to, where known (seeded years)",
        schema_extra={"examples": [{"2026-01-01": "元旦", "2026-01-04": "元旦"}]},
    )
    source: CalendarSource
    notice: str | None = Field(default=None, schema_extra={"examples": ["国办发明电〔2025〕7号"]})
    loaded_by: str
    loaded_at: datetime
    version: int


class CalendarYearSummary(SQLModel):
    """One row of the list of covered years."""

    year: int
    source: CalendarSource
    notice: str | None = None
    loaded_by: str
    loaded_at: datetime


class CalendarYearLoad(RequestModel):
    """The PUT body: a year's days exactly as the State Council notice lists them."""

    days_off: list[date] = Field(
        min_length=1,
        max_length=MAX_DAYS_OFF,
        description="every official day off of the year, weekends inside a holiday included",
        schema_extra={"examples": [["2026-01-01", "2026-01-02", "2026-01-03"]]},
    )
    make_up_workdays: list[date] = Field(
        default_factory=list,
        max_length=MAX_MAKE_UP_WORKDAYS,
        description="weekend days worked to make up for a holiday (调休上班)",
        schema_extra={"examples": [["2026-01-04"]]},
    )
    notice: str = Field(
        min_length=1,
        max_length=100,
        description="the notice's reference",
        schema_extra={"examples": ["国办发明电〔2025〕7号"]},
    )

    @field_validator("notice")
    @classmethod
    def _notice_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise refusal("通知文号不能为空白", "notice cannot be blank")
        return value.strip()


class CalendarNoticeLoad(RequestModel):
    """The POST body: the notice's text as published, to read (and, confirmed, to save)."""

    text: str = Field(
        min_length=1,
        max_length=20_000,
        description="the notice as published (国务院办公厅关于20XX年部分节假日安排的通知), its "
        "numbered holiday lines at least",
        schema_extra={
            "examples": [
                "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。"
            ]
        },
    )
    confirm: bool = Field(default=False, description="save the year (false: only show it)")
    replace: bool = Field(default=False, description="with confirm: replace a loaded year")


class CalendarNoticeRead(CalendarYearPublic):
    """The year as read from the notice: what GET answers once saved."""

    saved: bool = Field(description="false: a preview, nothing was written")


class WorkingDayDue(SQLModel):
    """The answer of the working-day calculator."""

    start: date = Field(description="the day of the triggering event (not counted)")
    days: int
    due: date = Field(description="the last day of the period")


class CalendarCoverage(SQLModel):
    """How far ahead the calendar reaches (docs/law.md §8): year N's notice is published around
    November of N−1, and a deadline in a year the calendar lacks is refused."""

    first_year: int | None = Field(description="the first year covered (null: none)")
    last_year: int | None = Field(description="the last year covered (null: none)")
    year: int = Field(
        description="the year checked: next year, or this year if the calendar lacks even that",
        schema_extra={"examples": [2027]},
    )
    covered: bool = Field(description="whether the calendar covers `year`")
    warn_from: date = Field(
        description="from this day a missing `year` is a warning "
        "(LABOR_CREDIT_CALENDAR_WARNING_FROM of the year before `year`)",
        schema_extra={"examples": ["2026-10-01"]},
    )
    warning: str | None = Field(
        default=None,
        description="set when `year` is missing and `warn_from` has come: what an admin must do",
    )
