"""The reports' refusals: one named problem type each (Chinese and English)."""

from __future__ import annotations

from app.core.errors import Conflict, InvalidField, NotFound
from app.core.i18n import Text


class CreditReportNotFound(NotFound):
    slug = "credit-report-not-found"
    title = Text("信用报告不存在", "Credit report not found")
    about = Text(
        "没有以这个核验码出具的信用报告：核验码有误，或这份报告并非本局出具。",
        "No credit report was issued with this verification code: the code is mistyped, or "
        "the report was not issued by this bureau.",
    )
    remedy = Text(
        "请核对报告上的16位核验码（或扫描报告上的二维码）；仍查不到的，这份报告不可信。",
        "Check the 16-character code printed on the report (or scan its QR code); a report "
        "whose code is not found is not to be trusted.",
    )

    def __init__(self, code: str) -> None:
        super().__init__(
            Text(f"核验码 {code} 没有对应的信用报告", f"no credit report has the code {code}")
        )


class CreditReportAltered(Conflict):
    slug = "credit-report-altered"
    title = Text("信用报告已被篡改", "Credit report altered")
    about = Text(
        "以这个核验码出具的报告，其存储内容与出具时的摘要或签名不再一致：报告在出具后被改动，"
        "不能作为信用证明。",
        "The stored content of the report with this code no longer matches the digest or "
        "signature it was issued with: it was changed after issue and proves nothing.",
    )
    remedy = Text(
        "不要采信这份报告；请用人单位重新申请出具，并告知本局（可能有人改动了数据库）。",
        "Do not rely on the report; ask the employer for a newly issued one, and tell the "
        "bureau (someone may have changed its database).",
    )

    def __init__(self, code: str) -> None:
        super().__init__(
            Text(
                f"核验码 {code} 的信用报告内容与其签名不符",
                f"the credit report {code} no longer matches its signature",
            ),
            code=code,
        )


class DocumentTemplateInvalid(InvalidField):
    slug = "document-template-invalid"
    title = Text("文书模板有误", "Document template invalid")
    about = Text(
        "模板只能使用该类文书的占位符，写作 {{名称}}；detail 指出不认识的占位符或写法。",
        "A template may use only its kind's placeholders, written {{name}}; the detail names "
        "the unknown placeholder or the malformed one.",
    )
    remedy = Text(
        "按 GET /api/v1/document-templates/{kind} 的 placeholders 改正后再提交。",
        "Use only the names GET /api/v1/document-templates/{kind} lists as placeholders.",
    )


class ReportYearNotBegun(InvalidField):
    slug = "report-year-not-begun"
    title = Text("报告年度尚未开始", "The report's year has not begun")
    about = Text(
        "年度监管报告只能针对今年或以前的年度：尚未开始的年度没有评价、异议、修复和推送可以统计。",
        "A yearly report is of this year or an earlier one: a year not begun has no grades, "
        "objections, repairs or pushes to count.",
    )
    remedy = Text(
        "改为今年或以前的年度；今年的报告是截至今天的数字。",
        "Ask for this year or an earlier one; this year's report counts up to today.",
    )
