"""Interviews (约谈, Art 13(2)) over HTTP: each one entered in the employer's credit record."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.accounts import auth
from app.core.clock import Clock
from app.models.user import Role
from tests.conftest import assert_problem

BASE = "/api/v1/interviews"


def body(employer_id: Any, interviewed_on: date, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "employer_id": str(employer_id),
        "interviewed_on": interviewed_on.isoformat(),
        "subject": "拖欠农民工工资问题",
        "location": "县人社局三楼会议室",
        "persons": [
            {"name": "张建国", "role": "legal_representative"},
            {"name": "王强", "role": "directly_responsible", "position": "项目经理"},
        ],
        "officers": ["刘监察", " 陈监察 "],
        "summary": "告知评为C级的原因及后果，要求限期整改",
        "commitments": "30日内足额支付拖欠工资",
    }
    values.update(over)
    return values


@pytest.fixture
def on(clock: Clock) -> date:
    """Today by the app's clock."""
    return clock.today()


@pytest.fixture
def signed_in(make_user, settings, clock):  # type: ignore[no-untyped-def]
    """A new account of `role`: its user id and its headers."""

    async def sign_in(role: Role) -> tuple[str, dict[str, str]]:
        user = await make_user(role)
        return str(user.id), {"Authorization": f"Bearer {auth.issue_token(user, settings, clock)}"}

    return sign_in


async def test_an_interview_is_entered_in_the_credit_record_as_a_draft(
    client, session, make_employer, signed_in, on
):
    employer = await make_employer()
    inspector_id, inspector = await signed_in(Role.inspector)
    r = await client.post(BASE, json=body(employer.id, on), headers=inspector)
    assert r.status_code == 201, r.text
    interview = r.json()
    assert r.headers["location"] == f"{BASE}/{interview['id']}"
    assert interview["officers"] == ["刘监察", "陈监察"]
    assert interview["persons"][1] == {
        "name": "王强", "role": "directly_responsible", "position": "项目经理",
    }  # fmt: skip
    assert interview["evaluation_id"] is None and interview["created_by"] == inspector_id
    record_url = f"/api/v1/credit-records/{interview['credit_record_id']}"
    record = (await client.get(record_url, headers=inspector)).json()
    assert (record["status"], record["kind"], record["category"], record["source"]) == (
        "draft", "interview", "basic", "inspection",
    )  # fmt: skip
    assert record["title"] == "约谈: 拖欠农民工工资问题"
    assert record["occurred_date"] == on.isoformat()
    assert record["collected_by"] == inspector_id and record["punished"] is False
    assert "王强（项目经理）" in record["description"] and "30日内" in record["description"]
    _, reviewer = await signed_in(Role.reviewer)
    verified = await client.post(f"{record_url}/verification", headers=reviewer)
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    read = await client.get(f"{BASE}/{interview['id']}", headers=reviewer)
    assert read.json() == interview
    audited = await session.scalar(
        text("SELECT action FROM audit_events WHERE resource_id = :id"), {"id": interview["id"]}
    )
    assert audited == "interview.create"


async def test_a_reviewer_who_entered_it_cannot_verify_its_record(
    client, make_employer, signed_in, on
):
    _, reviewer = await signed_in(Role.reviewer)
    r = await client.post(BASE, json=body((await make_employer()).id, on), headers=reviewer)
    assert r.status_code == 201, r.text
    record_url = f"/api/v1/credit-records/{r.json()['credit_record_id']}"
    refused = await client.post(f"{record_url}/verification", headers=reviewer)
    assert assert_problem(refused, 403)["reason"] == "same_person"


async def test_access_per_role(client, make_employer, headers_for, on):
    employer, other = await make_employer(), await make_employer()
    inspector = await headers_for(Role.inspector)
    mine = (await client.post(BASE, json=body(employer.id, on), headers=inspector)).json()
    theirs = (await client.post(BASE, json=body(other.id, on), headers=inspector)).json()
    for role in (Role.admin, Role.auditor, Role.employer):
        refused = await client.post(
            BASE, json=body(employer.id, on), headers=await headers_for(role)
        )
        assert_problem(refused, 403)
    for role in (Role.admin, Role.auditor, Role.reviewer):
        reader = await headers_for(role)
        assert (await client.get(f"{BASE}/{mine['id']}", headers=reader)).status_code == 200
    own = await headers_for(Role.employer, employer_id=employer.id)
    assert (await client.get(f"{BASE}/{mine['id']}", headers=own)).status_code == 200
    assert_problem(await client.get(f"{BASE}/{theirs['id']}", headers=own), 404)
    listed = await client.get(BASE, headers=own)
    assert [i["id"] for i in listed.json()["items"]] == [mine["id"]]
    assert_problem(await client.get(BASE, params={"employer_id": str(other.id)}, headers=own), 404)
    assert_problem(await client.get(BASE), 401)


