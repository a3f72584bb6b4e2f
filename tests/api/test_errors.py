"""Every error the app returns is RFC 9457 problem+json with the request id; never a traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from app.core import failures
from app.main import create_app
from app.models.user import Role
from tests.conftest import PASSWORD, assert_problem, new_uscc

EMPLOYERS = "/api/v1/employers"


def employer_body(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "uscc": new_uscc(),
        "name": "文水县错误测试有限公司",
        "subject_type": "enterprise",
        "legal_representative": "张三",
        "town": "凤城镇",
        "industry_code": "C1311",
    }
    body.update(fields)
    return body


async def test_unknown_route_is_404(client):
    problem = assert_problem(await client.get("/api/v1/no-such-thing"), 404)
    assert problem["type"] == "/problems/not-found"
    assert problem["detail"] == "there is nothing at /api/v1/no-such-thing"
    assert problem["instance"] == "/api/v1/no-such-thing"


async def test_wrong_method_is_405(client):
    response = await client.delete(EMPLOYERS)
    problem = assert_problem(response, 405)
    assert problem["type"] == "/problems/method-not-allowed"
    assert problem["detail"] == f"{EMPLOYERS} does not take DELETE"
    assert response.headers["allow"]  # what the address takes


async def test_validation_error_names_each_bad_field(client, headers_for):
    body = employer_body(employee_count=-1)
    del body["name"]
    response = await client.post(EMPLOYERS, json=body, headers=await headers_for(Role.inspector))
    problem = assert_problem(response, 422)
    locs = {tuple(e["loc"]) for e in problem["errors"]}
    assert locs == {("body", "name"), ("body", "employee_count")}


async def test_bad_query_parameter_is_422_naming_it(client, headers_for):
    response = await client.get(
        EMPLOYERS, params={"limit": 0}, headers=await headers_for(Role.admin)
    )
    problem = assert_problem(response, 422)
    assert [e["loc"] for e in problem["errors"]] == [["query", "limit"]]


async def test_malformed_json_is_422_not_500(client, headers_for):
    response = await client.post(
        EMPLOYERS,
        content=b'{"name": ',
        headers={"content-type": "application/json", **await headers_for(Role.inspector)},
    )
    assert_problem(response, 422)


async def test_a_body_that_is_not_utf8_is_a_declared_400(client, headers_for):
    """Found by `make fuzz`: undeclared on every route taking a body (the session's check of
    declared problems fails on it too)."""
    response = await client.post(
        EMPLOYERS,
        content=b"W%\x7f\xff",
        headers={"content-type": "application/json", **await headers_for(Role.inspector)},
    )
    assert assert_problem(response, 400)["type"].endswith("/bad-request")


async def test_no_credentials_is_401_with_bearer_challenge(client):
    response = await client.get(EMPLOYERS)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c"])
async def test_invalid_token_is_401(client, token):
    response = await client.get(EMPLOYERS, headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


@pytest.mark.parametrize("key", ["nonsense", "lc_abcdef123456_not-the-real-secret"])
async def test_bad_api_key_is_401(client, key):
    assert_problem(await client.get(EMPLOYERS, headers={"X-API-Key": key}), 401)


async def test_forbidden_role_is_403(client, headers_for):
    response = await client.get("/api/v1/users", headers=await headers_for(Role.inspector))
    problem = assert_problem(response, 403)
    assert problem["type"] == "/problems/forbidden-role"
    assert (
        problem["detail"] == "managing user accounts needs the admin role; your role is inspector"
    )
    assert problem["allowed_roles"] == ["admin"]
    assert ":" not in problem["detail"]  # never a permission identifier such as users:manage


async def test_duplicate_uscc_is_409_with_existing_id(client, headers_for):
    headers = await headers_for(Role.inspector)
    first = await client.post(EMPLOYERS, json=employer_body(), headers=headers)
    assert first.status_code == 201, first.text
    again = employer_body(uscc=first.json()["uscc"].lower(), name="另一个名字有限公司")
    problem = assert_problem(await client.post(EMPLOYERS, json=again, headers=headers), 409)
    assert problem["existing_id"] == first.json()["id"]


async def test_stale_if_match_is_412_and_missing_is_428(client, headers_for):
    headers = await headers_for(Role.inspector)
    created = await client.post(EMPLOYERS, json=employer_body(), headers=headers)
    url = f"{EMPLOYERS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"town": "开栅镇"}, headers=headers), 428)
    stale = {**headers, "If-Match": '"7"'}
    problem = assert_problem(await client.patch(url, json={"town": "开栅镇"}, headers=stale), 412)
    assert '"1"' in problem["detail"]


async def test_oversized_body_by_content_length_is_413(client, headers_for):
    big = employer_body(address="地" * 40_000)  # ~120 KB of UTF-8, over the 64 KiB limit
    response = await client.post(EMPLOYERS, json=big, headers=await headers_for(Role.inspector))
    problem = assert_problem(response, 413)
    assert str(64 * 1024) in problem["detail"]


async def test_oversized_streamed_body_is_413(client, headers_for):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"address": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        EMPLOYERS,
        content=chunks(),
        headers={"content-type": "application/json", **await headers_for(Role.inspector)},
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413)


async def test_json_route_refuses_text_plain_with_415(client, headers_for):
    response = await client.post(
        EMPLOYERS,
        content=b"uscc=914403001922038216",
        headers={"content-type": "text/plain", **await headers_for(Role.inspector)},
    )
    problem = assert_problem(response, 415)
    assert "application/json" in problem["detail"]


async def test_token_route_refuses_json_with_415(client, make_user):
    user = await make_user(Role.inspector)
    response = await client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}
    )
    problem = assert_problem(response, 415)
    assert "form" in problem["detail"]


async def test_login_lockout_is_429_with_retry_after(client, make_user, settings):
    user = await make_user(Role.inspector)
    for _ in range(settings.login_max_failures):
        wrong = {"username": user.username, "password": "wrong-password"}
        assert_problem(await client.post("/api/v1/auth/token", data=wrong), 401)
    right = {"username": user.username, "password": PASSWORD}
    response = await client.post("/api/v1/auth/token", data=right)
    assert_problem(response, 429)
    assert 0 < int(response.headers["retry-after"]) <= settings.login_lock_minutes * 60


async def test_unexpected_error_is_500_problem_with_logged_request_id(settings, clock, caplog):
    async def explode() -> None:
        raise RuntimeError("internal detail: password=hunter2")

    app = create_app(settings, clock=clock)  # its own instance: the shared one must not grow routes
    app.add_api_route("/explode", explode)
    # raise_app_exceptions stays on: the app answers the 500 and lets nothing escape to the
    # server, which would log the traceback once more for every request
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        with caplog.at_level(logging.INFO):
            responses = [
                await c.get("/explode", headers={"X-Request-ID": f"req-500-{n}"}) for n in range(3)
            ]
    for n, response in enumerate(responses):
        problem = assert_problem(response, 500)
        assert problem["request_id"] == response.headers["x-request-id"] == f"req-500-{n}"
        assert "hunter2" not in response.text
        assert "RuntimeError" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    # one line per failure, each naming its request; the traceback with the first only
    assert [getattr(r, "request_id", None) for r in errors] == [f"req-500-{n}" for n in range(3)]
    assert [r.exc_info is not None for r in errors] == [True, False, False]
    assert {getattr(r, "error", None) for r in errors} == {"RuntimeError"}


def test_the_traceback_of_a_kind_of_failure_comes_back_after_the_interval(caplog):
    failures_seen = failures.Failures(every=0.0)
    with caplog.at_level(logging.ERROR, logger=failures.__name__):
        for n in range(2):
            try:
                raise ValueError("again")
            except ValueError as exc:
                failures_seen.log(exc, request_id=f"r{n}", method="GET", path="/x")
    assert [r.exc_info is not None for r in caplog.records] == [True, True]


async def test_unsafe_request_id_is_replaced(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    request_id = response.headers["x-request-id"]
    assert request_id != "bad id\twith spaces"
    assert uuid.UUID(request_id)
