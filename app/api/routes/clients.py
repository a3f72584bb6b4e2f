"""Machine clients of other agencies and the city platform, with API keys shown once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from app.accounts import clients
from app.api.deps import ClockDep, SessionDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import responses
from app.models.base import Page
from app.models.client import ApiClientCreate, ApiClientPublic, ApiClientWithKey

router = api_router(prefix="/clients", tags=["clients"], responses=responses(401, 403))
Admin = Annotated[Actor, Depends(require(Permission.clients_manage))]


@router.post(
    "",
    status_code=201,
    summary="Create a machine client",
    description="Returns the API key **once**; only its SHA-256 is stored. The source "
    "(social insurance, arbitration, labour relations, city platform) decides what "
    "the client may send (Art 5, Art 7).",
    responses=responses(422),
)
async def create_client(
    data: ApiClientCreate, session: SessionDep, actor: Admin
) -> ApiClientWithKey:
    client, key = await clients.create(session=session, data=data, actor=actor)
    return ApiClientWithKey.model_validate(client, update={"api_key": key})


@router.get(
    "",
    summary="List machine clients",
    response_model=Page[ApiClientPublic],
    description="Every client ever created, revoked ones included, oldest first; keys are "
    "never shown again, only their prefix. Pass `next_cursor` back as `cursor`.",
)
async def list_clients(
    session: SessionDep,
    actor: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ApiClientPublic]:
    rows, next_cursor = await clients.list_(session=session, limit=limit, cursor=cursor)
    return Page(items=[ApiClientPublic.model_validate(c) for c in rows], next_cursor=next_cursor)


@router.post(
    "/{client_id}/revocation",
    summary="Revoke a client's key",
    description="The key stops working at once; the client stays on record.",
    responses=responses(404, 409, 422),
)
async def revoke_client(
    client_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Admin
) -> ApiClientPublic:
    client = await clients.revoke(session=session, client_id=client_id, actor=actor, clock=clock)
    return ApiClientPublic.model_validate(client)
