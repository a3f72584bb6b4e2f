"""Objections over HTTP (Art 15, 16): filing by the employer or by staff, one open per target,
acceptance and its working-day deadline, the decision and its cascade, evidence, deadlines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.core.clock import Clock
from app.grading import apply
from app.grading import service as grading
from app.models.evaluation import EvaluationOrigin
from app.models.user import Role
from tests.conftest import assert_problem
from tests.grading.support import content
from tests.objections.support import (
    BASE,
    CHILD_LABOUR,
    accepted,
    by_staff,
    filed,
    make_case,
    objection,
    snapshot,
)

PDF = b"%PDF-1.7\n" + b"objection evidence " * 40
ZH = {"Accept-Language": "zh"}  # the test client asks for English; the service's default is zh


@pytest.fixture
async def case(session, settings, app, make_employer, make_user):  # type: ignore[no-untyped-def]
    return await make_case(session, settings, app, make_employer, make_user)


async def graded(session, employer_id, today, cycle=2025):  # type: ignore[no-untyped-def]
    policy = apply.Policy(origin=EvaluationOrigin.batch)
    await grading.regrade(
        session=session, employer_ids=[employer_id], cycle=cycle, policy=policy, today=today
    )


async def current_grade(session, employer_id, cycle=2025):  # type: ignore[no-untyped-def]
    return (
        await session.execute(
            text(
                "SELECT id, grade, status FROM evaluations WHERE employer_id = :e AND cycle = :c "
                "AND status IN ('notice', 'final')"
            ),
            {"e": employer_id, "c": cycle},
        )
    ).one_or_none()


async def event_types(session, employer_id, since=0):  # type: ignore[no-untyped-def]
    rows = await session.execute(
        text(
            "SELECT event_type, payload FROM credit_events WHERE employer_id = :e AND id > :s "
            "ORDER BY id"
        ),
        {"e": employer_id, "s": since},
    )
    return [(r.event_type, r.payload) for r in rows]


# --- filing -------------------------------------------------------------------------------------


async def test_the_employer_files_its_own_received_today_and_the_target_is_flagged(
    client, session, case, today
):
    body = await filed(client, case.account, objection(case.record_id))
    assert body["status"] == "filed"
    assert body["receipt_date"] == today.isoformat()
    assert body["channel"] == "online"
    assert body["filed_by"]["side"] == "employer"
    assert body["employer_id"] == str(case.employer.id)
    [(kind, payload)] = await event_types(session, case.employer.id, since=await _last(session))
    assert kind == "objection.filed"
    assert payload == {
        "objection_id": body["id"], "target_type": "record", "target_id": str(case.record_id),
        "receipt_date": today.isoformat(), "reason_category": "error",
    }  # fmt: skip


async def _last(session) -> int:  # type: ignore[no-untyped-def]
    """The id of the last event but one (the filing's is the last)."""
    found = await session.scalar(text("SELECT max(id) - 1 FROM credit_events"))
    return int(found or 0)


async def test_an_employer_objecting_to_another_employers_record_gets_404_and_nothing_changes(
    client, session, settings, app, case, make_employer, make_user
):
    other = await make_case(session, settings, app, make_employer, make_user)
    before = await snapshot(session, other.employer.id)
    response = await client.post(BASE, json=objection(other.record_id), headers=case.account)
    body = assert_problem(response, 404)
    assert body["type"].endswith("/not-found")
    assert await snapshot(session, other.employer.id) == before


async def test_a_second_open_objection_on_the_same_record_is_409_naming_the_open_one(
    client, session, case, today
):
    first = await filed(client, case.account, objection(case.record_id))
    before = await snapshot(session, case.employer.id)
    again = by_staff(case.record_id, today, reason_category="omission")
    response = await client.post(BASE, json=again, headers=case.staff)
    body = assert_problem(response, 409)
    assert body["type"].endswith("/objection-already-open")
    assert body["open_objection_id"] == first["id"]
    assert first["id"] in body["detail"]
    assert await snapshot(session, case.employer.id) == before


async def test_refusals_are_chinese_by_default(client, case):
    await filed(client, case.account, objection(case.record_id))
    response = await client.post(
        BASE, json=objection(case.record_id), headers={**case.account, "Accept-Language": "zh"}
    )
    body = assert_problem(response, 409)
    assert "未办结的异议" in body["detail"]


async def test_an_employer_account_gives_no_receipt_date(client, session, case, today):
    body = objection(case.record_id, receipt_date=today.isoformat())
    response = await client.post(BASE, json=body, headers=case.account)
    problem = assert_problem(response, 422)
    assert problem["type"].endswith("/objection-staff-field")
    assert problem["errors"][0]["loc"] == ["body", "receipt_date"]
    assert (await snapshot(session, case.employer.id))["objections"] == []


async def test_staff_give_a_receipt_date_not_in_the_future_and_a_channel(client, case, today):
    missing = objection(case.record_id, channel="letter")
    problem = assert_problem(await client.post(BASE, json=missing, headers=case.staff), 422)
    assert problem["errors"][0]["loc"] == ["body", "receipt_date"]
    future = by_staff(case.record_id, date(2026, 12, 31))
    problem = assert_problem(await client.post(BASE, json=future, headers=case.staff), 422)
    assert problem["type"].endswith("/objection-receipt-required")
    assert problem["errors"][0]["loc"] == ["body", "receipt_date"]
    online = by_staff(case.record_id, today, channel="online")
    problem = assert_problem(await client.post(BASE, json=online, headers=case.staff), 422)
    assert problem["errors"][0]["loc"] == ["body", "channel"]


async def test_another_employer_s_disclosure_item_is_absent(client, case):
    body = objection(uuid.uuid4(), target_type="disclosure_item")
    problem = assert_problem(await client.post(BASE, json=body, headers=case.account), 404)
    assert problem["type"].endswith("/not-found")


async def test_an_inspector_may_enter_an_objection_but_not_accept_it(
    client, headers_for, case, today
):
    inspector = await headers_for(Role.inspector)
    body = await filed(client, inspector, by_staff(case.record_id, today))
    assert body["filed_by"]["side"] == "bureau"
    response = await client.post(
        f"{BASE}/{body['id']}/acceptance", json={"handling": "in_house"}, headers=inspector
    )
    assert_problem(response, 403)


# --- acceptance and its deadline ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "handling", "due"),
    [
        # DOMAIN §8: across the Spring Festival (02-15..02-23 off, 02-14 a make-up workday)
        (date(2026, 2, 13), {"handling": "in_house"}, date(2026, 2, 25)),
        # across National Day (10-01..10-07 off); Sat 10-10 is a make-up workday
        (date(2026, 9, 30), {"handling": "in_house"}, date(2026, 10, 10)),
        # 10 working days across 09-25..09-27 and National Day
        (
            date(2026, 9, 24),
            {"handling": "departments", "departments": ["县市场监管局"]},
            date(2026, 10, 15),
        ),
    ],
)
async def test_the_deadline_counts_working_days_from_the_receipt_staff_entered(
    client, session, case, received, handling, due
):
    body = await filed(client, case.staff, by_staff(case.record_id, received))
    assert body["receipt_date"] == received.isoformat()
    shown = await accepted(client, case.staff, body["id"], **handling)
    assert shown["status"] == "accepted"
    assert shown["due_date"] == due.isoformat()
    assert shown["awaiting_calendar"] is False
    [(kind, payload)] = (await event_types(session, case.employer.id))[-1:]
    assert kind == "objection.accepted"
    assert payload == {
        "objection_id": body["id"], "handling": handling["handling"],
        "departments": handling.get("departments", []), "receipt_date": received.isoformat(),
        "due_date": due.isoformat(),
    }  # fmt: skip


