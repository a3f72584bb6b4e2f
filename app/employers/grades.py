"""The grade in force of an employer, as SQL: one rule for the credit profile (which evaluation
is in force) and for filtering lists (GET /employers?grade=).

The rule: the latest final grade; a
proposed C (a notice) is not in force until it becomes final, and until then the final grade it
replaced stays in force — of its own cycle, or else of an earlier one. In terms of rows: a
grade that was ever final has `effective_from` set (a notice has none), and every evaluation of
a cycle supersedes the one before it in that cycle. So the grade in force is that of the
employer's newest cycle's ever-final evaluation: the current one (status `final`) when there
is one, else the newest superseded one (the final a pending notice replaced).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, case
from sqlmodel import col, select

from app.models.evaluation import Evaluation, EvaluationStatus
from app.models.rule_set import Grade


def in_force(employer_id: Any, column: Any = Evaluation.grade) -> Any:
    """`column` (the grade, or the id) of the evaluation in force of the employer `employer_id`
    (a column or a value) as a scalar subquery: NULL when none is (never graded, or only a
    first notice pending)."""
    status = col(Evaluation.status)
    return (
        select(col(column))
        .where(
            col(Evaluation.employer_id) == employer_id,
            # each status named, so the partial indexes of current and superseded rows serve it
            (status == EvaluationStatus.final) | (status == EvaluationStatus.superseded),
            col(Evaluation.effective_from).is_not(None),
        )
        .order_by(
            col(Evaluation.cycle).desc(),
            case((status == EvaluationStatus.final, 0), else_=1),
            col(Evaluation.created_at).desc(),
            col(Evaluation.id).desc(),
        )
        .limit(1)
        .scalar_subquery()
    )


def is_in_force(employer_id: Any, grade: Grade | BindParameter[Any]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = in_force(employer_id) == grade
    return condition
