"""Every actor against every route: the permission table decides; the public sees almost nothing.

The matrix is built from the app's own routes and the permission each one requires, so a new
route is covered the moment it exists.
"""

from __future__ import annotations

import inspect
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from app.core.access import ROLES, SCOPES, Permission
from app.core.config import Settings
from app.main import create_app
from app.models.client import DEFAULT_SCOPES, ClientSource
from app.models.user import Role

PUBLIC_PATHS = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/openapi.json"),
    ("GET", "/static/favicon.svg"),
    ("POST", "/api/v1/auth/token"),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    permission: Permission | None
    route: APIRoute

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _permission(dependant: Dependant) -> Permission | None:
    """The Permission given to deps.require(...) somewhere in the route's dependencies."""
    for dependency in dependant.dependencies:
        if dependency.call is not None and inspect.isfunction(dependency.call):
            found = inspect.getclosurevars(dependency.call).nonlocals.get("permission")
            if isinstance(found, Permission):
                return found
        if (found := _permission(dependency)) is not None:
            return found
    return None


def _endpoints() -> list[Endpoint]:
    app = create_app(Settings(environment="test", database_url="postgresql://unused/unused"))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith("/api/v1/"):
            for method in sorted(context.methods or ()):
                found.append(Endpoint(method, context.path, _permission(route.dependant), route))
    return found


ENDPOINTS = _endpoints()
ACTORS = [*(r.value for r in Role), "client:social_insurance", "client:city_platform", "public"]


def test_every_api_route_but_sign_in_requires_a_permission():
    public = {str(e) for e in ENDPOINTS if e.permission is None}
    assert public == {"POST /api/v1/auth/token"}


def _allowed(actor: str, permission: Permission | None) -> bool:
    if permission is None:
        return True
    if actor == "public":
        return False
    if actor.startswith("client:"):
        scopes = set(DEFAULT_SCOPES[ClientSource(actor.removeprefix("client:"))])
        return bool(SCOPES.get(permission, frozenset()) & scopes)
    return Role(actor) in ROLES[permission]


def _url(endpoint: Endpoint, employer_id: uuid.UUID) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "employer_id":
            return str(employer_id)
        param = next(p for p in endpoint.route.dependant.path_params if p.name == name)
        return "2026" if param.field_info.annotation is int else str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", fill, endpoint.path)


def _body(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.route.body_field is None:
        return {}
    form = isinstance(endpoint.route.body_field.field_info, params.Form)
    return {"data": {"_": ""}} if form else {"json": {}}


@pytest.fixture
def actor_headers(headers_for, make_api_client):
    async def headers(actor: str, employer_id: uuid.UUID) -> dict[str, str]:
        if actor == "public":
            return {}
        if actor.startswith("client:"):
            _, key = await make_api_client(ClientSource(actor.removeprefix("client:")))
            return {"X-API-Key": key}
        role = Role(actor)
        return await headers_for(role, employer_id=employer_id if role == Role.employer else None)

    return headers


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access_matrix(client, make_employer, actor_headers, endpoint, actor):
    employer = await make_employer()  # an employer account is bound to this one
    headers = await actor_headers(actor, employer.id)
    response = await client.request(
        endpoint.method, _url(endpoint, employer.id), headers=headers, **_body(endpoint)
    )
    if _allowed(actor, endpoint.permission):
        # past the access check; a 403 may still come from the resource (not the employer's own)
        assert response.status_code != 401, response.text
        refused = response.status_code == 403 and str(endpoint.permission) in response.text
        assert not refused, response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == (401 if actor == "public" else 403), response.text
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_public_reaches_only_health_docs_and_sign_in(app, client):
    """Every route of the app, asked without credentials: 401 unless it is on the public list."""
    answers = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            answers[("GET", "/static/favicon.svg")] = await client.get("/static/favicon.svg")
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            path = re.sub(r"\{\w+\}", str(uuid.uuid4()), context.path)
            if "{year}" in context.path:
                path = context.path.replace("{year}", "2026")
            answers[(method, context.path)] = await client.request(method, path)
    assert answers.keys() >= PUBLIC_PATHS
    for key, response in answers.items():
        if key in PUBLIC_PATHS:
            assert response.status_code not in (401, 403), key
        else:
            assert response.status_code == 401, key


async def test_an_api_client_can_ask_who_it_is(client, make_api_client):
    client_id, key = await make_api_client(ClientSource.arbitration)
    response = await client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json() | {"id": str(client_id)} == {
        "kind": "client",
        "id": str(client_id),
        "name": "arbitration system",
        "role": None,
        "employer_id": None,
    }
