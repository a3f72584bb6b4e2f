"""Credit reports (专项信用报告, 发改财金〔2025〕565号): issued for an employer, read by staff or
that employer, and checked by anyone who holds one (its verification code, no sign-in)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.public_rate import PublicRate
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, InvalidRequest, problems
from app.disclosure.errors import TooManyPublicRequests
from app.models.credit_report import CreditReportCheck, CreditReportCreate, CreditReportPublic
from app.reports import credit_report
from app.reports.errors import CreditReportAltered, CreditReportNotFound

employer_router = api_router(
    prefix="/employers", tags=["credit reports"], responses=problems(*GUARDED)
)
router = api_router(
    prefix="/credit-reports",
    tags=["credit reports"],
    responses=problems(InvalidRequest, TooManyPublicRequests),
)
Issuer = Annotated[Actor, Depends(require(Permission.credit_reports_issue))]
Code = Annotated[str, Path(min_length=1, max_length=64, description="the verification code")]
PDF = {"description": "the report as a PDF", "content": {"application/pdf": {}}}


@employer_router.post(
    "/{employer_id}/credit-report",
    status_code=201,
    summary="出具专项信用报告 / Issue a credit report",
    description="发改财金〔2025〕565号: a credit report replaces the certificate of compliance, "
    "for `purpose` award, listing_review, tender or compliance_certificate_replacement. It "
    "states the unit's identity (name, USCC, legal representative; never an ID number), the "
    "grade in force and its reasons, the verified records of the past 12 months (Art 12(3)), "
    "the wage-arrears list and public C list memberships, the repair history, for a C the "
    "restrictions (Art 13(3): fails award reviews; Art 13(4): no confirmation of compliance) "
    "and how to object. Stored with the SHA-256 of its canonical JSON and an HMAC-SHA256 "
    "signature, under a 16-character verification code; `verify_url` is the public check and "
    "`pdf_url` the PDF (with the code as a QR code). Staff for any employer, an employer "
    "account for its own.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist),
)
async def issue_credit_report(
    employer_id: uuid.UUID,
    data: CreditReportCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Issuer,
) -> CreditReportPublic:
    """出具专项信用报告：主体信息、现行等级及理由、近12个月信用记录、名单情况、信用修复情况、
    C级限制措施和异议渠道；附核验码和签名。"""
    report = await credit_report.issue(
        session=session, employer_id=employer_id, purpose=data.purpose, actor=actor,
        settings=settings, clock=clock,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/employers/{employer_id}/credit-report/{report.code}"
    return credit_report.to_public(report, settings)


@employer_router.get(
    "/{employer_id}/credit-report/{code}",
    summary="查看已出具的信用报告 / Read an issued credit report",
    description="The report as issued (its signed JSON, digest and signature). Staff, or the "
    "employer's own account; another employer's report is a 404.",
    responses=problems(*GUARDED, DoesNotExist, CreditReportNotFound),
)
async def get_credit_report(
    employer_id: uuid.UUID, code: Code, session: SessionDep, settings: SettingsDep, actor: Issuer
) -> CreditReportPublic:
    """查看本单位（或工作人员查看任一单位）已出具的信用报告。"""
    report = await credit_report.get(
        session=session, employer_id=employer_id, code=code, actor=actor
    )
    return credit_report.to_public(report, settings)


@router.get(
    "/{code}.pdf",
    summary="信用报告 PDF / A credit report as a PDF",
    response_class=Response,
    responses={200: PDF, **problems(CreditReportNotFound, CreditReportAltered)},
    description="The report as a PDF in Chinese, the code as a QR code pointing at the public "
    "check. No sign-in: the code is the key (80 random bits). 404 `credit-report-not-found` "
    "for an unknown code, 409 `credit-report-altered` for a report changed since issue.",
)
async def credit_report_pdf(
    code: Code, session: SessionDep, settings: SettingsDep, _rate: PublicRate
) -> Response:
    """信用报告的 PDF 文本（含核验二维码）。凭核验码获取，无需登录。"""
    checked = await credit_report.check(session=session, code=code, settings=settings)
    report = await credit_report.by_code(session=session, code=checked.code)
    return Response(
        content=credit_report.render(report, settings),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="credit-report-{checked.code}.pdf"'},
    )


@router.get(
    "/{code}",
    summary="核验信用报告 / Check a credit report",
    responses=problems(CreditReportNotFound, CreditReportAltered),
    description="Public, no sign-in: whoever received a report checks it by its code (the QR "
    "code leads here). The answer is what the report said (`content`), its digest, when it was "
    "issued and for which unit, with `valid` true when the stored content still matches the "
    "digest and signature it was issued with. 404 `credit-report-not-found` for a code no "
    "report has (case, spaces and dashes do not matter); 409 `credit-report-altered` for a "
    "report whose stored content no longer matches its signature.",
)
async def check_credit_report(
    code: Code, session: SessionDep, settings: SettingsDep, _rate: PublicRate
) -> CreditReportCheck:
    """凭核验码核对信用报告：报告内容、出具时间、对象单位，以及签名是否仍然相符。无需登录。"""
    return await credit_report.check(session=session, code=code, settings=settings)