async def test_an_acceptance_class_that_is_not_one_of_the_two_is_422_naming_it(
    client, session, case
):
    body = await filed(client, case.account, objection(case.record_id))
    before = await snapshot(session, case.employer.id)
    url = f"{BASE}/{body['id']}/acceptance"
    response = await client.post(url, json={"handling": "someday"}, headers=case.staff)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "handling"]
    response = await client.post(url, json={"handling": "departments"}, headers=case.staff)
    problem = assert_problem(response, 422)
    assert problem["type"].endswith("/objection-departments")
    long_name = {"handling": "departments", "departments": ["部" * 201]}
    response = await client.post(url, json=long_name, headers=case.staff)  # not a 500
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "departments", 0]
    assert await snapshot(session, case.employer.id) == before
    await accepted(client, case.staff, body["id"])
    again = await client.post(url, json={"handling": "in_house"}, headers=case.staff)
    assert assert_problem(again, 409)["type"].endswith("/objection-not-awaiting-acceptance")


# --- the decision -------------------------------------------------------------------------------


def _corrected(case) -> dict:  # type: ignore[no-untyped-def]
    """The record's content without its serious condition (no longer a C)."""
    fixed = content(case.employer.id, CHILD_LABOUR, serious_conditions=[])
    return fixed.model_dump(mode="json", exclude_none=True)


