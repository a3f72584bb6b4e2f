"""Art 18: the policy's own lifetime. 文人社字〔2022〕46号 was valid to 2024-12-25; on the pinned
clock (2026-11-26) grading under it still works but is flagged — in the evaluation, in /readyz
and in the `policy_lapsed` gauge — until an admin records an extension or a succeeding policy."""

from __future__ import annotations

import re
from datetime import date

from app.models.policy import WENSHUI_2022
from app.models.user import Role
from tests.conftest import assert_problem
from tests.disclosure.support import final_evaluation
from tests.reports.pdf_text import text_of

GAUGE = re.compile(r"^policy_lapsed (\S+)$", re.MULTILINE)
EXTENSION = {"valid_until": "2026-12-31", "document": "文人社字〔2024〕58号"}


async def _gauge(client) -> float:  # type: ignore[no-untyped-def]
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    found = GAUGE.search(response.text)
    assert found, "policy_lapsed is not in /metrics"
    return float(found.group(1))


async def _evaluation(client, headers, evaluation_id) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/evaluations/{evaluation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_grading_past_the_policy_s_validity_is_flagged_until_an_extension(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for
):
    employer = await make_employer()
    evaluation = await final_evaluation(session, employer.id, grade="A")  # effective 2026-11-01
    staff = await headers_for(Role.auditor)

    shown = await _evaluation(client, staff, evaluation.id)
    assert shown["policy_lapsed"] is True
    assert "文人社字〔2022〕46号" in shown["policy_note"] and "2024-12-25" in shown["policy_note"]
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    [rules, measures] = [w for w in ready.json()["warnings"] if "46号" in w]
    assert "评价规则（第1版）" in rules and "监管措施目录（第1版）" in measures
    assert await _gauge(client) == 1
    reviewer = await headers_for(Role.reviewer)
    yearly = (await client.get("/api/v1/reports/yearly/2026", headers=reviewer)).json()
    assert yearly["policy"]["lapsed_evaluations"] >= 1
    assert any("46号" in w for w in yearly["policy"]["warnings"])
    pdf_text = text_of(
        (await client.get("/api/v1/reports/yearly/2026.pdf", headers=reviewer)).content
    )
    assert "提示（第十八条）" in pdf_text and "所依据的政策已过有效期" in pdf_text

    url = f"/api/v1/policies/{WENSHUI_2022}/extension"
    extended = await client.post(url, json=EXTENSION, headers=await headers_for(Role.admin))
    assert extended.status_code == 200, extended.text
    assert extended.json()["valid_until"] == "2024-12-25"  # as issued
    assert extended.json()["valid_until_now"] == "2026-12-31"
    assert [e["document"] for e in extended.json()["extensions"]] == ["文人社字〔2024〕58号"]

    shown = await _evaluation(client, staff, evaluation.id)
    assert (shown["policy_lapsed"], shown["policy_note"]) == (False, None)
    assert not [w for w in (await client.get("/readyz")).json()["warnings"] if "46号" in w]
    assert await _gauge(client) == 0
    yearly = (await client.get("/api/v1/reports/yearly/2026", headers=reviewer)).json()
    assert yearly["policy"] == {"lapsed_evaluations": 0, "warnings": []}
    pdf_text = text_of(
        (await client.get("/api/v1/reports/yearly/2026.pdf", headers=reviewer)).content
    )
    assert "提示（第十八条）" not in pdf_text


async def test_a_succeeding_policy_covers_what_implemented_the_old_one(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for
):
    employer = await make_employer()
    evaluation = await final_evaluation(session, employer.id, grade="B")
    new = {
        "name": "文水县用人单位劳动保障信用分级分类监管办法",
        "document_number": "文人社字〔2025〕3号",
        "valid_from": "2025-01-01",
        "valid_until": "2026-12-31",
        "succeeds_id": str(WENSHUI_2022),
    }
    admin = await headers_for(Role.admin)
    created = await client.post("/api/v1/policies", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/api/v1/policies/{created.json()['id']}"
    shown = await _evaluation(client, await headers_for(Role.reviewer), evaluation.id)
    assert shown["policy_lapsed"] is False

    listed = await client.get("/api/v1/policies", headers=await headers_for(Role.inspector))
    assert [p["document_number"] for p in listed.json()["items"]] == [
        "文人社字〔2022〕46号",
        "文人社字〔2025〕3号",
    ]


async def test_an_extension_that_still_ends_before_today_keeps_the_flag(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for
):
    employer = await make_employer()
    evaluation = await final_evaluation(session, employer.id, grade="A")
    url = f"/api/v1/policies/{WENSHUI_2022}/extension"
    short = {"valid_until": "2025-12-25", "document": "文人社字〔2024〕58号"}
    assert (await client.post(url, json=short, headers=await headers_for(Role.admin))).is_success
    shown = await _evaluation(client, await headers_for(Role.auditor), evaluation.id)
    assert shown["policy_lapsed"] is True and "2025-12-25" in shown["policy_note"]


async def test_bad_policies_are_refused_and_change_nothing(client, headers_for):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    url = f"/api/v1/policies/{WENSHUI_2022}/extension"
    before = {"valid_until": "2022-01-01", "document": "文人社字〔2024〕58号"}
    body = assert_problem(await client.post(url, json=before, headers=admin), 422)
    assert body["type"].endswith("/policy-invalid")
    assert body["errors"][0]["loc"] == ["body", "valid_until"]

    unknown = "/api/v1/policies/3f0c5e2a-0000-4000-8000-000000000000/extension"
    assert_problem(await client.post(unknown, json=EXTENSION, headers=admin), 404)

    again = {"name": "重复", "document_number": "文人社字〔2022〕46号", "valid_from": "2022-12-26"}
    zh = {**admin, "Accept-Language": "zh"}
    body = assert_problem(await client.post("/api/v1/policies", json=again, headers=zh), 409)
    assert body["type"].endswith("/policy-exists") and "已登记" in body["detail"]

    orphan = {
        "name": "新办法",
        "document_number": "文人社字〔2026〕1号",
        "valid_from": "2026-01-01",
        "succeeds_id": "3f0c5e2a-0000-4000-8000-000000000000",
    }
    body = assert_problem(await client.post("/api/v1/policies", json=orphan, headers=admin), 422)
    assert body["errors"][0]["loc"] == ["body", "succeeds_id"]

    shown = await client.get(f"/api/v1/policies/{WENSHUI_2022}", headers=admin)
    assert shown.json()["extensions"] == [] and shown.json()["valid_until_now"] == "2024-12-25"
    listed = await client.get("/api/v1/policies", headers=admin)
    assert len(listed.json()["items"]) == 1


async def test_rule_sets_carry_their_policy(client, headers_for, today):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    first = await client.get("/api/v1/rule-sets/1", headers=admin)
    assert first.json()["policy_id"] == str(WENSHUI_2022)
    rules = first.json()["rules"]
    body = {"effective_from": date(2027, 1, 1).isoformat(), "rules": rules}
    created = await client.post("/api/v1/rule-sets", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["policy_id"] == str(WENSHUI_2022)  # the newest begun by then

    unknown = {**body, "effective_from": "2028-01-01",
               "policy_id": "3f0c5e2a-0000-4000-8000-000000000000"}  # fmt: skip
    refused = assert_problem(
        await client.post("/api/v1/rule-sets", json=unknown, headers=admin), 422
    )
    assert refused["type"].endswith("/policy-invalid")
    assert refused["errors"][0]["loc"] == ["body", "policy_id"]
