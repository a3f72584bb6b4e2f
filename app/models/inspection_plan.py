"""Inspection plans (双随机、一公开, DOMAIN §4, §12): a period's patrols by grade, the units
drawn at random and the inspectors assigned at random from a published seed, and each visit's
outcome.

A plan goes draft (its eligible units snapshotted with the grade in force at creation) ->
committed (inspectors and exclusions fixed, the seed's SHA-256 published) -> drawn (the seed
revealed, the visits made) -> closed (every visit has its outcome; the results are public).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, optional_timestamp_field, timestamp_field
from app.models.credit_record import CreditRecordCreate
from app.models.labels import LabelledEnum
from app.models.rule_set import Grade


class PlanStatus(LabelledEnum):
    draft = "draft", "已编制", "draft (eligible units listed)"
    committed = "committed", "已公布种子承诺", "commitment published"
    drawn = "drawn", "已抽取", "drawn"
    closed = "closed", "已结束并公开结果", "closed, results public"


class VisitOutcome(LabelledEnum):
    no_violation = "no_violation", "未发现违法行为", "no violation found"
    violation_found = "violation_found", "发现违法行为", "violation found"
    not_inspected = "not_inspected", "未检查", "not inspected"


class SamplingRatios(RequestModel):
    """The share of each grade's eligible units drawn, 0-1 (ceil(ratio × n) are drawn)."""

    A: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4)
    B: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4)
    C: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4)


class InspectionPlanBase(SQLModel):
    title: str = Field(
        min_length=1, max_length=200, schema_extra={"examples": ["2027年第一季度双随机抽查计划"]}
    )
    period_from: date
    period_to: date = Field(description="inclusive; at most 12 calendar months from period_from")


class InspectionPlan(InspectionPlanBase, table=True):
    __tablename__ = "inspection_plans"
    __table_args__ = (
        sa.Index("ix_inspection_plans_period", "period_from", "period_to"),
        sa.Index("ix_inspection_plans_created", "created_at", "id"),
        sa.CheckConstraint("period_to >= period_from", name="period"),
        sa.CheckConstraint(
            "ratio_a BETWEEN 0 AND 1 AND ratio_b BETWEEN 0 AND 1 AND ratio_c BETWEEN 0 AND 1",
            name="ratios",
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (seed_sha256 IS NOT NULL AND seed IS NOT NULL)",
            name="commitment",
        ),
    )

    id: uuid.UUID = id_field()
    status: PlanStatus = Field(default=PlanStatus.draft, sa_type=sa.String(16))
    ratio_a: Decimal = Field(sa_type=sa.Numeric(5, 4))
    ratio_b: Decimal = Field(sa_type=sa.Numeric(5, 4))
    ratio_c: Decimal = Field(sa_type=sa.Numeric(5, 4))
    patrols_a: int
    patrols_b: int
    patrols_c: int
    exclude_collectors: bool
    algorithm: str = Field(max_length=32)
    # the seed (64 hex digits) is kept from the commitment and shown only once drawn
    seed: str | None = Field(default=None, max_length=64)
    seed_sha256: str | None = Field(default=None, max_length=64)
    # [{"id": ..., "username": ...}] sorted by username, fixed at the commitment
    inspectors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()
    committed_at: datetime | None = optional_timestamp_field()
    drawn_at: datetime | None = optional_timestamp_field()
    closed_at: datetime | None = optional_timestamp_field()


class InspectionPlanUnit(SQLModel, table=True):
    """An eligible unit of a plan, as it was when the plan was made (its grade then)."""

    __tablename__ = "inspection_plan_units"
    __table_args__ = (sa.UniqueConstraint("plan_id", "uscc"),)

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = Field(foreign_key="inspection_plans.id")
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    uscc: str = Field(max_length=18)
    name: str = Field(max_length=200)
    grade: Grade = Field(sa_type=sa.String(1))
    excluded_inspectors: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(64)))
    draw_key: str | None = Field(default=None, max_length=64)
    selected: bool = Field(default=False)


