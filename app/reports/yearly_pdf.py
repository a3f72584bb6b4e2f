"""The yearly supervision report as a PDF in Chinese: the figures of `yearly.figures`, rendered as
they are (nothing is computed here but shares and labels), with charts where a reader would
rather look than read: grades by town, and the trend over the cycles."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.models.employer import IndustrySection, SubjectType
from app.models.evaluation import EvaluationStatus
from app.models.event import EventSubject
from app.models.labels import LabelledEnum
from app.models.objection import ObjectionHandling
from app.models.repair import RepairCondition
from app.models.yearly_report import (
    CUnits,
    GradeCounts,
    GradeDistribution,
    GroupDistribution,
    Inspections,
    Objections,
    Pushes,
    Repairs,
    YearlyReport,
)
from app.reports import pdf

GRADES = ("A", "B", "C")
GRADE_HEADER = ["A级", "B级", "C级", "合计", "C级占比"]


def render(report: YearlyReport) -> bytes:
    document = pdf.Document(
        f"{report.year}年度用人单位劳动保障信用分级分类监管报告",
        subtitle="Yearly report on employers' labour-security credit and supervision",
    )
    document.paragraph(
        f"统计截至{_day(report.as_of)}。信用等级为{report.year}年度评价周期的现行评价（第十条："
        f"评价周期为一年）；异议按收到日期、信用修复按申请日期、推送按消息生成时间计入{report.year}年；"
        "未结事项以统计日为准。"
    )
    _policy(document, report)
    _grades(document, report.grades)
    _c_units(document, report.c_units)
    _objections(document, report.objections)
    _repairs(document, report.repairs)
    _inspections(document, report.inspections)
    _pushes(document, report.pushes)
    document.signature("文水县人力资源和社会保障局", _day(report.as_of))
    return document.render()


def _policy(document: pdf.Document, report: YearlyReport) -> None:
    """Art 18: said first, while the policy the grades rest on has lapsed."""
    standing = report.policy
    if not standing.lapsed_evaluations and not standing.warnings:
        return
    document.paragraph(
        f"提示（第十八条）：本年度评价周期有{standing.lapsed_evaluations}项现行评价作出时，"
        "所依据的政策已过有效期，且尚未登记延期或新的政策。"
    )
    for warning in standing.warnings:
        document.paragraph(warning.split(" / ")[0])


def _day(day: object) -> str:
    text = str(day)
    return f"{text[:4]}年{int(text[5:7])}月{int(text[8:10])}日"


def _label(enum: type[LabelledEnum], code: str) -> str:
    try:
        return enum(code).zh
    except ValueError:
        return code


def _share(counts: GradeCounts) -> str:
    return f"{100 * counts.C / counts.total:.1f}%" if counts.total else "—"


def _row(counts: GradeCounts) -> list[object]:
    return [counts.A, counts.B, counts.C, counts.total, _share(counts)]


def _grades(document: pdf.Document, grades: GradeDistribution) -> None:
    counts = grades.counts
    document.heading("一、信用等级分布")
    document.key_values(
        [
            ("评价单位总数", counts.total),
            ("A级（守法诚信）", counts.A),
            ("B级（基本守法诚信）", counts.B),
            ("C级（失信）", f"{counts.C}（其中拟评C级告知、尚未生效{grades.notices}家）"),
            ("C级占比", _share(counts)),
        ]
    )
    towns = grades.by_town
    document.bar_chart(
        [g.key for g in towns],
        [(f"{grade}级", [getattr(g.counts, grade) for g in towns]) for grade in GRADES],
        caption=f"图1 {grades.cycle}年度各乡镇信用等级分布（单位：家）",
    )
    _groups(document, "（一）按乡镇", "乡镇", towns, lambda key: key)
    _groups(document, "（二）按行业门类（GB/T 4754）", "行业门类", grades.by_industry,
            lambda key: f"{key} {_label(IndustrySection, key)}")  # fmt: skip
    _groups(document, "（三）按主体类型", "主体类型", grades.by_subject_type,
            lambda key: _label(SubjectType, key))  # fmt: skip
    trend = grades.trend
    document.heading(f"（四）近{len(trend)}个评价周期的变化")
    document.line_chart(
        [f"{c.cycle}" for c in trend],
        [(f"{grade}级", [getattr(c, grade) for c in trend]) for grade in GRADES],
        caption=f"图2 {trend[0].cycle}—{trend[-1].cycle}年度信用等级变化（单位：家）",
    )
    document.table(["评价周期", *GRADE_HEADER], [[f"{c.cycle}年度", *_row(c)] for c in trend])


def _groups(
    document: pdf.Document,
    heading: str,
    name: str,
    groups: Sequence[GroupDistribution],
    label: Callable[[str], str],
) -> None:
    document.heading(heading)
    document.table(
        [name, *GRADE_HEADER],
        [[label(g.key), *_row(g.counts)] for g in groups],
        widths=[0.35, 0.12, 0.12, 0.12, 0.14, 0.15],
        empty="本年度无评价",
    )


def _c_units(document: pdf.Document, c_units: CUnits) -> None:
    document.heading("二、C级单位及其原因")
    document.paragraph(
        f"C级单位共{c_units.total}家；另有拟评C级经陈述申辩后由审核员变更等级的"
        f"{c_units.changed_by_reviewer}家。各项评价规则评定的C级单位数（一家单位可同时符合几项）："
    )
    document.table(
        ["评价规则", "依据", "单位数"],
        [[r.rule_id, r.citation, r.units] for r in c_units.by_rule],
        widths=[0.3, 0.55, 0.15],
        empty="无",
    )
    rows = [
        [
            unit.name,
            unit.uscc,
            unit.town,
            _label(EvaluationStatus, unit.status),
            "\n".join(f"{item.detail}（{item.citation}）" for item in unit.explanation),
        ]
        for unit in c_units.listed
    ]
    document.table(
        ["单位名称", "统一社会信用代码", "乡镇", "状态", "原因及依据"],
        rows,
        widths=[0.22, 0.2, 0.1, 0.12, 0.36],
        empty="本年度无C级单位",
    )
    if c_units.total > len(c_units.listed):
        document.paragraph(f"以上仅列出按乡镇、单位名称排序的前{len(c_units.listed)}家。")


def _objections(document: pdf.Document, objections: Objections) -> None:
    total = objections.total
    document.heading("三、异议的受理和处理（第十五条、第十六条）")
    document.paragraph(
        f"本年度收到异议{total.received}件，已处理{total.decided}件，其中按期处理{total.on_time}件、"
        f"逾期处理{total.late}件；尚未办结{total.open}件（其中已逾期{total.open_overdue}件）。"
        f"处理结果：异议成立{total.upheld}件，部分成立{total.partly_upheld}件，"
        f"不成立{total.rejected}件；撤回{total.withdrawn}件，因对象变更终止{total.lapsed}件。"
    )
    labels = {"not_accepted": "未受理（待受理、撤回或终止）", "total": "合计"}
    rows = [
        [
            labels.get(c.handling) or _label(ObjectionHandling, c.handling),
            *(c.received, c.decided, c.on_time, c.late, c.undetermined),
            *(c.open, c.open_overdue, c.withdrawn, c.lapsed),
        ]
        for c in [*objections.by_handling, total]
    ]
    document.table(
        ["处理类别", "收到", "已处理", "按期", "逾期", "期限未定", "未结", "未结逾期", "撤回",
         "终止"],
        rows if total.received else [],
        widths=[0.28, *[0.08] * 9],
        empty="本年度未收到异议",
    )  # fmt: skip


def _repairs(document: pdf.Document, repairs: Repairs) -> None:
    document.heading("四、信用修复")
    reasons = "；".join(
        f"{_label(RepairCondition, reason)}{count}件"
        for reason, count in repairs.refusal_reasons.items()
    )
    document.key_values(
        [
            ("申请", repairs.applied),
            ("已受理", repairs.accepted),
            ("准予修复", repairs.approved),
            ("不予修复", repairs.refused),
            ("尚未办结", f"{repairs.open}（其中已逾期{repairs.open_overdue}）"),
            ("按期办结", repairs.on_time),
            ("逾期办结", repairs.late),
            ("期限未定", repairs.undetermined),
            ("不予修复的理由", reasons or "无"),
        ]
    )


def _inspections(document: pdf.Document, inspections: Inspections) -> None:
    document.heading("五、按等级的巡查检查（双随机、一公开）")
    document.paragraph(
        f"本年度执行抽查计划{inspections.plans}个，计划检查{inspections.planned.total}户次，"
        f"已检查{inspections.done.total}户次，发现违法行为{inspections.violations_found.total}户次。"
        "等级为制订计划时的现行等级。"
    )
    figures = [
        ("计划", inspections.planned),
        ("已检查", inspections.done),
        ("发现违法行为", inspections.violations_found),
        ("未检查", inspections.not_inspected),
    ]
    document.table(
        ["", "A级", "B级", "C级", "合计"],
        [[name, c.A, c.B, c.C, c.total] for name, c in figures]
        if inspections.planned.total
        else [],
        widths=[0.28, 0.18, 0.18, 0.18, 0.18],
        empty="本年度无巡查检查计划",
    )


def _pushes(document: pdf.Document, pushes: Pushes) -> None:
    total = pushes.total
    document.heading("六、推送市信用信息共享平台及回执")
    document.paragraph(
        f"本年度生成推送消息{total.created}条，已发送{total.sent}条，平台已收到{total.delivered}条；"
        f"平台接收{total.accepted}条、拒收{total.rejected}条，待回执{total.awaiting_receipt}条，"
        f"发送失败（死信）{total.dead}条，待发送{total.waiting}条；超过推送期限未送达{total.overdue}条，"
        f"逾期送达{total.delivered_late}条，回执逾期{total.receipts_overdue}条。"
    )
    rows = [
        [
            "合计" if c.subject == "total" else _label(EventSubject, c.subject),
            *(c.created, c.sent, c.accepted, c.rejected, c.dead, c.awaiting_receipt),
            *(c.overdue, c.delivered_late),
        ]
        for c in [*pushes.by_subject, total]
    ]
    document.table(
        ["内容", "生成", "已发送", "接收", "拒收", "死信", "待回执", "逾期未送达", "逾期送达"],
        rows if total.created else [],
        widths=[0.2, *[0.1] * 8],
        empty="本年度无推送消息",
    )
