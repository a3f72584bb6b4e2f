"""Evaluations (Art 9, 10, 17): an employer's grade for a cycle, why, and its notice step.

At most one current (notice or final) evaluation per employer and cycle: a re-grade that changes
the outcome supersedes the previous one, which stays in the history (keep at least three years).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import computed_field
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum
from app.models.measure import Measure
from app.models.representation import RepresentationStatementPublic
from app.models.representation_attachment import RepresentationAttachmentPublic
from app.models.rule_set import Grade


class EvaluationStatus(LabelledEnum):
    # notice: 拟评C级告知, waiting for the representation window or a decision
    notice = "notice", "拟评C级告知", "notice of a proposed C"
    final = "final", "已生效", "final"
    superseded = "superseded", "已被取代", "superseded"


class EvaluationOrigin(LabelledEnum):
    batch = "batch", "批量评价", "grading run"  # yearly or started by a reviewer
    event = "event", "动态调整", "dynamic adjustment"  # Art 10
    art17 = "art17", "评价周期满后调整", "re-grade after the cycle (Art 17)"  # rectified C units
    # a reviewer changed a proposed C after a representation
    decision = "decision", "陈述申辩后决定", "decision after a representation"


class DecisionOutcome(LabelledEnum):
    confirm = "confirm", "维持", "confirm"
    change = "change", "变更", "change"


class ExplanationItem(SQLModel):
    rule_id: str
    grade: Grade
    citation: str
    record_ids: list[uuid.UUID]
    detail: str


# The cycles an evaluation may belong to (its check constraint `cycle_range`): a page of every
# cycle's evaluations merges the page of each (`evaluations.reads`).
FIRST_CYCLE, LAST_CYCLE = 2000, 2100


class Evaluation(SQLModel, table=True):
    __tablename__ = "evaluations"
    __table_args__ = (
        # one current evaluation per employer and cycle
        sa.Index(
            "uq_evaluations_current",
            "employer_id",
            "cycle",
            unique=True,
            postgresql_where=sa.text("status IN ('notice', 'final')"),
        ),
        # with uq_evaluations_current, an employer's whole history (`evaluations.of_employer`):
        # a grading run writes only current rows, so it keeps one index fewer up to date per row
        sa.Index(
            "ix_evaluations_superseded",
            "employer_id",
            "cycle",
            postgresql_where=sa.text("status = 'superseded'"),
        ),
        # a cycle's evaluations newest first, a keyset page (GET /evaluations?cycle=), and the
        # pages of every cycle merged (GET /evaluations): one more index a grading run keeps up
        # to date, against a sort of the whole cycle, or of the whole table, per page
        sa.Index("ix_evaluations_cycle_created", "cycle", "created_at", "id"),
        sa.Index(
            "ix_evaluations_notice_deadline",
            "representation_deadline",
            postgresql_where=sa.text("status = 'notice'"),
        ),
        sa.CheckConstraint("grade IN ('A', 'B', 'C')", name="grade_known"),
        sa.CheckConstraint("computed_grade IN ('A', 'B', 'C')", name="computed_grade_known"),
        sa.CheckConstraint("status IN ('notice', 'final', 'superseded')", name="status_known"),
        # only a proposed C is a notice; its deadline is null while it awaits the calendar
        sa.CheckConstraint("status <> 'notice' OR grade = 'C'", name="notice"),
        sa.CheckConstraint("status <> 'final' OR effective_from IS NOT NULL", name="final"),
        sa.CheckConstraint(
            "status <> 'superseded' OR superseded_at IS NOT NULL", name="superseded"
        ),
        # a reviewer's change of grade always says why
        sa.CheckConstraint(
            "decision IS NULL OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided",
        ),
        sa.CheckConstraint(
            "decision IS DISTINCT FROM 'change' OR decision_reason IS NOT NULL",
            name="change_reason",
        ),
        sa.CheckConstraint(f"cycle BETWEEN {FIRST_CYCLE} AND {LAST_CYCLE}", name="cycle_range"),
        # a count per fired rule, and the records they count
        sa.CheckConstraint(
            "(evidence_counts IS NULL AND evidence_ids IS NULL) OR (evidence_ids IS NOT NULL "
            "AND cardinality(evidence_counts) = cardinality(fired_rules))",
            name="evidence_columns",
        ),
    )

    id: uuid.UUID = id_field()
    # No foreign key on employer_id and rule_set_version (migration 0007): a per-row check cost a
    # grading run a third of its time. Both hold by construction (`grading.apply` reads them in
    # its transaction) and neither referenced row can go: employers and rule sets refuse DELETE.
    employer_id: uuid.UUID
    cycle: int
    grade: Grade = Field(sa_type=sa.String(1))
    computed_grade: Grade = Field(
        sa_type=sa.String(1), description="what the rules said (a reviewer may change `grade`)"
    )
    status: EvaluationStatus = Field(sa_type=sa.String(16))
    origin: EvaluationOrigin = Field(sa_type=sa.String(16))
    rule_set_version: int
    # The rules that fired, worst first, and their evidence: rule `fired_rules[i]` rests on the
    # next `evidence_counts[i]` records of `evidence_ids` (`rules.evidence_items` reads them as
    # {rule_id, grade, record_ids}); the explanation shown adds each rule's citation and detail
    # from the rule set version (`rules.render`). Binary arrays, not JSON: a grading run writes
    # a million of them, and as JSON items they cost it a tenth of its time (migration 0012).
    # Both NULL when only the default rule fired: that is the same for every such employer of
    # the cycle (`rules.without_facts`), so it is not stored a million times.
    fired_rules: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(64)))
    evidence_counts: list[int] | None = Field(default=None, sa_type=ARRAY(sa.Integer))
    evidence_ids: list[uuid.UUID] | None = Field(default=None, sa_type=ARRAY(sa.Uuid))
    # Items stored whole, shown as they are: a reviewer's change (with its own detail), and the
    # evidence of evaluations written before migration 0012 ({rule_id, grade, record_ids}).
    evidence: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONB)
    representation_deadline: date | None = None
    # The representation's summary: when its first statement was filed, and by whom (the
    # statements themselves, each with its filer, are `representation_statements`, 0017).
    represented_at: datetime | None = optional_timestamp_field()
    # The four references below are checked by the deferred constraint trigger
    # `evaluations_references` (migration 0009), which fires only for a row that sets one: as
    # foreign keys they cost every row a grading run writes a queued check per key.
    represented_by: uuid.UUID | None = None
    decision: DecisionOutcome | None = Field(default=None, sa_type=sa.String(16))
    decision_reason: str | None = Field(default=None, max_length=2000)
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = optional_timestamp_field()
    effective_from: date | None = None
    supersedes_id: uuid.UUID | None = None
    # the old evaluation points at the new one, inserted after it in the transaction
    superseded_by: uuid.UUID | None = None
    superseded_at: datetime | None = optional_timestamp_field()
    # provenance only, no foreign key: a run's rows are never deleted, and a key checked per
    # row would cost a grading run of a million employers about a tenth of its time
    grading_run_id: uuid.UUID | None = None
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class EvaluationPublic(SQLModel):
    id: uuid.UUID
    employer_id: uuid.UUID
    cycle: int = Field(schema_extra={"examples": [2025]})
    grade: Grade
    computed_grade: Grade
    status: EvaluationStatus
    origin: EvaluationOrigin
    rule_set_version: int
    explanation: list[ExplanationItem] = Field(
        description="the rules that decide the grade (those of the computed grade), then a "
        "reviewer's change if any"
    )
    representation_deadline: date | None = Field(
        description="last day to state one's case; null while the notice awaits the calendar"
    )
    represented_at: datetime | None = Field(
        description="when the representation's first statement was filed (null: none yet); "
        "the statements are at `/evaluations/{id}/representations`"
    )
    decision: DecisionOutcome | None
    decision_reason: str | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    effective_from: date | None
    supersedes_id: uuid.UUID | None
    superseded_by: uuid.UUID | None
    grading_run_id: uuid.UUID | None
    created_at: datetime
    policy_lapsed: bool = Field(
        default=False,
        description="Art 18: made on a day (`effective_from`, else the day it was written, UTC) "
        "past the validity of the policy its rule set version implements, with no extension or "
        "succeeding policy recorded; derived when read, so recording one clears it",
    )
    policy_note: str | None = Field(
        default=None, description="with `policy_lapsed`: which policy, its validity, what to do"
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="a proposed C written while the calendar lacked the year its window reaches "
        "into: not yet served, no deadline yet; served (and given its deadline, counted from "
        "that day) once an admin loads the year"
    )
    @property
    def awaiting_calendar(self) -> bool:
        return self.status == EvaluationStatus.notice and self.representation_deadline is None


class RepresentationPublic(SQLModel):
    """A proposed C's representation (陈述申辩) as a whole: every statement and file, in the
    order they were filed, each with its filer."""

    evaluation_id: uuid.UUID
    status: EvaluationStatus
    representation_deadline: date | None
    open: bool = Field(
        description="statements and files may be filed today: a notice on or before its "
        "deadline, not yet decided"
    )
    statements: list[RepresentationStatementPublic]
    attachments: list[RepresentationAttachmentPublic]


class DecisionCreate(RequestModel):
    outcome: DecisionOutcome
    grade: Grade | None = Field(default=None, description="with `change`: the grade decided")
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="required to change",
        schema_extra={"examples": ["陈述申辩成立：拖欠工资在评价期内已足额支付"]},
    )


class RecordSummary(SQLModel):
    by_category: dict[str, int]
    by_status: dict[str, int]


class CreditProfile(SQLModel):
    employer_id: uuid.UUID
    current: EvaluationPublic | None = Field(
        description="the grade in force: the latest final grade; during a C notice, the final "
        "grade the notice would replace (of its own cycle or an earlier one) until it is final"
    )
    pending_notice: EvaluationPublic | None = Field(
        description="a proposed C not yet in force (拟评C级告知), if any"
    )
    in_force_note: str | None = Field(
        default=None,
        description="with a pending notice: which grade is in force until it is final (中文 / "
        "English)",
    )
    records: RecordSummary
    measures: list[Measure] = Field(
        default_factory=list,
        description="the measures in force (Art 11-13): those of the grade in force by today's "
        "catalogue version, then the joint punishment's while on the wage-arrears list "
        "(as GET /employers/{id}/measures)",
    )
    history: list[EvaluationPublic] = Field(description="newest cycle first, every version")