async def test_an_upheld_objection_corrects_regrades_and_emits_consistently(
    client, session, case, today
):
    await graded(session, case.employer.id, today)
    before = await current_grade(session, case.employer.id)
    assert before.grade == "C"
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    since = int(await session.scalar(text("SELECT max(id) FROM credit_events")))
    decision = {"outcome": "upheld", "reasons": "经核实不存在使用童工情形",
                "correction": _corrected(case)}  # fmt: skip
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["status"] == "decided" and decided["outcome"] == "upheld"
    assert decided["decided_on"] == today.isoformat()
    # Art 16: Thu 2026-11-26 + 5 working days
    assert decided["push_due_date"] == "2026-12-03"
    new_id = decided["result_record_id"]
    record = (
        await session.execute(
            text("SELECT * FROM credit_records WHERE id = :i"), {"i": uuid.UUID(new_id)}
        )
    ).one()
    assert record.status == "verified" and record.serious_conditions == []
    assert record.verified_by == case.decider.id and record.supersedes_id == case.record_id
    assert body["id"] in record.correction_reason
    old = await client.get(f"/api/v1/credit-records/{case.record_id}", headers=case.staff)
    assert old.json()["status"] == "superseded"
    after = await current_grade(session, case.employer.id)
    assert after.grade == "B" and after.id != before.id
    kinds = [kind for kind, _ in await event_types(session, case.employer.id, since)]
    assert kinds[0] == "record.corrected"
    assert "evaluation.finalized" in kinds
    assert kinds[-1] == "objection.decided"
    [(_, payload)] = [e for e in await event_types(session, case.employer.id, since)
                      if e[0] == "objection.decided"]  # fmt: skip
    assert payload == {
        "objection_id": body["id"], "outcome": "upheld", "reasons": decision["reasons"],
        "decided_on": today.isoformat(), "push_due_date": "2026-12-03", "record_id": new_id,
    }  # fmt: skip
    # the target is no longer open: a new objection may be filed on the corrected record
    await filed(client, case.account, objection(uuid.UUID(new_id)))


