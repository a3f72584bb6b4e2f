"""Annotated dependency aliases: the session, settings, the clock, the acting principal and
access checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import FileResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import auth
from app.accounts.errors import (
    AccountInactive,
    ApiKeyInvalid,
    ClientRevoked,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
)
from app.core import access
from app.core.access import ClientScopeMissing, ForbiddenRole, Permission, SignInRequired
from app.core.actors import PUBLIC, Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import request_session
from app.core.errors import (
    InvalidRequest,
    MalformedRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.models.record_attachment import RecordAttachmentBase

# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


# The app's one clock (docs/architecture.md): routes take the legal date and the time from here.
ClockDep = Annotated[Clock, Depends(_clock)]


async def _today(clock: ClockDep) -> date:
    return clock.today()


TodayDep = Annotated[date, Depends(_today)]


def client_address(request: Request) -> str | None:
    """The client's IP address as the server saw it: behind a reverse proxy, the one in
    X-Forwarded-For when uvicorn's FORWARDED_ALLOW_IPS names the proxy (docs/operations.md)."""
    return request.client.host if request.client else None


_bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/token")
_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="machine clients (other agencies' systems, the city platform)",
)


async def current_actor(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Actor:
    known: Actor | None = getattr(request.state, "actor", None)  # authenticated before the body
    if known is not None:
        return known
    state = request.app.state  # settings and clock as SettingsDep and ClockDep give them
    return await _authenticate(request, session, state.settings, state.clock, bearer, api_key)


async def _authenticate(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bearer: HTTPAuthorizationCredentials | None,
    api_key: str | None,
) -> Actor:
    request_id = getattr(request.state, "request_id", None)
    if api_key:
        return await auth.actor_from_api_key(session=session, key=api_key, request_id=request_id)
    if bearer:
        return await auth.actor_from_token(
            session=session,
            token=bearer.credentials,
            settings=settings,
            clock=clock,
            request_id=request_id,
        )
    return Actor(kind=PUBLIC.kind, request_id=request_id)


ActorDep = Annotated[Actor, Depends(current_actor)]


class require:
    """The one access check: `actor: Annotated[Actor, Depends(require(Permission.x))]`.

    A route taking a body runs it before the body is read (app.api.routing): a stranger's
    10 MB is refused unread."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, actor: ActorDep) -> Actor:
        access.authorize(actor, self.permission)
        return actor

    async def before_body(self, request: Request) -> None:
        """Authenticate and authorize from the headers alone, in a session of its own; the
        route's own `current_actor` then takes the actor found here."""
        app = request.app
        bearer, api_key = await _bearer(request), await _api_key(request)
        async with app.state.session_factory() as session:
            actor = await _authenticate(
                request, session, app.state.settings, app.state.clock, bearer, api_key
            )
        access.authorize(actor, self.permission)
        request.state.actor = actor


# The problem types a route can answer whatever it does (for each route's `problems(...)`):
# behind `require`, a credential missing or refused, the role or the client's scope not allowed,
# or a request it cannot read (an unknown query parameter, a bad path id)...
GUARDED = (
    InvalidRequest,
    SignInRequired,
    TokenInvalid,
    TokenExpired,
    TokenRevoked,
    AccountInactive,
    ApiKeyInvalid,
    ClientRevoked,
    ForbiddenRole,
    ClientScopeMissing,
)
# ...and with a body, one that cannot be parsed (not UTF-8, a broken multipart form), of the
# wrong media type or too large.
WITH_BODY = (MalformedRequest, UnsupportedMediaType, PayloadTooLarge)

# An evidence file comes back in the content type it was uploaded with, one of
# LABOR_CREDIT_ATTACHMENT_CONTENT_TYPES (a setting, so the document names no list).
EVIDENCE_FILE = {
    "description": "the file as uploaded, in its own content type",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


def evidence_file(attachment: RecordAttachmentBase, path: Path) -> FileResponse:
    """An evidence file as uploaded: its name and content type; `ETag` is its sha256."""
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.file_name,
        headers={"ETag": f'"{attachment.sha256}"'},
    )


IfMatch = Annotated[str | None, Header(description="the ETag from the last GET; 412 if stale")]
