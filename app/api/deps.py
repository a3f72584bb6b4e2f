"""Annotated dependency aliases: the session, settings, the clock, the acting principal and
access checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import FileResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
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
from app.core.db import RequestTransaction
from app.core.errors import (
    InvalidRequest,
    MalformedRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.models.record_attachment import RecordAttachmentBase

TRANSACTION = "labor_credit.transaction"  # the request's RequestTransaction, in its ASGI scope


async def _session(request: Request) -> AsyncSession:
    """The request's one session (app.core.db.RequestTransaction): the route class (CheckedRoute,
    which every route is) ends its transaction once the endpoint has returned, before the
    response is sent, so a failed commit is an error response."""
    transaction: RequestTransaction = request.scope[TRANSACTION]
    return transaction.session()


SessionDep = Annotated[AsyncSession, Depends(_session)]


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


# The app's one clock (docs/architecture.md): routes take the legal date and the time from here.
ClockDep = Annotated[Clock, Depends(_clock)]


async def _today(request: Request) -> date:
    clock: Clock = request.app.state.clock  # as ClockDep gives it, not solved as a dependency
    return clock.today()


TodayDep = Annotated[date, Depends(_today)]


def client_address(request: Request) -> str | None:
    """The client's IP address as the server saw it: behind a reverse proxy, the one in
    X-Forwarded-For when uvicorn's FORWARDED_ALLOW_IPS names the proxy (docs/operations.md)."""
    return request.client.host if request.client else None


# The credentials a request may carry. `require` reads them from the headers itself rather than
# having FastAPI solve these schemes as dependencies of every route (each dependency solved costs
# a request about as much as reading a row); app.api.docs declares them in the OpenAPI document
# for every route behind `require`, as FastAPI would have.
BEARER = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/token")
API_KEY = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="machine clients (other agencies' systems, the city platform)",
)


def _credentials(request: Request) -> tuple[str | None, str | None]:
    """The Bearer token and the API key the request's headers carry, as BEARER and API_KEY
    read them: a token only with the scheme `Bearer` (any case), an empty one as none."""
    headers = request.headers
    authorization = headers.get("authorization")
    scheme, token = get_authorization_scheme_param(authorization)
    bearer = token if token and scheme.lower() == "bearer" else None
    return bearer, headers.get(API_KEY.model.name) or None


async def _authenticate(
    request: Request, session: AsyncSession, settings: Settings, clock: Clock
) -> Actor:
    request_id = getattr(request.state, "request_id", None)
    bearer, api_key = _credentials(request)
    if api_key:
        return await auth.actor_from_api_key(session=session, key=api_key, request_id=request_id)
    if bearer:
        return await auth.actor_from_token(
            session=session, token=bearer, settings=settings, clock=clock, request_id=request_id
        )
    return Actor(kind=PUBLIC.kind, request_id=request_id)


class require:
    """The one access check: `actor: Annotated[Actor, Depends(require(Permission.x))]`. It
    authenticates the request (its Bearer token or API key) and authorizes the actor found.

    A route taking a body runs it before the body is read (app.api.routing): a stranger's
    10 MB is refused unread."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Actor:
        actor: Actor | None = getattr(request.state, "actor", None)  # known before the body
        if actor is None:
            state = request.app.state  # settings and clock as SettingsDep and ClockDep give them
            session = request.scope[TRANSACTION].session()  # the request's, as SessionDep's
            actor = await _authenticate(request, session, state.settings, state.clock)
        access.authorize(actor, self.permission)
        return actor

    async def before_body(self, request: Request) -> None:
        """Authenticate and authorize from the headers alone, in a session of its own; the
        route's own call then takes the actor found here."""
        state = request.app.state
        async with state.session_factory() as session:
            actor = await _authenticate(request, session, state.settings, state.clock)
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
