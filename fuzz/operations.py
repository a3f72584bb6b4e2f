"""Which operations each caller may use, read from the app's own access checks: every route
guarded by `require(permission)` is open to the roles (access.ROLES) and client scopes
(access.SCOPES) of that permission; a route without one is open to anyone.

A caller is fuzzed on the operations it may use, so its cases reach the logic behind the access
check instead of stopping at a 403 (which `tests/` covers for every permission)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.routing import guards
from app.core import access
from app.core.access import Permission
from app.models.client import Scope
from app.models.user import Role

HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH"})


def _permission(dependant: Dependant) -> Permission | None:
    """The permission of the route's `require(...)` check, if it has one."""
    found = guards(dependant)
    return found[0].permission if found else None


def _operations(app: FastAPI) -> Iterator[tuple[str, Permission | None]]:
    """(`METHOD /path`, its permission or None) for every documented operation."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            permission = _permission(route.dependant)
            for method in sorted((context.methods or set()) & HTTP_METHODS):
                yield f"{method} {context.path}", permission


def public(app: FastAPI) -> list[str]:
    return [name for name, permission in _operations(app) if permission is None]


def for_role(app: FastAPI, role: Role) -> list[str]:
    return [
        name
        for name, permission in _operations(app)
        if permission is not None and role in access.ROLES[permission]
    ]


def for_scope(app: FastAPI, scope: Scope) -> list[str]:
    return [
        name
        for name, permission in _operations(app)
        if permission is not None and scope in access.SCOPES.get(permission, frozenset())
    ]
