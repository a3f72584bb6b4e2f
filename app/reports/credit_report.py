"""Credit reports (专项信用报告, 发改财金〔2025〕565号; docs/law.md §12): issued, signed, checked.

`issue` gathers one employer's file as it stands (identity without ID numbers, the grade in force
and its reasons, the past 12 months of verified records (Art 12(3)), list memberships, repair
history, and for a C its restrictions (Art 13(3), (4))), stores it as JSON with the SHA-256 of
its canonical JSON and an HMAC-SHA256 signature over the same bytes, under a verification code
(16 base32 characters: 80 random bits, never guessed).

The signing key is derived from `LABOR_CREDIT_AUDIT_KEY` (already refused as a placeholder off
the embedded database), domain-separated: HMAC-SHA256(audit key, "labor-credit/credit-report/v1"),
so a report signature can never stand for an audit checkpoint's or the reverse, and no second
secret must be kept. Like the checkpoints', the signature is for this service to check (the
public route `check`), which holds the key: whoever rewrites the database cannot forge one.

Canonical JSON: sorted keys, no spaces, UTF-8 (not ASCII-escaped); the content holds only
strings, integers, booleans, null, lists and objects, so PostgreSQL's JSONB keeps it exactly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from app.audit import service as audit
from app.core import access
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.employers import grades
from app.evaluations import reads as evaluation_reads
from app.models.blacklist import BlacklistEntry, ListingGround, ListingStatus
from app.models.credit_record import (
    CreditRecord,
    RecordCategory,
    RecordKind,
    RecordStatus,
    Severity,
)
from app.models.credit_report import (
    CreditReport,
    CreditReportCheck,
    CreditReportPublic,
    ReportPurpose,
)
from app.models.disclosure import Disclosure, DisclosureStatus, ListStatus
from app.models.employer import Employer, EmployerStatus, SubjectType
from app.models.evaluation import Evaluation
from app.models.repair import RepairApplication, RepairCondition, RepairStatus
from app.reports import pdf
from app.reports.errors import CreditReportAltered, CreditReportNotFound

VERSION = 1  # of the content's layout
ISSUER = "文水县人力资源和社会保障局"
_KEY_CONTEXT = b"labor-credit/credit-report/v1"
RECORDS_MAX = 500  # verified records of one year shown on a report
REPAIRS_MAX = 100

OBJECTION_CHANNEL = (
    "对本报告所载信用信息有异议的，可通过本系统提出异议（POST /api/v1/objections），或携书面材料"
    f"到{ISSUER}提出；本局依《文水县用人单位劳动保障信用分级分类监管办法》第十五条、第十六条"
    "在规定期限内核实处理并告知结果。"
)
C_RESTRICTIONS = [
    {
        "article": "第十三条第（三）项",
        "text": "在人力资源社会保障评先评优中实行一票否决（不得参与表彰奖励评审）",
    },
    {"article": "第十三条第（四）项", "text": "不出具守法证明（本报告不作为无违法违规证明）"},
    {"article": "第十三条第（一）项", "text": "列为重点监管对象，提高日常巡查频次"},
]


def signing_key(settings: Settings) -> bytes:
    """The report signing key, derived from the audit key for this one use."""
    audit_key = settings.audit_key.get_secret_value().encode()
    return hmac.new(audit_key, _KEY_CONTEXT, hashlib.sha256).digest()


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def signature_of(content: dict[str, Any], settings: Settings) -> str:
    return hmac.new(signing_key(settings), canonical(content), hashlib.sha256).hexdigest()


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, no padding


def normalized(code: str) -> str:
    """A code as typed: case and the spaces or dashes of a grouped code do not matter."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.public_url}/api/v1/credit-reports/{code}"


# --- issue ---------------------------------------------------------------------------------------


