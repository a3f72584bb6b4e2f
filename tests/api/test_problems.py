"""Problem types: one named type per refusal, each with its page on the service, each declared by
the routes that answer it; families are never raised themselves."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

import app.demo  # noqa: F401  (its refusal is a type too, though only the CLI answers it)
from app.accounts.errors import UsernameTaken
from app.api.routing import api_router
from app.core.errors import (
    PROBLEM_JSON,
    AppError,
    Conflict,
    DoesNotExist,
    Forbidden,
    InvalidField,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests,
    Unauthorized,
    problems,
)
from app.core.i18n import Text
from app.main import create_app
from app.models.problem import PROBLEM_BASE
from app.models.user import Role
from tests import declared_problems
from tests.conftest import assert_problem

DETAIL = Text("某事", "something")
JSON = {"Accept": "application/json"}


def _named() -> list[type[AppError]]:
    found, pending = [], [AppError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind.named():
            found.append(kind)
    return found


@pytest.mark.parametrize(
    ("family", "args"),
    [
        (AppError, (DETAIL,)),
        (NotFound, (DETAIL,)),
        (Unauthorized, (DETAIL,)),
        (Forbidden, (DETAIL,)),
        (Conflict, (DETAIL,)),
        (PreconditionFailed, (DETAIL,)),
        (PreconditionRequired, (DETAIL,)),
        (InvalidField, (["body", "x"], DETAIL)),
        (TooManyRequests, (DETAIL, 5)),
    ],
)
def test_a_family_cannot_be_raised_only_its_named_types(family: type[AppError], args: Any) -> None:
    with pytest.raises(TypeError, match="family"):
        family(*args)


def test_a_family_of_our_own_is_not_raisable_either() -> None:
    class Refusals(Conflict):  # no slug: a family
        pass

    with pytest.raises(TypeError, match="family"):
        Refusals(DETAIL)
    assert UsernameTaken(DETAIL).detail == DETAIL  # a named type is


def test_two_problem_types_never_share_a_slug() -> None:
    named = _named()
    assert len({kind.slug for kind in named}) == len(named)
    assert {kind.slug: kind for kind in named} == AppError.types
    with pytest.raises(TypeError, match="username-taken"):

        class Taken(Conflict):  # the slug of accounts.errors.UsernameTaken
            slug = "username-taken"

    assert AppError.types["username-taken"] is UsernameTaken


def test_every_type_says_what_it_is_when_it_happens_and_what_to_do() -> None:
    assert len(AppError.types) > 60
    for slug, kind in AppError.types.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert 400 <= kind.status < 600, slug
        for text in (kind.title, kind.about, kind.remedy):
            assert text.zh.strip() and text.en.strip(), slug
            assert re.search(r"[\u4e00-\u9fff]", text.zh), (slug, text.zh)  # Chinese, really
            assert "DOMAIN" not in text.zh + text.en and "§" not in text.zh + text.en, slug
            # never a permission identifier such as credit_records:review
            assert not re.search(r"\b[a-z_]+:[a-z_]+\b", text.en), (slug, text.en)


def test_the_http_level_and_shared_types_are_registered() -> None:
    expected = {
        "not-found": 404,
        "validation": 422,
        "unauthorized": 401,
        "forbidden-role": 403,
        "method-not-allowed": 405,
        "payload-too-large": 413,
        "unsupported-media-type": 415,
        "too-many-sign-ins": 429,
        "internal": 500,
        "record-not-draft": 409,
        "same-person": 403,
    }
    assert {slug: AppError.types[slug].status for slug in expected} == expected


async def test_every_type_s_page_answers_in_html_and_json(client) -> None:
    for slug, kind in AppError.types.items():
        page = await client.get(PROBLEM_BASE + slug)
        assert page.status_code == 200, slug
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        for text in (kind.title, kind.about, kind.remedy):
            assert _escaped(text.zh) in html and _escaped(text.en) in html, slug
        assert f"HTTP {kind.status}" in html
        # self-contained: no scripts, no style sheets or images fetched from anywhere
        assert not re.search(r"<script|<link|<img|https?://", html), slug
        data = (await client.get(PROBLEM_BASE + slug, headers=JSON)).json()
        assert data["slug"] == slug and data["type"] == PROBLEM_BASE + slug
        assert data["status"] == kind.status
        assert data["title"] == {"zh": kind.title.zh, "en": kind.title.en}
        assert data["about"]["en"] == kind.about.en and data["remedy"]["zh"] == kind.remedy.zh


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


async def test_a_page_lists_the_operations_that_declare_it(client) -> None:
    data = (await client.get(PROBLEM_BASE + "record-not-draft", headers=JSON)).json()
    assert "PATCH /api/v1/credit-records/{record_id}" in data["operations"]
    assert "POST /api/v1/credit-records/{record_id}/verification" in data["operations"]
    assert "GET /api/v1/employers" not in data["operations"]


async def test_the_index_lists_every_type(client) -> None:
    index = await client.get("/problems")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    for slug in AppError.types:
        assert f'href="{PROBLEM_BASE}{slug}"' in index.text
    data = (await client.get("/problems", headers=JSON)).json()
    assert [item["slug"] for item in data["items"]] == sorted(AppError.types)


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json", True),
        ("application/json, text/html;q=0.5", True),
        ("text/html;q=0.4, application/*", True),
    ],
)
async def test_html_unless_json_is_preferred(client, accept: str | None, json: bool) -> None:
    headers = {"Accept": accept} if accept else {}
    page = await client.get(PROBLEM_BASE + "same-person", headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("application/json" if json else "text/html")


async def test_an_unknown_type_is_a_404_problem(client) -> None:
    problem = assert_problem(await client.get(PROBLEM_BASE + "no-such-problem"), 404)
    assert problem["type"] == PROBLEM_BASE + "not-found"
    assert problem["detail"] == "problem type no-such-problem does not exist"


async def test_the_pages_need_no_sign_in(client) -> None:
    assert (await client.get("/problems", headers={"Authorization": "Bearer nonsense"})).is_success


async def test_the_type_of_a_real_refusal_resolves_to_its_page(client, headers_for) -> None:
    admin = await headers_for(Role.admin)
    inspector = await headers_for(Role.inspector)
    body = {"username": f"u.{uuid.uuid4().hex[:8]}", "full_name": "王", "role": "inspector",
            "password": "long-enough-password"}  # fmt: skip
    assert (await client.post("/api/v1/users", json=body, headers=admin)).status_code == 201
    refusals = {
        "username-taken": await client.post("/api/v1/users", json=body, headers=admin),
        "validation": await client.post("/api/v1/users", json={}, headers=admin),
        "forbidden-role": await client.get("/api/v1/users", headers=inspector),
        "unauthorized": await client.get("/api/v1/users"),
        "not-found": await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin),
        "cursor-invalid": await client.get("/api/v1/users?cursor=x", headers=admin),
    }
    for slug, refusal in refusals.items():
        problem = refusal.json()
        assert problem["type"] == PROBLEM_BASE + slug
        # a relative reference: resolved against the request's URI, it is the page
        resolved = refusal.request.url.join(problem["type"])
        assert resolved == httpx.URL("http://test/problems/" + slug)
        page = await client.get(resolved, headers=JSON)
        assert page.status_code == 200 and page.json()["slug"] == slug
        assert page.json()["title"]["en"] == problem["title"]


def test_every_operation_declares_registered_types_with_an_example_each(app) -> None:
    document = app.openapi()
    declaring = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get(PROBLEM_JSON)
                if content is None:
                    continue
                declaring += 1
                for slug, example in content["examples"].items():
                    kind = AppError.types[slug]
                    assert int(status) == kind.status, (method, path, slug)
                    assert example["value"]["type"] == PROBLEM_BASE + slug
                    assert f"({PROBLEM_BASE}{slug})" in response["description"]
                    assert kind.title.zh in response["description"]
    assert declaring > 100
    guarded = document["paths"]["/api/v1/users"]["get"]["responses"]
    assert set(guarded["401"]["content"][PROBLEM_JSON]["examples"]) >= {"unauthorized"}
    assert set(guarded["403"]["content"][PROBLEM_JSON]["examples"]) == {
        "forbidden-role",
        "client-scope-missing",
    }


def test_a_family_cannot_be_declared() -> None:
    with pytest.raises(TypeError, match="family"):
        problems(Conflict)


async def test_the_declaration_check_fails_for_an_undeclared_type(settings, clock) -> None:
    """The session's check (tests/conftest.py) is real: a route answering a type it does not
    declare is reported, and one that declares it is not."""

    async def refuse() -> None:
        raise UsernameTaken(DETAIL)

    router = api_router()
    router.add_api_route("/undeclared", refuse)
    router.add_api_route("/declared", refuse, responses=problems(UsernameTaken, DoesNotExist))
    own = create_app(settings, clock=clock)  # its own: the shared app must not grow routes
    own.include_router(router)
    sink: declared_problems.Answered = {}
    transport = httpx.ASGITransport(app=declared_problems.Recorder(own, sink))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        assert (await c.get("/undeclared")).status_code == 409
        assert (await c.get("/declared")).status_code == 409
        assert (await c.get("/nowhere")).status_code == 404  # no route: nothing to declare on
    assert declared_problems.undeclared(sink) == ["GET /undeclared: username-taken"]