class InspectionVisit(SQLModel, table=True):
    __tablename__ = "inspection_visits"
    __table_args__ = (
        sa.Index("ix_inspection_visits_plan", "plan_id", "month", "uscc", "id"),
        sa.Index("ix_inspection_visits_record", "credit_record_id"),
        sa.CheckConstraint("extract(day FROM month) = 1", name="month"),
        sa.CheckConstraint(
            "(outcome = 'violation_found') = (credit_record_id IS NOT NULL)", name="record"
        ),
    )

    id: uuid.UUID = id_field()
    plan_id: uuid.UUID = Field(foreign_key="inspection_plans.id")
    employer_id: uuid.UUID = Field(foreign_key="employers.id")
    uscc: str = Field(max_length=18)
    month: date
    inspectors: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(64)))
    inspector_ids: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(sa.Uuid))
    outcome: VisitOutcome | None = Field(default=None, sa_type=sa.String(16))
    inspected_on: date | None = None
    notes: str | None = Field(default=None, max_length=2000)
    credit_record_id: uuid.UUID | None = Field(default=None, foreign_key="credit_records.id")
    outcome_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    outcome_at: datetime | None = optional_timestamp_field()


# --- requests ----------------------------------------------------------------------------------


class InspectionPlanCreate(InspectionPlanBase, RequestModel):
    sampling_ratios: SamplingRatios = Field(
        description="per grade, the share of eligible units drawn (0-1)"
    )
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "2027年第一季度双随机抽查计划",
                    "period_from": "2027-01-01",
                    "period_to": "2027-03-31",
                    "sampling_ratios": {"A": "0.05", "B": "0.2", "C": "1"},
                }
            ]
        },
    )


class VisitOutcomeCreate(RequestModel):
    outcome: VisitOutcome
    inspected_on: date | None = Field(
        default=None,
        description="the day of the inspection (default today); none for `not_inspected`",
    )
    notes: str | None = Field(default=None, max_length=2000)
    record: CreditRecordCreate | None = Field(
        default=None,
        description="for `violation_found` only, and required then: the credit record of what "
        "was found, created as a draft you collected (its employer_id is the visit's unit)",
    )


# --- responses ---------------------------------------------------------------------------------


class InspectionPlanPublic(InspectionPlanBase):
    id: uuid.UUID
    status: PlanStatus
    sampling_ratios: dict[str, Decimal]
    patrols_per_year: dict[str, int] = Field(description="per grade, from the settings")
    exclude_collectors: bool
    algorithm: str
    seed_sha256: str | None = Field(description="the commitment: SHA-256 of the seed's bytes")
    seed: str | None = Field(description="revealed by the draw (64 hex digits)")
    inspectors: list[str] = Field(description="usernames, sorted; fixed at the commitment")
    eligible_counts: dict[str, int]
    selected_counts: dict[str, int]
    visit_count: int
    created_by: uuid.UUID | None
    created_at: datetime
    committed_at: datetime | None
    drawn_at: datetime | None
    closed_at: datetime | None


class PlanUnitPublic(SQLModel):
    uscc: str
    name: str
    grade: Grade = Field(description="the grade in force when the plan was made")
    excluded_inspectors: list[str]
    draw_key: str | None
    selected: bool


class InspectionVisitPublic(SQLModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    employer_id: uuid.UUID
    uscc: str
    month: date
    inspectors: list[str]
    outcome: VisitOutcome | None
    inspected_on: date | None
    notes: str | None
    credit_record_id: uuid.UUID | None
    outcome_by: uuid.UUID | None
    outcome_at: datetime | None


class PublishedVisit(SQLModel):
    name: str
    uscc: str
    month: date
    inspected_on: date | None
    outcome: VisitOutcome


class PublishedUnit(SQLModel):
    uscc: str
    name: str
    grade: Grade


class PlanPublication(SQLModel):
    """双随机、一公开, as far as the plan has gone; no personal data. From the commitment: the
    algorithm, the seed's SHA-256 and the eligible units with their grades — what anyone needs,
    with the seed, to re-run the draw of units. Once the plan is closed (its inspections done):
    the seed, the counts drawn and each visit's outcome. The seed stays unpublished until then,
    since it tells who is drawn."""

    id: uuid.UUID
    title: str
    status: PlanStatus
    period_from: date
    period_to: date
    algorithm: str
    seed_sha256: str
    committed_at: datetime
    eligible: list[PublishedUnit] = Field(description="sorted by USCC")
    eligible_counts: dict[str, int]
    sampling_ratios: dict[str, Decimal]
    patrols_per_year: dict[str, int] = Field(description="per grade: the visits of a unit drawn")
    seed: str | None = Field(description="once the plan is closed")
    selected_counts: dict[str, int] | None = Field(description="once the plan is closed")
    closed_at: datetime | None
    visits: list[PublishedVisit] = Field(description="once the plan is closed")
