"""Credit reports (issue 15 §3): issued with what the file says, signed, checked in public by
their code; a code that exists nowhere is a 404, a report altered in the database a 409."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text

from app.evaluations import service as evaluations
from app.models.problem import PROBLEM_BASE
from app.models.user import Role
from app.reports import credit_report
from tests.api.test_access import employer_file  # noqa: F401  (a fixture)
from tests.conftest import assert_problem
from tests.reports.pdf_text import compact, text_of

ID_NUMBER = "14112119800101123X"  # a listed person's, in the listing of test_access._listing


def _url(employer_id) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/employers/{employer_id}/credit-report"


async def _a_c_unit(session, today, make_employer, file):  # type: ignore[no-untyped-def]
    """A unit graded C (its notice closed) and on the wage-arrears list."""
    employer = await make_employer(name="文水县晋阳纺织有限公司", legal_representative="张建国")
    await file(employer, ("evaluation_id",))
    await evaluations.close_notices(session=session, today=date(today.year + 1, 2, 1))
    await file(employer, ("entry_id",))
    return employer


async def test_a_c_units_report_says_what_the_file_says_and_checks_in_public(  # type: ignore[no-untyped-def]
    client,
    session,
    settings,
    today,
    make_employer,
    headers_for,
    employer_file,  # noqa: F811
):
    employer = await _a_c_unit(session, today, make_employer, employer_file)
    own = await headers_for(Role.employer, employer_id=employer.id)
    issued = await client.post(_url(employer.id), json={"purpose": "tender"}, headers=own)
    assert issued.status_code == 201, issued.text
    report = issued.json()
    code, content = report["code"], report["content"]
    assert len(code) == 16 and code.isalnum() and code.isupper()
    assert report["verify_url"] == f"{settings.public_url}/api/v1/credit-reports/{code}"
    assert content["employer"]["uscc"] == employer.uscc
    assert content["employer"]["legal_representative"] == "张建国"
    assert content["grade"]["grade"] == "C" and content["grade"]["reasons"]
    assert {r["article"] for r in content["restrictions"]} >= {"第十三条第（三）项",
                                                              "第十三条第（四）项"}  # fmt: skip
    # the past 12 months only (Art 12(3)): the listing's record, not last cycle's child labour
    assert [r["kind"] for r in content["records"]] == ["wage_arrears_listing"]
    since = content["period"]["from"]
    assert all((r["decision_date"] or r["occurred_date"]) >= since for r in content["records"])
    [listing] = content["lists"]["wage_arrears"]
    assert listing["status"] == "listed"
    assert content["lists"]["public_c_list"] is None  # never reflected in this test
    assert "异议" in content["objection_channel"]
    assert ID_NUMBER not in issued.text
    assert report["digest"] == credit_report.digest_of(content)

    again = await client.get(f"{_url(employer.id)}/{code}", headers=own)
    assert again.status_code == 200 and again.json()["signature"] == report["signature"]

    checked = await client.get(f"/api/v1/credit-reports/{code.lower()}")  # no sign-in
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["valid"] is True and body["content"] == content
    assert (body["employer_name"], body["employer_uscc"]) == (employer.name, employer.uscc)
    assert body["digest"] == report["digest"] and body["purpose"] == "tender"

    pdf = await client.get(f"/api/v1/credit-reports/{code}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    words = text_of(pdf.content)
    assert ID_NUMBER not in words
    for expected in ("用人单位劳动保障专项信用报告", "用途：招标投标", "文水县晋阳纺织有限公司",
                     employer.uscc, "张建国", "C级", "近12个月已审核的信用记录",
                     "拖欠农民工工资失信联合惩戒名单", "名单内", "C级单位依法受到的限制",
                     "不出具守法证明", "一票否决", "异议渠道", code, f"扫码核验{code}",
                     report["digest"]):  # fmt: skip
        assert compact(expected) in words, expected


async def test_a_report_of_a_clean_unit_has_no_grade_and_no_restrictions(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for
):
    employer = await make_employer()
    staff = await headers_for(Role.inspector)
    issued = await client.post(_url(employer.id), json={"purpose": "award"}, headers=staff)
    assert issued.status_code == 201, issued.text
    content = issued.json()["content"]
    assert content["grade"] is None and content["restrictions"] == [] and content["records"] == []
    pdf = await client.get(issued.json()["pdf_url"])
    words = text_of(pdf.content)
    assert "暂无生效的劳动保障信用等级" in words and "报告期间内无已审核的信用记录" in words
    assert "C级单位依法受到的限制" not in words


async def test_an_unknown_code_an_unknown_employer_and_anothers_report(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for
):
    unknown = await client.get("/api/v1/credit-reports/AAAAAAAAAAAAAAAA")
    problem = assert_problem(unknown, 404)
    assert problem["type"] == PROBLEM_BASE + "credit-report-not-found"
    assert "AAAAAAAAAAAAAAAA" in problem["detail"]
    assert_problem(await client.get("/api/v1/credit-reports/AAAAAAAAAAAAAAAA.pdf"), 404)

    staff = await headers_for(Role.reviewer)
    nowhere = "/api/v1/employers/0196b2a4-3c1d-7e8f-9a0b-1c2d3e4f5a6b/credit-report"
    missing = await client.post(nowhere, json={"purpose": "award"}, headers=staff)
    assert assert_problem(missing, 404)["type"] == PROBLEM_BASE + "not-found"
    bad = await client.post(_url((await make_employer()).id), json={"purpose": "x"}, headers=staff)
    assert_problem(bad, 422)

    mine, theirs = await make_employer(), await make_employer()
    issued = await client.post(_url(theirs.id), json={"purpose": "award"}, headers=staff)
    code = issued.json()["code"]
    account = await headers_for(Role.employer, employer_id=mine.id)
    refused = await client.post(_url(theirs.id), json={"purpose": "award"}, headers=account)
    assert_problem(refused, 404)
    assert_problem(await client.get(f"{_url(theirs.id)}/{code}", headers=account), 404)
    assert_problem(await client.get(f"{_url(mine.id)}/{code}", headers=account), 404)


async def test_a_report_altered_in_the_database_is_caught(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for
):
    employer = await make_employer()
    staff = await headers_for(Role.reviewer)
    issued = await client.post(_url(employer.id), json={"purpose": "award"}, headers=staff)
    code = issued.json()["code"]
    assert (await client.get(f"/api/v1/credit-reports/{code}")).status_code == 200

    forged = {**issued.json()["content"], "grade": {"grade": "A", "cycle": 2025}}
    changes = [
        # the grade rewritten: the content no longer matches its digest
        ("UPDATE credit_reports SET content = jsonb_set(content, '{grade}', "
         "'{\"grade\": \"A\"}') WHERE code = :code", {}),
        # the digest recomputed by whoever rewrote the content: the signature still catches it
        ("UPDATE credit_reports SET content = CAST(:content AS jsonb), digest = :digest "
         "WHERE code = :code",
         {"content": json.dumps(forged), "digest": credit_report.digest_of(forged)}),
        # the content left alone, the date it was issued moved
        ("UPDATE credit_reports SET issued_at = issued_at - interval '1 year' "
         "WHERE code = :code", {}),
    ]  # fmt: skip
    for change, values in changes:
        savepoint = await session.begin_nested()
        await session.execute(text(change), {"code": code, **values})
        for url in (f"/api/v1/credit-reports/{code}", f"/api/v1/credit-reports/{code}.pdf"):
            problem = assert_problem(await client.get(url), 409)
            assert problem["type"] == PROBLEM_BASE + "credit-report-altered"
        await savepoint.rollback()
    assert (await client.get(f"/api/v1/credit-reports/{code}")).json()["valid"] is True


def test_the_signing_key_is_the_audit_keys_own_derivation(settings) -> None:  # type: ignore[no-untyped-def]
    key = credit_report.signing_key(settings)
    assert len(key) == 32 and key != settings.audit_key.get_secret_value().encode()
    other = settings.model_copy(update={"audit_key": type(settings.audit_key)("x" * 40)})
    content = {"code": "A", "n": 1}
    assert credit_report.signature_of(content, settings) != credit_report.signature_of(
        content, other
    )
