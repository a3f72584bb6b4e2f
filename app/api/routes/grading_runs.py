"""Batch grading runs: start one for an ended cycle and watch its progress."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.grading import runs as grading_runs
from app.grading.errors import (
    CycleBeforeRuleSets,
    CycleBeingGraded,
    CycleNotEnded,
    NoRuleSetInForce,
    RunEmployersUnknown,
)
from app.models.base import Page
from app.models.grading_run import GradingRunCreate, GradingRunPublic

router = api_router(prefix="/grading-runs", tags=["grading"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.grading_runs_read))]
Starter = Annotated[Actor, Depends(require(Permission.grading_runs_write))]


@router.post(
    "",
    status_code=202,
    summary="启动批量评价 / Start a grading run",
    description="Grades every employer (or `employer_ids`) for an ended `cycle` (a calendar "
    "year before the current one in Asia/Shanghai; 422 otherwise) on the rules in force, in "
    "the background, in slices of employers that several workers grade at once. A cycle that "
    "ended before the first rule set took effect (its 31 December before that version's "
    "`effective_from`) is a 422 naming the first gradable cycle (`first_gradable_cycle`); "
    "`employer_ids` naming employers that do not exist is a 422 listing them "
    "(`unknown_employer_ids`, the first 20, and `unknown_count`). Employers whose outcome did "
    "not change are left untouched; a new C is a notice. 409 while another run of the cycle "
    "is unfinished.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        CycleNotEnded,
        CycleBeforeRuleSets,
        RunEmployersUnknown,
        CycleBeingGraded,
        NoRuleSetInForce,
    ),
)
async def start_run(
    data: GradingRunCreate,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Starter,
) -> GradingRunPublic:
    """按现行评价规则，在后台对已结束的评价周期（上一自然年或更早）评价全部或指定的用人单位；结
    果未变的不改动，新评为C级的先发拟评C级告知。同一周期有未完成的批量评价时为 409。"""
    run = await grading_runs.start(
        session=session, cycle=data.cycle, employer_ids=data.employer_ids, actor=actor,
        clock=clock,
    )  # fmt: skip
    background.add_task(
        grading_runs.run,
        factory=request.app.state.session_factory,
        run_id=run.id,
        settings=settings,
        clock=clock,
    )
    response.headers["Location"] = f"/api/v1/grading-runs/{run.id}"
    return GradingRunPublic.model_validate(run)


@router.get(
    "",
    summary="批量评价列表 / List grading runs",
    response_model=Page[GradingRunPublic],
    description="Newest first.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_runs(
    session: SessionDep,
    actor: Reader,
    cycle: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[GradingRunPublic]:
    """按时间倒序。"""
    rows, next_cursor = await grading_runs.list_(
        session=session, cycle=cycle, limit=limit, cursor=cursor
    )
    return Page(items=[GradingRunPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{run_id}",
    summary="查看批量评价进度 / Watch a grading run",
    description="`done` of `total` employers, `counts` by grade, `changed` evaluations.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_run(run_id: uuid.UUID, session: SessionDep, actor: Reader) -> GradingRunPublic:
    """已评价数与总数、各等级数量和有变化的评价数。"""
    return GradingRunPublic.model_validate(await grading_runs.get(session=session, run_id=run_id))