async def test_the_push_is_due_five_working_days_after_the_decision(
    client, session, settings, app, make_employer, make_user
):
    # DOMAIN §8: Thu 2026-04-30 + 5 WD -> Mon 2026-05-11 (05-01..05-05 off, Sat 05-09 works)
    app.state.clock = Clock.pinned(datetime(2026, 4, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    case = await make_case(session, settings, app, make_employer, make_user)
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    revocation = {"reason": "复议撤销", "revoking_document": "文人社撤字〔2026〕9号"}
    decision = {"outcome": "partly_upheld", "reasons": "部分事实有误", "revocation": revocation}
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert response.status_code == 200, response.text
    assert response.json()["push_due_date"] == "2026-05-11"
    assert response.json()["result_record_id"] == str(case.record_id)
    record = await client.get(f"/api/v1/credit-records/{case.record_id}", headers=case.staff)
    assert record.json()["status"] == "revoked"


async def test_a_rejected_objection_changes_nothing_but_itself(client, session, case, today):
    await graded(session, case.employer.id, today)
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    before = await snapshot(session, case.employer.id)
    decision = {"outcome": "rejected", "reasons": "经核实原记录无误"}
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert response.status_code == 200, response.text
    assert response.json()["push_due_date"] is None
    after = await snapshot(session, case.employer.id)
    assert after["records"] == before["records"]
    assert after["evaluations"] == before["evaluations"]
    assert [e[1] for e in after["events"][len(before["events"]) :]] == ["objection.decided"]


async def test_what_a_decision_carries_must_fit_its_outcome(client, session, case):
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    url = f"{BASE}/{body['id']}/decision"
    before = await snapshot(session, case.employer.id)
    for bad, loc in (
        ({"outcome": "upheld", "reasons": "成立"}, "correction"),
        (
            {"outcome": "rejected", "reasons": "不成立", "correction": _corrected(case)},
            "correction",
        ),
    ):
        problem = assert_problem(await client.post(url, json=bad, headers=case.staff), 422)
        assert problem["type"].endswith("/objection-decision-remedy")
        assert problem["errors"][0]["loc"] == ["body", loc]
    assert await snapshot(session, case.employer.id) == before


async def test_a_decision_after_the_record_was_already_corrected_is_409(
    client, session, settings, case
):
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    # corrected meanwhile, by a correction verified by a second person
    correction = {**_corrected(case), "reason": "自行更正"}
    proposed = await client.post(
        f"/api/v1/credit-records/{case.record_id}/corrections", json=correction,
        headers=case.collector_headers,
    )  # fmt: skip
    assert proposed.status_code == 201, proposed.text
    verified = await client.post(
        f"/api/v1/credit-records/{proposed.json()['id']}/verification", headers=case.staff
    )
    assert verified.status_code == 200, verified.text
    before = await snapshot(session, case.employer.id)
    decision = {"outcome": "upheld", "reasons": "成立", "correction": _corrected(case)}
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("/objection-target-changed")
    assert problem["current_id"] == proposed.json()["id"]
    assert await snapshot(session, case.employer.id) == before


async def test_the_collector_of_the_record_may_not_decide(client, session, case):
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    decision = {"outcome": "rejected", "reasons": "无误"}
    response = await client.post(
        f"{BASE}/{body['id']}/decision", json=decision, headers=case.collector_headers
    )
    assert assert_problem(response, 403)["type"].endswith("/objection-decider-collected")


async def test_a_decision_before_acceptance_is_409(client, case):
    body = await filed(client, case.account, objection(case.record_id))
    decision = {"outcome": "rejected", "reasons": "无误"}
    response = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert assert_problem(response, 409)["type"].endswith("/objection-not-accepted")


async def test_an_objection_to_an_evaluation_upheld_is_the_regrade(
    client, session, settings, case, today
):
    await graded(session, case.employer.id, today)
    notice = await current_grade(session, case.employer.id)
    body = await filed(client, case.account, objection(notice.id, target_type="evaluation"))
    await accepted(client, case.staff, body["id"])
    # the collector of a record the C rests on may not decide
    decision = {"outcome": "upheld", "reasons": "评价所依据的记录已更正"}
    url = f"{BASE}/{body['id']}/decision"
    refused = await client.post(url, json=decision, headers=case.collector_headers)
    assert_problem(refused, 403)
    with_correction = {**decision, "correction": _corrected(case)}
    problem = assert_problem(await client.post(url, json=with_correction, headers=case.staff), 422)
    assert problem["errors"][0]["loc"] == ["body", "correction"]
    response = await client.post(url, json=decision, headers=case.staff)
    assert response.status_code == 200, response.text
    assert response.json()["result_record_id"] is None
    # the facts did not change: the re-grade leaves the grade as it is
    assert (await current_grade(session, case.employer.id)).id == notice.id


# --- reading, following, evidence ---------------------------------------------------------------


async def test_employers_see_and_follow_only_their_own(
    client, session, settings, app, case, make_employer, make_user, today
):
    other = await make_case(session, settings, app, make_employer, make_user)
    mine = await filed(client, case.account, objection(case.record_id))
    theirs = await filed(client, other.account, objection(other.record_id))
    listed = await client.get(BASE, headers=case.account)
    assert [o["id"] for o in listed.json()["items"]] == [mine["id"]]
    assert_problem(await client.get(f"{BASE}/{theirs['id']}", headers=case.account), 404)
    staff = await client.get(BASE, params={"status": "filed"}, headers=case.staff)
    assert {mine["id"], theirs["id"]} <= {o["id"] for o in staff.json()["items"]}
    await accepted(client, case.staff, mine["id"])
    due = await client.get(BASE, params={"due_before": "2026-12-02"}, headers=case.staff)
    assert mine["id"] in {o["id"] for o in due.json()["items"]}


async def test_the_deadlines_show_due_today_soon_and_overdue_scoped_for_employers(
    client, session, settings, app, case, make_employer, make_user, today
):
    other = await make_case(session, settings, app, make_employer, make_user)
    # received Fri 11-20: 3 WD -> Wed 11-25, overdue on Thu 11-26
    late = await filed(client, case.staff, by_staff(case.record_id, date(2026, 11, 20)))
    await accepted(client, case.staff, late["id"])
    # received Mon 11-23: 3 WD -> Thu 11-26, due today
    due = await filed(client, other.staff, by_staff(other.record_id, date(2026, 11, 23)))
    await accepted(client, other.staff, due["id"])
    found = (await client.get("/api/v1/stats/deadlines", headers=case.staff)).json()
    assert late["id"] in [i["objection_id"] for i in found["overdue"]["items"]]
    assert due["id"] in [i["objection_id"] for i in found["due_today"]["items"]]
    assert found["soon_until"] == "2026-11-30"  # Fri 11-27, Mon 11-30
    own = (await client.get("/api/v1/stats/deadlines", headers=case.account)).json()
    assert own["overdue"]["count"] == 1 and own["due_today"]["count"] == 0


async def test_evidence_is_filed_until_the_decision(client, session, settings, app, case, tmp_path):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    body = await filed(client, case.account, objection(case.record_id))
    url = f"{BASE}/{body['id']}/attachments"
    files = {"file": ("复议决定书.pdf", PDF, "application/pdf")}
    added = await client.post(url, files=files, headers=case.account)
    assert added.status_code == 201, added.text
    assert added.json()["filed_by"]["side"] == "employer"
    again = await client.post(url, files=files, headers=case.account)
    assert again.status_code == 200
    listed = await client.get(url, headers=case.staff)
    assert [a["id"] for a in listed.json()["items"]] == [added.json()["id"]]
    download = await client.get(f"{url}/{added.json()['id']}", headers=case.account)
    assert download.status_code == 200 and download.content == PDF
    fake = {"file": ("x.pdf", b"not a pdf", "application/pdf")}
    assert_problem(await client.post(url, files=fake, headers=case.account), 415)
    await accepted(client, case.staff, body["id"])
    decided = await client.post(
        f"{BASE}/{body['id']}/decision", json={"outcome": "rejected", "reasons": "无误"},
        headers=case.staff,
    )  # fmt: skip
    assert decided.status_code == 200
    late = await client.post(url, files={"file": ("b.pdf", PDF + b"2", "application/pdf")},
                             headers=case.account)  # fmt: skip
    assert assert_problem(late, 409)["type"].endswith("/objection-closed")


# --- closing without a decision: withdrawn, lapsed ----------------------------------------------

WITHDRAWN = {"reason": "经沟通，本单位确认原记录无误，撤回异议"}
LAPSED = {"reason": "该记录已经依法更正，原异议对象已不存在"}


async def _actions(session, objection_id) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        text("SELECT action FROM audit_events WHERE resource_type = 'objection' "
             "AND resource_id = :i ORDER BY seq"), {"i": str(objection_id)},
    )  # fmt: skip
    return [r.action for r in rows]


async def _deadline_ids(client, headers) -> set[str]:  # type: ignore[no-untyped-def]
    found = (await client.get("/api/v1/stats/deadlines", headers=headers)).json()
    return {
        i["objection_id"] for name, group in found.items() if isinstance(group, dict)
        for i in group["items"]
    }  # fmt: skip


async def test_the_employer_withdraws_its_own_and_the_record_takes_a_new_one(
    client, session, case, today
):
    body = await filed(client, case.account, objection(case.record_id))
    assert body["id"] in await _deadline_ids(client, case.staff)  # awaiting acceptance
    since = int(await session.scalar(text("SELECT max(id) FROM credit_events")))
    response = await client.post(
        f"{BASE}/{body['id']}/withdrawal", json=WITHDRAWN, headers=case.account
    )
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["status"] == "withdrawn" and shown["closure_reason"] == WITHDRAWN["reason"]
    assert shown["closed_by"]["side"] == "employer" and shown["closed_at"]
    assert shown["outcome"] is None and shown["awaiting_calendar"] is False
    [(kind, payload)] = await event_types(session, case.employer.id, since)
    assert kind == "objection.withdrawn"
    assert payload == {
        "objection_id": body["id"], "target_type": "record", "target_id": str(case.record_id),
        "reason": WITHDRAWN["reason"], "withdrawn_on": today.isoformat(), "by": "employer",
    }  # fmt: skip
    assert await _actions(session, body["id"]) == ["objection.file", "objection.withdraw"]
    assert body["id"] not in await _deadline_ids(client, case.staff)
    listed = await client.get(BASE, params={"status": "withdrawn"}, headers=case.account)
    assert [o["id"] for o in listed.json()["items"]] == [body["id"]]
    # the record is free for a new objection, which goes its way as any other
    again = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, again["id"])


