"""The audit trail (Art 8): every write leaves a hash-chained event nobody can change."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.accounts import auth
from app.core import actors
from app.employers import service as employers
from app.models.employer import EmployerCreate
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc

EVENTS = "/api/v1/audit-events"
VERIFY = "/api/v1/audit-events/verification"


@pytest.fixture
async def auditor(headers_for):
    return await headers_for(Role.auditor)


def employer_body(name: str = "文水县审计测试有限公司") -> dict[str, object]:
    return {
        "uscc": new_uscc(),
        "name": name,
        "subject_type": "enterprise",
        "legal_representative": "张三",
        "town": "凤城镇",
        "industry_code": "C1311",
    }


async def register(client, headers) -> dict[str, object]:
    response = await client.post("/api/v1/employers", json=employer_body(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_write_records_who_did_what_in_which_request(
    client, make_user, settings, auditor, clock
):
    inspector = await make_user(Role.inspector)
    headers = {"Authorization": f"Bearer {auth.issue_token(inspector, settings, clock)}"}
    response = await client.post(
        "/api/v1/employers", json=employer_body(), headers={**headers, "X-Request-ID": "req-42"}
    )
    employer_id = response.json()["id"]
    page = await client.get(
        EVENTS, params={"resource_type": "employer", "resource_id": employer_id}, headers=auditor
    )
    (event,) = page.json()["items"]
    assert event["actor_type"] == "user"
    assert event["actor_id"] == str(inspector.id)
    assert event["actor_name"] == inspector.username
    assert event["action"] == "employer.create"
    assert event["resource_type"] == "employer"
    assert event["request_id"] == "req-42"
    assert event["changes"]["name"] == {"old": None, "new": "文水县审计测试有限公司"}
    assert len(event["hash"]) == 64 and len(event["prev_hash"]) == 64


async def test_the_event_is_part_of_the_writer_s_transaction(session, connection, settings):
    """Undo the write and its event goes with it; keep it and the event stays."""
    data = EmployerCreate(
        uscc=new_uscc(),
        name="回滚测试有限公司",
        subject_type="enterprise",
        legal_representative="李四",
        town="凤城镇",
        industry_code="C1311",
    )
    actor = actors.system("test")
    savepoint = await session.begin_nested()
    rolled_back = await employers.create(session=session, data=data, actor=actor, settings=settings)
    await savepoint.rollback()
    kept = await employers.create(
        session=session,
        data=data.model_copy(update={"uscc": new_uscc()}),
        actor=actor,
        settings=settings,
    )
    await session.flush()
    rows = await connection.execute(text("SELECT resource_id FROM audit_events"))
    ids = {r.resource_id for r in rows}
    assert str(kept.id) in ids
    assert str(rolled_back.id) not in ids


async def test_filter_by_actor(client, headers_for, make_user, settings, auditor, clock):
    one, other = await make_user(Role.inspector), await make_user(Role.inspector)
    for user in (one, one, other):
        token = auth.issue_token(user, settings, clock)
        await register(client, {"Authorization": f"Bearer {token}"})
    mine = await client.get(EVENTS, params={"actor_id": str(one.id)}, headers=auditor)
    assert [e["actor_id"] for e in mine.json()["items"]] == [str(one.id)] * 2


async def test_filter_by_time_since_inclusive_until_exclusive(client, headers_for, auditor):
    await register(client, await headers_for(Role.inspector))
    (event,) = (
        await client.get(EVENTS, params={"resource_type": "employer"}, headers=auditor)
    ).json()["items"]
    at = datetime.fromisoformat(event["occurred_at"])
    tick = timedelta(microseconds=1)

    async def count(**params: datetime) -> int:
        query = {"resource_type": "employer", **{k: v.isoformat() for k, v in params.items()}}
        page = await client.get(EVENTS, params=query, headers=auditor)
        assert page.status_code == 200, page.text
        return len(page.json()["items"])

    assert await count(since=at) == 1
    assert await count(since=at + tick) == 0
    assert await count(until=at) == 0
    assert await count(until=at + tick) == 1
    assert await count(since=at - timedelta(hours=1), until=at + timedelta(hours=1)) == 1


async def test_events_page_newest_first_without_gaps(client, headers_for, auditor):
    inspector = await headers_for(Role.inspector)
    for _ in range(5):
        await register(client, inspector)
    everything = await client.get(EVENTS, params={"resource_type": "employer"}, headers=auditor)
    expected = [e["seq"] for e in everything.json()["items"]]
    assert len(expected) == 5 and expected == sorted(expected, reverse=True)
    seen, cursor = [], None
    while True:
        params = {"resource_type": "employer", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(EVENTS, params=params, headers=auditor)).json()
        seen += [e["seq"] for e in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == expected


@pytest.mark.parametrize("cursor", ["WyJub3QtYS1udW1iZXIiXQ", "WzEsIDJd", "!!"])
async def test_a_bad_audit_cursor_is_422(client, auditor, cursor):
    response = await client.get(EVENTS, params={"cursor": cursor}, headers=auditor)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "cursor"]


async def test_the_chain_links_each_event_to_the_one_before(client, headers_for, auditor):
    inspector = await headers_for(Role.inspector)
    for _ in range(3):
        await register(client, inspector)
    items = (await client.get(EVENTS, headers=auditor)).json()["items"]
    oldest_first = list(reversed(items))
    for before, after in itertools.pairwise(oldest_first):
        assert after["prev_hash"] == before["hash"]
        assert after["seq"] > before["seq"]


async def test_verification_of_an_intact_chain(client, headers_for, auditor, connection):
    inspector = await headers_for(Role.inspector)
    for _ in range(3):
        await register(client, inspector)
    total = (await connection.execute(text("SELECT count(*) FROM audit_events"))).scalar_one()
    head = (await connection.execute(text("SELECT max(seq) FROM audit_events"))).scalar_one()
    result = (await client.get(VERIFY, headers=auditor)).json()
    assert result == {
        "intact": True,
        "checked": total,
        "head_seq": head,
        "checkpoints_checked": 0,  # the suite's checkpoints file holds none
        "grade_batches_checked": 0,
        "record_batches_checked": 0,
        "first_broken_seq": None,
        "first_broken_id": None,
        "reason": None,
        "findings": [],
        "findings_left_out": 0,
    }
    assert total >= 3


async def _three_events(client, headers_for, auditor) -> list[dict[str, object]]:
    inspector = await headers_for(Role.inspector)
    for _ in range(3):
        await register(client, inspector)
    items = (await client.get(EVENTS, params={"resource_type": "employer"}, headers=auditor)).json()
    return list(reversed(items["items"]))


async def test_tampering_with_an_event_is_named_by_the_verification(
    client, headers_for, auditor, connection
):
    events = await _three_events(client, headers_for, auditor)
    victim = events[1]
    await connection.execute(
        text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable")
    )
    await connection.execute(
        text("""UPDATE audit_events SET changes = '{"name": "forged"}' WHERE seq = :seq"""),
        {"seq": victim["seq"]},
    )
    result = (await client.get(VERIFY, headers=auditor)).json()
    assert result["intact"] is False
    assert result["first_broken_seq"] == victim["seq"]
    assert result["first_broken_id"] == victim["id"]
    assert "content" in result["reason"]


async def test_deleting_an_event_is_named_by_the_verification(
    client, headers_for, auditor, connection
):
    events = await _three_events(client, headers_for, auditor)
    await connection.execute(
        text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable")
    )
    await connection.execute(
        text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": events[1]["seq"]}
    )
    result = (await client.get(VERIFY, headers=auditor)).json()
    assert result["intact"] is False
    assert result["first_broken_seq"] == events[2]["seq"]  # its link now points at nothing
    assert "previous-hash" in result["reason"]


async def test_rewriting_an_event_with_a_fresh_hash_breaks_the_next_link(
    client, headers_for, auditor, connection
):
    events = await _three_events(client, headers_for, auditor)
    await connection.execute(
        text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable")
    )
    await connection.execute(
        text("""UPDATE audit_events SET changes = '{"name": "forged"}' WHERE seq = :seq"""),
        {"seq": events[1]["seq"]},
    )
    await connection.execute(
        text("UPDATE audit_events e SET hash = audit_event_hash(prev_hash, e) WHERE seq = :seq"),
        {"seq": events[1]["seq"]},
    )
    result = (await client.get(VERIFY, headers=auditor)).json()
    assert result["intact"] is False
    assert result["first_broken_seq"] == events[2]["seq"]


@pytest.mark.parametrize(
    "statement",
    [
        """UPDATE audit_events SET actor_name = 'someone else'""",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
async def test_the_database_refuses_to_change_events(client, headers_for, connection, statement):
    await register(client, await headers_for(Role.inspector))
    savepoint = await connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        await connection.execute(text(statement))
    await savepoint.rollback()
    assert (await connection.execute(text("SELECT count(*) FROM audit_events"))).scalar_one() >= 1
