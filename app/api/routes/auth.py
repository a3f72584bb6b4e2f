"""Sign-in for staff and employer accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from app.accounts import auth
from app.accounts.errors import InvalidCredentials, LoginLocked
from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import InvalidRequest, problems

router = api_router(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class Me(BaseModel):
    kind: str
    id: str | None
    name: str | None
    role: str | None
    employer_id: str | None


@router.post(
    "/token",
    summary="登录获取令牌 / Sign in (OAuth2 password flow)",
    description="Exchange a username and password for a bearer JWT. After "
    "`LABOR_CREDIT_LOGIN_MAX_FAILURES` wrong passwords the account is locked for "
    "`LABOR_CREDIT_LOGIN_LOCK_MINUTES` (429, Retry-After); every failure is logged and audited.",
    responses=problems(InvalidRequest, *WITH_BODY, InvalidCredentials, LoginLocked),
)
async def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Token:
    """工作人员和用人单位账号以用户名和密码换取 Bearer 令牌（JWT）。连续输错密码达到设定次数，
    账号暂时锁定（429）；每次失败都记入日志和审计日志。"""
    token = await auth.login(
        session=session,
        username=form.username,
        password=form.password,
        settings=settings,
        clock=clock,
        request_id=request.state.request_id,
    )
    return Token(access_token=token, expires_in=settings.token_minutes * 60)


@router.get(
    "/me",
    summary="当前身份 / Who am I",
    description="The signed-in account or API client.",
    responses=problems(*GUARDED),
)
async def me(actor: Annotated[Actor, Depends(require(Permission.account_read))]) -> Me:
    """当前登录的账号，或以 API 密钥调用的机器客户端。"""
    return Me(
        kind=actor.kind,
        id=str(actor.id) if actor.id else None,
        name=actor.name,
        role=actor.role,
        employer_id=str(actor.employer_id) if actor.employer_id else None,
    )
