"""The push's HTTP face: the deliveries with their filters and pages, the replay of dead
letters (one or a range, audited), the platform's receipts by its machine client, the push's
health, and the outbound messages in the OpenAPI document's `webhooks`."""

from __future__ import annotations

import json as jsonlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.integrations.platform import signing
from app.integrations.platform.client import FileTransport, Outcome
from app.integrations.platform.payloads import Message
from app.models.audit import AuditEvent
from app.models.client import ClientSource
from app.models.event import EventSubject as S
from app.models.user import Role
from app.push import jobs, sender
from tests.conftest import assert_problem
from tests.push.support import RecordingTransport, accepted, consume, emit, messages

URL = "/api/v1/platform/deliveries"


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def _queued(session, clock, employer_id, count=1, event_type="disclosure.updated"):  # type: ignore[no-untyped-def]
    for n in range(count):
        await emit(
            session,
            event_type,
            subject=S.disclosure,
            employer_id=employer_id,
            payload={"n": n, "disclosure_id": str(uuid.uuid4())},
        )
    await consume(session, clock)
    return await messages(session, employer_id=employer_id)


async def _sent(factory, settings, clock, answer):  # type: ignore[no-untyped-def]
    await sender.drain(
        factory=factory, transport=RecordingTransport(answer), settings=settings, clock=clock
    )


async def test_admins_and_auditors_read_the_deliveries_filtered_and_paged(
    client, session, factory, settings, clock, make_employer, headers_for
):
    one, two = await make_employer(), await make_employer()
    await _queued(session, clock, one.id, 3)
    await _queued(session, clock, two.id, 1, "disclosure.withdrawn")
    for role in (Role.admin, Role.auditor):
        response = await client.get(
            URL, params={"employer_id": str(one.id), "limit": 2}, headers=await headers_for(role)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) == 2
        rest = await client.get(
            URL,
            params={"employer_id": str(one.id), "limit": 2, "cursor": page["next_cursor"]},
            headers=await headers_for(role),
        )
        seen = [d["sequence"] for d in page["items"] + rest.json()["items"]]
        assert sorted(seen) == [1, 2, 3]
        assert rest.json()["next_cursor"] is None
    admin = await headers_for(Role.admin)
    withdrawn = await client.get(URL, params={"type": "withdraw"}, headers=admin)
    assert [d["employer_id"] for d in withdrawn.json()["items"]] == [str(two.id)]
    item = withdrawn.json()["items"][0]
    assert item["status"] == "pending" and item["body"] is None and item["overdue"] is False
    one_of = await client.get(f"{URL}/{item['id']}", headers=admin)
    assert Message.model_validate(one_of.json()["body"]).message_id == uuid.UUID(item["id"])
    reviewer = await client.get(URL, headers=await headers_for(Role.reviewer))
    assert_problem(reviewer, 403)
    missing = await client.get(f"{URL}/{uuid.uuid4()}", headers=admin)
    assert_problem(missing, 404)


async def test_overdue_deadlines_and_receipts_are_visible(
    app, client, session, factory, settings, clock, make_employer, headers_for
):
    late, waiting = await make_employer(), await make_employer()
    [undelivered] = await _queued(session, clock, late.id)
    undelivered.due_date = clock.today() - timedelta(days=1)
    await session.flush()
    await _queued(session, clock, waiting.id)
    await _sent(
        factory,
        settings,
        clock,
        lambda m: (
            Outcome("awaiting_receipt")
            if m.employer.uscc == waiting.uscc
            else Outcome("retry", reason="503")
        ),
    )
    admin = await headers_for(Role.admin)
    overdue = await client.get(URL, params={"overdue": "true"}, headers=admin)
    assert [d["employer_id"] for d in overdue.json()["items"]] == [str(late.id)]
    # a day later than the receipt allowance, the delivered one's receipt is overdue too
    later = settings.push_receipt_overdue_hours * 3600 + 60
    from tests.push.support import later as moved

    app.state.clock = moved(clock, later)
    admin = await headers_for(Role.admin)  # a token of the moved day
    overdue = await client.get(URL, params={"overdue": "true"}, headers=admin)
    assert {d["employer_id"] for d in overdue.json()["items"]} == {str(late.id), str(waiting.id)}
    stats = await client.get("/api/v1/stats/push", headers=admin)
    assert stats.status_code == 200, stats.text
    found = stats.json()
    assert found["backlog"] == 1 and found["failing"] == 1
    assert found["awaiting_receipt"] == 1 and found["receipts_overdue"] == 1
    assert found["overdue"] >= 1 and found["breaker"] == "closed"
    assert found["oldest_pending_seconds"] > 0


