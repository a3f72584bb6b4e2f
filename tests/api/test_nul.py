"""Text with NUL characters (which PostgreSQL cannot store) is a 422 naming where it is."""

from __future__ import annotations

import json

from app.models.user import Role
from tests.conftest import assert_problem, new_uscc


async def test_nul_in_a_json_body_is_422_naming_the_field(client, session, headers_for):
    body = {
        "uscc": new_uscc(), "name": "文水县\u0000测试有限公司", "subject_type": "enterprise",
        "legal_representative": "张三", "town": "凤城镇", "industry_code": "C1311",
    }  # fmt: skip
    r = await client.post(
        "/api/v1/employers",
        content=json.dumps(body),
        headers={**await headers_for(Role.inspector), "Content-Type": "application/json"},
    )
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["loc"] == ["body", "name"]
    assert "NUL" in problem["errors"][0]["msg"]


async def test_nul_deep_in_an_intake_batch_is_422_naming_the_item(client, make_api_client):
    _, key = await make_api_client()
    records = [{"external_id": "A-1", "uscc": new_uscc(), "title": "ok"},
               {"external_id": "A-2", "uscc": new_uscc(), "title": "bad\u0000"}]  # fmt: skip
    r = await client.post(
        "/api/v1/intake/records",
        json={"records": records},
        headers={"X-API-Key": key, "Idempotency-Key": "nul-1"},
    )
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["body", "records", 1, "title"]


async def test_nul_in_a_query_parameter_is_422(client, headers_for):
    r = await client.get(
        "/api/v1/employers", params={"q": "宏达\u0000"}, headers=await headers_for(Role.auditor)
    )
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["query", "q"]


async def test_an_escaped_backslash_u_is_ordinary_text(client, headers_for):
    """Only a real NUL is refused: the six characters \\u0000 typed as text are fine."""
    body = {
        "uscc": new_uscc(), "name": "文水县\\u0000有限公司", "subject_type": "enterprise",
        "legal_representative": "张三", "town": "凤城镇", "industry_code": "C1311",
    }  # fmt: skip
    r = await client.post("/api/v1/employers", json=body, headers=await headers_for(Role.inspector))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "文水县\\u0000有限公司"
