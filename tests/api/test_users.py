"""Accounts: admins create, list, read and change staff and employer accounts (audited)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app.models.user import Role
from tests.conftest import PASSWORD, assert_problem

USERS = "/api/v1/users"


@pytest.fixture
async def admin(headers_for):
    return await headers_for(Role.admin)


async def read_etag(client, url, headers):  # type: ignore[no-untyped-def]
    """The If-Match header of what GET answers now."""
    return {**headers, "If-Match": (await client.get(url, headers=headers)).headers["etag"]}


def account(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": f"wang.{uuid.uuid4().hex[:8]}",
        "full_name": "王晓明",
        "role": "inspector",
        "password": PASSWORD,
    }
    body.update(fields)
    return body


async def test_create_an_account_that_can_sign_in(client, admin, connection):
    body = account()
    response = await client.post(USERS, json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["role"] == "inspector" and created["is_active"] is True
    assert "password" not in response.text and "password_hash" not in created
    token = await client.post(
        "/api/v1/auth/token", data={"username": body["username"], "password": PASSWORD}
    )
    assert token.status_code == 200
    event = (
        await connection.execute(
            text("SELECT action, changes FROM audit_events WHERE resource_id = :id"),
            {"id": created["id"]},
        )
    ).one()
    assert event.action == "user.create"
    assert event.changes["role"] == {"old": None, "new": "inspector"}
    assert PASSWORD not in str(event.changes)


async def test_an_employer_account_is_bound_to_its_employer(client, admin, make_employer):
    employer = await make_employer()
    body = account(role="employer", employer_id=str(employer.id))
    response = await client.post(USERS, json=body, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["employer_id"] == str(employer.id)


@pytest.mark.parametrize(
    ("fields", "in_detail"),
    [
        ({"role": "employer"}, "employer_id"),
        ({"role": "inspector", "employer_id": str(uuid.uuid4())}, "employer_id"),
        ({"password": "short"}, "password"),
        ({"username": "has space"}, "username"),
        ({"role": "superuser"}, "role"),
    ],
)
async def test_create_refuses_bad_accounts(client, admin, fields, in_detail):
    response = await client.post(USERS, json=account(**fields), headers=admin)
    problem = assert_problem(response, 422)
    assert in_detail in str(problem["errors"])


async def test_an_employer_account_for_an_unknown_employer_is_422(client, admin):
    body = account(role="employer", employer_id=str(uuid.uuid4()))
    problem = assert_problem(await client.post(USERS, json=body, headers=admin), 422)
    assert problem["errors"][0]["loc"] == ["body", "employer_id"]


async def test_a_taken_username_is_409(client, admin):
    body = account()
    assert (await client.post(USERS, json=body, headers=admin)).status_code == 201
    again = await client.post(USERS, json=account(username=body["username"]), headers=admin)
    assert_problem(again, 409)


async def test_read_an_account_and_404_for_unknown(client, admin, make_user):
    user = await make_user(Role.auditor)
    response = await client.get(f"{USERS}/{user.id}", headers=admin)
    assert response.json()["username"] == user.username
    assert_problem(await client.get(f"{USERS}/{uuid.uuid4()}", headers=admin), 404)


async def test_list_filters_by_role_and_pages_by_username(client, admin, make_user):
    for _ in range(5):
        await make_user(Role.auditor)
    everyone = await client.get(USERS, params={"role": "auditor", "limit": 500}, headers=admin)
    expected = [u["username"] for u in everyone.json()["items"]]
    assert len(expected) == 5
    assert expected == sorted(expected)
    seen, cursor = [], None
    while True:
        params = {"role": "auditor", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(USERS, params=params, headers=admin)).json()
        seen += [u["username"] for u in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == expected


async def test_change_role_and_reset_password(client, admin, make_user, connection):
    user = await make_user(Role.inspector)
    new_password = "a-brand-new-password"
    response = await client.patch(
        f"{USERS}/{user.id}",
        json={"role": "reviewer", "full_name": "李审核", "password": new_password},
        headers=await read_etag(client, f"{USERS}/{user.id}", admin),
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "reviewer"
    old = await client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await client.post(
        "/api/v1/auth/token", data={"username": user.username, "password": new_password}
    )
    assert new.status_code == 200
    changes = (
        await connection.execute(
            text(
                "SELECT changes FROM audit_events"
                " WHERE resource_id = :id AND action = 'user.update'"
            ),
            {"id": str(user.id)},
        )
    ).scalar_one()
    assert changes == {
        "role": {"old": "inspector", "new": "reviewer"},
        "full_name": {"old": "测试inspector", "new": "李审核"},
        "password": {"old": "***", "new": "***"},
        "token_generation": {"old": 0, "new": 1},  # the tokens issued before it ended
    }


@pytest.mark.parametrize("field", ["full_name", "role", "is_active"])
async def test_null_for_a_required_account_field_is_422(client, admin, make_user, field):
    user = await make_user(Role.inspector)
    headers = await read_etag(client, f"{USERS}/{user.id}", admin)
    response = await client.patch(f"{USERS}/{user.id}", json={field: None}, headers=headers)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", field]


async def test_making_a_staff_account_an_employer_needs_an_employer(client, admin, make_user):
    user = await make_user(Role.inspector)
    headers = await read_etag(client, f"{USERS}/{user.id}", admin)
    response = await client.patch(f"{USERS}/{user.id}", json={"role": "employer"}, headers=headers)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "employer_id"]


async def test_a_bad_user_cursor_is_422(client, admin):
    response = await client.get(USERS, params={"cursor": "bm90LWEtbGlzdA"}, headers=admin)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "cursor"]


async def test_a_change_needs_the_etag_of_the_account_read(client, admin, make_user, connection):
    user = await make_user(Role.inspector)
    url = f"{USERS}/{user.id}"
    read = await client.get(url, headers=admin)
    etag = read.headers["etag"]
    missing = assert_problem(await client.patch(url, json={"full_name": "甲"}, headers=admin), 428)
    assert missing["type"].endswith("/if-match-required")
    changed = await client.patch(url, json={"full_name": "甲"}, headers={**admin, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag  # the answer carries the new one
    assert (await client.get(url, headers=admin)).headers["etag"] == changed.headers["etag"]
    stale = await client.patch(url, json={"full_name": "乙"}, headers={**admin, "If-Match": etag})
    problem = assert_problem(stale, 412)
    assert problem["type"].endswith("/stale-etag")
    assert changed.headers["etag"] in problem["detail"]
    again = {**admin, "If-Match": f"W/{changed.headers['etag']}"}  # a weak one compares too
    assert (await client.patch(url, json={"full_name": "乙"}, headers=again)).status_code == 200
    names = (
        await connection.execute(
            text("SELECT count(*) FROM audit_events WHERE resource_id = :id "
                 "AND action = 'user.update'"), {"id": str(user.id)},
        )
    ).scalar_one()  # fmt: skip
    assert names == 2  # the refused changes wrote nothing


async def test_a_created_account_answers_its_etag_and_location(client, admin):
    created = await client.post(USERS, json=account(), headers=admin)
    assert created.status_code == 201, created.text
    read = await client.get(created.headers["location"], headers=admin)
    assert read.json()["id"] == created.json()["id"]
    assert read.headers["etag"] == created.headers["etag"]
