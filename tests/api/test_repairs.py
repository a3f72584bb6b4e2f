"""Credit repair through the API (信用修复, 国家发展改革委令第36号): the happy path and every
refusal, each a precise problem that changes nothing."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.disclosure import service
from app.models.audit import AuditEvent
from app.models.evaluation import Evaluation
from app.models.event import CreditEvent
from app.models.repair import RepairApplication, RepairAttachment
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


# --- evidence files ----------------------------------------------------------------------------

PDF = b"%PDF-1.7\n" + b"receipt " * 40


async def _applied(client, session, settings, clock, make_employer, make_user, headers_for):
    employer = await make_employer()
    disclosure_id, [item_id] = await _disclosed(
        client, session, settings, clock, employer.id, make_user, {}
    )
    own = await headers_for(Role.employer, employer_id=employer.id)
    applied = await client.post(
        f"/api/v1/disclosures/{disclosure_id}/repairs", headers=own,
        json={"item_id": item_id, **FULL},
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    return applied.json()["id"], own


async def _attachments(session):
    return await session.scalar(select(func.count()).select_from(RepairAttachment))


@pytest.fixture
def attachments_in_tmp(app, settings, tmp_path):  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(
        update={"attachments_dir": tmp_path, "attachment_max_bytes": 2048}
    )
    return tmp_path


async def test_evidence_files_are_filed_while_open_and_read_by_staff_and_the_employer(
    client, session, settings, clock, make_employer, make_user, headers_for, attachments_in_tmp
):
    repair_id, own = await _applied(
        client, session, settings, clock, make_employer, make_user, headers_for
    )
    url = f"/api/v1/repairs/{repair_id}/attachments"
    files = {"file": ("工资发放凭证.pdf", PDF, "application/pdf")}
    added = await client.post(url, files=files, headers=own)
    assert added.status_code == 201, added.text
    digest = hashlib.sha256(PDF).hexdigest()
    shown = added.json()
    assert (shown["file_name"], shown["size_bytes"], shown["sha256"]) == (
        "工资发放凭证.pdf", len(PDF), digest,
    )  # fmt: skip
    assert (attachments_in_tmp / digest[:2] / digest).read_bytes() == PDF
    assert (await client.post(url, files=files, headers=own)).status_code == 200  # kept once

    reviewer = await headers_for(Role.reviewer)
    for reader in (own, reviewer, await headers_for(Role.inspector)):
        listed = await client.get(url, headers=reader)
        assert listed.status_code == 200, listed.text
        assert [a["id"] for a in listed.json()["items"]] == [shown["id"]]
        download = await client.get(f"{url}/{shown['id']}", headers=reader)
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
    repair = (await client.get(f"/api/v1/repairs/{repair_id}", headers=own)).json()
    assert [a["id"] for a in repair["attachments"]] == [shown["id"]]
    assert repair["attachments"][0]["uploaded_at"] == shown["uploaded_at"]
    audited = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "repair.attachment_add", AuditEvent.resource_id == repair_id)
    )
    assert audited == 1

    # still open once accepted; the decision's audit entry counts the files
    await client.post(f"/api/v1/repairs/{repair_id}/acceptance", headers=reviewer, json={})
    second = {"file": ("罚款缴款书.pdf", PDF + b"2", "application/pdf")}
    assert (await client.post(url, files=second, headers=own)).status_code == 201
    decided = await client.post(
        f"/api/v1/repairs/{repair_id}/decision", headers=reviewer, json={"outcome": "approved"}
    )
    assert decided.status_code == 200, decided.text
    assert len(decided.json()["attachments"]) == 2
    changes = await session.scalar(
        select(AuditEvent.changes).where(
            AuditEvent.action == "repair.decide", AuditEvent.resource_id == repair_id
        )
    )
    assert changes["attachments"] == {"old": None, "new": 2}

    before = await _attachments(session)
    late = await client.post(url, files={"file": ("c.pdf", PDF + b"3", "application/pdf")},
                             headers=own)  # fmt: skip
    body = assert_problem(late, 409)
    assert body["type"].endswith("/repair-closed") and body["repair_status"] == "approved"
    assert "takes no more files" in body["detail"]
    assert await _attachments(session) == before


async def test_every_refusal_of_an_evidence_file_changes_nothing(
    client, session, settings, clock, make_employer, make_user, headers_for, attachments_in_tmp
):
    repair_id, own = await _applied(
        client, session, settings, clock, make_employer, make_user, headers_for
    )
    url = f"/api/v1/repairs/{repair_id}/attachments"
    before = await _attachments(session)

    fake = await client.post(url, files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
                             headers=own)  # fmt: skip
    body = assert_problem(fake, 415)
    assert body["type"].endswith("/attachment-content-mismatch")
    assert body["detail"] == "the file's content is not application/pdf as declared"
    in_chinese = await client.post(
        url, files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
        headers={**own, "Accept-Language": "zh"},
    )  # fmt: skip
    assert assert_problem(in_chinese, 415)["detail"] == "文件内容不是声明的 application/pdf"
    exe = await client.post(url, files={"file": ("a.exe", b"MZ..", "application/x-msdownload")},
                            headers=own)  # fmt: skip
    assert assert_problem(exe, 415)["type"].endswith("/attachment-type-refused")
    big = await client.post(url, files={"file": ("big.pdf", b"%PDF-" + b"x" * 4096,
                                                 "application/pdf")}, headers=own)  # fmt: skip
    body = assert_problem(big, 413)
    assert body["type"].endswith("/attachment-too-large") and body["limit"] == 2048
    assert "larger than the limit of 2048 bytes" in body["detail"]

    staff = await client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")},
                              headers=await headers_for(Role.reviewer))  # fmt: skip
    assert_problem(staff, 403)  # the employer files its own evidence
    other = await headers_for(Role.employer)
    theirs = await client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")},
                               headers=other)  # fmt: skip
    assert "does not exist" in assert_problem(theirs, 404)["detail"]
    assert await _attachments(session) == before

    added = await client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=own)
    assert added.status_code == 201, added.text
    attachment_id = added.json()["id"]
    assert_problem(await client.get(url, headers=other), 404)
    assert_problem(await client.get(f"{url}/{attachment_id}", headers=other), 404)
    unknown = await client.get(f"{url}/00000000-0000-4000-8000-000000000000", headers=own)
    assert (
        "attachment 00000000-0000-4000-8000-000000000000 of repair application"
        in (assert_problem(unknown, 404)["detail"])
    )
    (attachments_in_tmp / added.json()["sha256"][:2] / added.json()["sha256"]).unlink()
    missing = await client.get(f"{url}/{attachment_id}", headers=own)
    assert assert_problem(missing, 404)["type"].endswith("/evidence-file-missing")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE repair_attachments SET file_name = 'x.pdf'",
        "DELETE FROM repair_attachments",
        "TRUNCATE repair_attachments",
    ],
)
async def test_the_database_refuses_to_change_evidence_files(
    client, session, settings, clock, make_employer, make_user, headers_for, attachments_in_tmp,
    connection, statement,
):  # fmt: skip
    repair_id, own = await _applied(
        client, session, settings, clock, make_employer, make_user, headers_for
    )
    url = f"/api/v1/repairs/{repair_id}/attachments"
    added = await client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=own)
    assert added.status_code == 201, added.text
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text(statement))
