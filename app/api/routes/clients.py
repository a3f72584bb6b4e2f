"""Machine clients of other agencies and the city platform, with API keys shown once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from app.accounts import clients
from app.accounts.errors import ClientAlreadyRevoked, ScopeNotForSource
from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.client import ApiClientCreate, ApiClientPublic, ApiClientWithKey

router = api_router(prefix="/clients", tags=["clients"], responses=problems(*GUARDED))
Admin = Annotated[Actor, Depends(require(Permission.clients_manage))]


@router.post(
    "",
    status_code=201,
    summary="创建机器客户端 / Create a machine client",
    description="Returns the API key **once**; only its SHA-256 is stored. The source "
    "(social insurance, arbitration, labour relations, city platform) decides what "
    "the client may send (Art 5, Art 7).",
    responses=problems(*GUARDED, *WITH_BODY, ScopeNotForSource),
)
async def create_client(
    data: ApiClientCreate, session: SessionDep, actor: Admin
) -> ApiClientWithKey:
    """仅管理员。为其他机构的系统或市信用信息共享平台创建客户端；API 密钥只显示这一次，只保存
    其 SHA-256。来源决定客户端可报送的数据（第五条、第七条）。"""
    client, key = await clients.create(session=session, data=data, actor=actor)
    return ApiClientWithKey.model_validate(client, update={"api_key": key})


@router.get(
    "",
    summary="机器客户端列表 / List machine clients",
    response_model=Page[ApiClientPublic],
    description="Every client ever created, revoked ones included, oldest first; keys are "
    "never shown again, only their prefix. Pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_clients(
    session: SessionDep,
    actor: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ApiClientPublic]:
    """仅管理员。所有客户端（含已吊销的），按创建先后；密钥不再显示，只显示前缀。"""
    rows, next_cursor = await clients.list_(session=session, limit=limit, cursor=cursor)
    return Page(items=[ApiClientPublic.model_validate(c) for c in rows], next_cursor=next_cursor)


@router.post(
    "/{client_id}/revocation",
    summary="吊销客户端密钥 / Revoke a client's key",
    description="The key stops working at once; the client stays on record.",
    responses=problems(*GUARDED, DoesNotExist, ClientAlreadyRevoked),
)
async def revoke_client(
    client_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Admin
) -> ApiClientPublic:
    """仅管理员。密钥立即失效，客户端记录保留。"""
    client = await clients.revoke(session=session, client_id=client_id, actor=actor, clock=clock)
    return ApiClientPublic.model_validate(client)
