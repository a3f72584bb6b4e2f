"""Who may do what: one table of permissions, checked by one dependency for every route."""

from __future__ import annotations

from enum import StrEnum

from app.errors import Forbidden, Unauthorized
from app.models.client import Scope
from app.models.user import Role
from app.services.actors import Actor

STAFF = frozenset({Role.admin, Role.inspector, Role.reviewer, Role.auditor})


class Permission(StrEnum):
    account_read = "account:read"
    users_manage = "users:manage"
    clients_manage = "clients:manage"
    audit_read = "audit:read"
    employers_read = "employers:read"
    employers_write = "employers:write"


ROLES: dict[Permission, frozenset[Role]] = {
    Permission.account_read: STAFF | {Role.employer},
    Permission.users_manage: frozenset({Role.admin}),
    Permission.clients_manage: frozenset({Role.admin}),
    Permission.audit_read: frozenset({Role.admin, Role.auditor}),
    # employers read only their own (enforced where the employer is loaded)
    Permission.employers_read: STAFF | {Role.employer},
    Permission.employers_write: frozenset({Role.admin, Role.inspector, Role.reviewer}),
}

# What a machine client's scopes allow (its source further limits the data it touches).
SCOPES: dict[Permission, frozenset[Scope]] = {}


def authorize(actor: Actor, permission: Permission) -> None:
    if actor.kind == "public":
        raise Unauthorized("sign in (Bearer token) or send an API key (X-API-Key)")
    if actor.kind == "client":
        allowed = SCOPES.get(permission, frozenset())
        if not allowed & actor.scopes:
            raise Forbidden(f"API client lacks a scope for {permission.value}")
        return
    if actor.role not in ROLES[permission]:
        raise Forbidden(f"role {actor.role} may not {permission.value}")
