"""The wage-arrears joint-punishment list (人社部令第45号) over HTTP, on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core import personal_data
from app.core.clock import Clock, add_months
from app.models.user import Role
from tests.conftest import assert_problem

BASE = "/api/v1/blacklist-entries"
ID_NUMBER = "14112119800101123X"


def body(employer_id: Any, listed_on: date, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "employer_id": str(employer_id),
        "decision_number": "文人社失惩字〔2026〕2号",
        "listed_on": listed_on.isoformat(),
        "payment_order_number": "文人社监令字〔2026〕7号",
        "payment_deadline": (listed_on - timedelta(days=30)).isoformat(),
        "amount_owed": "86000.50",
        "workers_affected": 12,
        "ground": "arrears_over_threshold",
        "facts": "拖欠12名农民工工资，经责令限期支付逾期未付",
        "responsible_persons": [
            {"name": "张建国", "role": "legal_representative", "id_number": ID_NUMBER.lower()},
            {"name": "李四", "role": "actual_controller", "id_number": "141121198505052345"},
        ],
    }
    values.update(over)
    return values


@pytest.fixture
def on(clock: Clock) -> date:
    """Today by the app's clock."""
    return clock.today()


@pytest.fixture
async def staff(headers_for):  # type: ignore[no-untyped-def]
    """Each role's headers; `VERIFIER` is a second reviewer (four eyes)."""
    found: dict[Role | str, dict[str, str]] = {
        role: await headers_for(role) for role in (Role.reviewer, Role.inspector, Role.admin)
    }
    found[VERIFIER] = await headers_for(Role.reviewer)
    return found


VERIFIER = "verifier"


