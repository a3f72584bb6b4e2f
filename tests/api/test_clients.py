"""Machine clients: created by admins with a key shown once, listed, revoked (audited)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app.models.user import Role
from tests.conftest import assert_problem

CLIENTS = "/api/v1/clients"


@pytest.fixture
async def admin(headers_for):
    return await headers_for(Role.admin)


async def test_create_returns_the_key_once_and_lists_without_it(client, admin):
    created = await client.post(
        CLIENTS, json={"name": "县劳动争议仲裁院", "source": "arbitration"}, headers=admin
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["api_key"].startswith(f"lc_{body['key_prefix']}_")
    assert body["revoked_at"] is None
    listed = (await client.get(CLIENTS, headers=admin)).json()
    mine = next(c for c in listed["items"] if c["id"] == body["id"])
    assert mine == {k: v for k, v in body.items() if k != "api_key"}


async def test_the_list_is_keyset_pages_oldest_first(client, admin):
    made = [
        (await client.post(CLIENTS, json={"name": f"客户{n}", "source": "arbitration"},
                           headers=admin)).json()["id"]
        for n in range(3)
    ]  # fmt: skip
    first = (await client.get(CLIENTS, params={"limit": 2}, headers=admin)).json()
    assert first["next_cursor"] is not None and len(first["items"]) == 2
    rest = await client.get(
        CLIENTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin
    )
    seen = [c["id"] for c in first["items"] + rest.json()["items"]]
    # (the test's one transaction stamps all three alike: the id breaks the tie)
    assert sorted(seen) == sorted(made) and rest.json()["next_cursor"] is None
    forged = await client.get(CLIENTS, params={"cursor": "bm90LW91cnM"}, headers=admin)
    assert assert_problem(forged, 422)["errors"][0]["loc"] == ["query", "cursor"]


async def test_two_clients_get_different_keys(client, admin):
    body = {"name": "县社保中心", "source": "social_insurance"}
    first = (await client.post(CLIENTS, json=body, headers=admin)).json()
    second = (await client.post(CLIENTS, json=body, headers=admin)).json()
    assert first["api_key"] != second["api_key"]
    assert first["key_prefix"] != second["key_prefix"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x", "source": "tax_bureau"}, ["body", "source"]),
        ({"name": "", "source": "arbitration"}, ["body", "name"]),
        ({"source": "arbitration"}, ["body", "name"]),
    ],
)
async def test_create_validates_its_input(client, admin, body, loc):
    problem = assert_problem(await client.post(CLIENTS, json=body, headers=admin), 422)
    assert [e["loc"] for e in problem["errors"]] == [loc]


async def test_create_and_revoke_are_audited(client, admin, connection):
    created = (
        await client.post(
            CLIENTS, json={"name": "市平台", "source": "city_platform"}, headers=admin
        )
    ).json()
    revoked = await client.post(f"{CLIENTS}/{created['id']}/revocation", headers=admin)
    rows = await connection.execute(
        text("SELECT action, changes FROM audit_events WHERE resource_id = :id ORDER BY seq"),
        {"id": created["id"]},
    )
    events = [(r.action, r.changes) for r in rows]
    assert [a for a, _ in events] == ["client.create", "client.revoke"]
    assert events[0][1]["source"] == {"old": None, "new": "city_platform"}
    assert created["api_key"] not in str(events)
    assert events[1][1]["revoked_at"]["new"] == revoked.json()["revoked_at"].replace("Z", "+00:00")


async def test_revoking_twice_is_409(client, admin, make_api_client):
    client_id, _ = await make_api_client()
    assert (
        await client.post(f"{CLIENTS}/{client_id}/revocation", headers=admin)
    ).status_code == 200
    assert_problem(await client.post(f"{CLIENTS}/{client_id}/revocation", headers=admin), 409)


async def test_revoking_an_unknown_client_is_404(client, admin):
    assert_problem(await client.post(f"{CLIENTS}/{uuid.uuid4()}/revocation", headers=admin), 404)
