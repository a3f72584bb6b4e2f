"""The OpenAPI document as a contract a generated client can rely on: every list's items are
typed; the headers the routes send (ETag, Location, Retry-After) are declared where they are
sent; every operation taking a body declares 400, 413 and 415, every one taking If-Match 412
and 428."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.routing import guards
from app.core.clock import add_months
from app.disclosure import service as disclosure_service
from app.models.user import Role, User
from tests.api.test_blacklist import body as listing_body
from tests.api.test_calendar import NOTICES
from tests.api.test_credit_records import PDF
from tests.api.test_credit_records import body as record_body
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.api.test_interviews import body as interview_body
from tests.conftest import new_uscc
from tests.disclosure import support as disclosure_support
from tests.grading.support import actor_of, add_record


async def _document(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_every_list_names_its_item_type(client):  # type: ignore[no-untyped-def]
    schemas = (await _document(client))["components"]["schemas"]
    pages = {
        name: schema["properties"]["items"]
        for name, schema in schemas.items()
        if {"items", "next_cursor"} <= set(schema.get("properties", {}))
    }
    assert len(pages) >= 13  # every list of the API
    untyped = {
        name: items
        for name, items in pages.items()
        if items.get("type") != "array"
        or set(items.get("items", {})) != {"$ref"}
        or items["items"]["$ref"].rsplit("/", 1)[-1] not in schemas
    }
    assert not untyped


async def test_every_list_operation_answers_a_typed_page(client):  # type: ignore[no-untyped-def]
    """A GET answering a JSON array at the top would be a list without `next_cursor`."""
    document = await _document(client)
    bare = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
        for content in response.get("content", {}).values()
        if content.get("schema", {}).get("type") == "array"
    ]
    assert not bare


# --- the headers the routes send are the headers the document declares ----------------------


def _operation_of(document: dict[str, Any], method: str, url_path: str) -> tuple[str, str]:
    """The path template of the operation that answered (the most literal one that matches)."""
    found = [
        path
        for path, operations in document["paths"].items()
        if method in operations and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), url_path)
    ]
    assert found, f"{method.upper()} {url_path} is no operation of the document"
    return method, min(found, key=lambda path: path.count("{"))


async def make_user_of(session: AsyncSession, role: Role) -> User:
    user = User(username=f"{role.value}-{uuid.uuid4().hex[:8]}", full_name="测试", role=role,
                password_hash="x")  # fmt: skip
    session.add(user)
    await session.flush()
    return user


async def _exercise_every_header_sending_route(  # type: ignore[no-untyped-def]
    client, session, settings, headers_for, make_employer, clock, today
) -> None:
    admin, inspector = await headers_for(Role.admin), await headers_for(Role.inspector)
    reviewer, second = await headers_for(Role.reviewer), await headers_for(Role.reviewer)

    async def ok(response, status: int = 200):  # type: ignore[no-untyped-def]
        assert response.status_code == status, response.text
        return response

    async def changed(url: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        etag = (await ok(await client.get(url, headers=headers))).headers["etag"]
        await ok(await client.patch(url, json=body, headers={**headers, "If-Match": etag}))

    account = {"username": f"c2.{uuid.uuid4().hex[:8]}", "full_name": "王", "role": "auditor",
               "password": "a-long-password"}  # fmt: skip
    user = await ok(await client.post("/api/v1/users", json=account, headers=admin), 201)
    await changed(user.headers["location"], admin, {"full_name": "王五"})

    employer_body = {"uscc": new_uscc(), "name": "文水县契约测试有限公司",
                     "subject_type": "enterprise", "legal_representative": "张三",
                     "town": "凤城镇", "industry_code": "E4720"}  # fmt: skip
    made = await ok(await client.post("/api/v1/employers", json=employer_body, headers=admin), 201)
    await changed(made.headers["location"], admin, {"town": "开栅镇"})
    employer = await make_employer()

    year = await ok(await client.get("/api/v1/calendar/2026", headers=admin))
    load = {k: year.json()[k] for k in ("days_off", "make_up_workdays")} | {"notice": "国办发明电"}
    put = await client.put("/api/v1/calendar/2026", json=load,
                           headers={**admin, "If-Match": year.headers["etag"]})  # fmt: skip
    await ok(put)
    notice_text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    saved = {"text": notice_text, "confirm": True, "replace": True}
    await ok(await client.post("/api/v1/calendar/2026/notice", json=saved, headers=admin))

    records = "/api/v1/credit-records"
    draft = await ok(
        await client.post(records, json=record_body(employer.id), headers=inspector), 201
    )
    await changed(draft.headers["location"], inspector, {"title": "拖欠工资"})
    rid = draft.json()["id"]
    await ok(await client.post(f"{records}/{rid}/verification", headers=reviewer))
    correction = {**record_body(employer.id, fine_amount="15000.00"), "reason": "金额录入错误"}
    fixed = await ok(await client.post(f"{records}/{rid}/corrections", json=correction,
                                       headers=second), 201)  # fmt: skip
    # a correction is a draft until a second person verifies it
    await ok(await client.post(f"{records}/{fixed.json()['id']}/verification", headers=reviewer))
    upload = {"file": ("决定书.pdf", PDF, "application/pdf")}
    evidence = f"{records}/{fixed.json()['id']}/attachments"
    attached = await ok(await client.post(evidence, files=upload, headers=inspector), 201)
    await ok(await client.get(f"{evidence}/{attached.json()['id']}", headers=reviewer))
    revocation = {"reason": "行政复议撤销", "revoking_document": "文人社撤字〔2026〕3号"}
    await ok(await client.post(f"{records}/{fixed.json()['id']}/revocation", json=revocation,
                               headers=reviewer))  # fmt: skip

    listings = "/api/v1/blacklist-entries"
    listed_on = today - timedelta(days=400)
    entry = await ok(await client.post(listings, json=listing_body(employer.id, listed_on),
                                       headers=reviewer), 201)  # fmt: skip
    await ok(await client.post(f"{entry.headers['location']}/verification", headers=second))
    paid = {"arrears_paid_on": add_months(today, -6).isoformat(),
            "commitment_received_on": today.isoformat()}  # fmt: skip
    await changed(entry.headers["location"], reviewer, paid)
    removal = {"kind": "early", "reason": "已足额支付并作出信用承诺",
               "document": "文人社失移字〔2027〕1号"}  # fmt: skip
    await ok(await client.post(f"{entry.headers['location']}/removal", json=removal,
                               headers=reviewer))  # fmt: skip

    meeting = interview_body(employer.id, today)
    await ok(await client.post("/api/v1/interviews", json=meeting, headers=inspector), 201)
    plan = {"title": "双随机抽查计划", "period_from": "2027-01-01", "period_to": "2027-03-31",
            "sampling_ratios": {"A": "0", "B": "0.2", "C": "1"}}  # fmt: skip
    await ok(await client.post("/api/v1/inspection-plans", json=plan, headers=reviewer), 201)

    rules = (await ok(await client.get("/api/v1/rule-sets/1", headers=admin))).json()["rules"]
    later = {"effective_from": (today + timedelta(days=1)).isoformat(), "rules": rules}
    version = await ok(await client.post("/api/v1/rule-sets", json=later, headers=admin), 201)
    await changed(version.headers["location"], admin, {"description": "征求意见稿"})

    run = {"cycle": 2025, "employer_ids": [str(employer.id)]}
    await ok(await client.post("/api/v1/grading-runs", json=run, headers=reviewer), 202)

    c_unit = await make_employer()
    await add_record(session, settings, c_unit.id, CHILD_LABOUR, clock=clock,
                     collector=actor_of(await make_user_of(session, Role.reviewer)),
                     reviewer=actor_of(await make_user_of(session, Role.reviewer)))  # fmt: skip
    await graded(session, [c_unit.id], today)
    notice = await current(session, c_unit.id)
    filed = f"/api/v1/evaluations/{notice.id}/representations/attachments"
    on_file = await ok(await client.post(filed, files=upload, headers=inspector), 201)
    await ok(await client.get(f"{filed}/{on_file.json()['id']}", headers=reviewer))

    # the public C list (ETag) and a repair application (Location)
    disclosed = await make_employer()
    people = await disclosure_support.staff(partial(make_user_of, session))
    record = await disclosure_support.add_record(session, settings, clock, disclosed.id, people)
    await disclosure_support.final_evaluation(session, disclosed.id, evidence=[record.id])
    await disclosure_service.reflect(
        session=session, employer_id=disclosed.id, clock=clock, settings=settings
    )
    page = await ok(await client.get("/api/v1/disclosures", params={"uscc": disclosed.uscc}))
    [shown] = page.json()["items"]
    await ok(await client.get(f"/api/v1/disclosures/{shown['id']}"))
    own = await headers_for(Role.employer, employer_id=disclosed.id)
    repair = {"item_id": shown["items"][0]["id"], "statement": "已整改"}
    await ok(await client.post(f"/api/v1/disclosures/{shown['id']}/repairs", json=repair,
                               headers=own), 201)  # fmt: skip


async def test_every_etag_and_location_sent_is_declared(  # type: ignore[no-untyped-def]
    app, client, session, settings, headers_for, make_employer, clock, today, tmp_path
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    document = await _document(client)
    sent: dict[tuple[str, str], set[tuple[str, str]]] = {}

    async def record(response) -> None:  # type: ignore[no-untyped-def]
        operation = _operation_of(
            document, response.request.method.lower(), response.request.url.path
        )
        found = sent.setdefault(operation, set())
        found.update(
            (str(response.status_code), name) for name in ("ETag", "Location")
            if name in response.headers and response.status_code < 300
        )  # fmt: skip

    client.event_hooks["response"].append(record)
    await _exercise_every_header_sending_route(
        client, session, settings, headers_for, make_employer, clock, today
    )
    undeclared = sorted(
        f"{method.upper()} {path} {status}: {name}"
        for (method, path), names in sent.items()
        for status, name in names
        if name not in document["paths"][path][method]["responses"][status].get("headers", {})
    )
    assert undeclared == []
    # and the table of the routes that send headers is what they did send: none left out
    declared = {
        (method, path, status, name)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        for name in response.get("headers", {})
        if name in ("ETag", "Location")
    }
    seen = {(m, p, s, n) for (m, p), names in sent.items() for s, n in names}
    assert declared - seen == set()


async def test_every_operation_taking_a_body_declares_400_413_and_415(client):  # type: ignore[no-untyped-def]
    document = await _document(client)
    taking = [
        (f"{method.upper()} {path}", operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(taking) >= 20
    lacking = [
        f"{name} {status}"
        for name, responses in taking
        for status in ("400", "413", "415")
        if "application/problem+json" not in responses.get(status, {}).get("content", {})
    ]
    assert lacking == []


async def test_if_match_operations_declare_412_and_428_and_429_declares_retry_after(client):  # type: ignore[no-untyped-def]
    document = await _document(client)
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    conditional = [
        name
        for name, operation in operations
        if any(p["name"].lower() == "if-match" for p in operation.get("parameters", []))
    ]
    assert "PATCH /api/v1/users/{user_id}" in conditional
    assert "PUT /api/v1/calendar/{year}" in conditional
    lacking = [
        f"{name} {status}"
        for name, operation in operations
        if name in conditional
        for status in ("412", "428")
        if status not in operation["responses"]
    ]
    assert lacking == []
    limited = [
        (name, op["responses"]["429"]) for name, op in operations if "429" in op["responses"]
    ]
    assert limited and all("Retry-After" in r.get("headers", {}) for _, r in limited)


def _media_ranges(document: dict[str, Any], method: str, path: str) -> list[str]:
    return list(document["paths"][path][method]["responses"]["200"].get("content", {}))


def _within(content_type: str, media_range: str) -> bool:
    kind, _, sub = media_range.partition("/")
    sent_kind, _, sent_sub = content_type.split(";")[0].strip().partition("/")
    return kind in ("*", sent_kind) and sub in ("*", sent_sub)


async def test_a_download_answers_a_content_type_it_declares(  # type: ignore[no-untyped-def]
    app, client, settings, headers_for, make_employer, tmp_path
):
    """Found by `make fuzz`: evidence comes back in the type it was uploaded with (a PDF as
    application/pdf), which the document declared as application/octet-stream only."""
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    inspector = await headers_for(Role.inspector)
    employer = await make_employer()
    record = await client.post(
        "/api/v1/credit-records", json=record_body(employer.id), headers=inspector
    )
    url = f"/api/v1/credit-records/{record.json()['id']}/attachments"
    files = {"file": ("处罚决定书.pdf", PDF, "application/pdf")}
    added = await client.post(url, files=files, headers=inspector)
    assert added.status_code == 201, added.text
    download = await client.get(f"{url}/{added.json()['id']}", headers=inspector)
    assert download.headers["content-type"].startswith("application/pdf")
    document = await _document(client)
    record_file = "/api/v1/credit-records/{record_id}/attachments/{attachment_id}"
    assert any(_within(download.headers["content-type"], r)
               for r in _media_ranges(document, "get", record_file))  # fmt: skip
    representation_file = (
        "/api/v1/evaluations/{evaluation_id}/representations/attachments/{attachment_id}"
    )
    assert _media_ranges(document, "get", representation_file) == _media_ranges(
        document, "get", record_file
    )


async def test_every_guarded_operation_declares_the_bearer_token_and_the_api_key(app, client):  # type: ignore[no-untyped-def]
    """`require` reads the credentials from the headers itself (app.api.deps), so FastAPI does
    not declare them: app.api.docs does, on exactly the operations behind `require`."""
    document = await _document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "JWT from POST /api/v1/auth/token",
    }
    assert schemes["APIKeyHeader"]["in"] == "header"
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key"
    guarded = {
        (method.lower(), context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and guards(context.original_route.dependant)
        for method in context.original_route.methods
    }
    assert len(guarded) >= 100
    both: list[dict[str, list[str]]] = [{"HTTPBearer": []}, {"APIKeyHeader": []}]
    declared = {
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == both
    }
    assert declared == guarded
    # the metrics scrape keeps its own scheme, FastAPI's
    assert document["paths"]["/metrics"]["get"]["security"] == [{"MetricsToken": []}]
