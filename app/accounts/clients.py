"""Machine clients: create (the key is shown once), list, revoke."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.accounts import auth
from app.accounts.errors import ClientAlreadyRevoked, ScopeNotForSource
from app.audit import service as audit
from app.core import pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.models.client import DEFAULT_SCOPES, ApiClient, ApiClientCreate


async def create(
    *, session: AsyncSession, data: ApiClientCreate, actor: Actor
) -> tuple[ApiClient, str]:
    usable = DEFAULT_SCOPES[data.source]
    extra = sorted(set(data.scopes or usable) - set(usable))
    if extra:  # the city platform sends no credit records; agencies send no receipts
        refused = ", ".join(extra)
        raise ScopeNotForSource(
            ["body", "scopes"],
            Text(
                f"来源为 {data.source} 的客户端不能有权限范围 {refused}",
                f"a {data.source} client cannot have scope {refused}",
            ),
            kind="scope.source",
        )
    key, prefix, digest = auth.new_api_key()
    scopes = [str(s) for s in (data.scopes or usable)]
    client = ApiClient(
        name=data.name,
        source=data.source,
        trusted=data.trusted,
        scopes=scopes,
        key_prefix=prefix,
        key_hash=digest,
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(client)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="client.create",
        resource_type="api_client",
        resource_id=client.id,
        changes=audit.created(
            {
                "name": client.name,
                "source": client.source,
                "scopes": scopes,
                "trusted": data.trusted,
                "key_prefix": prefix,
            }
        ),
    )
    return client, key


async def list_(
    *, session: AsyncSession, limit: int, cursor: str | None
) -> tuple[list[ApiClient], str | None]:
    """Oldest first, a keyset page of `limit`."""
    query = select(ApiClient)
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        query = query.where(func.row(ApiClient.created_at, ApiClient.id) > func.row(at, after_id))
    order = (col(ApiClient.created_at), col(ApiClient.id))
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda c: [c.created_at.isoformat(), str(c.id)])


async def revoke(
    *, session: AsyncSession, client_id: uuid.UUID, actor: Actor, clock: Clock
) -> ApiClient:
    client = await session.get(ApiClient, client_id, with_for_update=True)
    if client is None:
        raise DoesNotExist(
            Text(f"API 客户端 {client_id} 不存在", f"API client {client_id} does not exist")
        )
    if client.revoked_at is not None:
        raise ClientAlreadyRevoked(
            Text(
                f"API 客户端 {client_id} 已于 {client.revoked_at} 被吊销",
                f"API client {client_id} was already revoked at {client.revoked_at}",
            )
        )
    client.revoked_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="client.revoke",
        resource_type="api_client",
        resource_id=client.id,
        changes={"revoked_at": {"old": None, "new": client.revoked_at.isoformat()}},
    )
    return client