async def issue(
    *,
    session: AsyncSession,
    employer_id: uuid.UUID,
    purpose: ReportPurpose,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> CreditReport:
    employer = await session.get(Employer, employer_id)
    employer = access.visible(
        actor, employer, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}")
    )
    now = clock.now()
    today = clock.today()
    code = new_code()
    content = {
        "version": VERSION,
        "code": code,
        "title": "用人单位劳动保障专项信用报告",
        "issuer": ISSUER,
        "basis": "发改财金〔2025〕565号；《文水县用人单位劳动保障信用分级分类监管办法》",
        "purpose": purpose.value,
        "purpose_label": purpose.zh,
        "issued_at": _instant(now),
        "issued_on": today.isoformat(),
        "period": {"from": _year_before(today).isoformat(), "to": today.isoformat()},
        "employer": {
            "id": str(employer.id),
            "name": employer.name,
            "uscc": employer.uscc,
            "legal_representative": employer.legal_representative,
            "subject_type": SubjectType(employer.subject_type).zh,
            "town": employer.town,
            "industry_code": employer.industry_code,
            "status": EmployerStatus(employer.status).zh,
        },
        "records": await _records(session, employer.id, _year_before(today), today),
        "lists": await _lists(session, employer.id, _year_before(today)),
        "repairs": await _repairs(session, employer.id),
        "objection_channel": OBJECTION_CHANNEL,
    }
    grade = await _grade(session, employer.id)
    content["grade"] = grade
    content["restrictions"] = C_RESTRICTIONS if grade is not None and grade["grade"] == "C" else []
    report = CreditReport(
        code=code,
        employer_id=employer.id,
        purpose=purpose,
        content=content,
        digest=digest_of(content),
        signature=signature_of(content, settings),
        issued_at=now,
        issued_by=actor.id if actor.kind == "user" else None,
    )
    session.add(report)
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="credit_report.issue",
        resource_type="credit_report", resource_id=report.id,
        changes=audit.created({"code": code, "purpose": purpose.value, "digest": report.digest,
                               "employer_id": str(employer.id)}),
    )  # fmt: skip
    return report


def _instant(at: datetime) -> str:
    return at.isoformat()


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def _grade(session: AsyncSession, employer_id: uuid.UUID) -> dict[str, Any] | None:
    current_id = await session.scalar(select(grades.in_force(employer_id, Evaluation.id)))
    if current_id is None:
        return None
    evaluation = await session.get_one(Evaluation, current_id)
    shown = await evaluation_reads.to_public_one(session=session, evaluation=evaluation)
    return {
        "grade": shown.grade.value,
        "cycle": shown.cycle,
        "effective_from": shown.effective_from.isoformat() if shown.effective_from else None,
        "evaluation_id": str(shown.id),
        "reasons": [
            {
                "rule_id": item.rule_id,
                "grade": item.grade.value,
                "citation": item.citation,
                "detail": item.detail,
            }
            for item in shown.explanation
        ],
        "decision_reason": shown.decision_reason,
    }


async def _records(
    session: AsyncSession, employer_id: uuid.UUID, since: date, until: date
) -> list[dict[str, Any]]:
    """Art 12(3): the verified records of the past year, by decision date (else occurrence)."""
    dated = func.coalesce(col(CreditRecord.decision_date), col(CreditRecord.occurred_date))
    rows = (
        await session.scalars(
            select(CreditRecord)
            .where(
                CreditRecord.employer_id == employer_id,
                CreditRecord.status == RecordStatus.verified,
                dated >= since,
                dated <= until,
            )
            .order_by(dated.desc(), col(CreditRecord.id))
            .limit(RECORDS_MAX)
        )
    ).all()
    return [
        {
            "id": str(r.id),
            "category": RecordCategory(r.category).value,
            "category_label": RecordCategory(r.category).zh,
            "kind": RecordKind(r.kind).value,
            "kind_label": RecordKind(r.kind).zh,
            "title": r.title,
            "occurred_date": r.occurred_date.isoformat(),
            "decision_date": r.decision_date.isoformat() if r.decision_date else None,
            "decision_number": r.decision_number,
            "issuing_authority": r.issuing_authority,
            "penalty_content": r.penalty_content,
            "severity": Severity(r.severity).zh if r.severity else None,
        }
        for r in rows
    ]


