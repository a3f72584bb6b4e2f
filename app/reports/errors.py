"""The reports' refusals."""

from __future__ import annotations

from app.core.errors import InvalidField
from app.core.i18n import Text


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
