"""Unknown body fields, form fields and query parameters are a 422 naming them, never ignored
(docs/architecture.md): a misspelt `punishd` must not leave `punished` false."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import httpx
from fastapi import Depends, Query
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from app.api.routing import api_router
from app.main import create_app
from app.models.client import ClientSource
from app.models.credit_record import CreditRecord
from app.models.import_job import ImportJob
from app.models.user import Role
from tests.api.test_credit_records import body as record_body
from tests.api.test_intake import item
from tests.conftest import PASSWORD, assert_problem, new_uscc

RECORDS = "/api/v1/credit-records"
EMPLOYERS = "/api/v1/employers"
# Rule-set parameters are open on purpose: a rule may name a further integer parameter.
OPEN_SCHEMAS = {"Parameters"}


def _unknown(problem: dict[str, Any]) -> list[list[str | int]]:
    assert {e["type"] for e in problem["errors"]} == {"extra_forbidden"}
    return [e["loc"] for e in problem["errors"]]


async def _count(session, table) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(select(func.count()).select_from(table)))


async def test_a_misspelt_body_field_is_422_naming_it(client, session, headers_for, make_employer):
    employer = await make_employer()
    sent = record_body(employer.id, punishd=True)
    del sent["punished"]
    before = await _count(session, CreditRecord)
    r = await client.post(RECORDS, json=sent, headers=await headers_for(Role.inspector))
    assert _unknown(assert_problem(r, 422)) == [["body", "punishd"]]
    assert await _count(session, CreditRecord) == before


async def test_an_unknown_field_in_a_nested_object_is_named_where_it_is(
    client, headers_for, make_employer
):
    employer = await make_employer()
    sent = record_body(employer.id, rectification={"ordered_on": "2026-03-10"})
    r = await client.post(RECORDS, json=sent, headers=await headers_for(Role.inspector))
    assert _unknown(assert_problem(r, 422)) == [["body", "rectification", "ordered_on"]]


async def test_an_update_with_an_unknown_field_changes_nothing(client, headers_for, make_employer):
    employer = await make_employer()
    headers = {**await headers_for(Role.inspector), "If-Match": '"1"'}
    url = f"{EMPLOYERS}/{employer.id}"
    r = await client.patch(url, json={"town": "开栅镇", "colour": "red"}, headers=headers)
    assert _unknown(assert_problem(r, 422)) == [["body", "colour"]]
    after = (await client.get(url, headers=headers)).json()
    assert (after["town"], after["version"]) == ("凤城镇", 1)


async def test_an_intake_item_with_an_unknown_field_is_rejected_alone(
    client, make_employer, make_api_client
):
    employer = await make_employer()
    _, key = await make_api_client(ClientSource.social_insurance)
    records = [item("UF-1", employer.uscc), item("UF-2", employer.uscc, punishd=True)]
    headers = {"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}
    r = await client.post("/api/v1/intake/records", json={"records": records}, headers=headers)
    assert r.status_code == 200, r.text
    created, rejected = r.json()["items"]
    assert created["outcome"] == "created"
    assert rejected["outcome"] == "rejected" and rejected["record_id"] is None
    assert _unknown(rejected["problem"]) == [["body", "records", 1, "punishd"]]
    assert "punishd" in rejected["problem"]["detail"]


async def test_an_unknown_field_beside_the_intake_batch_is_422(client, make_api_client):
    _, key = await make_api_client(ClientSource.social_insurance)
    headers = {"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}
    sent = {"records": [item("UF-3", new_uscc())], "dry_run": True}
    r = await client.post("/api/v1/intake/records", json=sent, headers=headers)
    assert _unknown(assert_problem(r, 422)) == [["body", "dry_run"]]


async def test_a_body_sent_to_a_route_that_takes_none_is_422(client, headers_for):
    reviewer = await headers_for(Role.reviewer)
    url = f"{RECORDS}/{uuid.uuid4()}/verification"
    r = await client.post(url, json={"note": "checked"}, headers=reviewer)
    problem = assert_problem(r, 422)
    assert _unknown(problem) == [["body", "note"]]
    assert "takes no body" in problem["errors"][0]["msg"]
    r = await client.post(url, json=[1], headers=reviewer)
    assert _unknown(assert_problem(r, 422)) == [["body"]]
    # `{}` and `null`, which some clients always send, are no body: the route answers as it would
    assert_problem(await client.post(url, json={}, headers=reviewer), 404)
    nothing = {**reviewer, "Content-Type": "application/json"}
    assert_problem(await client.post(url, content=b"null", headers=nothing), 404)


async def test_an_unknown_query_parameter_is_422_naming_it(client, headers_for):
    headers = await headers_for(Role.auditor)
    r = await client.get(EMPLOYERS, params={"colour": "C", "town": "凤城镇"}, headers=headers)
    problem = assert_problem(r, 422)
    assert _unknown(problem) == [["query", "colour"]]
    assert problem["errors"][0]["msg"].startswith("unknown query parameter")
    assert "town" in problem["errors"][0]["msg"]  # it says what the route takes
    r = await client.get(EMPLOYERS, params={"colour": "C", "size": "9"}, headers=headers)
    assert _unknown(assert_problem(r, 422)) == [["query", "colour"], ["query", "size"]]


async def test_declared_query_parameters_work_repeated_too(client, headers_for, make_employer):
    await make_employer(town="西城乡")
    await make_employer(town="西城乡")
    headers = await headers_for(Role.auditor)
    params = [("town", "西城乡"), ("limit", "1"), ("limit", "1")]
    first = await client.get(EMPLOYERS, params=params, headers=headers)
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    r = await client.get(EMPLOYERS, params={"town": "西城乡", "cursor": cursor}, headers=headers)
    assert r.status_code == 200, r.text
    assert len(first.json()["items"]) == len(r.json()["items"]) == 1


async def test_routes_outside_the_api_refuse_unknown_query_parameters(client):
    assert (await client.get("/healthz")).status_code == 200
    assert _unknown(assert_problem(await client.get("/healthz?colour=1"), 422)) == [
        ["query", "colour"]
    ]
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200


def _page(limit: Annotated[int, Query(ge=1)] = 10, cursor: str | None = None) -> str:
    return f"{limit}:{cursor}"


async def _things(
    paged: Annotated[str, Depends(_page)], tag: Annotated[list[str] | None, Query()] = None
) -> dict[str, Any]:
    return {"page": paged, "tags": tag}


async def test_parameters_of_sub_dependencies_are_declared(settings, clock):
    """A dependency's own query parameters (pagination, filters) count as the route's."""
    router = api_router()
    router.add_api_route("/things", _things)
    app = create_app(settings, clock=clock)  # its own: the shared app must not grow routes
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        params = [("limit", "5"), ("cursor", "x"), ("tag", "a"), ("tag", "b")]
        r = await c.get("/things", params=params)
        assert r.json() == {"page": "5:x", "tags": ["a", "b"]}
        problem = assert_problem(await c.get("/things", params={"colour": "1"}), 422)
        assert _unknown(problem) == [["query", "colour"]]
        assert "cursor, limit, tag" in problem["errors"][0]["msg"]


async def test_the_sign_in_form_refuses_an_unknown_field(client, make_user):
    user = await make_user(Role.inspector)
    form = {"username": user.username, "password": PASSWORD}
    r = await client.post("/api/v1/auth/token", data={**form, "remember_me": "1"})
    assert _unknown(assert_problem(r, 422)) == [["body", "remember_me"]]
    # the OAuth2 password grant's own fields are the form's
    r = await client.post(
        "/api/v1/auth/token", data={**form, "grant_type": "password", "scope": ""}
    )
    assert r.status_code == 200, r.text


async def test_an_upload_with_a_misspelt_form_field_starts_nothing(client, session, headers_for):
    before = await _count(session, ImportJob)
    r = await client.post(
        "/api/v1/imports",
        files={"file": ("records.csv", b"uscc\n", "text/csv")},
        data={"dryrun": "true"},  # not `dry_run`: the import would be real
        headers=await headers_for(Role.inspector),
    )
    problem = assert_problem(r, 422)
    assert _unknown(problem) == [["body", "dryrun"]]
    assert "dry_run, file" in problem["errors"][0]["msg"]
    assert await _count(session, ImportJob) == before


def _named(node: Any) -> set[str]:
    """The component names a schema refers to."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_named(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_named(v) for v in node))
    return set()


def _reachable(start: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending = set(start)
    while pending:
        name = pending.pop()
        seen.add(name)
        pending |= _named(schemas[name]) - seen
    return seen


async def test_every_request_body_refuses_unknown_fields(app, client):
    """Walks the app's routes: every body, and every object it nests, is closed in the OpenAPI
    document (`additionalProperties: false`), so a new route cannot forget."""
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    checked = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or route.body_field is None:
            continue
        for method in context.methods or ():
            operation = document["paths"][context.path][method.lower()]
            for media_type, content in operation["requestBody"]["content"].items():
                assert "$ref" in content["schema"], (context.path, media_type)
                for name in _reachable(_named(content["schema"]), schemas) - OPEN_SCHEMAS:
                    if schemas[name].get("type") == "object":
                        assert schemas[name].get("additionalProperties") is False, (
                            f"{method} {context.path}: {name} takes unknown fields"
                        )
                        checked.add(name)
    # the bodies, the objects they nest, the intake item (named by reference) and the forms
    assert {"CreditRecordCreate", "Rectification", "Rule", "IntakeRecord"} <= checked
    assert any(name.startswith("Body_issue_token") for name in checked)