async def _lists(session: AsyncSession, employer_id: uuid.UUID, since: date) -> dict[str, Any]:
    """The wage-arrears list (人社部令第45号): in force, or ended within the period; and the
    public C list (Art 14) the unit is on now, if any."""
    ended = func.coalesce(col(BlacklistEntry.removed_on), col(BlacklistEntry.expires_on))
    listings = (
        await session.scalars(
            select(BlacklistEntry)
            .where(
                BlacklistEntry.employer_id == employer_id,
                or_(
                    col(BlacklistEntry.status) == ListingStatus.listed,
                    (col(BlacklistEntry.status).in_([ListingStatus.removed, ListingStatus.expired]))
                    & (ended >= since),
                ),
            )
            .order_by(col(BlacklistEntry.listed_on).desc())
        )
    ).all()
    disclosure = await session.scalar(
        select(Disclosure).where(
            Disclosure.employer_id == employer_id,
            Disclosure.status == DisclosureStatus.published,
        )
    )
    return {
        "wage_arrears": [
            {
                "decision_number": e.decision_number,
                "listed_on": e.listed_on.isoformat(),
                "expires_on": e.expires_on.isoformat(),
                "status": ListingStatus(e.status).value,
                "status_label": ListingStatus(e.status).zh,
                "removed_on": e.removed_on.isoformat() if e.removed_on else None,
                "ground": ListingGround(e.ground).zh,
            }
            for e in listings
        ],
        "public_c_list": None
        if disclosure is None
        else {
            "cycle": disclosure.cycle,
            "list_status": ListStatus(disclosure.list_status).value,
            "list_status_label": ListStatus(disclosure.list_status).zh,
            "published_at": _instant(disclosure.published_at),
        },
    }


async def _repairs(session: AsyncSession, employer_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = (
        await session.scalars(
            select(RepairApplication)
            .where(RepairApplication.employer_id == employer_id)
            .order_by(col(RepairApplication.applied_at).desc(), col(RepairApplication.id))
            .limit(REPAIRS_MAX)
        )
    ).all()
    return [
        {
            "id": str(r.id),
            "applied_on": r.applied_on.isoformat(),
            "status": RepairStatus(r.status).value,
            "status_label": RepairStatus(r.status).zh,
            "decided_on": r.decided_on.isoformat() if r.decided_on else None,
            "refusal_reasons": [RepairCondition(x).zh for x in r.refusal_reasons],
        }
        for r in rows
    ]


# --- reads -------------------------------------------------------------------------------------


async def get(
    *, session: AsyncSession, employer_id: uuid.UUID, code: str, actor: Actor
) -> CreditReport:
    """One employer's report by its code, for staff or that employer (another's is a 404)."""
    employer = await session.get(Employer, employer_id)
    access.visible(
        actor, employer, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}")
    )
    report = await _by_code(session, code)
    if report is None or report.employer_id != employer_id:
        raise CreditReportNotFound(normalized(code))
    return report


async def _by_code(session: AsyncSession, code: str) -> CreditReport | None:
    return await session.scalar(select(CreditReport).where(CreditReport.code == normalized(code)))


async def by_code(*, session: AsyncSession, code: str) -> CreditReport:
    report = await _by_code(session, code)
    if report is None:
        raise CreditReportNotFound(normalized(code))
    return report


def intact(report: CreditReport, settings: Settings) -> bool:
    """The stored content still what was signed, and the columns what the content says."""
    content = report.content
    return (
        hmac.compare_digest(digest_of(content), report.digest)
        and hmac.compare_digest(signature_of(content, settings), report.signature)
        and content.get("code") == report.code
        and _same_instant(content.get("issued_at"), report.issued_at)
        and (content.get("employer") or {}).get("id") == str(report.employer_id)
        and content.get("purpose") == ReportPurpose(report.purpose).value
    )


def _same_instant(stated: object, stored: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(stated)) == stored
    except ValueError:
        return False


async def check(*, session: AsyncSession, code: str, settings: Settings) -> CreditReportCheck:
    """The public check: 404 for an unknown code, 409 for a report altered since issue."""
    report = await _by_code(session, code)
    if report is None:
        raise CreditReportNotFound(normalized(code))
    if not intact(report, settings):
        raise CreditReportAltered(report.code)
    employer = report.content["employer"]
    return CreditReportCheck(
        code=report.code,
        valid=True,
        issued_at=report.issued_at,
        employer_name=employer["name"],
        employer_uscc=employer["uscc"],
        purpose=report.purpose,
        digest=report.digest,
        content=report.content,
    )


