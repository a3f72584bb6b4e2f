"""Corrections over HTTP: a draft version N+1 beside the verified version N, which stays in force
until a second person verifies the correction; one open correction per record; withdrawal; a
trusted source keeps its own rule; grading follows N until the correction takes effect."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import clients
from app.core import actors
from app.models.audit import AuditEvent
from app.models.client import ApiClientCreate, ClientSource
from app.models.event import CreditEvent
from app.models.user import Role
from tests.api.test_credit_records import body
from tests.api.test_intake import item, send
from tests.conftest import assert_problem

BASE = "/api/v1/credit-records"
PROBLEMS = "/problems/"


@pytest.fixture
async def trusted_key(session: AsyncSession) -> dict[str, str]:
    """X-API-Key headers of a trusted machine client: its records arrive verified."""
    data = ApiClientCreate(
        name=f"社保系统 {uuid.uuid4().hex[:6]}", source=ClientSource.social_insurance, trusted=True
    )
    _, key = await clients.create(session=session, data=data, actor=actors.system())
    return {"X-API-Key": key}


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return str((await client.get("/api/v1/auth/me", headers=headers)).json()["id"])


async def _verified(client, employer_id, inspector, reviewer, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(BASE, json=body(employer_id, **over), headers=inspector)
    assert r.status_code == 201, r.text
    v = await client.post(f"{BASE}/{r.json()['id']}/verification", headers=reviewer)
    assert v.status_code == 200, v.text
    return dict(v.json())


def _correction(employer_id: Any, reason: str = "罚款金额录入错误", **over: Any) -> dict[str, Any]:
    return {**body(employer_id, **over), "reason": reason}


async def _propose(client, record_id, data, headers) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    c = await client.post(f"{BASE}/{record_id}/corrections", json=data, headers=headers)
    assert c.status_code == 201, c.text
    assert c.headers["location"] == f"{BASE}/{c.json()['id']}"
    return dict(c.json())


async def _get(client, record_id, headers) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.get(f"{BASE}/{record_id}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _events(session: AsyncSession, *record_ids: str) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(CreditEvent.event_type, CreditEvent.record_id)
        .where(CreditEvent.record_id.in_([uuid.UUID(i) for i in record_ids]))  # type: ignore[attr-defined]
        .order_by(CreditEvent.id)
    )
    return [(str(kind), str(record_id)) for kind, record_id in rows]


async def _audit_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_a_correction_is_a_draft_in_force_only_once_a_second_person_verifies_it(
    client, session, headers_for, make_employer
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    n = await _verified(client, employer.id, inspector, reviewer)
    # an inspector may propose a correction, as they may enter a record
    draft = await _propose(
        client, n["id"], _correction(employer.id, fine_amount="15000.00"), inspector
    )
    assert (draft["version"], draft["status"], draft["supersedes_id"]) == (2, "draft", n["id"])
    assert draft["correction_reason"] == "罚款金额录入错误"
    assert draft["collected_by"] == await _me(client, inspector)  # who proposed it
    assert (draft["verified_by"], draft["verified_at"], draft["fine_amount"]) == (
        None,
        None,
        "15000.00",
    )
    # N stays verified and in force: unlinked, listed as the verified version, the employer's
    still = await _get(client, n["id"], reviewer)
    assert (still["status"], still["superseded_by_id"]) == ("verified", None)
    verified = await client.get(
        BASE, params={"employer_id": str(employer.id), "status": "verified"}, headers=reviewer
    )
    assert [r["id"] for r in verified.json()["items"]] == [n["id"]]
    own = await headers_for(Role.employer, employer_id=employer.id)
    mine = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=own)
    assert [(r["id"], r["fine_amount"]) for r in mine.json()["items"]] == [(n["id"], "20000.00")]
    assert_problem(await client.get(f"{BASE}/{draft['id']}", headers=own), 404)
    # staff see the pending correction on the record's history
    history = (await client.get(f"{BASE}/{n['id']}/history", headers=reviewer)).json()
    assert [(v["version"], v["status"]) for v in history["versions"]] == [
        (1, "verified"),
        (2, "draft"),
    ]
    assert history["transitions"][-1]["action"] == "credit_record.correct"
    assert history["transitions"][-1]["changes"]["reason"]["new"] == "罚款金额录入错误"
    assert await _events(session, n["id"], draft["id"]) == [("record.verified", n["id"])]

    # another reviewer verifies it: N+1 verified, N superseded, linked both ways
    second = await headers_for(Role.reviewer)
    v = await client.post(f"{BASE}/{draft['id']}/verification", headers=second)
    assert v.status_code == 200, v.text
    new = v.json()
    assert (new["status"], new["verified_by"]) == ("verified", await _me(client, second))
    assert new["collected_by"] == draft["collected_by"]
    old = await _get(client, n["id"], reviewer)
    assert (old["status"], old["superseded_by_id"]) == ("superseded", new["id"])
    mine = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=own)
    assert [(r["id"], r["fine_amount"]) for r in mine.json()["items"]] == [(new["id"], "15000.00")]
    events = await _events(session, n["id"], draft["id"])
    assert events == [("record.verified", n["id"]), ("record.corrected", draft["id"])]
    corrected = await session.scalar(
        select(CreditEvent).where(CreditEvent.record_id == uuid.UUID(draft["id"]))
    )
    assert corrected is not None
    assert corrected.payload["previous_id"] == n["id"]
    assert corrected.payload["reason"] == "罚款金额录入错误"
    assert corrected.payload["status"] == "verified"
    history = (await client.get(f"{BASE}/{n['id']}/history", headers=reviewer)).json()
    assert [t["action"] for t in history["transitions"]][-3:] == [
        "credit_record.correct",
        "credit_record.supersede",
        "credit_record.verify",
    ]
    # verified once: again is a 409, and emits nothing more
    assert_problem(await client.post(f"{BASE}/{draft['id']}/verification", headers=second), 409)
    assert len(await _events(session, n["id"], draft["id"])) == 2


async def test_the_proposer_verifying_their_correction_is_a_403_that_changes_nothing(
    client, session, headers_for, make_employer
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    n = await _verified(client, employer.id, inspector, reviewer)
    proposer = await headers_for(Role.reviewer)
    draft = await _propose(client, n["id"], _correction(employer.id, title="拖欠11名"), proposer)
    audits = await _audit_count(session)
    refused = assert_problem(
        await client.post(f"{BASE}/{draft['id']}/verification", headers=proposer), 403
    )
    assert refused["type"] == PROBLEMS + "same-person"
    assert refused["title"] == "A second person must do this"
    assert draft["id"] in refused["detail"] and "another reviewer" in refused["detail"]
    assert (await _get(client, draft["id"], reviewer))["status"] == "draft"
    assert (await _get(client, n["id"], reviewer))["status"] == "verified"
    assert await _audit_count(session) == audits
    assert await _events(session, n["id"], draft["id"]) == [("record.verified", n["id"])]
    # in Chinese by default
    zh = await client.post(
        f"{BASE}/{draft['id']}/verification", headers={**proposer, "Accept-Language": "zh"}
    )
    assert zh.json()["title"] == "需要另一人办理"
    # the collector of version N may verify someone else's correction of it
    ok = await client.post(f"{BASE}/{draft['id']}/verification", headers=reviewer)
    assert ok.status_code == 200, ok.text


async def test_one_open_correction_per_record_and_withdrawal(client, headers_for, make_employer):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    n = await _verified(client, employer.id, inspector, reviewer)
    first = await _propose(client, n["id"], _correction(employer.id, title="甲"), inspector)
    second = await client.post(
        f"{BASE}/{n['id']}/corrections", json=_correction(employer.id, title="乙"), headers=reviewer
    )
    pending = assert_problem(second, 409)
    assert pending["type"] == PROBLEMS + "correction-pending"
    assert pending["pending_id"] == first["id"] and first["id"] in pending["detail"]
    # a draft correction is not itself corrected; a first draft is not withdrawn
    not_correctable = assert_problem(
        await client.post(
            f"{BASE}/{first['id']}/corrections", json=_correction(employer.id), headers=reviewer
        ),
        409,
    )
    assert not_correctable["type"] == PROBLEMS + "record-not-correctable"
    first_draft = await client.post(BASE, json=body(employer.id), headers=inspector)
    not_withdrawable = assert_problem(
        await client.post(
            f"{BASE}/{first_draft.json()['id']}/withdrawal", json={"reason": "x"}, headers=inspector
        ),
        409,
    )
    assert not_withdrawable["type"] == PROBLEMS + "record-not-withdrawable"
    # only its proposer or a reviewer withdraws it
    other = await headers_for(Role.inspector)
    forbidden = assert_problem(
        await client.post(f"{BASE}/{first['id']}/withdrawal", json={"reason": "x"}, headers=other),
        403,
    )
    assert forbidden["type"] == PROBLEMS + "withdrawal-not-allowed"
    w = await client.post(
        f"{BASE}/{first['id']}/withdrawal", json={"reason": "核对后无误"}, headers=reviewer
    )
    assert w.status_code == 200, w.text
    assert (w.json()["status"], w.json()["verified_at"]) == ("withdrawn", None)
    assert_problem(await client.post(f"{BASE}/{first['id']}/verification", headers=reviewer), 409)
    assert (await _get(client, n["id"], reviewer))["status"] == "verified"
    # the record may be corrected again: the next version number, linked to N
    again = await _propose(client, n["id"], _correction(employer.id, title="乙"), reviewer)
    assert (again["version"], again["supersedes_id"]) == (3, n["id"])
    history = (await client.get(f"{BASE}/{n['id']}/history", headers=reviewer)).json()
    assert [(v["version"], v["status"]) for v in history["versions"]] == [
        (1, "verified"),
        (2, "withdrawn"),
        (3, "draft"),
    ]
    withdrawal = next(t for t in history["transitions"] if t["action"] == "credit_record.withdraw")
    assert withdrawal["changes"]["reason"]["new"] == "核对后无误"
    v = await client.post(f"{BASE}/{again['id']}/verification", headers=inspector)
    assert v.status_code == 403  # verifying takes a reviewer
    v = await client.post(
        f"{BASE}/{again['id']}/verification", headers=await headers_for(Role.reviewer)
    )
    assert v.status_code == 200, v.text
    assert (await _get(client, n["id"], reviewer))["superseded_by_id"] == again["id"]


async def test_a_draft_correction_is_edited_by_its_proposer_but_keeps_its_employer(
    client, headers_for, make_employer
):
    employer, other = await make_employer(), await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    n = await _verified(client, employer.id, inspector, reviewer)
    moved = assert_problem(
        await client.post(
            f"{BASE}/{n['id']}/corrections", json=_correction(other.id), headers=inspector
        ),
        422,
    )
    assert moved["type"] == PROBLEMS + "correction-changes-employer"
    assert moved["errors"][0]["loc"] == ["body", "employer_id"]
    draft = await _propose(client, n["id"], _correction(employer.id), inspector)
    etag = (await client.get(f"{BASE}/{draft['id']}", headers=inspector)).headers["etag"]
    edit = await client.patch(
        f"{BASE}/{draft['id']}", json={"employer_id": str(other.id)},
        headers={**inspector, "If-Match": etag},
    )  # fmt: skip
    assert assert_problem(edit, 422)["type"] == PROBLEMS + "correction-changes-employer"
    edit = await client.patch(
        f"{BASE}/{draft['id']}", json={"title": "拖欠14名农民工工资"},
        headers={**inspector, "If-Match": etag},
    )  # fmt: skip
    assert edit.status_code == 200, edit.text
    assert (await _get(client, n["id"], reviewer))["title"] == "拖欠12名农民工工资"
    v = await client.post(f"{BASE}/{draft['id']}/verification", headers=reviewer)
    assert (v.json()["status"], v.json()["title"]) == ("verified", "拖欠14名农民工工资")


async def test_a_correction_of_a_version_revoked_meanwhile_cannot_take_effect(
    client, session, headers_for, make_employer
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    n = await _verified(client, employer.id, inspector, reviewer)
    draft = await _propose(client, n["id"], _correction(employer.id), inspector)
    revocation = {"reason": "行政复议撤销", "revoking_document": "文人社撤字〔2026〕3号"}
    rv = await client.post(f"{BASE}/{n['id']}/revocation", json=revocation, headers=reviewer)
    assert rv.status_code == 200, rv.text
    stale = assert_problem(
        await client.post(f"{BASE}/{draft['id']}/verification", headers=reviewer), 409
    )
    assert (stale["type"], stale["record_status"]) == (PROBLEMS + "correction-stale", "revoked")
    assert (await _get(client, draft["id"], reviewer))["status"] == "draft"
    assert [kind for kind, _ in await _events(session, n["id"], draft["id"])] == [
        "record.verified",
        "record.revoked",
    ]
    w = await client.post(
        f"{BASE}/{draft['id']}/withdrawal", json={"reason": "已撤销"}, headers=inspector
    )
    assert w.json()["status"] == "withdrawn"


async def test_trusted_intake_is_still_verified_at_once_and_withdraws_a_pending_correction(
    client, session, trusted_key, make_employer, headers_for
):
    employer = await make_employer()
    key = trusted_key
    reviewer = await headers_for(Role.reviewer)
    first = (await send(client, key, [item("TC-1", employer.uscc)])).json()["items"][0]
    n = await _get(client, first["record_id"], reviewer)
    assert n["status"] == "verified"
    proposal = {
        **{
            k: v for k, v in item("TC-1", employer.uscc).items() if k not in {"external_id", "uscc"}
        },
        "employer_id": str(employer.id),
        "source": "social_insurance",
        "fine_amount": "6000.00",
        "reason": "罚款金额录入错误",
    }
    draft = await _propose(client, n["id"], proposal, reviewer)
    # the same content again is still unchanged: answered by the version in force, N
    same = (await send(client, key, [item("TC-1", employer.uscc)])).json()["items"][0]
    assert (same["outcome"], same["record_id"]) == ("unchanged", n["id"])
    changed = item("TC-1", employer.uscc, fine_amount="7000.00")
    r = (await send(client, key, [changed])).json()["items"][0]
    assert r["outcome"] == "corrected", r
    new = await _get(client, r["record_id"], reviewer)
    assert (new["version"], new["status"], new["fine_amount"]) == (3, "verified", "7000.00")
    assert (new["supersedes_id"], new["verified_by"]) == (n["id"], None)
    assert (await _get(client, n["id"], reviewer))["superseded_by_id"] == new["id"]
    assert (await _get(client, draft["id"], reviewer))["status"] == "withdrawn"
    assert [kind for kind, _ in await _events(session, n["id"], draft["id"], new["id"])] == [
        "record.verified",
        "record.corrected",
    ]
    stale = await client.post(f"{BASE}/{draft['id']}/verification", headers=reviewer)
    assert_problem(stale, 409)


async def _grade(client, headers, employer_id) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    preview = await client.get(
        "/api/v1/evaluations/preview",
        params={"employer_id": str(employer_id), "cycle": 2026},
        headers=headers,
    )
    assert preview.status_code == 200, preview.text
    found = preview.json()
    return found["grade"], [rule["rule_id"] for rule in found["explanation"]]


async def test_grading_follows_version_n_until_the_correction_is_verified(
    client, session, headers_for, make_employer
):
    employer = await make_employer()
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    auditor = await headers_for(Role.auditor)
    n = await _verified(client, employer.id, inspector, reviewer)
    before = await _grade(client, auditor, employer.id)
    assert before[0] == "C"  # a refusal to perform the decision
    no_condition = _correction(employer.id, reason="认定有误", serious_conditions=[])
    draft = await _propose(client, n["id"], no_condition, inspector)
    assert await _grade(client, auditor, employer.id) == before
    assert await _events(session, draft["id"]) == []  # nothing for grading to re-grade yet
    v = await client.post(f"{BASE}/{draft['id']}/verification", headers=reviewer)
    assert v.status_code == 200, v.text
    after = await _grade(client, auditor, employer.id)
    assert after[0] != "C" and after != before
    assert await _events(session, draft["id"]) == [("record.corrected", draft["id"])]