async def test_list_filters_by_employer_and_inclusive_dates_with_keyset_pages(
    client, make_employer, headers_for, on
):
    employer = await make_employer()
    inspector = await headers_for(Role.inspector)
    days = [on - timedelta(days=n) for n in (30, 20, 10)]
    for day in days:
        r = await client.post(BASE, json=body(employer.id, day), headers=inspector)
        assert r.status_code == 201, r.text
    await client.post(BASE, json=body((await make_employer()).id, on), headers=inspector)
    params: dict[str, Any] = {
        "employer_id": str(employer.id),
        "interviewed_from": days[0].isoformat(),
        "interviewed_to": days[1].isoformat(),
        "limit": 1,
    }
    first = (await client.get(BASE, params=params, headers=inspector)).json()
    assert [i["interviewed_on"] for i in first["items"]] == [days[1].isoformat()]
    rest = await client.get(
        BASE, params={**params, "cursor": first["next_cursor"]}, headers=inspector
    )
    assert [i["interviewed_on"] for i in rest.json()["items"]] == [days[0].isoformat()]
    assert rest.json()["next_cursor"] is None
    every = await client.get(BASE, params={"employer_id": str(employer.id)}, headers=inspector)
    assert len(every.json()["items"]) == 3
    forged = await client.get(BASE, params={"cursor": "WyJ4IiwgInkiXQ"}, headers=inspector)
    assert assert_problem(forged, 422)["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    ("over", "loc", "kind"),
    [
        ({"employer_id": str(uuid.uuid4())}, ["body", "employer_id"], "unknown"),
        ({"interviewed_on": "2099-01-01"}, ["body", "interviewed_on"], "date.future"),
        ({"persons": []}, ["body", "persons"], "too_short"),
        ({"persons": [{"name": "", "role": "principal"}]}, ["body", "persons", 0, "name"],
         "string_too_short"),
        ({"persons": [{"name": "甲", "role": "boss"}]}, ["body", "persons", 0, "role"], "enum"),
        ({"officers": []}, ["body", "officers"], "too_short"),
        ({"officers": ["刘" * 51]}, ["body", "officers", 0], "string_too_long"),
        ({"officers": ["  "]}, ["body", "officers", 0], "string_too_short"),
        ({"officers": [f"监察{n}" for n in range(11)]}, ["body", "officers"], "too_long"),
        ({"subject": "x" * 151}, ["body", "subject"], "string_too_long"),
        ({"summary": ""}, ["body", "summary"], "string_too_short"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_precise_422_and_nothing_written(
    client, make_employer, headers_for, on, over, loc, kind
):
    employer = await make_employer()
    inspector = await headers_for(Role.inspector)
    r = await client.post(BASE, json={**body(employer.id, on), **over}, headers=inspector)
    problem = assert_problem(r, 422)
    assert {"loc": loc, "type": kind} in [
        {"loc": e["loc"], "type": e["type"]} for e in problem["errors"]
    ]
    listed = await client.get(BASE, params={"employer_id": str(employer.id)}, headers=inspector)
    assert listed.json()["items"] == []
    records = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=inspector)
    assert records.json()["items"] == []


async def test_database_keeps_interviews_and_their_content(
    client, session, make_employer, headers_for, on
):
    inspector = await headers_for(Role.inspector)
    r = await client.post(BASE, json=body((await make_employer()).id, on), headers=inspector)
    params = {"id": uuid.UUID(r.json()["id"])}
    for statement in (
        "DELETE FROM interviews WHERE id = :id",
        "UPDATE interviews SET summary = 'rewritten' WHERE id = :id",
        "UPDATE interviews SET persons = '[]'::jsonb WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="never deleted nor changed"):
            async with session.begin_nested():
                await session.execute(text(statement), params)
    # linking the grade that led to it, later, is allowed
    await session.execute(
        text("UPDATE interviews SET evaluation_id = gen_random_uuid() WHERE id = :id"), params
    )