def to_public(report: CreditReport, settings: Settings) -> CreditReportPublic:
    return CreditReportPublic(
        id=report.id,
        code=report.code,
        employer_id=report.employer_id,
        purpose=report.purpose,
        issued_at=report.issued_at,
        issued_by=report.issued_by,
        digest=report.digest,
        signature=report.signature,
        verify_url=verify_url(settings, report.code),
        pdf_url=f"/api/v1/credit-reports/{report.code}.pdf",
        content=report.content,
    )


# --- the PDF -----------------------------------------------------------------------------------


def render(report: CreditReport, settings: Settings) -> bytes:
    """The report as a PDF: every part of the signed content, the code and its QR code."""
    c = report.content
    employer, grade, lists = c["employer"], c["grade"], c["lists"]
    document = pdf.Document(c["title"], subtitle=f"用途：{c['purpose_label']}", number=None)
    document.key_values(
        [
            ("核验码", c["code"]),
            ("出具机关", c["issuer"]),
            ("出具时间", c["issued_at"]),
            ("报告期间", f"{c['period']['from']} 至 {c['period']['to']}"),
        ]
    )
    document.heading("一、主体信息")
    document.key_values(
        [
            ("单位名称", employer["name"]),
            ("统一社会信用代码", employer["uscc"]),
            ("法定代表人（负责人）", employer["legal_representative"]),
            ("主体类型", employer["subject_type"]),
            ("所在乡镇", employer["town"]),
            ("登记状态", employer["status"]),
        ]
    )
    document.heading("二、现行劳动保障信用等级")
    if grade is None:
        document.paragraph("该单位暂无生效的劳动保障信用等级。")
    else:
        document.key_values(
            [
                ("信用等级", f"{grade['grade']}级"),
                ("评价年度", grade["cycle"]),
                ("生效日期", grade["effective_from"]),
            ]
        )
        document.table(
            ["依据", "说明"],
            [[r["citation"], r["detail"]] for r in grade["reasons"]],
            widths=[0.35, 0.65],
            empty="无评价说明。",
        )
    document.heading("三、近12个月已审核的信用记录（第十二条第（三）项）")
    document.table(
        ["日期", "类别", "事项", "文号"],
        [
            [
                r["decision_date"] or r["occurred_date"],
                r["category_label"],
                r["title"],
                r["decision_number"],
            ]
            for r in c["records"]
        ],
        widths=[0.16, 0.14, 0.44, 0.26],
        empty="报告期间内无已审核的信用记录。",
    )
    document.heading("四、名单情况")
    document.table(
        ["拖欠农民工工资失信联合惩戒名单", "列入日期", "期满日期", "状态"],
        [
            [e["decision_number"], e["listed_on"], e["expires_on"], e["status_label"]]
            for e in lists["wage_arrears"]
        ],
        widths=[0.4, 0.2, 0.2, 0.2],
        empty="未列入拖欠农民工工资失信联合惩戒名单。",
    )
    shown = lists["public_c_list"]
    document.paragraph(
        "未列入失信信息公示名单。"
        if shown is None
        else f"{shown['cycle']}年度C级，失信信息公示中：{shown['list_status_label']}。"
    )
    document.heading("五、信用修复情况")
    document.table(
        ["申请日期", "状态", "决定日期"],
        [[r["applied_on"], r["status_label"], r["decided_on"]] for r in c["repairs"]],
        empty="无信用修复申请。",
    )
    if c["restrictions"]:
        document.heading("六、C级单位依法受到的限制")
        for item in c["restrictions"]:
            document.paragraph(f"{item['article']}：{item['text']}")
    document.heading("异议渠道")
    document.paragraph(c["objection_channel"])
    document.heading("核验")
    document.paragraph(
        f"本报告由{c['issuer']}信用监管系统出具并签名。核验码：{c['code']}。"
        f"扫描二维码或访问 {verify_url(settings, c['code'])} 可核对本报告所载内容；"
        f"内容摘要（SHA-256）：{report.digest}。"
    )
    document.qr(verify_url(settings, c["code"]), caption=f"扫码核验 {c['code']}")
    document.signature(c["issuer"], c["issued_on"])
    return document.render()
