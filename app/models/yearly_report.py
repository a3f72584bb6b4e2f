"""The yearly supervision report (issue 15 §5): the figures of one year for the bureau and the
city, as JSON; the PDF renders the same object (`reports.yearly_pdf`). No table: every figure is
computed from the tables of the stages it reports on when it is asked for."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Field, SQLModel

from app.models.evaluation import EvaluationStatus, ExplanationItem


class GradeCounts(SQLModel):
    A: int = 0
    B: int = 0
    C: int = 0
    total: int = 0


class CycleCounts(GradeCounts):
    cycle: int


class GroupDistribution(SQLModel):
    key: str = Field(
        description="the town's name; the GB/T 4754 section letter (vocabulary IndustrySection); "
        "the subject type's code (vocabulary SubjectType)"
    )
    counts: GradeCounts = Field(description="the report's cycle")
    trend: list[CycleCounts] = Field(description="each cycle of the trend, oldest first")


class GradeDistribution(SQLModel):
    cycle: int
    counts: GradeCounts = Field(description="current evaluations (notice or final) of the cycle")
    notices: int = Field(description="of the C's: proposed, not yet final (拟评C级告知)")
    trend: list[CycleCounts] = Field(description="the last cycles, oldest first")
    by_town: list[GroupDistribution]
    by_industry: list[GroupDistribution]
    by_subject_type: list[GroupDistribution]


class RuleCount(SQLModel):
    rule_id: str
    citation: str
    units: int = Field(description="C units of the cycle this rule graded C")


class CUnit(SQLModel):
    employer_id: uuid.UUID
    name: str
    uscc: str
    town: str
    status: EvaluationStatus = Field(description="notice (proposed) or final")
    explanation: list[ExplanationItem] = Field(
        description="as the evaluation explains itself: the fired rules with their citations"
    )


class CUnits(SQLModel):
    total: int
    by_rule: list[RuleCount] = Field(description="most units first")
    changed_by_reviewer: int = Field(
        description="proposed C's of the cycle a reviewer changed after a representation (now "
        "A or B, not counted among the C units)"
    )
    listed: list[CUnit] = Field(description="by town and name, the first `listed_limit`")
    listed_limit: int


class ObjectionCounts(SQLModel):
    handling: str = Field(
        description="in_house (3 working days), departments (10), not_accepted (withdrawn or "
        "lapsed before acceptance, or still waiting), or total"
    )
    received: int = Field(description="received in the year (receipt date)")
    decided: int
    on_time: int = Field(description="decided on or before the due date")
    late: int = Field(description="decided after the due date")
    undetermined: int = Field(description="decided, no due date (the calendar lacked the year)")
    open: int = Field(description="filed or accepted, not yet decided")
    open_overdue: int = Field(description="accepted and past the due date, still open")
    withdrawn: int
    lapsed: int
    upheld: int
    partly_upheld: int
    rejected: int


class Objections(SQLModel):
    total: ObjectionCounts
    by_handling: list[ObjectionCounts]


class Repairs(SQLModel):
    applied: int = Field(description="applications made in the year")
    accepted: int
    approved: int
    refused: int
    open: int
    on_time: int = Field(description="decided, accepted and decided by their due dates")
    late: int = Field(description="decided, accepted or decided after its due date")
    undetermined: int = Field(description="decided, a due date unknown (calendar)")
    open_overdue: int = Field(description="open and past its acceptance or decision due date")
    refusal_reasons: dict[str, int] = Field(description="condition -> refusals naming it")


class Inspections(SQLModel):
    """The visits of inspection plans (双随机) in the year's months, by the grade the unit had
    when its plan was made."""

    plans: int = Field(description="plans drawn whose period reaches into the year")
    planned: GradeCounts = Field(description="visits planned in the year's months")
    done: GradeCounts = Field(description="visits with an inspection (violation found or not)")
    violations_found: GradeCounts
    not_inspected: GradeCounts = Field(description="visits recorded as not inspected")


class PushCounts(SQLModel):
    subject: str = Field(description="what the messages report (evaluation, record, ...) or total")
    created: int = Field(description="messages written in the year")
    sent: int = Field(description="tried at least once")
    delivered: int = Field(description="the platform has it (a 2xx or a receipt)")
    accepted: int
    rejected: int
    dead: int
    awaiting_receipt: int
    waiting: int = Field(description="pending or being sent")
    overdue: int = Field(description="not delivered and past the due date")
    delivered_late: int = Field(description="delivered after the due date")
    receipts_overdue: int = Field(description="delivered, receipt overdue")
    awaiting_calendar: int = Field(description="no due date yet (the calendar lacks the year)")


class Pushes(SQLModel):
    total: PushCounts
    by_subject: list[PushCounts]


class PolicyStanding(SQLModel):
    """Art 18: the policy the year's grades rest on, and whether it was in force."""

    lapsed_evaluations: int = Field(
        description="current evaluations of the cycle made on a day their rule set's policy "
        "did not cover (no extension or succeeding policy recorded)"
    )
    warnings: list[str] = Field(
        description="what /readyz warns of on the report's day: rules or measures in force "
        "resting on a lapsed policy"
    )


class YearlyReport(SQLModel):
    year: int
    as_of: date = Field(description="the day the figures were computed (open items as of then)")
    policy: PolicyStanding
    grades: GradeDistribution
    c_units: CUnits
    objections: Objections
    repairs: Repairs
    inspections: Inspections
    pushes: Pushes
