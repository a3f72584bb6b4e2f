"""Every keyset-paginated list answers a cursor it did not issue with a 422, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from app.main import create_app
from app.models.user import Role
from tests.conftest import assert_problem


def _paginated_lists() -> list[str]:
    document = create_app().openapi()
    return sorted(
        path
        for path, operations in document["paths"].items()
        if "{" not in path
        and any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    )


def _forged(parts: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


FORGED = {
    "not base64 json": "%%%not-a-cursor",
    "wrong shape": _forged(["a", "b", "c", "d", "e"]),
    "wrong types": _forged(["not-a-date-or-name", "not-a-uuid"]),
}


@pytest.mark.parametrize("path", _paginated_lists())
@pytest.mark.parametrize("cursor", list(FORGED.values()), ids=list(FORGED))
async def test_forged_cursor_is_422(client, headers_for, path, cursor):
    for role in (Role.admin, Role.auditor, Role.reviewer):
        headers = await headers_for(role)
        r = await client.get(path, params={"cursor": cursor}, headers=headers)
        if r.status_code != 403:
            break
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


def test_the_lists_are_found():
    assert {"/api/v1/employers", "/api/v1/credit-records", "/api/v1/audit-events"} <= set(
        _paginated_lists()
    )
