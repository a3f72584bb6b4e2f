"""Employers (用人单位, Art 3): register, search, read, update."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api import answers
from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, NullNotAllowed, StaleEtag, problems
from app.core.pagination import CursorInvalid
from app.employers import service as employers
from app.employers.errors import (
    UsccExceptionReviewerOnly,
    UsccExceptionUnneeded,
    UsccInvalid,
    UsccRegistered,
)
from app.models.base import Page
from app.models.employer import (
    INDUSTRY_PATTERN,
    EmployerCreate,
    EmployerPublic,
    EmployerStatus,
    EmployerUpdate,
    SubjectType,
)
from app.models.rule_set import Grade

router = api_router(prefix="/employers", tags=["employers"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.employers_read))]
Writer = Annotated[Actor, Depends(require(Permission.employers_write))]


@router.post(
    "",
    status_code=201,
    summary="登记用人单位 / Register an employer",
    description="Art 3 subjects, keyed by the unified social credit code (GB 32100-2015). The "
    "code is normalised, then checked: a bad code is a 422 with one error per rule it broke, "
    "each of type `uscc.<rule>` naming the position: `length`, `character` (the alphabet), "
    "`category` (positions 1–2: a registration authority and one of its categories), "
    "`division` (3–8: six digits), `organisation_check` (17: the GB 11714 check character) and "
    "`check` (18); the problem's `rule`, `position` and `expected` are the first one's. A "
    "reviewer may register a real code that breaks only the last four with "
    "`checksum_exception` and a `checksum_exception_reason`; the audit trail keeps the reason "
    "and the rules waived (a code that breaks none is a 422 `uscc.exception_unneeded`). A code "
    "already registered is a 409 carrying `existing_id`.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        UsccInvalid,
        UsccExceptionReviewerOnly,
        UsccExceptionUnneeded,
        UsccRegistered,
    ),
)
async def create_employer(
    data: EmployerCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    actor: Writer,
) -> EmployerPublic:
    """第三条所列用人单位，以统一社会信用代码（GB 32100-2015）为标识；代码逐条规则校验，不符的
    为 422 并指明位置。代码已登记的为 409。"""
    employer = await employers.create(session=session, data=data, actor=actor, settings=settings)
    response.headers["ETag"] = employers.etag(employer)
    response.headers["Location"] = f"/api/v1/employers/{employer.id}"
    return employers.to_public(employer, actor=actor, settings=settings)


@router.get(
    "",
    summary="查询用人单位 / Search employers",
    response_model=Page[EmployerPublic],
    description="`uscc` matches exactly (after normalisation); `q` matches a name fragment or a "
    "USCC prefix. `grade` (A/B/C) is the grade in force, as the credit profile shows it: the "
    "latest final grade (a pending C notice is not in force; the final grade it would replace "
    "stays in force until it is decided); an employer with no grade in force matches no "
    "`grade`. `industry_code` is a GB/T 4754 code at any level and matches it and every code "
    "below it (`E` all of construction, `E47` division 47, `E4720` that class). Ordered by "
    "name; pass `next_cursor` back as `cursor`. An employer account sees only itself.",
    responses=problems(*GUARDED, EmployerAccountUnbound, CursorInvalid),
)
async def list_employers(
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
    uscc: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    town: Annotated[str | None, Query(max_length=50)] = None,
    subject_type: SubjectType | None = None,
    status: EmployerStatus | None = None,
    grade: Annotated[Grade | None, Query(description="the grade in force")] = None,
    industry_code: Annotated[
        str | None,
        Query(
            pattern=INDUSTRY_PATTERN,
            description="GB/T 4754 code or a level of it: section letter, then 2, 3 or 4 digits",
            examples=["E47"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Response:
    """按统一社会信用代码精确查找，或按名称片段、代码前缀查找；按名称排序。用人单位账号只能看到
    本单位。"""
    rows, next_cursor = await employers.list_(
        session=session,
        actor=actor,
        uscc_exact=uscc,
        q=q,
        town=town,
        subject_type=subject_type,
        status=status,
        grade=grade,
        industry_code=industry_code,
        limit=limit,
        cursor=cursor,
    )
    items = [employers.to_public_data(e, actor=actor, settings=settings) for e in rows]
    return answers.page(items, next_cursor)


@router.get(
    "/{employer_id}",
    summary="查看用人单位 / Read an employer",
    description="Personal data is masked except for admins. The `ETag` header is what "
    "PATCH needs in `If-Match`. An employer account reads only its own employer; any other is "
    "a 404, as for one that does not exist.",
    response_model=EmployerPublic,
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_employer(
    employer_id: uuid.UUID, session: SessionDep, settings: SettingsDep, actor: Reader
) -> Response:
    """个人信息（身份证件号码、电话）除管理员外脱敏显示。用人单位账号只能查看本单位。"""
    employer = await employers.get(session=session, employer_id=employer_id, actor=actor)
    shown = employers.to_public_data(employer, actor=actor, settings=settings)
    return answers.one(shown, {"ETag": employers.etag(employer)})


@router.patch(
    "/{employer_id}",
    summary="修改用人单位信息 / Update an employer",
    description="Send only the fields to change, with `If-Match: <ETag>` (428 without it, 412 "
    "when someone changed the employer since you read it). Deregister with "
    "`status: deregistered`; employers are never deleted (Art 8). Every change is audited.",
    responses=problems(
        *GUARDED, *WITH_BODY, DoesNotExist, IfMatchRequired, StaleEtag, NullNotAllowed
    ),
)
async def update_employer(
    employer_id: uuid.UUID,
    data: EmployerUpdate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Writer,
    if_match: IfMatch = None,
) -> EmployerPublic:
    """只发送要修改的字段，须带 `If-Match`。注销用 `status: deregistered`；用人单位永不删除（第
    八条），每次修改都记入审计日志。"""
    employer = await employers.update(
        session=session,
        employer_id=employer_id,
        data=data,
        if_match=if_match,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    response.headers["ETag"] = employers.etag(employer)
    return employers.to_public(employer, actor=actor, settings=settings)
