"""Interviews (约谈, Art 13(2)) of a unit's principal and directly responsible persons."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.interview import InterviewCreate, InterviewPublic
from app.records.errors import RecordInvalid
from app.supervision import interviews
from app.supervision.interviews import InterviewInvalid

router = api_router(prefix="/interviews", tags=["interviews"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.interviews_read))]
Writer = Annotated[Actor, Depends(require(Permission.interviews_write))]


@router.post(
    "",
    status_code=201,
    summary="录入约谈 / Enter an interview",
    description="Art 13(2): a C unit's principal and directly responsible persons are "
    "interviewed, and the interview is entered in the unit's credit record: a `basic` record of "
    "kind `interview` titled `约谈: <subject>` is created with it (`credit_record_id`) as a "
    "draft collected by you, for a second person to verify. 422 for an unknown employer, a "
    "future `interviewed_on`, or empty or overlong `persons` and `officers`.",
    responses=problems(*GUARDED, *WITH_BODY, InterviewInvalid, RecordInvalid),
)
async def create_interview(
    data: InterviewCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Writer,
) -> InterviewPublic:
    """第十三条第（二）项：对C级用人单位的主要负责人、直接责任人进行约谈，约谈情况记入用人单位
    信用记录：同时生成一条待核实的基础信息记录。"""
    interview = await interviews.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/interviews/{interview.id}"
    return InterviewPublic.model_validate(interview)


@router.get(
    "",
    summary="查询约谈 / Search interviews",
    response_model=Page[InterviewPublic],
    description="Newest first; `interviewed_from`/`interviewed_to` are inclusive. An employer "
    "account sees only its own interviews; another employer's `employer_id` is a 404, as for "
    "one that does not exist.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_interviews(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    interviewed_from: date | None = None,
    interviewed_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[InterviewPublic]:
    """按时间倒序。用人单位账号只能看到本单位的约谈。"""
    rows, next_cursor = await interviews.list_(
        session=session,
        actor=actor,
        employer_id=employer_id,
        interviewed_from=interviewed_from,
        interviewed_to=interviewed_to,
        limit=limit,
        cursor=cursor,
    )
    items = [InterviewPublic.model_validate(i) for i in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{interview_id}",
    summary="查看约谈记录 / Read an interview",
    description="One 约谈 record (Art 13(2)) with the persons interviewed, the officers, the "
    "summary and the commitments made. An employer account reads only its own.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_interview(
    interview_id: uuid.UUID, session: SessionDep, actor: Reader
) -> InterviewPublic:
    """被约谈人、约谈人员、约谈情况和所作承诺。用人单位只能查看本单位的。"""
    interview = await interviews.get(session=session, interview_id=interview_id, actor=actor)
    return InterviewPublic.model_validate(interview)
