"""A trusted source's intake batch is audited as one event naming the records it created (their
range of ids, count and digest), which the verification recomputes: a record changed or deleted
through SQL afterwards, behind the table's guard, is named by the batch that wrote it (Art 8)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.accounts import clients
from app.core import actors
from app.models.audit import AuditEvent
from app.models.client import ApiClientCreate, ClientSource
from app.models.credit_record import CreditRecord
from app.models.event import CreditEvent
from app.models.user import Role
from app.records import events as credit_events
from tests.api.test_intake import item, send
from tests.conftest import new_uscc

VERIFY = "/api/v1/audit-events/verification"
BATCH = "intake.batch_received"


@pytest.fixture
async def trusted(session):  # type: ignore[no-untyped-def]
    """X-API-Key headers of a trusted social insurance system: its records arrive verified."""
    data = ApiClientCreate(name="社保系统", source=ClientSource.social_insurance, trusted=True)
    _, key = await clients.create(session=session, data=data, actor=actors.system())
    return {"X-API-Key": key}


async def _batch(client, trusted, make_employer, *extra: dict[str, Any]):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    key = trusted
    records = [item(f"B-{i}", employer.uscc, title=f"第{i}条") for i in range(3)]
    response = await send(client, key, [*records, *extra], idempotency_key="batch-0001")
    assert response.status_code == 200, response.text
    return key, [*records, *extra], response.json()["items"]


async def _verified(client, headers_for) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get(VERIFY, headers=await headers_for(Role.auditor))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    print(f"verification: {result}")
    return result


async def _untriggered(connection: AsyncConnection, statement: str, **params: Any) -> None:
    """An insider with the owner's rights, behind the credit records' guard (the deferred
    checks run first: a table with pending trigger events cannot be altered)."""
    await connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    await connection.execute(text("ALTER TABLE credit_records DISABLE TRIGGER ALL"))
    await connection.execute(text(statement), params)
    await connection.execute(text("ALTER TABLE credit_records ENABLE TRIGGER ALL"))


async def _batch_events(session) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    found = await session.scalars(select(AuditEvent).where(AuditEvent.action == BATCH))
    return list(found.all())


async def test_one_event_names_the_accepted_records_and_verify_holds(
    client,
    session,
    trusted,
    make_employer,
    headers_for,
):
    bad = item("B-bad", new_uscc())  # an unregistered employer: rejected
    _, _, answer = await _batch(client, trusted, make_employer, bad)
    assert [a["outcome"] for a in answer] == ["created"] * 3 + ["rejected"]
    [event] = await _batch_events(session)
    written = event.changes["records_written"]["new"]
    ids = sorted(a["record_id"] for a in answer[:3])
    assert (written["first_id"], written["last_id"], written["count"]) == (ids[0], ids[-1], 3)
    assert (event.resource_type, event.resource_id) == ("intake_batch", "batch-0001")
    assert event.changes["items"]["new"] == 4
    one_by_one = await session.scalar(
        select(func.count()).where(AuditEvent.resource_type == "credit_record")
    )
    assert one_by_one == 0
    result = await _verified(client, headers_for)
    assert (result["intact"], result["record_batches_checked"]) == (True, 1)


async def test_a_record_changed_behind_the_guard_is_named_by_its_batch(
    client,
    session,
    connection,
    trusted,
    make_employer,
    headers_for,
):
    _, _, answer = await _batch(client, trusted, make_employer)
    [event] = await _batch_events(session)
    victim = answer[1]["record_id"]
    await _untriggered(
        connection, "UPDATE credit_records SET fine_amount = 50 WHERE id = :id", id=victim
    )
    result = await _verified(client, headers_for)
    assert result["intact"] is False
    assert [(f["kind"], f["seq"]) for f in result["findings"]] == [("records_changed", event.seq)]
    assert "(intake.batch_received) wrote" in result["reason"]


async def test_a_deleted_record_is_named_by_its_batch(
    client,
    session,
    connection,
    trusted,
    make_employer,
    headers_for,
):
    _, _, answer = await _batch(client, trusted, make_employer)
    [event] = await _batch_events(session)
    victim = answer[0]["record_id"]
    await _untriggered(connection, "DELETE FROM credit_events WHERE record_id = :id", id=victim)
    await _untriggered(connection, "DELETE FROM intake_items WHERE record_id = :id", id=victim)
    await _untriggered(connection, "DELETE FROM credit_records WHERE id = :id", id=victim)
    result = await _verified(client, headers_for)
    assert [(f["kind"], f["seq"]) for f in result["findings"]] == [("records_missing", event.seq)]
    assert result["reason"].startswith("1 of the 3 credit records")


async def test_replay_answers_the_same_and_writes_nothing(
    client,
    session,
    trusted,
    make_employer,
):
    key, records, answer = await _batch(client, trusted, make_employer)
    tables = (CreditRecord, AuditEvent, CreditEvent)
    before = [await session.scalar(select(func.count()).select_from(t)) for t in tables]
    again = await send(client, key, records, idempotency_key="batch-0001")
    assert again.status_code == 200 and again.json()["items"] == answer
    assert [await session.scalar(select(func.count()).select_from(t)) for t in tables] == before


async def test_history_and_the_audit_list_show_a_records_batch_event(
    client,
    session,
    trusted,
    make_employer,
    headers_for,
):
    _, _, answer = await _batch(client, trusted, make_employer)
    [event] = await _batch_events(session)
    record_id = answer[2]["record_id"]
    staff = await headers_for(Role.auditor)
    history = await client.get(f"/api/v1/credit-records/{record_id}/history", headers=staff)
    assert history.status_code == 200, history.text
    transitions = history.json()["transitions"]
    assert [(t["action"], t["record_id"]) for t in transitions] == [(BATCH, record_id)]
    listed = await client.get(
        "/api/v1/audit-events",
        params={"resource_type": "credit_record", "resource_id": record_id},
        headers=staff,
    )
    assert listed.status_code == 200, listed.text
    assert [e["seq"] for e in listed.json()["items"]] == [event.seq]
    other = await client.get(
        "/api/v1/audit-events", params={"resource_id": str(uuid.uuid4())}, headers=staff
    )
    assert other.json()["items"] == []


async def test_the_batch_events_payloads_are_those_of_one_record(
    client,
    session,
    trusted,
    make_employer,
):
    """The database builds a batch's credit event payloads: the same as for one record."""
    _, _, answer = await _batch(client, trusted, make_employer)
    for outcome in answer:
        record = await session.get(CreditRecord, uuid.UUID(outcome["record_id"]))
        assert record is not None
        [payload] = (
            await session.scalars(
                select(CreditEvent.payload).where(CreditEvent.record_id == record.id)
            )
        ).all()
        assert payload == credit_events.payload(record)
