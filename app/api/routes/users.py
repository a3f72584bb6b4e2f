"""Accounts: staff (admin, inspector, reviewer, auditor) and employer accounts. Admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.accounts import users
from app.accounts.errors import (
    AccountEmployerUnknown,
    EmployerAccountBinding,
    UsernameTaken,
)
from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, NullNotAllowed, StaleEtag, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.user import Role, UserCreate, UserPublic, UserUpdate

router = api_router(prefix="/users", tags=["users"], responses=problems(*GUARDED))
Admin = Annotated[Actor, Depends(require(Permission.users_manage))]


@router.get(
    "",
    summary="账号列表 / List accounts",
    response_model=Page[UserPublic],
    description="Ordered by username, optionally of one `role`; pass `next_cursor` back as "
    "`cursor`. Password hashes are never shown.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_users(
    session: SessionDep,
    actor: Admin,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[UserPublic]:
    """仅管理员。按用户名排序，可按角色筛选；从不显示密码哈希。"""
    rows, next_cursor = await users.list_(session=session, role=role, limit=limit, cursor=cursor)
    return Page(items=[UserPublic.model_validate(u) for u in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="创建账号 / Create an account",
    description="An employer account must name its employer (`employer_id`); staff must not.",
    responses=problems(*GUARDED, *WITH_BODY, UsernameTaken, AccountEmployerUnknown),
)
async def create_user(
    data: UserCreate, response: Response, session: SessionDep, actor: Admin
) -> UserPublic:
    """仅管理员。用人单位账号须指定所属用人单位，工作人员账号不得指定。"""
    user = await users.create(session=session, data=data, actor=actor)
    response.headers["ETag"] = users.etag(user)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserPublic.model_validate(user)


@router.get(
    "/{user_id}",
    summary="查看账号 / Read an account",
    description="One staff or employer account, with its role and whether it is active. The "
    "`ETag` header is what PATCH needs in `If-Match`.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_user(
    user_id: uuid.UUID, response: Response, session: SessionDep, actor: Admin
) -> UserPublic:
    """仅管理员。一个工作人员或用人单位账号，及其角色和是否启用。"""
    user = await users.get(session=session, user_id=user_id)
    response.headers["ETag"] = users.etag(user)
    return UserPublic.model_validate(user)


@router.patch(
    "/{user_id}",
    summary="修改账号 / Change an account",
    description="Rename, change role, disable (`is_active: false`) or reset the password, with "
    "`If-Match: <ETag>` of `GET /users/{id}` (428 `if-match-required` without it, 412 "
    "`stale-etag` when stale). The answer's `ETag` is the account's new one. A new password, or "
    "disabling, ends every token issued to the account before it (401 `token-revoked`), the "
    "admin's own when they change their own password.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        NullNotAllowed,
        EmployerAccountBinding,
        AccountEmployerUnknown,
        IfMatchRequired,
        StaleEtag,
    ),
)
async def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Admin,
    if_match: IfMatch = None,
) -> UserPublic:
    """仅管理员。改名、改角色、停用（`is_active: false`）或重置密码；重置密码或停用后，
    此前签发给该账号的令牌全部失效。"""
    user = await users.update(
        session=session, user_id=user_id, data=data, if_match=if_match, actor=actor, clock=clock
    )
    response.headers["ETag"] = users.etag(user)
    return UserPublic.model_validate(user)
