"""Official documents (issue 15 §4): each kind issued from its event (or on demand, the interview
record), numbered gap-free in its series and year, its PDF's Chinese text as the template says,
downloadable by the employer it concerns, and templates an admin adjusts."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.evaluations import service as evaluations
from app.models.user import Role
from app.reports import documents
from tests.api.test_access import _interview, employer_file
from tests.conftest import assert_problem
from tests.reports.pdf_text import compact, text_of
from tests.reports.support import consume

__all__ = ["employer_file"]


async def _documents(client, headers, employer_id) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await client.get(
        "/api/v1/documents", params={"employer_id": str(employer_id)}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _pdf_text(client, headers, document) -> str:  # type: ignore[no-untyped-def]
    response = await client.get(document["pdf_url"], headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == document["sha256"]
    return text_of(response.content)


async def test_a_proposed_c_and_its_final_grade_are_letters(  # type: ignore[no-untyped-def]
    client, session, clock, today, make_employer, headers_for, employer_file
):
    employer = await make_employer(name="文水县晋阳纺织有限公司")
    await employer_file(employer, ("evaluation_id",))  # a C notice from a child-labour record
    assert await consume(session, clock) >= 1
    own = await headers_for(Role.employer, employer_id=employer.id)
    [notice] = await _documents(client, own, employer.id)
    assert notice["kind"] == "grade_notice" and notice["event_id"] is not None
    year = today.year
    assert notice["document_number"].startswith(f"文人社信告〔{year}〕")
    body = await _pdf_text(client, own, notice)
    for expected in ("拟评C级告知书", notice["document_number"], "文水县晋阳纺织有限公司",
                     "拟将你单位劳动保障信用等级评为C级", "陈述和申辩", "一、事实与理由",
                     "二、证据", "（含当日）前", "文水县人力资源和社会保障局"):  # fmt: skip
        assert compact(expected) in body, expected

    await evaluations.close_notices(session=session, today=date(today.year + 1, 2, 1))
    await consume(session, clock)
    kinds = {d["kind"]: d for d in await _documents(client, own, employer.id)}
    decision = kinds["grade_decision"]
    assert decision["document_number"].startswith(f"文人社信决〔{year}〕")
    body = await _pdf_text(client, own, decision)
    assert "劳动保障信用等级评价决定书" in body and "信用等级为C级" in body
    assert "一票否决" in body  # Art 13(3), told with a C
    await consume(session, clock)  # read again: nothing new
    assert len(await _documents(client, own, employer.id)) == 2


async def test_objection_acceptance_and_decision_letters(  # type: ignore[no-untyped-def]
    client, session, clock, make_employer, headers_for, employer_file
):
    employer = await make_employer()
    objection_id = await employer_file(employer, ("objection_id",))
    reviewer = await headers_for(Role.reviewer)
    accepted = await client.post(
        f"/api/v1/objections/{objection_id}/acceptance", json={"handling": "in_house"},
        headers=reviewer,
    )  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    decided = await client.post(
        f"/api/v1/objections/{objection_id}/decision",
        json={"outcome": "rejected", "reasons": "经核实，原记录无误"}, headers=reviewer,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    await consume(session, clock)
    staff = await headers_for(Role.auditor)
    kinds = {d["kind"]: d for d in await _documents(client, staff, employer.id)}
    body = await _pdf_text(client, staff, kinds["objection_acceptance"])
    assert "异议受理通知书" in body and "本局已予受理" in body and "本局核查" in body
    body = await _pdf_text(client, staff, kinds["objection_decision"])
    assert "异议处理决定书" in body and "经核实，原记录无误" in body and "异议不成立" in body


async def test_a_repair_decision_letter(  # type: ignore[no-untyped-def]
    client, session, clock, make_employer, headers_for, employer_file
):
    employer = await make_employer()
    repair_id = await employer_file(employer, ("repair_id",))
    reviewer = await headers_for(Role.reviewer)
    url = f"/api/v1/repairs/{repair_id}"
    assert (await client.post(f"{url}/acceptance", json={}, headers=reviewer)).status_code == 200
    decided = await client.post(
        f"{url}/decision", json={"outcome": "refused", "reasons": ["no_commitment"]},
        headers=reviewer,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    await consume(session, clock)
    own = await headers_for(Role.employer, employer_id=employer.id)
    kinds = {d["kind"]: d for d in await _documents(client, own, employer.id)}
    body = await _pdf_text(client, own, kinds["repair_decision"])
    assert "信用修复决定书" in body and "不予信用修复" not in body  # the outcome's own label
    assert "不予修复" in body and "未作出书面信用承诺" in body and "国家发展改革委令第36号" in body


async def test_an_interview_record_on_demand_once(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for, today
):
    employer = await make_employer()
    inspector = await headers_for(Role.inspector)
    made = await client.post("/api/v1/interviews", json=_interview(employer.id, today),
                             headers=inspector)  # fmt: skip
    assert made.status_code == 201, made.text
    body = {"interview_id": made.json()["id"]}
    first = await client.post("/api/v1/documents/interview-records", json=body, headers=inspector)
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/documents/interview-records", json=body, headers=inspector)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["document_number"] == f"文人社信谈〔{today.year}〕1号"
    own = await headers_for(Role.employer, employer_id=employer.id)
    text_ = await _pdf_text(client, own, first.json())
    for expected in ("约谈记录", "拖欠农民工工资问题", "张建国（法定代表人", "刘监察",
                     "告知评为C级的原因及后果，要求限期整改", "第十三条第（二）项"):  # fmt: skip
        assert compact(expected) in text_, expected
    unknown = {"interview_id": str(uuid.uuid4())}
    missing = await client.post("/api/v1/documents/interview-records", json=unknown,
                                headers=inspector)  # fmt: skip
    assert_problem(missing, 404)


async def test_another_employers_document_is_absent(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for, today
):
    employer, other = await make_employer(), await make_employer()
    inspector = await headers_for(Role.inspector)
    made = await client.post("/api/v1/interviews", json=_interview(employer.id, today),
                             headers=inspector)  # fmt: skip
    document = await client.post(
        "/api/v1/documents/interview-records", json={"interview_id": made.json()["id"]},
        headers=inspector,
    )  # fmt: skip
    theirs = await headers_for(Role.employer, employer_id=other.id)
    for url in (f"/api/v1/documents/{document.json()['id']}", document.json()["pdf_url"]):
        assert_problem(await client.get(url, headers=theirs), 404)
    listed = await client.get("/api/v1/documents", headers=theirs)
    assert listed.json()["items"] == []


async def test_an_admin_adjusts_a_template_and_later_letters_follow_it(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for, today
):
    admin = await headers_for(Role.admin)
    url = "/api/v1/document-templates/interview_record"
    builtin = (await client.get(url, headers=admin)).json()
    assert builtin["version"] == 0 and "persons" in builtin["placeholders"]
    body = "{{employer_name}}于{{interviewed_on}}接受约谈。\n\n事由：{{ subject }}"
    changed = {"series": "文人社约", "title": "约谈笔录", "body": body}
    saved = await client.put(url, json=changed, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1
    for body in ("{{__class__}}", "{{ 1+1 }}", "{{unknown_name}}", "a {{ lone"):
        refused = await client.put(url, json={**changed, "body": body}, headers=admin)
        problem = assert_problem(refused, 422)
        assert problem["type"].endswith("/document-template-invalid"), body
    assert (await client.get(url, headers=admin)).json()["version"] == 1
    assert_problem(await client.put(url, json=changed, headers=await headers_for(Role.reviewer)),
                   403)  # fmt: skip

    employer = await make_employer(name="文水县汾河建材有限公司")
    inspector = await headers_for(Role.inspector)
    made = await client.post("/api/v1/interviews", json=_interview(employer.id, today),
                             headers=inspector)  # fmt: skip
    document = await client.post(
        "/api/v1/documents/interview-records", json={"interview_id": made.json()["id"]},
        headers=inspector,
    )  # fmt: skip
    assert document.json()["document_number"] == f"文人社约〔{today.year}〕1号"
    assert document.json()["template_version"] == 1
    body = await _pdf_text(client, admin, document.json())
    assert "约谈笔录" in body and "文水县汾河建材有限公司于" in body
    assert "事由：拖欠农民工工资问题" in body


async def test_numbers_are_gap_free_in_order_and_a_rollback_gives_its_number_back(
    session: AsyncSession,
) -> None:
    series = f"测{uuid.uuid4().hex[:6]}"
    assert [await documents.next_number(session, series, 2026) for _ in range(3)] == [1, 2, 3]
    assert await documents.next_number(session, series, 2027) == 1
    savepoint = await session.begin_nested()
    assert await documents.next_number(session, series, 2026) == 4
    await savepoint.rollback()
    assert await documents.next_number(session, series, 2026) == 4


async def test_two_concurrent_issues_wait_for_each_other(engine) -> None:  # type: ignore[no-untyped-def]
    """Two transactions numbering in one series: the second waits on the counter's row lock
    until the first commits, then takes the next number."""
    series = f"并{uuid.uuid4().hex[:6]}"
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await second.begin()
        one = await first.scalar(text(NEXT), {"s": series})
        waiting = asyncio.ensure_future(second.scalar(text(NEXT), {"s": series}))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked on the lock
        await first.commit()
        two = await waiting
        await second.commit()
        assert (one, two) == (1, 2)
        await second.execute(text("DELETE FROM document_counters WHERE series = :s"), {"s": series})
        await second.commit()


NEXT = (
    "INSERT INTO document_counters (series, year, last_number) VALUES (:s, 2026, 1) "
    "ON CONFLICT (series, year) DO UPDATE SET last_number = document_counters.last_number + 1 "
    "RETURNING last_number"
)
