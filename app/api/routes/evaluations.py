"""Evaluations (Art 9, 10, 17): grades with their reasons, the notice step, the credit profile."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response
from sqlmodel import SQLModel

from app.api import answers
from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, TodayDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.evaluations import reads as evaluation_reads
from app.evaluations import representations
from app.evaluations import service as evaluations
from app.evaluations.problems import (
    DeciderCollectedEvidence,
    DecisionGradeRequired,
    DecisionReasonRequired,
    EvaluationNotANotice,
    NoticeAwaitingCalendar,
    NoticeWindowClosed,
    RepresentationChannelRequired,
    RepresentationNotFiled,
    RepresentationStaffField,
)
from app.grading import service as grading
from app.grading.errors import NoRuleSetInForce
from app.models.base import Page
from app.models.evaluation import (
    CreditProfile,
    DecisionCreate,
    EvaluationPublic,
    EvaluationStatus,
    ExplanationItem,
    RepresentationPublic,
)
from app.models.representation import RepresentationCreate, RepresentationStatementPublic
from app.models.rule_set import Grade
from app.reports import credit_profile as credit_profiles

router = api_router(prefix="/evaluations", tags=["evaluations"], responses=problems(*GUARDED))
employer_router = api_router(prefix="/employers", tags=["reports"], responses=problems(*GUARDED))
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
    summary="查询信用等级评价 / List evaluations",
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
) -> Response:
    """按时间倒序，列出每个版本。用人单位账号只能看到本单位的评价。"""
    rows, next_cursor = await evaluation_reads.list_(
        session=session, actor=actor, employer_id=employer_id, cycle=cycle, status=status,
        limit=limit, cursor=cursor,
    )  # fmt: skip
    items = await evaluation_reads.to_public_data(session=session, evaluations=rows)
    return answers.page(items, next_cursor)


@router.get(
    "/preview",
    summary="按现行规则试评 / What the rules in force say now",
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
    """按现行评价规则试评一个用人单位某评价周期的信用等级，不写入任何数据：给出评价等级和决定该
    等级的规则，及其法律依据和证据记录。"""
    decision = await grading.explain(
        session=session, employer_id=employer_id, cycle=cycle, today=today
    )
    return Preview.model_validate(
        {"employer_id": employer_id, "cycle": cycle, "grade": decision.grade,
         "explanation": decision.explanation}
    )  # fmt: skip


@router.get(
    "/{evaluation_id}",
    summary="查看信用等级评价 / Read an evaluation",
    description="Grade, status, the rule set version, and the explanation: the rules that "
    "decided the computed grade (of that grade only: a C does not also list its B rule), each "
    "with its legal citation and evidence records, then a reviewer's change if any. Employers: "
    "their own only.",
    response_model=EvaluationPublic,
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_evaluation(evaluation_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    """评价等级、状态、规则集版本和说明：决定该等级的规则，各附法律依据和证据记录。用人单位只能
    查看本单位的。"""
    shown = await evaluation_reads.get_shown(
        session=session, evaluation_id=evaluation_id, actor=actor
    )
    return answers.one(shown)


@router.post(
    "/{evaluation_id}/representations",
    status_code=201,
    summary="对拟评C级进行陈述申辩 / State one's case against a proposed C",
    description="While the evaluation is a `notice`, on or before `representation_deadline` "
    "and before a reviewer decides, the employer's own account or staff for it file a "
    "statement; each is kept, numbered in the order filed, with its filer and time, and "
    "neither locks out the other: the employer may add its own statements (and files) after "
    "staff filed one for it, and file more than one. Staff say how the employer made its case "
    "(`channel`: `in_person`, `letter` or `phone`; 422 `representation-channel-required`) and "
    "may name who presented it (`presented_by`); an employer account files `online` and "
    "sends neither (422 `representation-staff-field`). After the deadline, or once decided or "
    "superseded, 409 `notice-window-closed` naming the deadline; a notice not yet served, 409 "
    "`notice-awaiting-calendar`; not a notice, 409 `evaluation-not-a-notice`. Another "
    "employer's evaluation is a 404.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        EvaluationNotANotice,
        NoticeAwaitingCalendar,
        NoticeWindowClosed,
        RepresentationChannelRequired,
        RepresentationStaffField,
    ),
)
async def represent(
    evaluation_id: uuid.UUID,
    data: RepresentationCreate,
    session: SessionDep,
    clock: ClockDep,
    actor: Representer,
) -> RepresentationStatementPublic:
    """拟评C级告知期间、陈述申辩期限届满前，用人单位或代其受理的工作人员提交一份陈述申辩；
    工作人员代交不妨碍用人单位自己再提交陈述和材料。"""
    return await representations.file(
        session=session, evaluation_id=evaluation_id, data=data, actor=actor, clock=clock
    )


@router.get(
    "/{evaluation_id}/representations",
    summary="查看陈述申辩 / Read a proposed C's representation",
    description="Every statement (text, filer, channel, time) and every evidence file, in "
    "the order filed, and whether the window is `open` today: what the reviewer decides on. "
    "Each filer is shown with its side (`employer` or `bureau`), account, name and role; an "
    "employer account reading what bureau staff filed for it sees only `side: bureau`. "
    "Employers: their own evaluations only (another employer's is a 404).",
    responses=problems(*GUARDED, DoesNotExist),
)
async def read_representation(
    evaluation_id: uuid.UUID, session: SessionDep, today: TodayDep, actor: Reader
) -> RepresentationPublic:
    """拟评C级告知的全部陈述申辩：每份陈述（内容、提交人、渠道、时间）和每份证据材料，按提交顺序列出。"""
    return await representations.read(
        session=session, evaluation_id=evaluation_id, actor=actor, today=today
    )


@router.post(
    "/{evaluation_id}/decision",
    summary="陈述申辩后作出评价决定 / Decide a proposed C after a representation",
    description="A reviewer who collected none of the records the C rests on (403 "
    "`decider-collected-evidence` otherwise) confirms it (`final` from today) or changes the "
    "grade to A or B with a `reason` (a new final evaluation supersedes the notice; 422 "
    "`decision-grade-required`, `decision-reason-required`), having read every statement and "
    "file at `/representations`. 409 `evaluation-not-a-notice` unless it is a notice, 409 "
    "`representation-not-filed` before its first statement. A decision closes the window: "
    "statements and files filed after it are refused (409 `notice-window-closed`).",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        EvaluationNotANotice,
        RepresentationNotFiled,
        DeciderCollectedEvidence,
        DecisionGradeRequired,
        DecisionReasonRequired,
    ),
)
async def decide(
    evaluation_id: uuid.UUID,
    data: DecisionCreate,
    session: SessionDep,
    clock: ClockDep,
    actor: Reviewer,
) -> EvaluationPublic:
    """由没有采集该C级所依据记录的复核员决定：维持C级（自当日生效），或说明理由改评等级。"""
    found = await evaluations.decide_notice(
        session=session, evaluation_id=evaluation_id, data=data, actor=actor, clock=clock
    )
    return await evaluation_reads.to_public_one(session=session, evaluation=found)


@employer_router.get(
    "/{employer_id}/credit-profile",
    summary="用人单位信用等级概况 / An employer's credit profile",
    description="The grade in force (the latest final evaluation) with its explanation, a "
    "pending notice, the record summary, the measures in force (those of the grade in force, "
    "and the joint punishment's while on the wage-arrears list) and the grade history. "
    "Employers: their own only.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def credit_profile(
    employer_id: uuid.UUID, session: SessionDep, today: TodayDep, actor: Reader
) -> CreditProfile:
    """现行信用等级及其说明、待决的拟评C级告知、信用记录汇总、适用的监管措施和历次评价等级。
    用人单位只能查看本单位的。"""
    return await credit_profiles.get(
        session=session, employer_id=employer_id, actor=actor, today=today
    )