async def test_staff_withdraw_an_accepted_one_for_the_employer_and_it_leaves_the_deadlines(
    client, session, headers_for, case, today
):
    # received Mon 11-23 by letter: 3 WD -> due today, Thu 11-26
    body = await filed(client, case.staff, by_staff(case.record_id, date(2026, 11, 23)))
    await accepted(client, case.staff, body["id"])
    assert body["id"] in await _deadline_ids(client, case.account)
    inspector = await headers_for(Role.inspector)
    response = await client.post(
        f"{BASE}/{body['id']}/withdrawal", json=WITHDRAWN, headers=inspector
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert response.json()["closed_by"]["side"] == "bureau"
    [(kind, payload)] = (await event_types(session, case.employer.id))[-1:]
    assert (kind, payload["by"]) == ("objection.withdrawn", "bureau")
    # bureau staff are unnamed to the employer's account
    own = (await client.get(f"{BASE}/{body['id']}", headers=case.account)).json()
    assert own["closed_by"] == {"side": "bureau", "user_id": None, "name": None, "role": None}
    assert body["id"] not in await _deadline_ids(client, case.account)
    # it was accepted, so it keeps its acceptance; it is simply no longer open
    assert own["handling"] == "in_house" and own["due_date"] is not None


async def test_another_employers_objection_cannot_be_withdrawn_it_is_absent(
    client, session, settings, app, case, make_employer, make_user
):
    other = await make_case(session, settings, app, make_employer, make_user)
    theirs = await filed(client, other.account, objection(other.record_id))
    before = await snapshot(session, other.employer.id)
    response = await client.post(
        f"{BASE}/{theirs['id']}/withdrawal", json=WITHDRAWN, headers=case.account
    )
    problem = assert_problem(response, 404)
    assert problem["type"].endswith("/not-found")
    assert await snapshot(session, other.employer.id) == before


async def test_a_decided_objection_cannot_be_withdrawn_nor_lapse(client, session, case):
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    decision = {"outcome": "rejected", "reasons": "经核实原记录无误"}
    decided = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert decided.status_code == 200, decided.text
    before = await snapshot(session, case.employer.id)
    url = f"{BASE}/{body['id']}/withdrawal"
    chinese = await client.post(url, json=WITHDRAWN, headers={**case.account, **ZH})
    problem = assert_problem(chinese, 409)
    assert problem["type"].endswith("/objection-closed")
    assert problem["objection_status"] == "decided"
    assert "已处理" in problem["detail"] and "不能再撤回" in problem["detail"]
    assert problem["title"] == "异议已办结"
    english = assert_problem(await client.post(url, json=WITHDRAWN, headers=case.account), 409)
    assert "is decided: closed, it can no longer be withdrawn" in english["detail"]
    lapse = await client.post(f"{BASE}/{body['id']}/lapse", json=LAPSED, headers=case.staff)
    assert assert_problem(lapse, 409)["type"].endswith("/objection-closed")
    assert await snapshot(session, case.employer.id) == before


async def test_a_withdrawn_objection_is_closed_to_everything(
    client, session, settings, app, case, tmp_path
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    body = await filed(client, case.account, objection(case.record_id))
    url = f"{BASE}/{body['id']}"
    assert (await client.post(f"{url}/withdrawal", json=WITHDRAWN, headers=case.account)).is_success
    before = await snapshot(session, case.employer.id)
    again = await client.post(f"{url}/withdrawal", json=WITHDRAWN, headers=case.account)
    assert assert_problem(again, 409)["objection_status"] == "withdrawn"
    files = {"file": ("复议决定书.pdf", PDF, "application/pdf")}
    late = await client.post(f"{url}/attachments", files=files, headers=case.account)
    assert assert_problem(late, 409)["type"].endswith("/objection-closed")
    in_house = {"handling": "in_house"}
    acceptance = await client.post(f"{url}/acceptance", json=in_house, headers=case.staff)
    assert assert_problem(acceptance, 409)["type"].endswith("/objection-not-awaiting-acceptance")
    rejected = {"outcome": "rejected", "reasons": "无误"}
    decision = await client.post(f"{url}/decision", json=rejected, headers=case.staff)
    assert assert_problem(decision, 409)["type"].endswith("/objection-not-accepted")
    assert await snapshot(session, case.employer.id) == before


async def test_a_withdrawal_needs_a_reason_and_nothing_else(client, session, case):
    body = await filed(client, case.account, objection(case.record_id))
    url = f"{BASE}/{body['id']}/withdrawal"
    for bad, loc in (({}, "reason"), ({"reason": ""}, "reason"),
                     ({**WITHDRAWN, "outcome": "upheld"}, "outcome")):  # fmt: skip
        problem = assert_problem(await client.post(url, json=bad, headers=case.account), 422)
        assert problem["errors"][0]["loc"] == ["body", loc]
    assert (await snapshot(session, case.employer.id))["objections"][0][1] == "filed"


async def _corrected_elsewhere(client, case) -> str:  # type: ignore[no-untyped-def]
    """The record corrected by a plain correction (proposed, verified by a second person)."""
    correction = {**_corrected(case), "reason": "自行更正"}
    proposed = await client.post(
        f"/api/v1/credit-records/{case.record_id}/corrections", json=correction,
        headers=case.collector_headers,
    )  # fmt: skip
    assert proposed.status_code == 201, proposed.text
    verified = await client.post(
        f"/api/v1/credit-records/{proposed.json()['id']}/verification", headers=case.staff
    )
    assert verified.status_code == 200, verified.text
    return str(proposed.json()["id"])


async def test_an_objection_whose_record_was_corrected_meanwhile_lapses_and_frees_the_record(
    client, session, case, today
):
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    new_id = await _corrected_elsewhere(client, case)
    decision = {"outcome": "rejected", "reasons": "无误"}
    refused = await client.post(f"{BASE}/{body['id']}/decision", json=decision, headers=case.staff)
    assert "closed as lapsed" in assert_problem(refused, 409)["detail"]
    # the open objection still holds the record (all its versions)
    blocked = await client.post(BASE, json=objection(uuid.UUID(new_id)), headers=case.account)
    assert assert_problem(blocked, 409)["open_objection_id"] == body["id"]
    # the employer may not close it as lapsed: that is a reviewer's
    assert_problem(
        await client.post(f"{BASE}/{body['id']}/lapse", json=LAPSED, headers=case.account), 403
    )
    since = int(await session.scalar(text("SELECT max(id) FROM credit_events")))
    response = await client.post(f"{BASE}/{body['id']}/lapse", json=LAPSED, headers=case.staff)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["status"] == "lapsed" and shown["closure_reason"] == LAPSED["reason"]
    assert shown["closed_by"]["user_id"] == str(case.decider.id)
    [(kind, payload)] = await event_types(session, case.employer.id, since)
    assert kind == "objection.lapsed"
    assert payload == {
        "objection_id": body["id"], "target_type": "record", "target_id": str(case.record_id),
        "reason": LAPSED["reason"], "lapsed_on": today.isoformat(),
        "target_status": "superseded", "current_id": new_id,
    }  # fmt: skip
    assert await _actions(session, body["id"]) == [
        "objection.file", "objection.accept", "objection.lapse",
    ]  # fmt: skip
    assert body["id"] not in await _deadline_ids(client, case.staff)
    # a new objection on the record in force is filed and accepted as any other
    fresh = await filed(client, case.account, objection(uuid.UUID(new_id)))
    assert (await accepted(client, case.staff, fresh["id"]))["status"] == "accepted"


async def test_an_objection_on_an_unchanged_target_does_not_lapse_a_decision_is_due(
    client, session, case
):
    body = await filed(client, case.account, objection(case.record_id))
    url = f"{BASE}/{body['id']}/lapse"
    before = await snapshot(session, case.employer.id)
    chinese = await client.post(url, json=LAPSED, headers={**case.staff, **ZH})
    problem = assert_problem(chinese, 409)
    assert problem["type"].endswith("/objection-target-unchanged")
    assert problem["objection_status"] == "filed"
    assert "未变更" in problem["detail"] and "处理决定" in problem["detail"]
    await accepted(client, case.staff, body["id"])
    problem = assert_problem(await client.post(url, json=LAPSED, headers=case.staff), 409)
    assert problem["title"] == "The target is unchanged: a decision is due"
    assert "has not changed since it was filed" in problem["detail"]
    after = await snapshot(session, case.employer.id)
    assert after["records"] == before["records"]
    assert [row[1] for row in after["objections"]] == ["accepted"]


async def test_an_objection_to_a_superseded_evaluation_lapses(client, session, case, today):
    await graded(session, case.employer.id, today)
    notice = await current_grade(session, case.employer.id)
    body = await filed(client, case.account, objection(notice.id, target_type="evaluation"))
    await _corrected_elsewhere(client, case)  # no longer a C: the re-grade supersedes the notice
    await graded(session, case.employer.id, today)
    assert (await current_grade(session, case.employer.id)).id != notice.id
    response = await client.post(f"{BASE}/{body['id']}/lapse", json=LAPSED, headers=case.staff)
    assert response.status_code == 200, response.text
    [(kind, payload)] = (await event_types(session, case.employer.id))[-1:]
    assert (kind, payload["target_status"]) == ("objection.lapsed", "superseded")