async def test_an_admin_replays_a_dead_letter_audited(
    client, session, factory, settings, clock, make_employer, headers_for
):
    employer = await make_employer()
    dead, fine = await _queued(session, clock, employer.id, 2)
    await _sent(
        factory,
        settings,
        clock,
        lambda m: (
            Outcome("permanent", reason="401 wrong secret") if m.sequence == 1 else accepted(m)
        ),
    )
    admin = await headers_for(Role.admin)
    # the second waits behind the dead letter, pending: nothing to replay
    refused = await client.post(f"{URL}/{fine.id}/replay", headers=admin)
    body = assert_problem(refused, 409)
    assert body["type"].endswith("delivery-not-replayable")
    not_admin = await client.post(
        f"{URL}/{dead.id}/replay", headers=await headers_for(Role.auditor)
    )
    assert_problem(not_admin, 403)
    response = await client.post(f"{URL}/{dead.id}/replay", headers=admin)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    assert response.json()["last_error"] is None
    [audited] = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "platform_delivery.replay")
        )
    ).all()
    assert audited.resource_id == str(dead.id)
    assert audited.changes["last_error"]["old"] == "permanent: 401 wrong secret"
    transport = RecordingTransport()
    await sender.drain(factory=factory, transport=transport, settings=settings, clock=clock)
    # the same id, sent again, then the employer's message it held back (in order)
    assert [m.message_id for m in transport.sent] == [dead.id, fine.id]


async def test_a_range_of_dead_letters_is_replayed(
    client, session, factory, settings, clock, make_employer, headers_for
):
    employers = [await make_employer() for _ in range(3)]
    for employer in employers:
        await _queued(session, clock, employer.id)
    await _sent(factory, settings, clock, lambda m: Outcome("permanent", reason="401"))
    admin = await headers_for(Role.admin)
    now = clock.now()
    span = {
        "from": (now - timedelta(days=3650)).isoformat(),
        "to": (now + timedelta(days=3650)).isoformat(),
    }
    one = await client.post(
        f"{URL}/replay", json={**span, "employer_id": str(employers[0].id)}, headers=admin
    )
    assert one.status_code == 200, one.text
    assert one.json()["replayed"] == 1
    rest = await client.post(f"{URL}/replay", json={**span, "status": "dead"}, headers=admin)
    assert rest.json()["replayed"] == 2
    backwards = await client.post(
        f"{URL}/replay", json={"from": span["to"], "to": span["from"]}, headers=admin
    )
    assert_problem(backwards, 422)
    unknown = await client.post(f"{URL}/replay", json={**span, "statuss": "dead"}, headers=admin)
    assert_problem(unknown, 422)
    assert {m.status for e in employers for m in await messages(session, employer_id=e.id)} == {
        "pending"
    }


CALLBACK_SECRET = signing.new_secret()


