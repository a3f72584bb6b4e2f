"""The yearly supervision report (issue 15 §5): the same figures as JSON and as a PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Response

from app.api.deps import GUARDED, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import problems
from app.core.i18n import Text
from app.models.yearly_report import YearlyReport
from app.reports import yearly, yearly_pdf
from app.reports.errors import ReportYearNotBegun

router = api_router(
    prefix="/reports/yearly",
    tags=["yearly report"],
    responses=problems(*GUARDED, ReportYearNotBegun),
)
Reader = Annotated[Actor, Depends(require(Permission.reports_read))]
Year = Annotated[int, Path(ge=2000, le=2100, description="the calendar year (the cycle)")]
Cycles = Annotated[
    int, Query(ge=1, le=10, description="cycles in the grade trend, ending with `year`")
]
DESCRIPTION = (
    "For the bureau and the city: the grades of cycle `year` (current evaluations, notice or "
    "final) by town, GB/T 4754 industry section and subject type, each with its trend over the "
    "last `cycles` cycles; the C units and why (their fired rules and citations, the first "
    "500 listed); objections received in the year and decided by their due date or late, by "
    "handling class (3 or 10 working days); credit repairs applied for in the year; "
    "inspection visits of the year's months planned, done and finding a violation, by the "
    "grade the unit had when its plan was made; the year's pushes to the city platform and "
    "their acknowledgement. Open items are counted as of `as_of` (today); town, industry and "
    "subject type are the employer's as registered now."
)


async def _figures(
    session: SessionDep, settings: SettingsDep, clock: ClockDep, year: int, cycles: int
) -> YearlyReport:
    today = clock.today()
    if year > today.year:
        raise ReportYearNotBegun(
            ["path", "year"],
            Text(f"{year} 年尚未开始（今天是 {today}）", f"{year} has not begun ({today})"),
            kind="year.future",
        )
    return await yearly.figures(
        session=session, settings=settings, year=year, cycles=cycles, today=today,
        now=clock.now(),
    )  # fmt: skip


# first: `{year}` alone would take "2025.pdf" as a year, and refuse it
@router.get(
    "/{year}.pdf",
    summary="年度监管报告（PDF） / Yearly supervision report (PDF)",
    description=f"{DESCRIPTION} The PDF (in Chinese, with charts of the grades by town and of "
    "the trend) shows the same figures as the JSON.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report"}},
)
async def yearly_report_pdf(
    year: Year,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
    cycles: Cycles = 5,
) -> Response:
    """年度用人单位劳动保障信用分级分类监管报告（中文 PDF，含各乡镇等级分布图和历年变化图），
    数字与 JSON 相同。"""
    report = await _figures(session, settings, clock, year, cycles)
    return Response(
        yearly_pdf.render(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="yearly-report-{year}.pdf"'},
    )


@router.get(
    "/{year}",
    summary="年度监管报告 / Yearly supervision report",
    description=DESCRIPTION,
)
async def yearly_report(
    year: Year,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
    cycles: Cycles = 5,
) -> YearlyReport:
    """年度监管报告：当年评价周期按乡镇、行业门类、主体类型的信用等级分布及近几个周期的变化；
    C级单位及原因；异议的受理和按期处理；信用修复；按等级的巡查检查；推送市平台及回执。"""
    return await _figures(session, settings, clock, year, cycles)
