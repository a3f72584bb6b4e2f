"""Grading rule sets (Art 9, 18): versioned, with effective dates, parameters and declarative rules.

A rule is data: its grade, its legal citation and a tiny condition over named facts, so the same
definition is evaluated in Python (one employer) and compiled to SQL (a batch) — see
`app.grading.rules`. A version that produced any evaluation is frozen (Art 18: a grade
records the version that produced it, so it can be replayed); it is only superseded.
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


class Grade(LabelledEnum):
    A = "A", "A级", "grade A"
    B = "B", "B级", "grade B"
    C = "C", "C级", "grade C"


# Worst first: the worst grade of the rules that fired wins.
GRADE_ORDER = (Grade.C, Grade.B, Grade.A)


class Fact(LabelledEnum):
    """What the facts query computes per employer and cycle (each a count of records)."""

    # distinct verified punished decisions in the cycle
    punished_count = "punished_count", "被查处次数", "times investigated and punished"
    group_incident = (
        "group_incident",
        "引发群体性事件、极端事件或造成严重不良社会影响",
        "group or extreme incident, or serious adverse social impact",
    )
    child_or_forced_labour = (
        "child_or_forced_labour",
        "使用童工、强迫劳动",
        "child or forced labour",
    )
    refused_to_perform = (
        "refused_to_perform",
        "拒不履行限期整改指令、行政处理决定或者行政处罚决定",
        "refused to perform a rectification order, handling or penalty decision",
    )
    obstructed_inspection = (
        "obstructed_inspection",
        "无理抗拒、阻挠劳动保障监察",
        "unreasonably resisted or obstructed labour inspection",
    )
    criminal_liability = "criminal_liability", "被依法追究刑事责任", "criminal liability"
    # Art 13: listed during the cycle (grading.facts)
    wage_arrears_list = (
        "wage_arrears_list",
        "列入拖欠农民工工资失信联合惩戒对象名单",
        "listed for joint punishment of wage arrears",
    )
    # Art 17 re-grade only: rectified and penalty performed
    rectified_count = (
        "rectified_count",
        "已纠正并履行处罚决定的记录数",
        "records rectified with the penalty performed",
    )


class Condition(RequestModel):
    """`fact >= at_least` (a number or a parameter's name); without `at_least`, `fact >= 1`."""

    fact: Fact
    at_least: int | str | None = Field(
        default=None, schema_extra={"examples": ["punished_threshold"]}
    )


class Rule(RequestModel):
    rule_id: str = Field(
        min_length=1, max_length=64, schema_extra={"pattern": r"^[A-Za-z0-9_.-]+$"}
    )
    grade: Grade
    citation: str = Field(min_length=1, max_length=300)
    description: str = Field(
        min_length=1,
        max_length=500,
        description="the explanation's detail: `{cycle}`, `{count}`, `{threshold}` filled in",
    )
    when: Condition | None = Field(
        default=None, description="null: the default rule, which fires when no other rule does"
    )


class Parameters(SQLModel):
    """docs/law.md §3 defaults; the bureau may read the law differently (docs/law.md §10)."""

    model_config = {"extra": "allow"}  # further integer parameters may be named by rules

    punished_threshold: int = Field(default=3, ge=1, le=100, description="C condition 1")
    notice_window_working_days: int = Field(
        default=5, ge=1, le=60, description="陈述申辩 window of a C notice"
    )
    art17_working_days: int = Field(
        default=5, ge=1, le=60, description="Art 17: re-grade by this working day after cycle end"
    )


class RuleSetBase(SQLModel):
    effective_from: date
    effective_to: date | None = Field(default=None, description="inclusive; null = open-ended")
    description: str | None = Field(default=None, max_length=1000)


class RuleSet(RuleSetBase, table=True):
    __tablename__ = "rule_sets"
    __table_args__ = (
        sa.UniqueConstraint("version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="effective_dates"
        ),
        sa.CheckConstraint("jsonb_typeof(rules) = 'array'", name="rules_array"),
    )

    id: uuid.UUID = id_field()
    version: int
    # Art 18: the policy it implements (app.grading.policies flags grading past its validity)
    policy_id: uuid.UUID = Field(foreign_key="policies.id")
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class RuleSetCreate(RuleSetBase, RequestModel):
    policy_id: uuid.UUID | None = Field(
        default=None,
        description="the policy it implements (GET /policies); default: the newest that began "
        "by `effective_from`",
    )
    parameters: Parameters = Field(default_factory=Parameters)
    rules: list[Rule] = Field(min_length=1, max_length=100)


class RuleSetUpdate(RequestModel):
    """Only a version no evaluation used yet; send only what changes."""

    effective_from: date | None = None
    effective_to: date | None = None
    description: str | None = Field(default=None, max_length=1000)
    policy_id: uuid.UUID | None = None
    parameters: Parameters | None = None
    rules: list[Rule] | None = Field(default=None, min_length=1, max_length=100)


class RuleSetPublic(RuleSetBase):
    id: uuid.UUID
    version: int
    policy_id: uuid.UUID = Field(description="the policy it implements (Art 18)")
    parameters: Parameters
    rules: list[Rule]
    in_use: bool = Field(description="an evaluation was made with it: frozen, only superseded")
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
