"""Rule sets over HTTP: the seeded default, versions with effective dates, frozen once used."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.clock import Clock
from app.grading import apply
from app.grading import service as grading
from app.models.evaluation import EvaluationOrigin
from app.models.user import Role
from tests.conftest import assert_problem

BASE = "/api/v1/rule-sets"


async def _default(client, headers):  # type: ignore[no-untyped-def]
    return (await client.get(f"{BASE}/1", headers=headers)).json()


async def test_the_default_is_the_national_criteria_plus_art13(client, headers_for):  # type: ignore[no-untyped-def]
    body = await _default(client, await headers_for(Role.auditor))
    assert body["effective_from"] == "2022-12-26"
    assert body["parameters"]["punished_threshold"] == 3
    assert body["parameters"]["notice_window_working_days"] == 5
    ids = [r["rule_id"] for r in body["rules"]]
    assert {i for i in ids if i.startswith("C.")} == {
        "C.punished_threshold",
        "C.group_incident",
        "C.child_or_forced_labour",
        "C.refused_to_perform",
        "C.obstructed_inspection",
        "C.criminal_liability",
        "C.wage_arrears_list",
    }
    listing = next(r for r in body["rules"] if r["rule_id"] == "C.wage_arrears_list")
    assert "第十三条" in listing["citation"]
    assert_problem(await client.get(BASE, headers=await headers_for(Role.employer)), 403)


async def test_admin_adds_a_version_that_supersedes_the_open_one(client, headers_for, today):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    default = await _default(client, admin)
    new = {
        "effective_from": today.isoformat(),
        "parameters": {"punished_threshold": 2},
        "rules": default["rules"],
    }
    assert_problem(await client.post(BASE, json=new, headers=await headers_for(Role.reviewer)), 403)
    created = await client.post(BASE, json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["in_use"]) == (2, False)
    closed = await _default(client, admin)
    assert closed["effective_to"] == (today - timedelta(days=1)).isoformat()
    overlap = assert_problem(await client.post(BASE, json=new, headers=admin), 409)
    assert overlap["errors"][0]["loc"] == ["body", "effective_from"]
    first = (await client.get(BASE, params={"limit": 1}, headers=admin)).json()
    assert [r["version"] for r in first["items"]] == [1]
    rest = await client.get(
        BASE, params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin
    )
    assert [r["version"] for r in rest.json()["items"]] == [2]
    assert rest.json()["next_cursor"] is None


async def test_the_legal_date_is_the_app_clock_s(app, client, headers_for):  # type: ignore[no-untyped-def]
    """On a day of another year by the app's clock, that day is 'today' for a new version:
    the day before it is refused as past (though no wall clock here has reached it), and the
    open version it supersedes ends the day before."""
    app.state.clock = Clock.pinned(datetime(2031, 3, 17, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    admin = await headers_for(Role.admin)  # signed in on that day
    rules = (await _default(client, admin))["rules"]
    before = {"effective_from": "2031-03-16", "rules": rules}
    refused = assert_problem(await client.post(BASE, json=before, headers=admin), 422)
    assert refused["errors"][0]["loc"] == ["body", "effective_from"]
    assert "(2031-03-17)" in refused["errors"][0]["msg"]  # 00:30 in Shanghai, 16:30 UTC the 16th
    created = await client.post(
        BASE, json={"effective_from": "2031-03-17", "rules": rules}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert (await _default(client, admin))["effective_to"] == "2031-03-16"


async def test_bad_versions_are_refused_naming_the_field(client, headers_for, today):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    rules = (await _default(client, admin))["rules"]
    past = {"effective_from": "2026-01-01", "rules": rules}
    assert assert_problem(await client.post(BASE, json=past, headers=admin), 422)["errors"][0][
        "loc"
    ] == ["body", "effective_from"]
    unknown = [
        *rules[:-1],
        {**rules[0], "rule_id": "X", "when": {"fact": "punished_count", "at_least": "nope"}},
    ]
    bad = {"effective_from": today.isoformat(), "rules": unknown}
    problem = assert_problem(await client.post(BASE, json=bad, headers=admin), 422)
    assert ["body", "rules", len(rules) - 1, "when", "at_least"] in [
        e["loc"] for e in problem["errors"]
    ]
    assert ["body", "rules"] in [e["loc"] for e in problem["errors"]]  # no default rule left
    fact = [{**rules[0], "when": {"fact": "made_up"}}, rules[-1]]
    body = {"effective_from": today.isoformat(), "rules": fact}
    assert_problem(await client.post(BASE, json=body, headers=admin), 422)


async def test_a_version_in_use_cannot_change(client, session, headers_for, make_employer, today):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    default = await _default(client, admin)
    new = {"effective_from": today.isoformat(), "rules": default["rules"]}
    version = (await client.post(BASE, json=new, headers=admin)).json()["version"]
    edit = {"description": "试行"}
    url = f"{BASE}/{version}"
    etag = (await client.get(url, headers=admin)).headers["etag"]
    edited = await client.patch(url, json=edit, headers={**admin, "If-Match": etag})
    assert edited.status_code == 200, edited.text
    employer = await make_employer()
    await grading.regrade(
        session=session,
        employer_ids=[employer.id],
        cycle=2025,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=today,
    )
    read = await client.get(url, headers=admin)
    assert read.json()["in_use"] is True
    current = {**admin, "If-Match": read.headers["etag"]}
    assert_problem(await client.patch(url, json=edit, headers=current), 409)
    with pytest.raises(DBAPIError, match="in use"):  # the database refuses it too
        async with session.begin_nested():
            await session.execute(
                text("UPDATE rule_sets SET parameters = '{}' WHERE version = :v"), {"v": version}
            )


async def test_a_version_beyond_the_database_integer_is_422(client, headers_for):
    """Found by schemathesis: an int8-sized path parameter was a 500 (int4 column)."""
    r = await client.get(
        "/api/v1/rule-sets/19731325447161316", headers=await headers_for(Role.auditor)
    )
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["path", "version"]


async def test_an_edit_needs_the_etag_of_the_version_read(client, headers_for, today):  # type: ignore[no-untyped-def]
    admin = await headers_for(Role.admin)
    rules = (await _default(client, admin))["rules"]
    tomorrow = (today + timedelta(days=1)).isoformat()
    created = await client.post(
        BASE, json={"effective_from": tomorrow, "rules": rules}, headers=admin
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    etag = created.headers["etag"]
    assert (await client.get(url, headers=admin)).headers["etag"] == etag
    edit = {"description": "征求意见稿"}
    missing = assert_problem(await client.patch(url, json=edit, headers=admin), 428)
    assert missing["type"].endswith("/if-match-required")
    edited = await client.patch(url, json=edit, headers={**admin, "If-Match": etag})
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == "征求意见稿" and edited.headers["etag"] != etag
    stale = await client.patch(url, json={"description": "x"}, headers={**admin, "If-Match": etag})
    problem = assert_problem(stale, 412)
    assert problem["type"].endswith("/stale-etag")
    assert edited.headers["etag"] in problem["detail"]
    # a newer version closing this one changes it too: what was read before is stale
    before = edited.headers["etag"]
    later = (today + timedelta(days=30)).isoformat()
    added = await client.post(BASE, json={"effective_from": later, "rules": rules}, headers=admin)
    assert added.status_code == 201, added.text
    closed = await client.get(url, headers=admin)
    assert closed.json()["effective_to"] is not None and closed.headers["etag"] != before
    assert_problem(
        await client.patch(url, json={"description": "y"}, headers={**admin, "If-Match": before}),
        412,
    )
