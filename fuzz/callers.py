"""Who the fuzzer calls as: the public, one demo account per role, and the intake client; each
on the operations it may use, with the credentials it signs in with and the values it can use
(the seeded ids it can see, fresh valid codes, current ETags)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import httpx
from fastapi import FastAPI

from app.demo import DEMO_PASSWORD
from app.models.base import EXAMPLE_EMPLOYER_ID
from app.models.client import Scope
from app.models.credit_record import RECORD_EXAMPLE
from app.models.user import Role
from fuzz import fixtures, operations
from fuzz.database import Seeded

# Fuzzed in this order: the public first (its sign-in cases lock accounts, which leaves issued
# tokens valid), the admin last (it deactivates accounts, resets passwords, revokes clients).
ROLE_ORDER = (Role.employer, Role.auditor, Role.inspector, Role.reviewer, Role.admin)
# Also fuzzed with data that breaks the schema, which must be refused (4xx, never a 500): these
# two between them take nearly every operation.
NEGATIVE = (Role.reviewer, Role.admin)
Values = dict[str, list[Any]]


@dataclass
class Caller:
    name: str
    operations: list[str]
    headers: dict[str, str]
    # values a parameter takes (by name: in the path, a query or a body; or "body.uscc")
    values: Values
    mode: str = "positive"  # schemathesis's: data the schema allows, or "negative"


def callers(app: FastAPI, base_url: str, seeded: Seeded) -> list[Caller]:
    """Every caller, signed in now (before any case runs: the public's may lock accounts)."""
    headers = {
        role: {"Authorization": f"Bearer {_sign_in(base_url, f'demo-{role.value}')}"}
        for role in ROLE_ORDER
    }
    made = _fixtures(base_url, headers, seeded)
    sign_in = {"body.username": ["demo-auditor"], "body.password": [DEMO_PASSWORD]}
    found = [Caller("public", operations.public(app), {}, sign_in)]
    for role in ROLE_ORDER:
        if role == Role.reviewer:  # before the admin, who may revoke the client
            found.append(_intake_client(app, seeded))
        values = _values(seeded, role, made)
        caller = Caller(role.value, operations.for_role(app, role), headers[role], values)
        found.append(caller)
        if role in NEGATIVE:
            found.append(replace(caller, name=f"{role.value} (negative)", mode="negative"))
    return found


def _fixtures(base_url: str, headers: dict[Role, dict[str, str]], seeded: Seeded) -> Values:
    example = RECORD_EXAMPLE
    assert example["employer_id"] == EXAMPLE_EMPLOYER_ID
    record = {**example, "employer_id": seeded.ids["employer_id"][0]}
    own_evaluations = [str(e) for e in seeded.own_ids["evaluation_id"]]
    return fixtures.made(
        base_url,
        headers[Role.inspector],
        headers[Role.employer],
        seeded.usccs[0],
        record,
        own_evaluations,
    )


def _values(seeded: Seeded, role: Role, made: Values) -> Values:
    """The employer account sees its own unit's ids; everyone else all of them, less their own
    account (an admin deactivating itself would end its run in 401s)."""
    if role == Role.employer:
        ids: Values = {**seeded.own_ids}
    else:
        own = seeded.own_user_id[f"demo-{role.value}"]
        ids = {**seeded.ids, "user_id": [u for u in seeded.ids["user_id"] if u != own]}
        ids["record_id"] = [*made["record_id"], *ids["record_id"]]
        ids["import_id"] = made["import_id"]
    ids["attachment_id"] = made["attachment_id"]
    return {
        **ids,
        "body.uscc": seeded.fresh_usccs,
        "query.uscc": seeded.usccs,
        "header.if-match": seeded.etags,
    }


def _intake_client(app: FastAPI, seeded: Seeded) -> Caller:
    return Caller(
        "client:social_insurance",
        operations.for_scope(app, Scope.intake),
        {"X-API-Key": seeded.api_key},
        {"employer_id": seeded.ids["employer_id"]},
    )


def _sign_in(base_url: str, username: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": username, "password": DEMO_PASSWORD},
        timeout=60,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token
