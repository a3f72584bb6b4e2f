"""Inputs an outside probe found answered with a 500 (issue 12 §1), each now a 4xx problem that
changes nothing: a NUL in a form field, deeply nested JSON holding a NUL, cursors that decode
to nested JSON or hold a NUL, and timestamps that leave the calendar once converted to UTC."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest

from app.core import pagination
from app.models.user import Role
from tests.conftest import assert_problem


def _cursor(key: object) -> str:
    text = key if isinstance(key, str) else json.dumps(key)  # a str is the JSON text itself
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _nested(depth: int) -> str:
    return "[" * depth + '"\\u0000"' + "]" * depth


async def test_a_nul_in_a_form_field_is_a_422_before_any_login(client) -> None:
    r = await client.post(
        "/api/v1/auth/token",
        content=b"username=demo-admin%00&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"] == ["body", "username"]


@pytest.mark.parametrize("path", ["/api/v1/credit-records", "/api/v1/intake/records"])
async def test_a_strangers_body_is_refused_unread(client, path) -> None:
    """Authenticate first: without a credential the body is never read, however it is made."""
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        for chunk in (b'{"records": ', _nested(1000).encode(), b"}"):
            read.append(chunk)
            yield chunk

    r = await client.post(path, content=body(), headers={"content-type": "application/json"})
    assert assert_problem(r, 401)["type"].endswith("/unauthorized")
    assert read == []


async def test_a_forged_token_with_a_body_is_refused_before_the_body(client) -> None:
    r = await client.post(
        "/api/v1/credit-records",
        content=_nested(30_000),
        headers={"content-type": "application/json", "authorization": "Bearer not.a.token"},
    )
    assert_problem(r, 401)


async def test_a_role_not_allowed_is_refused_before_the_body(client, headers_for) -> None:
    headers = await headers_for(Role.auditor)  # auditors read; they do not collect
    r = await client.post(
        "/api/v1/credit-records",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    assert_problem(r, 403)


@pytest.mark.parametrize(
    ("path", "role"),
    [("/api/v1/credit-records", Role.inspector), ("/api/v1/intake/records", None)],
)
async def test_deeply_nested_json_holding_a_nul_is_a_422(
    client, headers_for, make_api_client, path, role
) -> None:
    headers = await headers_for(role) if role else {"X-API-Key": (await make_api_client())[1]}
    body = '{"records": ' + _nested(1000) + "}"
    r = await client.post(
        path, content=body, headers={**headers, "content-type": "application/json"}
    )
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["type"] == "too_deep"


async def test_nesting_deeper_than_the_parser_goes_is_a_422(client, headers_for) -> None:
    headers = await headers_for(Role.inspector)
    body = _nested(30_000)  # under the body limit, deeper than json.loads recurses
    r = await client.post(
        "/api/v1/credit-records",
        content=body,
        headers={**headers, "content-type": "application/json"},
    )
    assert assert_problem(r, 422)["errors"][0]["type"] == "too_deep"


async def test_a_nul_within_the_depth_limit_still_names_where_it_is(client, headers_for) -> None:
    headers = await headers_for(Role.inspector)
    r = await client.post(
        "/api/v1/credit-records",
        content='{"title": "a\\u0000b"}',
        headers={**headers, "content-type": "application/json"},
    )
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["body", "title"]


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v1/employers", [[[[["deep"]]]], "00000000-0000-0000-0000-000000000000"]),
        ("/api/v1/employers", "[" + "[" * 5000 + "1" + "]" * 5000 + ', "x"]'),  # too deep to parse
        ("/api/v1/employers", ["名\u0000字", "00000000-0000-0000-0000-000000000000"]),
        ("/api/v1/users", ["name\u0000"]),
        ("/api/v1/users", [True]),
        (
            "/api/v1/evaluations",
            ["0001-01-01T00:00:00+14:00", "00000000-0000-0000-0000-000000000000"],
        ),
    ],
)
async def test_a_forged_cursor_is_a_422(client, headers_for, path, key) -> None:
    headers = await headers_for(Role.admin)
    r = await client.get(path, params={"cursor": _cursor(key)}, headers=headers)
    problem = assert_problem(r, 422)
    assert problem["type"].endswith("/cursor-invalid")
    assert problem["errors"][0]["loc"] == ["query", "cursor"]


async def test_a_cursor_longer_than_any_issued_is_refused_undecoded(client, headers_for) -> None:
    headers = await headers_for(Role.admin)
    long = "A" * (pagination.MAX_CURSOR + 1)
    r = await client.get("/api/v1/employers", params={"cursor": long}, headers=headers)
    assert assert_problem(r, 422)["type"].endswith("/cursor-invalid")


@pytest.mark.parametrize("name", ["since", "until"])
async def test_a_time_outside_the_calendar_in_utc_is_a_422(client, headers_for, name) -> None:
    headers = await headers_for(Role.auditor)
    r = await client.get(
        "/api/v1/audit-events", params={name: "0001-01-01T00:00:00+14:00"}, headers=headers
    )
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"] == ["query", name]
    assert "UTC" in problem["errors"][0]["msg"]


async def test_an_ordinary_time_filter_still_works(client, headers_for) -> None:
    headers = await headers_for(Role.auditor)
    r = await client.get(
        "/api/v1/audit-events", params={"since": "2026-01-01T00:00:00+08:00"}, headers=headers
    )
    assert r.status_code == 200, r.text
