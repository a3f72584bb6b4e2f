"""Credit repair through the API (信用修复, 国家发展改革委令第36号): the happy path and every
refusal, each a precise problem that changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.disclosure import service
from app.models.evaluation import Evaluation
from app.models.event import CreditEvent
from app.models.repair import RepairApplication
from app.models.user import Role
from tests.conftest import assert_problem
from tests.disclosure.support import add_record, final_evaluation, staff

FULL = {
    "statement": "已补发全部拖欠工资并缴清罚款",
    "rectified_date": "2026-04-01",
    "penalty_performed_date": "2026-04-02",
    "credit_commitment": True,
    "commitment_text": "本单位承诺依法按时足额支付工资",
    "evidence_references": ["工资发放凭证2026-04", "罚款缴款书No.123"],
}


async def _disclosed(client, session, settings, clock, employer_id, make_user, *specs):
    people = await staff(make_user)
    records = [
        await add_record(session, settings, clock, employer_id, people, **spec) for spec in specs
    ]
    await final_evaluation(session, employer_id, evidence=[r.id for r in records])
    await service.reflect(session=session, employer_id=employer_id, clock=clock, settings=settings)
    from app.models.disclosure import Disclosure

    disclosure_id = await session.scalar(
        select(Disclosure.id).where(Disclosure.employer_id == employer_id)
    )
    body = (await client.get(f"/api/v1/disclosures/{disclosure_id}")).json()
    return body["id"], [i["id"] for i in body["items"]]


async def _count(session):
    return await session.scalar(select(func.count()).select_from(RepairApplication))


async def test_repair_approved_ends_the_item_and_withdraws_the_disclosure_grade_unchanged(
    client, session, settings, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    disclosure_id, [item_id] = await _disclosed(
        client, session, settings, clock, employer.id, make_user, {}
    )
    own = await headers_for(Role.employer, employer_id=employer.id)
    options = await client.get(f"/api/v1/disclosures/{disclosure_id}/repairs", headers=own)
    assert options.status_code == 200, options.text
    [option] = options.json()["items"]
    assert option["repair_available_from"] == "2026-06-10" and "POST" in option["how"]

    applied = await client.post(
        f"/api/v1/disclosures/{disclosure_id}/repairs", headers=own,
        json={"item_id": item_id, **FULL},
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert applied.headers["Location"] == f"/api/v1/repairs/{repair['id']}"
    assert (repair["status"], repair["acceptance_due_date"]) == ("applied", "2026-11-30")
    assert repair["repair_available_from"] == "2026-06-10"

    reviewer = await headers_for(Role.reviewer)
    early = await client.post(
        f"/api/v1/repairs/{repair['id']}/decision", headers=reviewer, json={"outcome": "approved"}
    )
    assert assert_problem(early, 409)["type"].endswith("/repair-wrong-state")
    accepted = await client.post(f"/api/v1/repairs/{repair['id']}/acceptance", headers=reviewer,
                                 json={})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["decision_due_date"] == "2026-12-03"
    decided = await client.post(
        f"/api/v1/repairs/{repair['id']}/decision", headers=reviewer, json={"outcome": "approved"}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"

    gone = assert_problem(await client.get(f"/api/v1/disclosures/{disclosure_id}"), 410)
    assert gone["reason"] == "items_ended"
    grades = (await session.scalars(
        select(Evaluation.grade).where(Evaluation.employer_id == employer.id,
                                       Evaluation.status == "final")
    )).all()  # fmt: skip
    assert list(grades) == ["C"]  # the penalty stays a fact of the cycle
    kinds = (await session.scalars(
        select(CreditEvent.event_type).where(CreditEvent.employer_id == employer.id)
        .where(CreditEvent.subject_type.in_(["repair", "disclosure"])).order_by(CreditEvent.id)
    )).all()  # fmt: skip
    assert list(kinds) == [
        "disclosure.published", "repair.applied", "repair.accepted", "repair.decided",
        "disclosure.withdrawn",
    ]  # fmt: skip
    mine = (await client.get("/api/v1/repairs", headers=own)).json()["items"]
    assert [r["id"] for r in mine] == [repair["id"]]
    other = await headers_for(Role.employer)
    assert (await client.get("/api/v1/repairs", headers=other)).json()["items"] == []
    assert_problem(await client.get(f"/api/v1/repairs/{repair['id']}", headers=other), 404)


async def test_every_refusal_of_an_application_changes_nothing(
    client, session, settings, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    disclosure_id, [general, serious] = await _disclosed(
        client, session, settings, clock, employer.id, make_user,
        {}, {"severity": "serious", "decided": date(2026, 10, 1)},
    )  # fmt: skip
    own = await headers_for(Role.employer, employer_id=employer.id)
    url = f"/api/v1/disclosures/{disclosure_id}/repairs"
    before = await _count(session)

    too_early = await client.post(url, headers=own, json={"item_id": serious, **FULL})
    body = assert_problem(too_early, 409)
    assert body["type"].endswith("/repair-too-early") and body["available_from"] == "2027-10-01"
    assert "may be repaired from 2027-10-01" in body["detail"]  # English on Accept-Language: en
    in_chinese = await client.post(
        url, headers={**own, "Accept-Language": "zh"}, json={"item_id": serious, **FULL}
    )
    assert "自 2027-10-01 起才能申请信用修复" in assert_problem(in_chinese, 409)["detail"]

    unknown_item = await client.post(
        url, headers=own, json={"item_id": "00000000-0000-4000-8000-000000000000", **FULL}
    )
    assert assert_problem(unknown_item, 404)["type"].endswith("/repair-item-not-found")
    other = await headers_for(Role.employer)
    assert_problem(await client.post(url, headers=other, json={"item_id": general, **FULL}), 404)
    unknown_field = await client.post(url, headers=own, json={"item_id": general, "x": 1, **FULL})
    assert_problem(unknown_field, 422)
    assert await _count(session) == before

    first = await client.post(url, headers=own, json={"item_id": general, **FULL})
    assert first.status_code == 201
    again = await client.post(url, headers=own, json={"item_id": general, **FULL})
    body = assert_problem(again, 409)
    assert body["type"].endswith("/repair-already-open")
    assert body["existing_id"] == first.json()["id"]
    assert await _count(session) == before + 1


async def test_a_refusal_names_the_failing_conditions(
    client, session, settings, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    disclosure_id, [general, _] = await _disclosed(
        client, session, settings, clock, employer.id, make_user,
        {}, {"decided": date(2026, 2, 1)},
    )  # fmt: skip
    own = await headers_for(Role.employer, employer_id=employer.id)
    applied = await client.post(
        f"/api/v1/disclosures/{disclosure_id}/repairs", headers=own,
        json={"item_id": general, "statement": "已整改"},
    )  # fmt: skip
    repair_id = applied.json()["id"]
    reviewer = await headers_for(Role.reviewer)
    await client.post(f"/api/v1/repairs/{repair_id}/acceptance", headers=reviewer, json={})
    unmet = await client.post(
        f"/api/v1/repairs/{repair_id}/decision", headers=reviewer, json={"outcome": "approved"}
    )
    body = assert_problem(unmet, 409)
    assert body["failing"] == ["not_corrected", "penalty_not_performed", "no_commitment"]
    no_reasons = await client.post(
        f"/api/v1/repairs/{repair_id}/decision", headers=reviewer, json={"outcome": "refused"}
    )
    assert_problem(no_reasons, 422)
    refused = await client.post(
        f"/api/v1/repairs/{repair_id}/decision", headers=reviewer,
        json={"outcome": "refused", "reasons": ["not_corrected", "no_commitment"]},
    )  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert refused.json()["refusal_reasons"] == ["not_corrected", "no_commitment"]
    payload = await session.scalar(
        select(CreditEvent.payload).where(CreditEvent.event_type == "repair.decided")
        .where(CreditEvent.employer_id == employer.id)
    )  # fmt: skip
    assert payload["reasons"] == ["失信行为未纠正", "未作出书面信用承诺"]
    # the item is still published, and a new application may follow
    still = (await client.get(f"/api/v1/disclosures/{disclosure_id}")).json()
    assert general in [i["id"] for i in still["items"]]


async def test_an_ended_item_and_a_withdrawn_disclosure_are_refused(
    client, session, settings, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    disclosure_id, [first, second] = await _disclosed(
        client, session, settings, clock, employer.id, make_user, {}, {"decided": date(2026, 2, 1)}
    )
    own = await headers_for(Role.employer, employer_id=employer.id)
    reviewer = await headers_for(Role.reviewer)
    url = f"/api/v1/disclosures/{disclosure_id}/repairs"
    repair_id = (await client.post(url, headers=own, json={"item_id": first, **FULL})).json()["id"]
    await client.post(f"/api/v1/repairs/{repair_id}/acceptance", headers=reviewer, json={})
    await client.post(f"/api/v1/repairs/{repair_id}/decision", headers=reviewer,
                      json={"outcome": "approved"})  # fmt: skip
    ended = await client.post(url, headers=own, json={"item_id": first, **FULL})
    body = assert_problem(ended, 409)
    assert body["type"].endswith("/repair-item-not-published") and body["end_reason"] == "repaired"

    await final_evaluation(session, employer.id, grade="B")
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    withdrawn = await client.post(url, headers=own, json={"item_id": second, **FULL})
    body = assert_problem(withdrawn, 410)
    assert body["reason"] == "grade_changed" and body["withdrawn_at"]
