"""Evaluations (Art 9, 10, 17): grades with their reasons, the notice step, the credit profile."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
from sqlmodel import SQLModel

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, TodayDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.evaluations import reads as evaluation_reads
from app.evaluations import service as evaluations
from app.evaluations.service import NoticeAwaitingCalendar
from app.grading import service as grading
from app.grading.errors import NoRuleSetInForce
from app.models.base import Page
from app.models.evaluation import (
    CreditProfile,
    DecisionCreate,
    EvaluationPublic,
    EvaluationStatus,
    ExplanationItem,
    RepresentationCreate,
)
from app.models.rule_set import Grade
from app.reports import credit_profile as credit_profiles

router = api_router(prefix="/evaluations", tags=["grading"], responses=problems(*GUARDED))
employer_router = api_router(prefix="/employers", tags=["grading"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.evaluations_read))]
Representer = Annotated[Actor, Depends(require(Permission.evaluations_represent))]
Reviewer = Annotated[Actor, Depends(require(Permission.evaluations_decide))]


class Preview(SQLModel):
    employer_id: uuid.UUID
    cycle: int
    grade: Grade
    explanation: list[ExplanationItem]


@router.get(
    "",
    summary="List evaluations",
    response_model=Page[EvaluationPublic],
    description="Newest first, every version (`status=final` or `notice` for current ones). "
    "An employer account sees only its own; another employer's `employer_id` is a 404, as for "
    "one that does not exist.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_evaluations(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    cycle: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: EvaluationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[EvaluationPublic]:
    rows, next_cursor = await evaluation_reads.list_(
        session=session, actor=actor, employer_id=employer_id, cycle=cycle, status=status,
        limit=limit, cursor=cursor,
    )  # fmt: skip
    items = await evaluation_reads.to_public(session=session, evaluations=rows)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/preview",
    summary="What the rules in force say now",
    description="Evaluates one employer for a cycle on the rules in force, without writing "
    "anything: the grade and the rules that decide it (those of that grade whose condition "
    "held; an A: the default rule) with their citations and evidence records.",
    responses=problems(*GUARDED, DoesNotExist, NoRuleSetInForce),
)
async def preview(
    employer_id: uuid.UUID,
    cycle: Annotated[int, Query(ge=2000, le=2100)],
    session: SessionDep,
    today: TodayDep,
    actor: Annotated[Actor, Depends(require(Permission.grading_runs_read))],
) -> Preview:
    decision = await grading.explain(
        session=session, employer_id=employer_id, cycle=cycle, today=today
    )
    return Preview.model_validate(
        {"employer_id": employer_id, "cycle": cycle, "grade": decision.grade,
         "explanation": decision.explanation}
    )  # fmt: skip


@router.get(
    "/{evaluation_id}",
    summary="Read an evaluation",
    description="Grade, status, the rule set version, and the explanation: the rules that "
    "decided the computed grade (of that grade only: a C does not also list its B rule), each "
    "with its legal citation and evidence records, then a reviewer's change if any. Employers: "
    "their own only.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_evaluation(
    evaluation_id: uuid.UUID, session: SessionDep, actor: Reader
) -> EvaluationPublic:
    found = await evaluation_reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    return await evaluation_reads.to_public_one(session=session, evaluation=found)


@router.post(
    "/{evaluation_id}/representations",
    summary="State one's case against a proposed C (陈述申辩)",
    description="The employer (or staff for it) while the evaluation is a `notice` and on or "
    "before `representation_deadline` (409 after it, with the deadline; 409 for a second one).",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, NoticeAwaitingCalendar),
)
async def represent(
    evaluation_id: uuid.UUID,
    data: RepresentationCreate,
    session: SessionDep,
    clock: ClockDep,
    actor: Representer,
) -> EvaluationPublic:
    found = await evaluations.represent(
        session=session, evaluation_id=evaluation_id, data=data, actor=actor, clock=clock
    )
    return await evaluation_reads.to_public_one(session=session, evaluation=found)


@router.post(
    "/{evaluation_id}/decision",
    summary="Decide a proposed C after a representation",
    description="A reviewer who collected none of the records the C rests on (403 otherwise) "
    "confirms it (`final` from today) or changes the grade with a `reason` (a new final "
    "evaluation supersedes the notice). 409 unless it is a notice with a representation.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist),
)
async def decide(
    evaluation_id: uuid.UUID,
    data: DecisionCreate,
    session: SessionDep,
    clock: ClockDep,
    actor: Reviewer,
) -> EvaluationPublic:
    found = await evaluations.decide_notice(
        session=session, evaluation_id=evaluation_id, data=data, actor=actor, clock=clock
    )
    return await evaluation_reads.to_public_one(session=session, evaluation=found)


@employer_router.get(
    "/{employer_id}/credit-profile",
    summary="An employer's credit profile",
    description="The grade in force (the latest final evaluation) with its explanation, a "
    "pending notice, the record summary and the grade history. Employers: their own only.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def credit_profile(
    employer_id: uuid.UUID, session: SessionDep, actor: Reader
) -> CreditProfile:
    return await credit_profiles.get(session=session, employer_id=employer_id, actor=actor)