class SignedClient:
    """The platform's side of a receipt callback: its API key, and each body signed with its
    callback secret (Standard Webhooks) at the app's clock."""

    def __init__(self, client, clock, key: str, secret: str = CALLBACK_SECRET) -> None:  # type: ignore[no-untyped-def]
        self.client, self.clock, self.key, self.secret = client, clock, key, secret

    async def post(self, url: str, *, json: dict, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        body = jsonlib.dumps(json).encode()
        signed = signing.signature_headers(
            secrets=[self.secret], message_id=str(uuid.uuid4()),
            timestamp=int(self.clock.now().timestamp()), body=body,
        )  # fmt: skip
        return await self.client.post(
            url, content=body,
            headers={**headers, **signed, "Content-Type": "application/json"},
        )  # fmt: skip


async def test_the_platform_sends_receipts_idempotently(
    app, client, session, factory, settings, clock, make_employer, make_api_client, headers_for
):
    app.state.settings = settings.model_copy(
        update={"platform_callback_secrets": [CALLBACK_SECRET]}
    )
    employer = await make_employer()
    message, other = await _queued(session, clock, employer.id, 2)
    await _sent(factory, settings, clock, lambda m: Outcome("awaiting_receipt"))
    _, key = await make_api_client(ClientSource.city_platform)
    platform = {"X-API-Key": key}
    anyone = client
    client = SignedClient(anyone, clock, key)
    receipt = {
        "message_id": str(message.id),
        "status": "accepted",
        "acceptance_number": "LL-9",
        "received_at": clock.now().isoformat(),
    }
    first = await client.post("/api/v1/platform/receipts", json=receipt, headers=platform)
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["repeated"]) == ("accepted", False)
    again = await client.post("/api/v1/platform/receipts", json=receipt, headers=platform)
    assert again.json()["repeated"] is True
    contrary = await client.post(
        "/api/v1/platform/receipts",
        headers=platform,
        json={**receipt, "status": "rejected", "acceptance_number": None, "reasons": ["字段缺失"]},
    )
    assert assert_problem(contrary, 409)["type"].endswith("receipt-conflicts")
    rejected = await client.post(
        "/api/v1/platform/receipts",
        headers=platform,
        json={
            **receipt,
            "message_id": str(other.id),
            "status": "rejected",
            "acceptance_number": None,
            "reasons": ["统一社会信用代码有误"],
        },
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["receipt_reasons"] == ["统一社会信用代码有误"]
    unknown = await client.post(
        "/api/v1/platform/receipts",
        headers=platform,
        json={**receipt, "message_id": str(uuid.uuid4())},
    )
    assert_problem(unknown, 404)
    _, intake_key = await make_api_client(ClientSource.social_insurance)
    refused = await client.post(
        "/api/v1/platform/receipts", json=receipt, headers={"X-API-Key": intake_key}
    )
    assert_problem(refused, 403)
    staff = await client.post(
        "/api/v1/platform/receipts", json=receipt, headers=await headers_for(Role.admin)
    )
    assert_problem(staff, 403)
    forged = {**receipt, "message_id": str(other.id), "status": "accepted"}
    unsigned = await anyone.post("/api/v1/platform/receipts", json=forged, headers=platform)
    assert assert_problem(unsigned, 401)["type"].endswith("/receipt-signature-invalid")
    wrong = SignedClient(anyone, clock, key, secret=signing.new_secret())
    refused = await wrong.post("/api/v1/platform/receipts", json=forged, headers=platform)
    assert assert_problem(refused, 401)["type"].endswith("/receipt-signature-invalid")
    app.state.settings = settings  # no callback secret: every callback is refused
    unset = await client.post("/api/v1/platform/receipts", json=forged, headers=platform)
    assert assert_problem(unset, 401)["type"].endswith("/receipt-signature-invalid")
    stored = await messages(session, employer_id=employer.id)
    for one in stored:
        await session.refresh(one)
    assert [(m.status, m.acceptance_number) for m in stored] == [
        ("accepted", "LL-9"),
        ("rejected", None),
    ]


async def test_refusals_are_in_chinese_by_default(
    client, session, clock, make_employer, headers_for
):
    employer = await make_employer()
    [message] = await _queued(session, clock, employer.id)
    response = await client.post(
        f"{URL}/{message.id}/replay",
        headers={**await headers_for(Role.admin), "Accept-Language": ""},
    )
    body = assert_problem(response, 409)
    assert "只重发死信和被拒收的消息" in body["detail"]


async def test_every_outbound_message_is_documented_in_the_webhooks(client):
    document = (await client.get("/openapi.json")).json()
    webhooks = document["webhooks"]
    assert set(webhooks) == {f"platform-message-{k}" for k in ("upsert", "correct", "withdraw")}
    upsert = webhooks["platform-message-upsert"]["post"]
    examples = upsert["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"credit_record", "grade", "disclosure"}
    for hook in webhooks.values():
        for example in hook["post"]["requestBody"]["content"]["application/json"][
            "examples"
        ].values():
            Message.model_validate(example["value"])  # every example is a valid Message
    assert examples["credit_record"]["value"]["record"]["decision_number"]
    assert "webhook-signature" in upsert["description"]
    assert "Receipt" in str(upsert["responses"]["200"])


async def test_file_receipts_leave_their_folder_only_once_stored(
    session, connection, factory, settings, clock, make_employer, tmp_path
):
    """The file transport's receipts (GB/T 39443 file mode): a pass that fails to store them
    leaves their files for the next pass, which stores them and only then moves them to done/."""
    employer = await make_employer()
    [message] = await _queued(session, clock, employer.id)
    files = FileTransport(
        files_dir=tmp_path / "out", receipts_dir=tmp_path / "in",
        secrets=[signing.new_secret()], clock=clock,
    )  # fmt: skip
    await sender.drain(factory=factory, transport=files, settings=settings, clock=clock)
    (tmp_path / "in").mkdir()
    receipt = {"message_id": str(message.id), "status": "accepted", "acceptance_number": "LL-1",
               "reasons": ["字" * 1500], "received_at": clock.now().isoformat()}  # fmt: skip
    (tmp_path / "in" / "r1.json").write_text(jsonlib.dumps(receipt), encoding="utf-8")
    await connection.execute(
        text("ALTER TABLE push_messages ADD CONSTRAINT test_refuses_receipts "
             "CHECK (status <> 'accepted')")
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        await jobs.push_once(factory=factory, settings=settings, clock=clock, transport=files)
    assert (tmp_path / "in" / "r1.json").exists()  # not stored: kept for the next pass
    await connection.execute(
        text("ALTER TABLE push_messages DROP CONSTRAINT test_refuses_receipts")
    )
    await jobs.push_once(factory=factory, settings=settings, clock=clock, transport=files)
    assert not (tmp_path / "in" / "r1.json").exists()
    assert (tmp_path / "in" / "done" / "r1.json").exists()
    [stored] = await messages(session, employer_id=employer.id)
    await session.refresh(stored)
    assert (stored.status, stored.acceptance_number) == ("accepted", "LL-1")
    assert stored.receipt_reasons == ["字" * 1000]  # cut to its column, not a failed pass
