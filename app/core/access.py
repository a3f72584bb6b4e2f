"""Who may do what: one table of permissions, checked by one dependency for every route; and
whose file they may see: an employer account sees only its own employer's, and another
employer's is as absent to it as one that does not exist (404, never 403)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Protocol, TypeVar

from app.core.actors import Actor
from app.core.errors import Forbidden, NotFound, Unauthorized
from app.models.client import Scope
from app.models.employer import Employer
from app.models.user import Role

STAFF = frozenset({Role.admin, Role.inspector, Role.reviewer, Role.auditor})


class Permission(StrEnum):
    account_read = "account:read"
    users_manage = "users:manage"
    clients_manage = "clients:manage"
    audit_read = "audit:read"
    employers_read = "employers:read"
    employers_write = "employers:write"
    calendar_read = "calendar:read"
    calendar_write = "calendar:write"
    credit_records_read = "credit_records:read"
    credit_records_write = "credit_records:write"
    credit_records_review = "credit_records:review"
    stats_read = "stats:read"
    intake_write = "intake:write"
    imports_write = "imports:write"
    imports_read = "imports:read"
    blacklist_read = "blacklist:read"
    blacklist_write = "blacklist:write"
    interviews_read = "interviews:read"
    interviews_write = "interviews:write"
    rule_sets_read = "rule_sets:read"
    rule_sets_write = "rule_sets:write"
    evaluations_read = "evaluations:read"
    evaluations_represent = "evaluations:represent"
    evaluations_decide = "evaluations:decide"
    grading_runs_read = "grading_runs:read"
    grading_runs_write = "grading_runs:write"


ROLES: dict[Permission, frozenset[Role]] = {
    Permission.account_read: STAFF | {Role.employer},
    Permission.users_manage: frozenset({Role.admin}),
    Permission.clients_manage: frozenset({Role.admin}),
    Permission.audit_read: frozenset({Role.admin, Role.auditor}),
    # employers read only their own (each service scopes through `visible` and `own_employer`)
    Permission.employers_read: STAFF | {Role.employer},
    Permission.employers_write: frozenset({Role.admin, Role.inspector, Role.reviewer}),
    # employers see the calendar their deadlines are counted on (docs/law.md §8)
    Permission.calendar_read: STAFF | {Role.employer},
    Permission.calendar_write: frozenset({Role.admin}),  # loads each year's notice
    # employers read only their own verified records (records.reads)
    Permission.credit_records_read: STAFF | {Role.employer},
    # inspectors (and reviewers) collect drafts; only the collector edits one
    Permission.credit_records_write: frozenset({Role.inspector, Role.reviewer}),
    # verification, correction, revocation (Art 8: a second person)
    Permission.credit_records_review: frozenset({Role.reviewer}),
    Permission.stats_read: STAFF,
    Permission.intake_write: frozenset(),  # machine clients only (scope intake)
    Permission.imports_write: frozenset({Role.inspector, Role.reviewer}),
    Permission.imports_read: frozenset({Role.admin, Role.inspector, Role.reviewer, Role.auditor}),
    # 人社部令第45号: a reviewer lists and removes; employers read only their own listings
    Permission.blacklist_read: STAFF | {Role.employer},
    Permission.blacklist_write: frozenset({Role.reviewer}),
    # Art 13(2): employers read only their own interviews
    Permission.interviews_read: STAFF | {Role.employer},
    Permission.interviews_write: frozenset({Role.inspector, Role.reviewer}),
    Permission.rule_sets_read: STAFF,
    Permission.rule_sets_write: frozenset({Role.admin}),
    # employers read only their own evaluations
    Permission.evaluations_read: STAFF | {Role.employer},
    # 陈述申辩: the employer, or staff entering it for them; auditors only read
    Permission.evaluations_represent: frozenset(
        {Role.employer, Role.admin, Role.inspector, Role.reviewer}
    ),
    Permission.evaluations_decide: frozenset({Role.reviewer}),
    Permission.grading_runs_read: STAFF,
    Permission.grading_runs_write: frozenset({Role.reviewer, Role.admin}),
}

# What a machine client's scopes allow (its source further limits the data it touches).
SCOPES: dict[Permission, frozenset[Scope]] = {
    Permission.account_read: frozenset(Scope),  # any client may ask whom its key stands for
    Permission.intake_write: frozenset({Scope.intake}),
}


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


# --- whose file: an employer account sees only its own employer's ------------------------------


class EmployerOwned(Protocol):
    @property
    def employer_id(self) -> uuid.UUID: ...


Owned = TypeVar("Owned", bound=EmployerOwned | Employer)


def sees(actor: Actor, employer_id: uuid.UUID) -> bool:
    """Staff, machine clients and the system see every employer's file; an employer account
    only its own employer's."""
    if actor.role == Role.employer:
        return actor.employer_id == employer_id
    return actor.kind != "public"


def visible(actor: Actor, found: Owned | None, *, missing: str) -> Owned:
    """`found` (an employer, or a thing of one employer's file) when the actor sees it; else 404
    `<missing> does not exist`, the same answer whether it is absent or another employer's."""
    if found is None or not sees(actor, _employer_of(found)):
        raise NotFound(f"{missing} does not exist")
    return found


def _employer_of(found: EmployerOwned | Employer) -> uuid.UUID:
    return found.id if isinstance(found, Employer) else found.employer_id


def own_employer(actor: Actor, employer_id: uuid.UUID | None) -> uuid.UUID | None:
    """The employer a list is filtered to: for an employer account its own (another employer's
    `employer_id` is a 404, as for one that does not exist); for everyone else `employer_id`."""
    if actor.role != Role.employer:
        return employer_id
    if actor.employer_id is None:  # ck_users_employer_account_bound: never; refuse, not list all
        raise Forbidden("an employer account must be bound to its employer")
    if employer_id is not None and not sees(actor, employer_id):
        raise NotFound(f"employer {employer_id} does not exist")
    return actor.employer_id
