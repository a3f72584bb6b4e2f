"""Four eyes on a wage-arrears listing (Art 8, 人社部令第45号): one reviewer enters it as a
draft, not in force; a second one verifies it, which lists the unit and writes its record."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.core.clock import add_months
from app.models.audit import AuditEvent
from app.models.user import Role
from tests.api.test_blacklist import BASE, _draft, _patch, _removal
from tests.conftest import assert_problem

PREVIEW = "/api/v1/evaluations/preview"
SAME_PERSON = "/problems/same-person"


@pytest.fixture
async def reviewers(headers_for):  # type: ignore[no-untyped-def]
    """Two reviewers: the one who enters, the one who verifies."""
    return await headers_for(Role.reviewer), await headers_for(Role.reviewer)


@pytest.fixture
def listed_on() -> date:
    return date(2025, 3, 1)


async def _grade(client, headers, employer_id, cycle: int) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    r = await client.get(
        PREVIEW, params={"employer_id": str(employer_id), "cycle": cycle}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()["grade"], [item["rule_id"] for item in r.json()["explanation"]]


async def _events_about(session, entry_id: str) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        text("SELECT event_type, record_id FROM credit_events WHERE subject_id = :id ORDER BY id"),
        {"id": uuid.UUID(entry_id)},
    )
    return [tuple(row) for row in rows]


async def _audit_count(session) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_a_draft_is_not_in_force_nor_counted_nor_shown_to_its_employer(
    client, session, make_employer, headers_for, reviewers, listed_on
):
    enterer, _ = reviewers
    employer = await make_employer()
    draft = await _draft(client, enterer, employer.id, listed_on)
    assert draft["status"] == "draft"
    assert (draft["credit_record_id"], draft["verified_by"], draft["verified_at"]) == (
        None, None, None,
    )  # fmt: skip
    assert draft["listed_by"] and draft["version"] == 1
    assert draft["expires_on"] == add_months(listed_on, 36).isoformat()
    records = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=enterer)
    assert records.json()["items"] == []
    assert await _grade(client, enterer, employer.id, 2025) == ("A", ["A.no_punishment"])
    assert await _events_about(session, draft["id"]) == []
    awaiting = await client.get(BASE, params={"status": "draft"}, headers=enterer)
    assert draft["id"] in {e["id"] for e in awaiting.json()["items"]}

    own = await headers_for(Role.employer, employer_id=employer.id)
    assert_problem(await client.get(f"{BASE}/{draft['id']}", headers=own), 404)
    assert (await client.get(BASE, headers=own)).json()["items"] == []

    removal = await client.post(f"{BASE}/{draft['id']}/removal", json=_removal(), headers=enterer)
    problem = assert_problem(removal, 409)
    assert problem["type"].endswith("/listing-awaiting-verification")
    assert problem["listing_status"] == "draft" and "not in force" in problem["detail"]
    update = await _patch(client, enterer, draft, arrears_paid_on=str(listed_on))
    assert assert_problem(update, 409)["type"].endswith("/listing-awaiting-verification")
    again = (await client.get(f"{BASE}/{draft['id']}", headers=enterer)).json()
    assert (again["status"], again["version"], again["removed_on"]) == ("draft", 1, None)


async def test_a_second_reviewer_s_verification_lists_the_unit_and_grades_it(
    client, session, make_employer, reviewers, listed_on
):
    enterer, verifier = reviewers
    employer = await make_employer()
    draft = await _draft(client, enterer, employer.id, listed_on)

    r = await client.post(f"{BASE}/{draft['id']}/verification", headers=verifier)

    assert r.status_code == 200, r.text
    entry = r.json()
    assert (entry["status"], entry["version"], r.headers["etag"]) == ("listed", 2, '"2"')
    assert entry["verified_by"] and entry["verified_by"] != entry["listed_by"]
    assert entry["verified_at"] and entry["credit_record_id"]
    assert entry["expires_on"] == draft["expires_on"]  # the term counts from listed_on
    record = (
        await client.get(f"/api/v1/credit-records/{entry['credit_record_id']}", headers=verifier)
    ).json()
    assert (record["status"], record["kind"], record["decision_date"]) == (
        "verified", "wage_arrears_listing", listed_on.isoformat(),
    )  # fmt: skip
    assert record["penalty_valid_until"] == entry["expires_on"]
    for cycle in (2025, 2026):
        grade = await _grade(client, enterer, employer.id, cycle)
        assert grade == ("C", ["C.wage_arrears_list"]), cycle
    assert await _grade(client, enterer, employer.id, 2024) == ("A", ["A.no_punishment"])
    record_id = uuid.UUID(entry["credit_record_id"])
    assert await _events_about(session, entry["id"]) == [("listing.listed", record_id)]
    verified = await session.scalar(
        text("SELECT count(*) FROM credit_events WHERE subject_id = :id "
             "AND event_type = 'record.verified'"),
        {"id": record_id},
    )  # fmt: skip
    assert verified == 1
    audited = await session.execute(
        text("SELECT action, changes->'status'->>'new' FROM audit_events "
             "WHERE resource_id = :id ORDER BY seq"),
        {"id": entry["id"]},
    )  # fmt: skip
    assert audited.all() == [
        ("blacklist_entry.create", "draft"),
        ("blacklist_entry.verify", "listed"),
    ]

    twice = await client.post(f"{BASE}/{draft['id']}/verification", headers=verifier)
    problem = assert_problem(twice, 409)
    assert problem["type"].endswith("/listing-not-draft") and problem["listing_status"] == "listed"


async def test_the_reviewer_who_entered_it_cannot_verify_it_and_nothing_changes(
    client, session, make_employer, reviewers, listed_on
):
    enterer, _ = reviewers
    employer = await make_employer()
    draft = await _draft(client, enterer, employer.id, listed_on)
    audits = await _audit_count(session)

    r = await client.post(f"{BASE}/{draft['id']}/verification", headers=enterer)

    problem = assert_problem(r, 403)
    assert problem["type"] == SAME_PERSON and problem["title"] == "A second person must do this"
    assert "a second reviewer must" in problem["detail"]
    assert problem["listed_by"] == draft["listed_by"]
    after = (await client.get(f"{BASE}/{draft['id']}", headers=enterer)).json()
    assert (after["status"], after["version"], after["credit_record_id"]) == ("draft", 1, None)
    records = await client.get(f"/api/v1/employers/{employer.id}/credit-records", headers=enterer)
    assert records.json()["items"] == []
    assert await _events_about(session, draft["id"]) == []
    assert await _audit_count(session) == audits
    assert await _grade(client, enterer, employer.id, 2025) == ("A", ["A.no_punishment"])
    chinese = await client.post(
        f"{BASE}/{draft['id']}/verification", headers={**enterer, "Accept-Language": "zh"}
    )
    body = assert_problem(chinese, 403)
    assert body["title"] == "需要另一人办理" and "两人确认" in body["detail"]


async def test_a_unit_listed_meanwhile_cannot_be_listed_twice(
    client, make_employer, reviewers, listed_on
):
    enterer, verifier = reviewers
    employer = await make_employer()
    first = await _draft(client, enterer, employer.id, listed_on)
    second = await _draft(client, enterer, employer.id, listed_on + timedelta(days=3))
    listed = await client.post(f"{BASE}/{first['id']}/verification", headers=verifier)
    assert listed.status_code == 200, listed.text

    r = await client.post(f"{BASE}/{second['id']}/verification", headers=verifier)

    problem = assert_problem(r, 409)
    assert problem["type"].endswith("/employer-already-listed")
    assert problem["existing_id"] == first["id"]
    still = (await client.get(f"{BASE}/{second['id']}", headers=enterer)).json()
    assert still["status"] == "draft"


async def test_an_unknown_listing_is_a_404_naming_it(client, reviewers):
    _, verifier = reviewers
    missing = uuid.uuid4()
    r = await client.post(f"{BASE}/{missing}/verification", headers=verifier)
    problem = assert_problem(r, 404)
    assert problem["type"].endswith("/listing-not-found") and str(missing) in problem["detail"]


async def test_the_database_keeps_a_draft_s_decision_and_lets_it_only_be_verified(
    client, session, make_employer, reviewers, listed_on
):
    enterer, _ = reviewers
    draft = await _draft(client, enterer, (await make_employer()).id, listed_on)
    params = {"id": uuid.UUID(draft["id"])}
    for statement in (
        "UPDATE blacklist_entries SET amount_owed = 1 WHERE id = :id",
        "UPDATE blacklist_entries SET status = 'removed', removal_kind = 'early' WHERE id = :id",
        "DELETE FROM blacklist_entries WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match=r"never|only becomes a listing"):
            async with session.begin_nested():
                await session.execute(text(statement), params)
    with pytest.raises(DBAPIError, match="ck_blacklist_entries_verified"):
        async with session.begin_nested():  # in force without its record
            await session.execute(
                text("UPDATE blacklist_entries SET status = 'listed', verified_at = now() "
                     "WHERE id = :id"),
                params,
            )  # fmt: skip
