"""Sign-in for staff and employer accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from app.accounts import auth
from app.accounts.errors import InvalidCredentials, SignInsThrottled
from app.api.deps import (
    GUARDED,
    WITH_BODY,
    ClockDep,
    SessionDep,
    SettingsDep,
    client_address,
    require,
)
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
    description="Exchange a username and password for a bearer JWT. Failures are counted by "
    "client address, never against the account: after `LABOR_CREDIT_LOGIN_MAX_FAILURES` wrong "
    "passwords for one name, or `LABOR_CREDIT_LOGIN_ADDRESS_MAX_FAILURES` for any names, from "
    "one address within `LABOR_CREDIT_LOGIN_LOCK_MINUTES`, that address waits out the window "
    "(429, Retry-After). An unknown name is answered and counted exactly like a known one. "
    "Every failure is logged; a failure for an existing account is audited.",
    responses=problems(InvalidRequest, *WITH_BODY, InvalidCredentials, SignInsThrottled),
)
async def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Token:
    """工作人员和用人单位账号以用户名和密码换取 Bearer 令牌（JWT）。失败按客户端地址计数，
    不记在账号上：同一地址对同一用户名、或对任何用户名在设定时间内输错达到上限，这个地址须等
    到时段结束（429，Retry-After）；用户名不存在与存在时的回答和计数完全相同。每次失败都记入
    日志，已有账号的失败记入审计日志。"""
    token = await auth.login(
        session=session,
        username=form.username,
        password=form.password,
        address=client_address(request) or "unknown",
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
