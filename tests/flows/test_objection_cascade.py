"""An objection across the stages: a C in force is published; the employer objects to the
disclosed item, which shows as disputed; an upheld decision revokes the record, re-grades,
withdraws the disclosure, tells the employer and emits what the push carries — all consistent
at commit, or (a failure half-way) none of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.core import events
from app.disclosure import consumer as disclosure_consumer
from app.evaluations import service as evaluations
from app.grading import apply
from app.grading import service as grading
from app.models.credit_record import CorrectionCreate, CreditRecord
from app.models.evaluation import EvaluationOrigin
from app.models.user import Role
from app.notifications import consumer as notifications_consumer
from app.records import corrections
from app.records import service as record_service
from tests.conftest import assert_problem
from tests.disclosure.support import add_record, staff
from tests.objections.support import BASE, accepted, bearer, filed, objection, snapshot

PUBLIC = "/api/v1/disclosures"
REVOKED = {
    "outcome": "upheld",
    "reasons": "经核实，该处罚决定已被行政复议撤销",
    "revocation": {
        "reason": "处罚决定经行政复议被撤销",
        "revoking_document": "吕政复决字〔2026〕7号",
    },
}


async def _consume(session, clock) -> None:  # type: ignore[no-untyped-def]
    for consumer in (disclosure_consumer.CONSUMER, notifications_consumer.CONSUMER):
        await events.consume(
            session=session, consumer=consumer, clock=clock, batch=1000,
            horizon=timedelta(hours=1),
        )  # fmt: skip


async def _public(client, uscc: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get(PUBLIC, params={"uscc": uscc})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@dataclass
class Case:
    employer: Any
    record_id: Any
    account: dict[str, str]  # the employer's own account
    staff: dict[str, str]  # a reviewer who collected nothing


@pytest.fixture
async def disclosed(client, session, settings, make_employer, make_user, clock, today):  # type: ignore[no-untyped-def]
    """A unit whose serious child-labour penalty made a C that took effect and was published."""
    employer = await make_employer()
    record = await add_record(
        session, settings, clock, employer.id, await staff(make_user), severity="serious",
        decided=date(2025, 6, 1), kind="child_labour",
        serious_conditions=["child_or_forced_labour"],
    )  # fmt: skip
    owner = await make_user(Role.employer, employer_id=employer.id)
    case = Case(employer, record.id, bearer(owner, settings, clock),
                bearer(await make_user(Role.reviewer), settings, clock))  # fmt: skip
    await grading.regrade(
        session=session, employer_ids=[employer.id], cycle=2025,
        policy=apply.Policy(origin=EvaluationOrigin.batch), today=today,
    )  # fmt: skip
    assert await evaluations.close_notices(session=session, today=date(2026, 12, 4)) >= 1
    await _consume(session, clock)
    [shown] = await _public(client, employer.uscc)
    return case, shown


async def test_an_upheld_objection_leaves_every_stage_consistent(client, session, clock, disclosed):  # type: ignore[no-untyped-def]
    case, shown = disclosed
    [item] = shown["items"]
    assert item["disputed"] is False
    body = await filed(client, case.account, objection(item["id"], target_type="disclosure_item"))
    [again] = await _public(client, case.employer.uscc)
    assert again["items"][0]["disputed"] is True  # 异议标注 while it is open
    second = objection(case.record_id)  # the record the item shows is another target
    assert (await client.post(BASE, json=second, headers=case.account)).status_code == 201
    duplicate = await client.post(
        BASE, json=objection(item["id"], target_type="disclosure_item"), headers=case.account
    )
    assert assert_problem(duplicate, 409)["open_objection_id"] == body["id"]

    await accepted(client, case.staff, body["id"])
    decided = await client.post(f"{BASE}/{body['id']}/decision", json=REVOKED, headers=case.staff)
    assert decided.status_code == 200, decided.text
    assert decided.json()["push_due_date"] is not None

    status = await session.scalar(
        text("SELECT status FROM credit_records WHERE id = :i"), {"i": case.record_id}
    )
    assert status == "revoked"
    grade = await session.scalar(
        text("SELECT grade FROM evaluations WHERE employer_id = :e AND cycle = 2025 "
             "AND status IN ('notice', 'final')"), {"e": case.employer.id},
    )  # fmt: skip
    assert grade != "C"
    assert await _public(client, case.employer.uscc) == []  # withdrawn in the same transaction
    gone = assert_problem(await client.get(f"{PUBLIC}/{shown['id']}"), 410)
    assert gone["withdrawn_at"] and gone["reason"] == "grade_changed"
    kinds = [
        row[0] for row in await session.execute(
            text("SELECT event_type FROM credit_events WHERE employer_id = :e ORDER BY id"),
            {"e": case.employer.id},
        )
    ]  # fmt: skip
    tail = kinds[kinds.index("objection.accepted") + 1 :]
    assert tail == ["record.revoked", "evaluation.finalized", "disclosure.withdrawn",
                    "objection.decided"]  # fmt: skip

    await _consume(session, clock)
    told = await client.get("/api/v1/notifications", headers=case.account)
    kinds_told = {n["kind"] for n in told.json()["items"]}
    assert {"disclosure_published", "objection_accepted", "objection_decided",
            "disclosure_withdrawn"} <= kinds_told  # fmt: skip
    [decision] = [n for n in told.json()["items"] if n["kind"] == "objection_decided"]
    assert decided.json()["push_due_date"] in decision["body"]


async def test_a_failure_half_way_changes_no_stage(client, session, connection, clock, disclosed):  # type: ignore[no-untyped-def]
    case, _ = disclosed
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    await connection.execute(
        text("ALTER TABLE credit_events ADD CONSTRAINT test_refuses_decisions "
             "CHECK (event_type <> 'objection.decided')")
    )  # fmt: skip
    before = await snapshot(session, case.employer.id)
    disclosures = await session.execute(
        text("SELECT id, status, version FROM disclosures WHERE employer_id = :e"),
        {"e": case.employer.id},
    )
    listed_before = [tuple(r) for r in disclosures]
    response = await client.post(f"{BASE}/{body['id']}/decision", json=REVOKED, headers=case.staff)
    assert_problem(response, 500)
    assert await snapshot(session, case.employer.id) == before
    disclosures = await session.execute(
        text("SELECT id, status, version FROM disclosures WHERE employer_id = :e"),
        {"e": case.employer.id},
    )
    assert [tuple(r) for r in disclosures] == listed_before
    [still] = await _public(client, case.employer.uscc)
    assert still["items"][0]["disputed"] is True  # the objection is still open


async def test_a_rejected_objection_leaves_the_item_shown_and_no_longer_disputed(
    client, session, clock, disclosed
):  # type: ignore[no-untyped-def]
    case, shown = disclosed
    [item] = shown["items"]
    body = await filed(client, case.account, objection(item["id"], target_type="disclosure_item"))
    await accepted(client, case.staff, body["id"])
    rejected = {"outcome": "rejected", "reasons": "经核实，原记录无误"}
    decided = await client.post(f"{BASE}/{body['id']}/decision", json=rejected, headers=case.staff)
    assert decided.status_code == 200, decided.text
    assert decided.json()["push_due_date"] is None
    [after] = await _public(client, case.employer.uscc)
    assert (after["id"], after["items"][0]["disputed"]) == (shown["id"], False)


async def _told(client, account) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/notifications", headers=account)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_withdrawn_objection_flags_the_item_no_more_and_the_employer_is_told(
    client, session, clock, disclosed
):  # type: ignore[no-untyped-def]
    case, shown = disclosed
    [item] = shown["items"]
    on_item = await filed(
        client, case.account, objection(item["id"], target_type="disclosure_item")
    )
    on_record = await filed(client, case.account, objection(case.record_id))
    reason = {"reason": "本单位已与劳动者协商一致，撤回异议"}
    response = await client.post(f"{BASE}/{on_item['id']}/withdrawal", json=reason,
                                 headers=case.account)  # fmt: skip
    assert response.status_code == 200, response.text
    [still] = await _public(client, case.employer.uscc)
    assert still["items"][0]["disputed"] is True  # the objection to its record is open
    response = await client.post(f"{BASE}/{on_record['id']}/withdrawal", json=reason,
                                 headers=case.staff)  # fmt: skip
    assert response.status_code == 200, response.text
    [after] = await _public(client, case.employer.uscc)
    assert (after["id"], after["items"][0]["disputed"]) == (shown["id"], False)
    # the item takes a new objection
    await filed(client, case.account, objection(item["id"], target_type="disclosure_item"))

    await _consume(session, clock)
    withdrawn = [n for n in await _told(client, case.account) if n["kind"] == "objection_withdrawn"]
    assert len(withdrawn) == 2
    assert all(n["title"] == "Objection withdrawn" for n in withdrawn)
    assert all(reason["reason"] in n["body"] for n in withdrawn)  # as sent, in Chinese
    zh = {**case.account, "Accept-Language": "zh"}
    chinese = await client.get("/api/v1/notifications", headers=zh)
    assert "异议已撤回" in {n["title"] for n in chinese.json()["items"]}


async def test_an_objection_whose_record_was_corrected_meanwhile_lapses_and_the_flag_clears(
    client, session, settings, clock, make_user, disclosed
):  # type: ignore[no-untyped-def]
    case, _ = disclosed
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    # a plain correction, proposed and verified by two others, as any record's
    record = await session.get(CreditRecord, case.record_id)
    assert record is not None
    proposer, verifier = await staff(make_user)
    fields = CorrectionCreate.model_fields
    content = {k: v for k, v in record_service.content_of(record).items() if k in fields}
    content["penalty_content"] = "罚款3万元"
    draft = await corrections.correct(
        session=session, record_id=case.record_id,
        data=CorrectionCreate(**content, reason="处罚内容录入有误"), actor=proposer,
        settings=settings, clock=clock,
    )  # fmt: skip
    await corrections.verify(session=session, record_id=draft.id, actor=verifier, clock=clock)
    await _consume(session, clock)  # the disclosure shows the corrected version
    [shown] = await _public(client, case.employer.uscc)
    assert shown["items"][0]["disputed"] is True  # the objection holds every version
    decision = {"outcome": "rejected", "reasons": "无误"}
    refused = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert assert_problem(refused, 409)["type"].endswith("/objection-target-changed")

    reason = {"reason": "原异议所针对的记录已更正"}
    lapsed = await client.post(f"{BASE}/{body['id']}/lapse", json=reason, headers=case.staff)
    assert lapsed.status_code == 200, lapsed.text
    [after] = await _public(client, case.employer.uscc)
    assert after["items"][0]["disputed"] is False
    again = await filed(client, case.account, objection(draft.id))
    assert (await accepted(client, case.staff, again["id"]))["status"] == "accepted"
    [flagged] = await _public(client, case.employer.uscc)
    assert flagged["items"][0]["disputed"] is True

    await _consume(session, clock)
    [told] = [n for n in await _told(client, case.account) if n["kind"] == "objection_lapsed"]
    assert told["title"] == "Objection lapsed (the target changed)"
    assert str(draft.id) in told["body"] and reason["reason"] in told["body"]
