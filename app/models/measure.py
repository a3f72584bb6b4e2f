"""The measures catalogue (Art 11-13; 人社部令第45号): what a grade does, as data an admin extends.

Versioned like rule sets: each version has effective dates (two never apply on the same day), a
version that has taken effect is frozen (the database refuses any change but its closing by a
newer version), and a newer version takes effect from its own date. Each measure names what it
applies to (a grade, or a unit on the wage-arrears joint-punishment list), its legal citation, its
scope ("on related matters", Art 13) and whether it restricts, rewards or guides.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, timestamp_field
from app.models.labels import LabelledEnum
from app.models.rule_set import Grade


class MeasureTarget(LabelledEnum):
    A = "A", "A级用人单位", "grade A units"
    B = "B", "B级用人单位", "grade B units"
    C = "C", "C级用人单位", "grade C units"
    wage_arrears_list = (
        "wage_arrears_list",
        "列入拖欠农民工工资失信联合惩戒对象名单的用人单位",
        "units on the wage-arrears joint-punishment list",
    )


class MeasureKind(LabelledEnum):
    rewards = "rewards", "激励", "rewards"
    guides = "guides", "指导", "guides"
    restricts = "restricts", "惩戒", "restricts"


class Measure(RequestModel):
    measure_id: str = Field(
        min_length=1, max_length=64, schema_extra={"pattern": r"^[A-Za-z0-9_.-]+$"}
    )
    applies_to: MeasureTarget = Field(
        description="a grade (A/B/C) or `wage_arrears_list` (joint punishment, 人社部令第45号)"
    )
    kind: MeasureKind
    citation: str = Field(min_length=1, max_length=300)
    scope: str | None = Field(
        default=None,
        max_length=300,
        description="where it applies, e.g. 就相关联的事项 / on related matters (Art 13)",
    )
    text_zh: str = Field(min_length=1, max_length=1000)
    text_en: str = Field(min_length=1, max_length=1000)


class MeasureSetBase(SQLModel):
    effective_from: date
    effective_to: date | None = Field(default=None, description="inclusive; null = open-ended")
    description: str | None = Field(default=None, max_length=1000)


class MeasureSet(MeasureSetBase, table=True):
    __tablename__ = "measure_sets"
    __table_args__ = (
        sa.UniqueConstraint("version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="effective_dates"
        ),
        sa.CheckConstraint("jsonb_typeof(measures) = 'array'", name="measures_array"),
    )

    id: uuid.UUID = id_field()
    version: int
    policy_id: uuid.UUID = Field(foreign_key="policies.id")
    measures: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class MeasureSetCreate(MeasureSetBase, RequestModel):
    policy_id: uuid.UUID | None = Field(
        default=None,
        description="the policy it implements; default: the newest one in force by "
        "`effective_from` (the newest that began by then)",
    )
    measures: list[Measure] = Field(min_length=1, max_length=200)


class MeasureSetPublic(MeasureSetBase):
    id: uuid.UUID
    version: int
    policy_id: uuid.UUID
    measures: list[Measure]
    in_use: bool = Field(description="it has taken effect: frozen, only superseded")
    created_by: uuid.UUID | None
    created_at: datetime


class EmployerMeasures(SQLModel):
    employer_id: uuid.UUID
    grade: Grade | None = Field(
        description="the grade in force (a proposed C is not, until final); null: none yet"
    )
    evaluation_id: uuid.UUID | None = Field(description="the evaluation in force")
    wage_arrears_listed: bool = Field(description="on the wage-arrears joint-punishment list")
    measure_set_version: int
    measures: list[Measure] = Field(
        description="the grade's measures, then the joint punishment's when listed"
    )
    note: str | None = Field(default=None, description="中文 / English")


class AwardReason(SQLModel):
    citation: str
    detail_zh: str
    detail_en: str


class CreditStatement(SQLModel):
    """Art 12(3): for a B unit, a statement issued after reviewing its past year's credit."""

    covers: list[str] = Field(description="what the statement must cover (中文 / English)")
    period_from: date
    period_to: date
    verified_records: int = Field(description="verified records that occurred in the period")
    verified_by_category: dict[str, int]


class AwardEligibility(SQLModel):
    employer_id: uuid.UUID
    grade: Grade | None = Field(description="the grade in force; null: none yet")
    wage_arrears_listed: bool
    eligible: bool = Field(description="may be put forward for an HR-and-social-security award")
    priority: bool = Field(description="with priority (A, Art 11(2))")
    statement_required: bool = Field(description="only with the statement of Art 12(3)")
    statement: CreditStatement | None
    reasons: list[AwardReason]
