"""The credit-records API: lifecycle over HTTP, problem+json for bad input, access per role."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from app.models.user import Role
from tests.conftest import new_uscc

BASE = "/api/v1/credit-records"
PDF = b"%PDF-1.7\n" + b"evidence " * 50


def body(employer_id: Any, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "employer_id": str(employer_id),
        "category": "dishonesty",
        "source": "complaint",
        "kind": "wages",
        "occurred_date": "2026-02-20",
        "title": "拖欠12名农民工工资",
        "decision_number": "文人社监罚字〔2026〕12号",
        "decision_date": "2026-03-10",
        "penalty_category": "fine",
        "fine_amount": "20000.00",
        "punished": True,
        "serious_conditions": ["refused_to_perform"],
        "severity": "serious",
        "rectification": {"ordered_date": "2026-03-10"},
        "issuing_authority_uscc": new_uscc("11"),
    }
    values.update(over)
    return values


@pytest.fixture(autouse=True)
def attachments_in_tmp(app, settings, tmp_path):  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(
        update={"attachments_dir": tmp_path, "attachment_max_bytes": 2048}
    )
    return tmp_path


async def _verified(client, employer_id, inspector, reviewer, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(BASE, json=body(employer_id, **over), headers=inspector)
    assert r.status_code == 201, r.text
    v = await client.post(f"{BASE}/{r.json()['id']}/verification", headers=reviewer)
    assert v.status_code == 200, v.text
    return dict(v.json())


async def test_two_reviewer_flow_end_to_end(client, headers_for, make_employer):
    employer = await make_employer()
    inspector = await headers_for(Role.inspector)
    first, second = await headers_for(Role.reviewer), await headers_for(Role.reviewer)
    r = await client.post(BASE, json=body(employer.id), headers=inspector)
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["status"] == "draft" and record["version"] == 1 and record["in_catalogue"]
    assert record["publication_end_date"] == "2029-03-10"  # serious: 36 months
    assert record["rectification"]["ordered_date"] == "2026-03-10"
    rid = record["id"]
    p = await client.patch(
        f"{BASE}/{rid}", json={"title": "拖欠13名农民工工资"},
        headers={**inspector, "If-Match": r.headers["etag"]},
    )  # fmt: skip
    assert p.status_code == 200 and p.headers["etag"] == '"1.2"'
    v = await client.post(f"{BASE}/{rid}/verification", headers=first)
    assert v.json()["status"] == "verified"
    again = await client.patch(
        f"{BASE}/{rid}", json={"title": "x"}, headers={**inspector, "If-Match": '"1.2"'}
    )
    assert again.status_code == 409
    problem = again.json()  # the record's state rides along without replacing the 409
    assert (problem["status"], problem["record_status"]) == (409, "verified")
    correction = {**body(employer.id, fine_amount="15000.00"), "reason": "罚款金额录入错误"}
    c = await client.post(f"{BASE}/{rid}/corrections", json=correction, headers=second)
    assert c.status_code == 201, c.text
    assert (c.json()["version"], c.json()["status"], c.json()["supersedes_id"]) == (2, "draft", rid)
    v = await client.post(f"{BASE}/{c.json()['id']}/verification", headers=first)
    assert v.status_code == 200, v.text
    new = v.json()
    assert (new["version"], new["status"], new["supersedes_id"]) == (2, "verified", rid)
    old = (await client.get(f"{BASE}/{rid}", headers=first)).json()
    assert old["status"] == "superseded" and old["superseded_by_id"] == new["id"]
    stale = await client.post(f"{BASE}/{rid}/corrections", json=correction, headers=first)
    assert stale.status_code == 409 and stale.json()["current_id"] == new["id"]
    revocation = {"reason": "行政复议撤销", "revoking_document": "文人社撤字〔2026〕3号"}
    rv = await client.post(f"{BASE}/{new['id']}/revocation", json=revocation, headers=first)
    assert rv.status_code == 200 and rv.json()["status"] == "revoked"
    h = await client.get(f"{BASE}/{new['id']}/history", headers=first)
    assert [x["version"] for x in h.json()["versions"]] == [1, 2]
    actions = [t["action"] for t in h.json()["transitions"]]
    assert actions[0] == "credit_record.create" and actions[-1] == "credit_record.revoke"
    assert "credit_record.update" in actions and "credit_record.correct" in actions


async def test_collector_verifying_own_record_is_403_with_reason(
    client, headers_for, make_employer
):
    employer = await make_employer()
    reviewer = await headers_for(Role.reviewer)
    r = await client.post(BASE, json=body(employer.id), headers=reviewer)
    v = await client.post(f"{BASE}/{r.json()['id']}/verification", headers=reviewer)
    assert v.status_code == 403 and v.json()["reason"] == "same_person"
    assert v.headers["content-type"] == "application/problem+json"
    inspector = await headers_for(Role.inspector)
    by_inspector = await client.post(f"{BASE}/{r.json()['id']}/verification", headers=inspector)
    assert by_inspector.status_code == 403


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"employer_id": str(uuid.uuid4())}, "employer_id"),
        ({"decision_date": "2099-01-01"}, "decision_date"),
        ({"penalty_category": None}, "fine_amount"),
    ],
)
async def test_bad_input_is_problem_json_and_nothing_written(
    client, headers_for, make_employer, over, field
):
    employer = await make_employer()
    inspector = await headers_for(Role.inspector)
    r = await client.post(BASE, json={**body(employer.id), **over}, headers=inspector)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert ["body", field] in [e["loc"] for e in r.json()["errors"]]
    listed = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=inspector)
    assert listed.json()["items"] == []


async def test_access_per_role(client, headers_for, make_employer):
    employer, other = await make_employer(), await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    verified = await _verified(client, employer.id, inspector, reviewer)
    draft = (await client.post(BASE, json=body(employer.id), headers=inspector)).json()
    await _verified(client, other.id, inspector, reviewer)
    own = await headers_for(Role.employer, employer_id=employer.id)
    file = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=own)
    assert [i["id"] for i in file.json()["items"]] == [verified["id"]]
    assert (await client.get(f"{BASE}/{draft['id']}", headers=own)).status_code == 404
    assert (await client.get(f"{BASE}/{verified['id']}", headers=own)).status_code == 200
    everything = await client.get(BASE, headers=own)
    assert [i["id"] for i in everything.json()["items"]] == [verified["id"]]
    foreign = await client.get(f"/api/v1/employers/{other.id}/credit-records", headers=own)
    assert foreign.status_code == 404
    assert (await client.get(f"{BASE}/{verified['id']}/history", headers=own)).status_code == 403
    assert (await client.get(f"{BASE}/{verified['id']}")).status_code == 401
    for role in (Role.auditor, Role.admin):
        reader = await headers_for(role)
        listed = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=reader)
        assert len(listed.json()["items"]) == 2
        assert (await client.post(BASE, json=body(employer.id), headers=reader)).status_code == 403
    other_inspector = await headers_for(Role.inspector)
    edit = await client.patch(
        f"{BASE}/{draft['id']}", json={"title": "x"},
        headers={**other_inspector, "If-Match": '"1.1"'},
    )  # fmt: skip
    assert edit.status_code == 403
    no_etag = await client.patch(f"{BASE}/{draft['id']}", json={"title": "x"}, headers=inspector)
    assert no_etag.status_code == 428


async def test_employer_file_filters(client, headers_for, make_employer):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    await _verified(client, employer.id, inspector, reviewer)
    honour = body(
        employer.id, category="good", kind="honour", occurred_date="2025-05-01", punished=False,
        serious_conditions=[], penalty_category=None, fine_amount=None, severity=None,
        decision_date=None, decision_number=None,
    )  # fmt: skip
    assert (await client.post(BASE, json=honour, headers=inspector)).status_code == 201
    url = f"/api/v1/employers/{employer.id}/credit-records"
    good = await client.get(url, params={"category": "good"}, headers=inspector)
    assert [i["kind"] for i in good.json()["items"]] == ["honour"]
    assert good.json()["items"][0]["in_catalogue"]  # honours are in the catalogue by default
    in_2026 = await client.get(url, params={"occurred_from": "2026-01-01"}, headers=inspector)
    assert [i["kind"] for i in in_2026.json()["items"]] == ["wages"]
    drafts = await client.get(url, params={"status": "draft"}, headers=inspector)
    assert [i["kind"] for i in drafts.json()["items"]] == ["honour"]
    first = await client.get(url, params={"limit": 1}, headers=inspector)
    rest = await client.get(
        url, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=inspector
    )
    assert rest.json()["items"][0]["kind"] == "honour" and rest.json()["next_cursor"] is None


async def test_attachments_are_listed_in_keyset_pages_in_upload_order(
    client, headers_for, make_employer, attachments_in_tmp
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    record = await _verified(client, employer.id, inspector, reviewer)
    url = f"{BASE}/{record['id']}/attachments"
    for n in range(3):
        files = {"file": (f"第{n}号.pdf", PDF + str(n).encode(), "application/pdf")}
        assert (await client.post(url, files=files, headers=inspector)).status_code == 201
    # (the test's one transaction stamps all three alike: the id breaks the tie)
    first = (await client.get(url, params={"limit": 2}, headers=reviewer)).json()
    rest = await client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=reviewer
    )
    names = [a["file_name"] for a in first["items"] + rest.json()["items"]]
    assert (len(first["items"]), sorted(names)) == (2, ["第0号.pdf", "第1号.pdf", "第2号.pdf"])
    assert rest.json()["next_cursor"] is None


async def test_attachments_stored_by_hash_deduplicated_and_checked(
    client, headers_for, make_employer, attachments_in_tmp
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    record = await _verified(client, employer.id, inspector, reviewer)
    url = f"{BASE}/{record['id']}/attachments"
    before = await client.get(f"{BASE}/{record['id']}", headers=inspector)
    files = {"file": ("处罚决定书.pdf", PDF, "application/pdf")}
    up = await client.post(url, files=files, headers=inspector)
    assert up.status_code == 201, up.text
    digest = hashlib.sha256(PDF).hexdigest()
    assert up.json()["sha256"] == digest and up.json()["size_bytes"] == len(PDF)
    assert (attachments_in_tmp / digest[:2] / digest).read_bytes() == PDF
    assert (await client.post(url, files=files, headers=reviewer)).status_code == 200
    listed = await client.get(url, headers=reviewer)
    assert [a["file_name"] for a in listed.json()["items"]] == ["处罚决定书.pdf"]
    assert listed.json()["next_cursor"] is None
    down = await client.get(f"{url}/{up.json()['id']}", headers=reviewer)
    assert down.content == PDF and down.headers["content-type"] == "application/pdf"
    after = await client.get(f"{BASE}/{record['id']}", headers=inspector)
    assert after.headers["etag"] == before.headers["etag"]  # evidence leaves content alone
    exe = {"file": ("run.exe", b"MZ...", "application/x-msdownload")}
    refused = await client.post(url, files=exe, headers=inspector)
    assert refused.status_code == 415 and "application/pdf" in refused.json()["detail"]
    fake = {"file": ("fake.pdf", b"not a pdf", "application/pdf")}
    assert (await client.post(url, files=fake, headers=inspector)).status_code == 415
    big = {"file": ("big.pdf", b"%PDF-" + b"x" * 4096, "application/pdf")}
    too_large = await client.post(url, files=big, headers=inspector)
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"
    own = await headers_for(Role.employer, employer_id=employer.id)
    assert (await client.get(url, headers=own)).status_code == 403
