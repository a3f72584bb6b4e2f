"""Intake from other agencies' systems: per-item outcomes in the order sent, idempotent replays."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.accounts import clients
from app.core import actors, idempotency
from app.core.errors import InvalidField
from app.models.audit import AuditEvent
from app.models.client import ApiClientCreate, ClientSource, Scope
from app.models.credit_record import CreditRecord
from app.models.event import CreditEvent
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc

INTAKE = "/api/v1/intake/records"
RECORDS = "/api/v1/credit-records"


def item(external_id: str, uscc: str, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "external_id": external_id,
        "uscc": uscc,
        "category": "dishonesty",
        "kind": "social_insurance",
        "occurred_date": "2026-09-01",
        "title": "未足额缴纳社会保险费",
        "decision_number": "文人社监罚字〔2026〕31号",
        "decision_date": "2026-10-15",
        "penalty_category": "fine",
        "fine_amount": "5000.00",
        "punished": True,
        "severity": "general",
    }
    values.update(over)
    return values


@pytest.fixture
def api_key(session):  # type: ignore[no-untyped-def]
    """X-API-Key headers of a new machine client."""

    async def make(
        source: ClientSource = ClientSource.social_insurance,
        *,
        trusted: bool = False,
        scopes: list[Scope] | None = None,
    ) -> dict[str, str]:
        data = ApiClientCreate(
            name=f"{source.value} {uuid.uuid4().hex[:6]}",
            source=source,
            trusted=trusted,
            scopes=scopes,
        )
        _, key = await clients.create(session=session, data=data, actor=actors.system())
        return {"X-API-Key": key}

    return make


async def send(client, key, records, idempotency_key=None):  # type: ignore[no-untyped-def]
    headers = {**key, "Idempotency-Key": idempotency_key or uuid.uuid4().hex}
    return await client.post(INTAKE, json={"records": records}, headers=headers)


async def count(session, table) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(select(func.count()).select_from(table)))


async def test_outcomes_in_order_and_a_bad_item_rejects_only_itself(
    client, api_key, make_employer, headers_for
):
    employer = await make_employer()
    key = await api_key()
    first = await send(client, key, [item("SI-1", employer.uscc), item("SI-2", employer.uscc)])
    assert first.status_code == 200, first.text
    assert [i["outcome"] for i in first.json()["items"]] == ["created", "created"]
    batch = [
        item("SI-3", employer.uscc),
        item("SI-1", employer.uscc),  # the same content again
        item("SI-bad", new_uscc()),  # nobody registered under it
        item("SI-2", employer.uscc, title="未足额缴纳社会保险费（更正）"),
    ]
    r = await send(client, key, batch)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["external_id"], i["outcome"]) for i in items] == [
        ("SI-3", "created"),
        ("SI-1", "unchanged"),
        ("SI-bad", "rejected"),
        ("SI-2", "corrected"),
    ]
    assert items[1]["record_id"] == first.json()["items"][0]["record_id"]
    assert items[2]["record_id"] is None
    problem = items[2]["problem"]
    assert problem["status"] == 422
    assert problem["errors"][0]["loc"] == ["body", "records", 2, "uscc"]
    assert "no employer with USCC" in problem["errors"][0]["msg"]
    reviewer = await headers_for(Role.reviewer)
    created = (await client.get(f"{RECORDS}/{items[0]['record_id']}", headers=reviewer)).json()
    assert created["employer_id"] == str(employer.id) and created["fine_amount"] == "5000.00"


@pytest.mark.parametrize("odd", [7, "SI-1", None, ["SI-1"]])
async def test_an_item_that_is_not_an_object_is_rejected_alone(client, api_key, make_employer, odd):
    employer = await make_employer()
    r = await send(client, await api_key(), [item("SI-1", employer.uscc), odd])
    assert r.status_code == 200, r.text
    first, second = r.json()["items"]
    assert (first["outcome"], second["outcome"]) == ("created", "rejected")
    assert second["external_id"] is None and second["record_id"] is None
    [error] = second["problem"]["errors"]
    assert error["loc"] == ["body", "records", 1] and error["type"] == "model_type"


@pytest.mark.parametrize(
    ("over", "field", "kind"),
    [
        ({"decision_date": "2099-01-01"}, "decision_date", "date.future"),
        ({"penalty_category": None}, "fine_amount", "fine.no_category"),
        ({"title": None}, "title", None),
        ({"kind": "honour"}, "kind", "value_error"),
    ],
)
async def test_rejected_item_names_the_field(
    client, session, api_key, make_employer, over, field, kind
):
    employer = await make_employer()
    key = await api_key()
    before = await count(session, CreditRecord)
    r = await send(client, key, [item("A", employer.uscc, **over), item("B", employer.uscc)])
    assert r.status_code == 200, r.text
    bad, good = r.json()["items"]
    assert (bad["outcome"], good["outcome"]) == ("rejected", "created")
    assert bad["problem"]["errors"][0]["loc"] == ["body", "records", 0, field]
    assert field in bad["problem"]["detail"]
    if kind:
        assert bad["problem"]["errors"][0]["type"] == kind
    assert await count(session, CreditRecord) == before + 1


async def test_duplicate_external_ids_in_one_batch_reject_every_occurrence(
    client, session, api_key, make_employer
):
    employer = await make_employer()
    key = await api_key()
    before = await count(session, CreditRecord)
    batch = [
        item("DUP", employer.uscc),
        item("ONE", employer.uscc),
        item("DUP", employer.uscc, title="另一条"),
    ]
    items = (await send(client, key, batch)).json()["items"]
    assert [i["outcome"] for i in items] == ["rejected", "created", "rejected"]
    for position in (0, 2):
        error = items[position]["problem"]["errors"][0]
        assert error["loc"] == ["body", "records", position, "external_id"]
        assert "2 times" in error["msg"]
    assert await count(session, CreditRecord) == before + 1


async def test_the_key_decides_the_source(client, api_key, make_employer, headers_for):
    employer = await make_employer()
    key = await api_key(ClientSource.arbitration)
    chosen = item("AR-1", employer.uscc, source="inspection")  # not the sender's to choose
    refused = (await send(client, key, [chosen])).json()["items"][0]
    assert refused["outcome"] == "rejected"
    assert refused["problem"]["errors"][0]["loc"] == ["body", "records", 0, "source"]
    sent = item("AR-1", employer.uscc)
    r = await send(client, key, [sent])
    record_id = r.json()["items"][0]["record_id"]
    reviewer = await headers_for(Role.reviewer)
    record = (await client.get(f"{RECORDS}/{record_id}", headers=reviewer)).json()
    assert record["source"] == "arbitration"
    # the same external id from another source is another record
    other = await api_key(ClientSource.labour_relations)
    again = (await send(client, other, [sent])).json()["items"][0]
    assert again["outcome"] == "created" and again["record_id"] != record_id


async def test_trusted_client_records_arrive_verified_with_events(
    client, session, api_key, make_employer, headers_for
):
    employer = await make_employer()
    key = await api_key(trusted=True)
    reviewer = await headers_for(Role.reviewer)
    first = (await send(client, key, [item("T-1", employer.uscc)])).json()["items"][0]
    record = (await client.get(f"{RECORDS}/{first['record_id']}", headers=reviewer)).json()
    assert record["status"] == "verified" and record["verified_at"] is not None
    events = await session.scalars(
        select(CreditEvent.event_type).where(CreditEvent.record_id == uuid.UUID(record["id"]))
    )
    assert list(events) == ["record.verified"]
    changed = item("T-1", employer.uscc, fine_amount="8000.00")
    second = (await send(client, key, [changed])).json()["items"][0]
    assert second["outcome"] == "corrected" and second["record_id"] != record["id"]
    new = (await client.get(f"{RECORDS}/{second['record_id']}", headers=reviewer)).json()
    assert (new["version"], new["status"], new["fine_amount"]) == (2, "verified", "8000.00")
    assert new["correction_reason"] == "updated by source"
    assert new["supersedes_id"] == record["id"]
    old = (await client.get(f"{RECORDS}/{record['id']}", headers=reviewer)).json()
    assert old["status"] == "superseded" and old["superseded_by_id"] == new["id"]
    corrected = await session.scalars(
        select(CreditEvent.event_type).where(CreditEvent.record_id == uuid.UUID(new["id"]))
    )
    assert list(corrected) == ["record.corrected"]


async def test_untrusted_client_sends_drafts_and_edits_its_draft(
    client, session, api_key, make_employer, headers_for
):
    employer = await make_employer()
    key = await api_key()
    reviewer = await headers_for(Role.reviewer)
    events_before = await count(session, CreditEvent)
    first = (await send(client, key, [item("U-1", employer.uscc)])).json()["items"][0]
    record = (await client.get(f"{RECORDS}/{first['record_id']}", headers=reviewer)).json()
    assert record["status"] == "draft" and record["verified_at"] is None
    changed = item("U-1", employer.uscc, title="少缴3名职工社会保险费")
    second = (await send(client, key, [changed])).json()["items"][0]
    assert second == {**first, "outcome": "corrected"}  # the same draft, edited
    edited = (await client.get(f"{RECORDS}/{first['record_id']}", headers=reviewer)).json()
    assert (edited["title"], edited["status"], edited["version"]) == (
        "少缴3名职工社会保险费",
        "draft",
        1,
    )
    assert await count(session, CreditEvent) == events_before


async def test_untrusted_change_to_a_verified_record_rejects_only_that_item(
    client, session, api_key, make_employer, headers_for
):
    employer = await make_employer()
    key = await api_key()
    reviewer = await headers_for(Role.reviewer)
    first = (await send(client, key, [item("V-1", employer.uscc)])).json()["items"][0]
    v = await client.post(f"{RECORDS}/{first['record_id']}/verification", headers=reviewer)
    assert v.status_code == 200, v.text
    batch = [item("V-1", employer.uscc, title="改过的标题"), item("V-2", employer.uscc)]
    items = (await send(client, key, batch)).json()["items"]
    assert [i["outcome"] for i in items] == ["rejected", "created"]
    assert "reviewer's correction" in items[0]["problem"]["detail"] + str(
        items[0]["problem"]["errors"]
    )
    record = (await client.get(f"{RECORDS}/{first['record_id']}", headers=reviewer)).json()
    assert (record["status"], record["title"]) == ("verified", "未足额缴纳社会保险费")
    # sending the original content again is still just "unchanged"
    again = (await send(client, key, [item("V-1", employer.uscc)])).json()["items"][0]
    assert again["outcome"] == "unchanged"


async def test_trusted_change_after_a_reviewer_correction_corrects_the_current_version(
    client, api_key, make_employer, headers_for
):
    employer = await make_employer()
    key = await api_key(trusted=True)
    reviewer = await headers_for(Role.reviewer)
    first = (await send(client, key, [item("C-1", employer.uscc)])).json()["items"][0]
    correction = {
        **{k: v for k, v in item("C-1", employer.uscc).items() if k not in {"external_id", "uscc"}},
        "employer_id": str(employer.id),
        "source": "social_insurance",
        "fine_amount": "6000.00",
        "reason": "罚款金额录入错误",
    }
    c = await client.post(
        f"{RECORDS}/{first['record_id']}/corrections", json=correction, headers=reviewer
    )
    assert c.status_code == 201, c.text
    v = await client.post(
        f"{RECORDS}/{c.json()['id']}/verification", headers=await headers_for(Role.reviewer)
    )
    assert v.status_code == 200, v.text
    same = (await send(client, key, [item("C-1", employer.uscc)])).json()["items"][0]
    assert same == {**first, "outcome": "unchanged", "record_id": c.json()["id"]}
    changed = item("C-1", employer.uscc, fine_amount="7000.00")
    r = (await send(client, key, [changed])).json()["items"][0]
    assert r["outcome"] == "corrected", r
    latest = (await client.get(f"{RECORDS}/{r['record_id']}", headers=reviewer)).json()
    assert (latest["version"], latest["fine_amount"]) == (3, "7000.00")
    assert latest["supersedes_id"] == c.json()["id"]


async def test_idempotency_key_replay_returns_the_same_answer_and_writes_nothing(
    client, session, api_key, make_employer
):
    employer = await make_employer()
    key = await api_key(trusted=True)
    batch = [item("I-1", employer.uscc), item("I-2", new_uscc())]
    first = await send(client, key, batch, idempotency_key="batch-2026-11-26-001")
    assert first.status_code == 200, first.text
    counts = [await count(session, t) for t in (CreditRecord, AuditEvent, CreditEvent)]
    replay = await send(client, key, batch, idempotency_key="batch-2026-11-26-001")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert [await count(session, t) for t in (CreditRecord, AuditEvent, CreditEvent)] == counts
    # without the key the same body is answered afresh: the record exists now
    fresh = (await send(client, key, batch)).json()["items"]
    assert [i["outcome"] for i in fresh] == ["unchanged", "rejected"]


async def test_same_idempotency_key_with_another_body_is_422(
    client, session, api_key, make_employer
):
    employer = await make_employer()
    key = await api_key()
    await send(client, key, [item("K-1", employer.uscc)], idempotency_key="k")
    before = await count(session, CreditRecord)
    r = await send(client, key, [item("K-2", employer.uscc)], idempotency_key="k")
    body = assert_problem(r, 422)
    assert body["errors"][0]["loc"] == ["header", "idempotency-key"]
    assert await count(session, CreditRecord) == before
    # the key belongs to its client: another client may use the same one
    other = await send(client, await api_key(), [item("K-2", employer.uscc)], "k")
    assert other.status_code == 200 and other.json()["items"][0]["outcome"] == "created"


async def test_a_repeat_is_the_same_body_byte_for_byte(client, session, api_key, make_employer):
    """The key fingerprints the body as sent: the same records written out otherwise (spacing,
    key order) are another body. Nothing is lost by it: under a new key they are `unchanged`."""
    employer = await make_employer()
    key = await api_key()
    batch = [item("B-1", employer.uscc)]
    first = await send(client, key, batch, idempotency_key="b")
    assert first.status_code == 200, first.text
    before = await count(session, CreditRecord)
    reordered = json.dumps({"records": [dict(reversed(batch[0].items()))]}, indent=1)
    headers = {**key, "Idempotency-Key": "b", "Content-Type": "application/json"}
    r = await client.post(INTAKE, content=reordered, headers=headers)
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["header", "idempotency-key"]
    assert await count(session, CreditRecord) == before
    again = await send(client, key, batch)
    assert [i["outcome"] for i in again.json()["items"]] == ["unchanged"]


async def test_a_key_fingerprinted_before_2026_12_02_still_replays(
    client, session, api_key, make_employer
):
    """Keys stored before bodies were hashed as sent hold the hash of the parsed records as JSON
    with sorted keys: a repeat of such a key is still answered from storage."""
    employer = await make_employer()
    key = await api_key()
    batch = [item("L-1", employer.uscc)]
    first = await send(client, key, batch, idempotency_key="legacy")
    assert first.status_code == 200, first.text
    await session.execute(
        text("UPDATE idempotent_requests SET request_hash = :h WHERE key = 'legacy'"),
        {"h": idempotency._canonical_hash(batch)},
    )
    before = [await count(session, t) for t in (CreditRecord, AuditEvent, CreditEvent)]
    reordered = json.dumps({"records": [dict(reversed(batch[0].items()))]})
    headers = {**key, "Idempotency-Key": "legacy", "Content-Type": "application/json"}
    replay = await client.post(INTAKE, content=reordered, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json() == first.json()
    assert [await count(session, t) for t in (CreditRecord, AuditEvent, CreditEvent)] == before
    other = await send(client, key, [item("L-2", employer.uscc)], idempotency_key="legacy")
    assert assert_problem(other, 422)["errors"][0]["loc"] == ["header", "idempotency-key"]


async def test_missing_idempotency_key_is_422_naming_the_header(client, api_key, make_employer):
    employer = await make_employer()
    key = await api_key()
    r = await client.post(INTAKE, json={"records": [item("X", employer.uscc)]}, headers=key)
    body = assert_problem(r, 422)
    assert ["header", "idempotency-key"] in [e["loc"] for e in body["errors"]]


async def test_more_than_1000_records_is_422(client, session, api_key):
    key = await api_key()
    before = await count(session, CreditRecord)
    r = await send(client, key, [{}] * 1001)
    body = assert_problem(r, 422)
    assert body["errors"][0]["loc"] == ["body", "records"]
    assert await count(session, CreditRecord) == before


@pytest.mark.parametrize("role", [Role.inspector, Role.reviewer, Role.admin])
async def test_staff_tokens_may_not_send_intake(client, headers_for, make_employer, role):
    employer = await make_employer()
    headers = {**await headers_for(role), "Idempotency-Key": "a"}
    r = await client.post(INTAKE, json={"records": [item("S", employer.uscc)]}, headers=headers)
    assert_problem(r, 403)


async def test_city_platform_client_may_not_send_intake(client, api_key, make_employer):
    employer = await make_employer()
    key = await api_key(ClientSource.city_platform)
    assert_problem(await send(client, key, [item("P", employer.uscc)]), 403)


async def test_revoked_key_is_401(client, session, make_employer, clock):
    employer = await make_employer()
    data = ApiClientCreate(name="社保系统", source=ClientSource.social_insurance)
    api_client, key = await clients.create(session=session, data=data, actor=actors.system())
    await clients.revoke(
        session=session, client_id=api_client.id, actor=actors.system(), clock=clock
    )
    r = await send(client, {"X-API-Key": key}, [item("R", employer.uscc)])
    body = assert_problem(r, 401)
    assert "revoked" in body["detail"]


async def test_change_to_a_revoked_record_is_rejected(client, api_key, make_employer, headers_for):
    employer = await make_employer()
    key = await api_key(trusted=True)
    reviewer = await headers_for(Role.reviewer)
    first = (await send(client, key, [item("RV-1", employer.uscc)])).json()["items"][0]
    revocation = {"reason": "行政复议撤销", "revoking_document": "文人社撤字〔2026〕9号"}
    rv = await client.post(
        f"{RECORDS}/{first['record_id']}/revocation", json=revocation, headers=reviewer
    )
    assert rv.status_code == 200, rv.text
    changed = item("RV-1", employer.uscc, fine_amount="9000.00")
    r = (await send(client, key, [changed, item("RV-2", employer.uscc)])).json()["items"]
    assert [i["outcome"] for i in r] == ["rejected", "created"]
    assert "revoked" in r[0]["problem"]["errors"][0]["msg"]


async def test_a_city_platform_client_cannot_be_given_the_intake_scope(session):
    data = ApiClientCreate(
        name="市平台", source=ClientSource.city_platform, scopes=[Scope.intake, Scope.receipts]
    )
    with pytest.raises(InvalidField) as refused:
        await clients.create(session=session, data=data, actor=actors.system())
    assert refused.value.errors[0].loc == ["body", "scopes"]
    assert "intake" in refused.value.detail.en


async def test_the_same_content_written_differently_is_unchanged(client, api_key, make_employer):
    employer = await make_employer()
    key = await api_key()
    first = await send(client, key, [item("SI-7", employer.uscc, fine_amount="5000.00")])
    spaced = employer.uscc[:6] + " " + employer.uscc[6:].lower()
    again = await send(client, key, [item("SI-7", spaced, fine_amount="5000")])
    assert again.json()["items"][0]["outcome"] == "unchanged", again.text
    assert again.json()["items"][0]["record_id"] == first.json()["items"][0]["record_id"]