async def _draft(client, headers, employer_id, listed_on: date, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A listing entered by `headers`: a draft awaiting a second reviewer."""
    r = await client.post(BASE, json=body(employer_id, listed_on, **over), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _list(  # type: ignore[no-untyped-def]
    client, enterer, verifier, employer_id, listed_on: date, **over: Any
) -> dict[str, Any]:
    """A listing in force: entered by `enterer`, verified by `verifier`."""
    draft = await _draft(client, enterer, employer_id, listed_on, **over)
    r = await client.post(f"{BASE}/{draft['id']}/verification", headers=verifier)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _patch(client, headers, entry: dict[str, Any], **values: Any):  # type: ignore[no-untyped-def]
    etag = (await client.get(f"{BASE}/{entry['id']}", headers=headers)).headers["etag"]
    return await client.patch(
        f"{BASE}/{entry['id']}", json=values, headers={**headers, "If-Match": etag}
    )


def _removal(kind: str = "early") -> dict[str, str]:
    return {
        "kind": kind,
        "reason": "已足额支付并作出信用承诺",
        "document": "文人社失移字〔2027〕1号",
    }


async def test_a_verified_listing_has_a_verified_dishonesty_record(
    client, session, make_employer, staff, on
):
    employer = await make_employer()
    listed_on = on - timedelta(days=10)
    entry = await _list(client, staff[Role.reviewer], staff[VERIFIER], employer.id, listed_on)
    assert entry["status"] == "listed" and entry["amount_owed"] == "86000.50"
    assert entry["expires_on"] == add_months(listed_on, 36).isoformat()
    assert entry["early_removal_eligible"] is False
    assert entry["early_removal_missing"] == ["arrears_paid", "credit_commitment"]
    r = await client.get(
        f"/api/v1/credit-records/{entry['credit_record_id']}", headers=staff[Role.inspector]
    )
    record = r.json()
    assert (record["status"], record["kind"], record["category"], record["source"]) == (
        "verified", "wage_arrears_listing", "dishonesty", "inspection",
    )  # fmt: skip
    assert record["decision_number"] == "文人社失惩字〔2026〕2号"
    assert record["decision_date"] == listed_on.isoformat()
    assert (record["severity"], record["punished"], record["in_catalogue"]) == (
        "serious", True, True,
    )  # fmt: skip
    assert record["serious_conditions"] == []
    events = await session.execute(
        text(
            "SELECT event_type, subject_type, payload->>'kind' FROM credit_events "
            "WHERE record_id = :id ORDER BY id"
        ),
        {"id": uuid.UUID(entry["credit_record_id"])},
    )
    assert events.all() == [
        ("record.verified", "credit_record", "wage_arrears_listing"),
        ("listing.listed", "blacklist_entry", None),
    ]


async def test_incident_ground_marks_the_group_incident_condition(client, make_employer, staff, on):
    employer = await make_employer()
    entry = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], employer.id, on,
        ground="group_or_extreme_incident", amount_owed="1200.00",
    )  # fmt: skip
    r = await client.get(
        f"/api/v1/credit-records/{entry['credit_record_id']}", headers=staff[Role.reviewer]
    )
    assert r.json()["serious_conditions"] == ["group_incident"]


async def test_term_follows_the_setting_and_leap_days(app, client, make_employer, staff, settings):
    app.state.settings = settings.model_copy(update={"blacklist_term_years": 5})
    employer = await make_employer()
    entry = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], employer.id, date(2024, 2, 29)
    )
    assert entry["expires_on"] == "2029-02-28"


@pytest.mark.parametrize(
    ("paid_months_ago", "commitment", "missing"),
    [
        (None, True, ["arrears_paid"]),
        (2, True, ["waiting_period"]),
        (7, False, ["credit_commitment"]),
        (None, False, ["arrears_paid", "credit_commitment"]),
    ],
)
async def test_early_removal_is_refused_naming_what_is_missing(
    client, make_employer, staff, on, paid_months_ago, commitment, missing
):
    employer = await make_employer()
    reviewer = staff[Role.reviewer]
    entry = await _list(client, reviewer, staff[VERIFIER], employer.id, on - timedelta(days=400))
    values: dict[str, Any] = {}
    if paid_months_ago is not None:
        values["arrears_paid_on"] = add_months(on, -paid_months_ago).isoformat()
    if commitment:
        values["commitment_received_on"] = (on - timedelta(days=1)).isoformat()
    if values:
        assert (await _patch(client, reviewer, entry, **values)).status_code == 200
    read = (await client.get(f"{BASE}/{entry['id']}", headers=reviewer)).json()
    assert read["early_removal_eligible"] is False and read["early_removal_missing"] == missing
    r = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=reviewer)
    problem = assert_problem(r, 409)
    assert problem["missing"] == missing
    if "waiting_period" in missing:
        eligible_from = add_months(add_months(on, -paid_months_ago), 6)
        assert problem["early_removal_eligible_from"] == eligible_from.isoformat()
        assert f"eligible from {eligible_from}" in problem["detail"]
    if "credit_commitment" in missing:
        assert "commitment_received_on not recorded" in problem["detail"]
    again = (await client.get(f"{BASE}/{entry['id']}", headers=reviewer)).json()
    assert again["status"] == "listed"


async def test_early_removal_when_eligible_ends_the_listing_and_keeps_its_record(
    client, session, make_employer, staff, on
):
    employer = await make_employer()
    reviewer = staff[Role.reviewer]
    entry = await _list(client, reviewer, staff[VERIFIER], employer.id, on - timedelta(days=400))
    paid = add_months(on, -6)  # exactly six months: eligible today
    r = await _patch(
        client, reviewer, entry,
        arrears_paid_on=paid.isoformat(), commitment_received_on=on.isoformat(),
    )  # fmt: skip
    assert r.status_code == 200 and r.headers["etag"] == '"3"'
    assert r.json()["early_removal_eligible"] is True
    assert r.json()["early_removal_eligible_from"] == on.isoformat()
    assert r.json()["early_removal_missing"] == []
    removed = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=reviewer)
    assert removed.status_code == 200, removed.text
    out = removed.json()
    assert (out["status"], out["removal_kind"], out["removed_on"]) == ("removed", "early", str(on))
    assert out["removal_document"] == "文人社失移字〔2027〕1号" and out["removed_by"]
    assert out["early_removal_eligible"] is False  # the listing has ended
    record_url = f"/api/v1/credit-records/{entry['credit_record_id']}"
    record = (await client.get(record_url, headers=reviewer)).json()
    assert record["status"] == "verified"  # the listing stays a fact of the years it covered
    events = await session.execute(
        text(
            "SELECT event_type, payload->>'removed_on', payload->>'removal_kind' "
            "FROM credit_events WHERE record_id = :id ORDER BY id"
        ),
        {"id": uuid.UUID(entry["credit_record_id"])},
    )
    assert events.all() == [
        ("record.verified", None, None),
        ("listing.listed", None, None),
        ("listing.removed", str(on), "early"),
    ]
    for again in (
        await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=reviewer),
        await _patch(client, reviewer, entry, arrears_paid_on=str(on)),
    ):
        assert assert_problem(again, 409)["status"] == 409
    relisted = await _list(
        client, reviewer, staff[VERIFIER], employer.id, on
    )  # a new listing is possible again
    assert relisted["id"] != entry["id"]


async def test_removal_at_expiry_only_on_or_after_expires_on(client, make_employer, staff, on):
    reviewer = staff[Role.reviewer]
    current = await _list(
        client, reviewer, staff[VERIFIER], (await make_employer()).id, on - timedelta(days=30)
    )
    early = await client.post(
        f"{BASE}/{current['id']}/removal", json=_removal("expiry"), headers=reviewer
    )
    assert assert_problem(early, 409)["expires_on"] == current["expires_on"]
    old = await _list(
        client, reviewer, staff[VERIFIER], (await make_employer()).id, add_months(on, -36)
    )
    assert old["expires_on"] == on.isoformat()
    r = await client.post(f"{BASE}/{old['id']}/removal", json=_removal("expiry"), headers=reviewer)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["removal_kind"]) == ("expired", "expiry")
    assert r.json()["removed_on"] == str(on)
    record_url = f"/api/v1/credit-records/{old['credit_record_id']}"
    assert (await client.get(record_url, headers=reviewer)).json()["status"] == "verified"


async def test_a_second_active_listing_is_refused(client, make_employer, staff, on):
    employer = await make_employer()
    first = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], employer.id, on - timedelta(days=5)
    )
    r = await client.post(BASE, json=body(employer.id, on), headers=staff[Role.reviewer])
    assert assert_problem(r, 409)["existing_id"] == first["id"]
    listed = await client.get(
        BASE, params={"employer_id": str(employer.id)}, headers=staff[Role.admin]
    )
    assert [e["id"] for e in listed.json()["items"]] == [first["id"]]


async def test_id_numbers_are_encrypted_and_masked_except_for_admins(
    client, session, settings, make_employer, headers_for, staff, on
):
    employer = await make_employer()
    entry = await _list(client, staff[Role.reviewer], staff[VERIFIER], employer.id, on)
    assert [p["id_number"] for p in entry["responsible_persons"]] == [
        "1411**********123X", "1411**********2345",
    ]  # fmt: skip
    raw = (
        await session.execute(
            text("SELECT id_number_enc, id_number_masked, id FROM blacklist_persons "
                 "WHERE entry_id = :id ORDER BY position"),
            {"id": uuid.UUID(entry["id"])},
        )
    ).first()  # fmt: skip
    assert raw is not None and ID_NUMBER.encode() not in raw[0]
    keys, column = personal_data.keyring(settings), personal_data.LISTED_PERSON_ID_NUMBER
    assert personal_data.decrypt(raw[0], keys=keys, column=column, row_id=raw[2]) == ID_NUMBER
    admin_view = (await client.get(f"{BASE}/{entry['id']}", headers=staff[Role.admin])).json()
    assert admin_view["responsible_persons"][0]["id_number"] == ID_NUMBER
    own_headers = await headers_for(Role.employer, employer_id=employer.id)
    own = await client.get(f"{BASE}/{entry['id']}", headers=own_headers)
    assert own.json()["responsible_persons"][0]["id_number"] == "1411**********123X"
    # the listing has two events (entered, verified): no one of them holds the number unmasked
    audited = (
        await session.scalars(
            text("SELECT changes::text FROM audit_events WHERE resource_id = :id ORDER BY seq"),
            {"id": entry["id"]},
        )
    ).all()
    assert len(audited) >= 2 and not any(ID_NUMBER in changes for changes in audited)
    assert "1411**********123X" in audited[0]


async def test_access_per_role(client, make_employer, headers_for, staff, on):
    employer, other = await make_employer(), await make_employer()
    entry = await _list(client, staff[Role.reviewer], staff[VERIFIER], employer.id, on)
    foreign = await _list(client, staff[Role.reviewer], staff[VERIFIER], other.id, on)
    for role in (Role.inspector, Role.admin, Role.auditor, Role.employer):
        r = await client.post(BASE, json=body(employer.id, on), headers=await headers_for(role))
        assert assert_problem(r, 403)["status"] == 403
    auditor = await headers_for(Role.auditor)
    assert (await client.get(f"{BASE}/{entry['id']}", headers=auditor)).status_code == 200
    inspector = staff[Role.inspector]
    refused = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=inspector)
    assert refused.status_code == 403
    own = await headers_for(Role.employer, employer_id=employer.id)
    assert (await client.get(f"{BASE}/{entry['id']}", headers=own)).status_code == 200
    assert_problem(await client.get(f"{BASE}/{foreign['id']}", headers=own), 404)
    mine = await client.get(BASE, headers=own)
    assert [e["id"] for e in mine.json()["items"]] == [entry["id"]]
    asked = await client.get(BASE, params={"employer_id": str(other.id)}, headers=own)
    assert_problem(asked, 404)
    assert_problem(await client.get(f"{BASE}/{entry['id']}"), 401)


@pytest.mark.parametrize(
    ("over", "loc", "kind"),
    [
        ({"employer_id": str(uuid.uuid4())}, ["body", "employer_id"], "unknown"),
        ({"listed_on": "2099-01-01"}, ["body", "listed_on"], "date.future"),
        ({"payment_deadline": "LISTED"}, ["body", "payment_deadline"], "blacklist.not_overdue"),
        ({"amount_owed": "4999.99"}, ["body", "amount_owed"], "blacklist.below_threshold"),
        ({"amount_owed": "0"}, ["body", "amount_owed"], "greater_than"),
        ({"workers_affected": 0}, ["body", "workers_affected"], "greater_than_equal"),
        ({"ground": "late"}, ["body", "ground"], "enum"),
        ({"responsible_persons": []}, ["body", "responsible_persons"], "too_short"),
        (
            {"responsible_persons": [{"name": "王五", "role": "principal", "id_number": "123"}]},
            ["body", "responsible_persons", 0, "id_number"],
            "string_pattern_mismatch",
        ),
        (
            {"responsible_persons": [
                {"name": "王五", "role": "principal", "id_number": ID_NUMBER},
                {"name": "王六", "role": "other", "id_number": ID_NUMBER.lower()},
            ]},
            ["body", "responsible_persons", 1, "id_number"],
            "blacklist.duplicate_person",
        ),
    ],
)  # fmt: skip
async def test_bad_listing_is_a_precise_422_and_nothing_written(
    client, make_employer, staff, on, over, loc, kind
):
    employer = await make_employer()
    values = {**body(employer.id, on), **over}
    if values["payment_deadline"] == "LISTED":
        values["payment_deadline"] = values["listed_on"]
    r = await client.post(BASE, json=values, headers=staff[Role.reviewer])
    problem = assert_problem(r, 422)
    assert {"loc": loc, "type": kind} in [
        {"loc": e["loc"], "type": e["type"]} for e in problem["errors"]
    ]
    listed = await client.get(
        f"/api/v1/employers/{employer.id}/credit-records", headers=staff[Role.reviewer]
    )
    assert listed.json()["items"] == []


async def test_updates_need_fresh_etag_and_sane_dates(client, make_employer, staff, on):
    reviewer = staff[Role.reviewer]
    entry = await _list(
        client, reviewer, staff[VERIFIER], (await make_employer()).id, on - timedelta(days=20)
    )
    url = f"{BASE}/{entry['id']}"
    assert_problem(
        await client.patch(url, json={"arrears_paid_on": str(on)}, headers=reviewer), 428
    )
    stale = {**reviewer, "If-Match": '"7"'}
    assert_problem(await client.patch(url, json={"arrears_paid_on": str(on)}, headers=stale), 412)
    future = await _patch(client, reviewer, entry, arrears_paid_on="2099-01-01")
    assert assert_problem(future, 422)["errors"][0]["loc"] == ["body", "arrears_paid_on"]
    before = await _patch(
        client, reviewer, entry, commitment_received_on=str(on - timedelta(days=21))
    )
    assert assert_problem(before, 422)["errors"][0]["loc"] == ["body", "commitment_received_on"]
    ok = await _patch(client, reviewer, entry, arrears_paid_on=str(on))
    # version 1 the draft, 2 verified
    assert ok.json()["arrears_paid_on"] == str(on) and ok.json()["version"] == 3
    cleared = await _patch(client, reviewer, entry, arrears_paid_on=None)
    assert cleared.json()["arrears_paid_on"] is None and cleared.json()["version"] == 4


async def test_list_filters_and_keyset_pages(client, make_employer, staff, on):
    reviewer = staff[Role.reviewer]
    older = await _list(
        client, reviewer, staff[VERIFIER], (await make_employer()).id, on - timedelta(days=9)
    )
    newer = await _list(
        client, reviewer, staff[VERIFIER], (await make_employer()).id, on - timedelta(days=1)
    )
    ids = {older["id"], newer["id"]}
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, "status": "listed"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(BASE, params=params, headers=reviewer)).json()
        seen += [e["id"] for e in page["items"] if e["id"] in ids]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [newer["id"], older["id"]]
    removed = await client.get(BASE, params={"status": "removed"}, headers=reviewer)
    assert not ids & {e["id"] for e in removed.json()["items"]}
    assert_problem(await client.get(BASE, params={"cursor": "bm9wZQ"}, headers=reviewer), 422)


async def test_database_refuses_deleting_or_rewriting_a_listing(
    client, session, make_employer, staff, on
):
    entry = await _list(
        client, staff[Role.reviewer], staff[VERIFIER], (await make_employer()).id, on
    )
    params = {"id": uuid.UUID(entry["id"])}
    for statement in (
        "DELETE FROM blacklist_entries WHERE id = :id",
        "UPDATE blacklist_entries SET amount_owed = 1 WHERE id = :id",
        "UPDATE blacklist_persons SET name = 'x' WHERE entry_id = :id",
        "DELETE FROM blacklist_persons WHERE entry_id = :id",
    ):
        with pytest.raises(DBAPIError, match=r"never|append-only"):
            async with session.begin_nested():
                await session.execute(text(statement), params)
    # one listing in force per employer, and a record is one listing's
    with pytest.raises(DBAPIError, match=r"uq_blacklist_entries_(active|credit_record_id)"):
        async with session.begin_nested():
            await session.execute(
                text(
                    "INSERT INTO blacklist_entries SELECT (jsonb_populate_record("
                    "NULL::blacklist_entries, to_jsonb(e) || jsonb_build_object('id', "
                    "gen_random_uuid()))).* FROM blacklist_entries e WHERE id = :id"
                ),
                params,
            )
