"""Operations and docs: health, readiness, metrics, offline Swagger UI and ReDoc, the OpenAPI."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.core import migrations
from app.core.clock import Clock
from app.core.db import create_engine
from app.core.errors import PROBLEM_JSON
from app.models.policy import WENSHUI_2022, PolicyExtension

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_at_the_migration_head(app, client, session):
    # before 1 October: no calendar warning, whichever years are covered (see test_coverage.py);
    # the policy extended, no Art 18 warning (tests/grading/test_policies.py)
    session.add(PolicyExtension(policy_id=WENSHUI_2022, valid_until=None, document="延期"))
    await session.flush()
    app.state.clock = Clock.pinned(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migration": migrations.head(),
        "expected_migration": migrations.head(),
        "warnings": [],
    }


async def test_readyz_is_503_while_migrations_are_pending(app, client):
    app.state.migration_head = "20991231_not_applied_yet"  # this code expects a newer schema
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "migrations pending"
    assert response.json()["migration"] == migrations.head()


async def test_readyz_is_503_when_the_database_is_unreachable(app, client):
    engine = create_engine("postgresql://nobody@127.0.0.1:9/nowhere", pool_size=1)
    app.state.engine = engine
    try:
        response = await client.get("/readyz")
    finally:
        await engine.dispose()
    assert response.status_code == 503, response.text
    assert response.json()["status"] == "unavailable"


async def test_metrics_count_requests_by_route_template(client):
    await client.get("/api/v1/employers/3f0c5e2a-0000-4000-8000-000000000000")
    await client.get("/api/v1/no-such-route")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    counted = re.search(
        r'^http_requests_total\{method="GET",route="/api/v1/employers/\{employer_id\}",'
        r'status="401"\} (\d+)',
        response.text,
        re.MULTILINE,
    )
    assert counted and float(counted.group(1)) >= 1
    assert 'route="unmatched",status="404"' in response.text
    assert "3f0c5e2a" not in response.text  # ids never become label values
    latency = (
        'http_request_duration_seconds_count{method="GET",route="/api/v1/employers/{employer_id}"}'
    )
    assert latency in response.text
    assert 'db_pool_connections{state="checked_out"}' in response.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_work_offline(client, page):
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "/openapi.json" in html
    assert not re.search(r"https?://", html), "the page must not reach another host"
    assert "fonts.googleapis" not in html
    assets = ASSET.findall(html)
    assert assets, "expected the page to load its scripts from /static"
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.content


async def test_swagger_ui_does_not_call_the_online_validator(client):
    html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html


# --- the OpenAPI contract -----------------------------------------------------------------


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    ]


async def test_every_api_route_has_a_summary_and_a_description(client):
    schema = (await client.get("/openapi.json")).json()
    lacking = [
        f"{method} {path}"
        for method, path, operation in _operations(schema)
        if not operation.get("summary") or not operation.get("description")
    ]
    assert lacking == []


async def test_every_api_route_declares_its_errors_as_problem_json(client):
    schema = (await client.get("/openapi.json")).json()
    wrong = []
    for method, path, operation in _operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
        if not errors:
            wrong.append(f"{method} {path}: declares no error responses")
        takes_input = operation.get("parameters") or operation.get("requestBody")
        if takes_input and "422" not in errors:
            wrong.append(f"{method} {path}: takes input but declares no 422")
        public = path == "/api/v1/auth/token" or path.startswith("/api/v1/vocabularies")
        # the public C list (Art 14): no sign-in
        public = public or (method == "GET" and path.startswith("/api/v1/disclosures")
                            and not path.endswith("/repairs"))  # fmt: skip
        # 一公开: a closed plan's results are published (issue 15 §2)
        public = public or path == "/api/v1/inspection-plans/{plan_id}/publication"
        # a credit report's check (issue 15 §3): its code is the key
        public = public or (method == "GET" and path.startswith("/api/v1/credit-reports/"))
        if not public and "401" not in errors:
            wrong.append(f"{method} {path}: no 401")
        if not public and path != "/api/v1/auth/me" and "403" not in errors:
            wrong.append(f"{method} {path}: no 403")
        for status, response in errors.items():
            if PROBLEM_JSON not in response.get("content", {}):
                wrong.append(f"{method} {path}: {status} is not {PROBLEM_JSON}")
    assert wrong == []


async def test_sign_in_declares_lockout(client):
    schema = (await client.get("/openapi.json")).json()
    responses = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "422", "429"} <= responses.keys()
