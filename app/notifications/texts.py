"""What each notification says (pure): the title and body in Chinese, what the employer reads,
and their English rendering, from the event's facts; and the deadline that applies.

Dates are written 2026年12月10日 in Chinese and 2026-12-10 in English. A grading run's grades
are rendered by the database in one statement (`service.notify_run`) from `grade_final`'s own
words: `sql_template` renders it with markers that the statement replaces row by row, so the
words live here only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.models.notification import NotificationKind

BUREAU = "文水县人力资源和社会保障局"
BUREAU_EN = "the Wenshui county human resources and social security bureau"
LIST_STATUS = {
    "yellow": ("重点关注名单（黄名单）", "the list for key attention (yellow list)"),
    "black": ("严重失信主体名单（黑名单）", "the serious dishonesty list (black list)"),
}
OBJECTION_OUTCOME = {
    # what followed (a correction, a revocation, a re-grade) is told by the records' and the
    # grade's own notices and events
    "upheld": ("异议成立", "upheld"),
    "partly_upheld": ("异议部分成立", "partly upheld"),
    "rejected": ("异议不成立，维持原信息", "rejected: the information stands"),
}
OBJECTION_TARGET = {
    "record": ("信用记录", "credit record"),
    "evaluation": ("信用评价", "evaluation"),
    "disclosure_item": ("公示信息", "disclosed item"),
}
HANDLING = {
    "in_house": ("由本局核实（3个工作日内）", "verified by the bureau itself (3 working days)"),
    "departments": (
        "需有关部门核实（10个工作日内）",
        "verified with other departments (10 working days)",
    ),
}
REPAIR_OUTCOME = {"approved": ("准予信用修复", "repair granted"),
                  "refused": ("不予信用修复", "repair refused")}  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    title_en: str
    body_en: str
    deadline: date | None = None


def zh_date(value: str | None) -> str:
    if not value:
        return ""
    d = date.fromisoformat(value[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def en_date(value: str | None) -> str:
    return value[:10] if value else ""


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _pair(table: Mapping[str, tuple[str, str]], key: Any) -> tuple[str, str]:
    return table.get(str(key), (str(key), str(key)))


def grade_notice(f: Mapping[str, Any], subject_id: str) -> Rendered:
    cycle, deadline = f.get("cycle"), f.get("representation_deadline")
    url = f"POST /api/v1/evaluations/{subject_id}/representations"
    if deadline:
        when_zh = f"请于{zh_date(deadline)}（含当日）前"
        when_en = f"until {en_date(deadline)} inclusive"
    else:
        when_zh = "陈述申辩期限待工作日历载入后确定并另行告知；期限确定后，请在期限内"
        when_en = "within the deadline, set and told once the working-day calendar is loaded,"
    return Rendered(
        title=f"拟评C级告知（{cycle}年度）",
        body=(
            f"经评价，{BUREAU}拟将你单位{cycle}年度劳动保障信用等级评为C级"
            f"（告知日期：{zh_date(f.get('served_on'))}）。你单位有权陈述申辩：{when_zh}"
            f"通过本系统提交陈述申辩（{url}，可附证明材料），或携书面材料到{BUREAU}提出。"
            "逾期未陈述申辩的，C级评价在期满后生效。"
        ),
        title_en=f"Notice of a proposed C (cycle {cycle})",
        body_en=(
            f"{BUREAU_EN[0].upper()}{BUREAU_EN[1:]} proposes grade C for your unit for cycle "
            f"{cycle} (served on {en_date(f.get('served_on'))}). You may state your case "
            f"(陈述申辩) {when_en}: online through {url} (with evidence files), or in writing at "
            f"{BUREAU_EN}. Without a representation the C takes effect when the window closes."
        ),
        deadline=_day(deadline),
    )


def grade_final(f: Mapping[str, Any], subject_id: str) -> Rendered:
    since = f.get("effective_from")
    return _grade_final(
        f.get("cycle"), f.get("grade"), f.get("previous_grade"), zh_date(since), en_date(since)
    )


def _grade_final(cycle: Any, grade: Any, previous: Any, since_zh: str, since_en: str) -> Rendered:
    body = f"你单位{cycle}年度劳动保障信用评价等级为{grade}级，自{since_zh}起生效。"
    body_en = f"Your unit's labour-security credit grade for cycle {cycle} is {grade}, in force "
    body_en += f"from {since_en}."
    if previous and previous != grade:
        body += f"原等级为{previous}级。"
        body_en += f" It replaces grade {previous}."
    if grade == "C":
        body += (
            "C级单位依法列为重点监管对象，失信信息依法公示；纠正失信行为、履行处罚后，"
            "可依规申请信用修复。"
        )
        body_en += (
            " A C unit is supervised closely and its dishonesty information is published; once "
            "it has corrected the violation and performed the penalty it may apply for repair."
        )
    return Rendered(
        title=f"信用等级生效（{cycle}年度：{grade}级）",
        body=body,
        title_en=f"Grade in force (cycle {cycle}: {grade})",
        body_en=body_en,
    )


def _items(f: Mapping[str, Any]) -> tuple[str, str]:
    zh, en = [], []
    for n, item in enumerate(f.get("items") or [], start=1):
        number = item.get("decision_number") or ""
        zh.append(
            f"（{n}）处罚决定书{number}：公示至{zh_date(item.get('publication_end_date'))}，"
            f"自{zh_date(item.get('repair_available_from'))}起可申请信用修复"
        )
        en.append(
            f"({n}) decision {number}: published until "
            f"{en_date(item.get('publication_end_date'))}, repair may be applied for from "
            f"{en_date(item.get('repair_available_from'))}"
        )
    return "；".join(zh), "; ".join(en)


def _disclosure(f: Mapping[str, Any], changed: bool) -> Rendered:
    cycle, disclosure_id = f.get("cycle"), f.get("disclosure_id")
    listed_zh, listed_en = _pair(LIST_STATUS, f.get("list_status"))
    items_zh, items_en = _items(f)
    url = f"POST /api/v1/disclosures/{disclosure_id}/repairs"
    opening_zh = "你单位的失信信息公示内容已变更" if changed else "你单位的失信信息依法向社会公示"
    opening_en = (
        "The disclosure of your unit's dishonesty information changed"
        if changed
        else "Your unit's dishonesty information is published"
    )
    repairs = [_day(i.get("repair_available_from")) for i in f.get("items") or []]
    earliest = min((d for d in repairs if d), default=None)
    return Rendered(
        title=f"{'公示内容变更' if changed else '失信信息公示'}（{cycle}年度，{listed_zh}）",
        body=(
            f"{opening_zh}（{cycle}年度C级，列入{listed_zh}）：{items_zh}。"
            "信用修复告知（两书同达）：公示满最短公示期后（见各项可申请日期），已纠正失信行为、"
            "履行行政处罚并作出书面信用承诺的，可通过本系统申请信用修复"
            f"（{url}），或到{BUREAU}申请。信用修复不收取任何费用，"
            "任何中介机构代办“删除”失信信息均不合法。"
        ),
        title_en=f"{'Disclosure changed' if changed else 'Disclosure published'} (cycle {cycle}, "
        f"{listed_en})",
        body_en=(
            f"{opening_en} (grade C for cycle {cycle}, on {listed_en}): {items_en}. Credit "
            "repair (told with the publication, 两书同达): once an item's minimum publication "
            "period has passed (each item's date above), a unit that has corrected the "
            "violation, performed the penalty and made a written credit commitment may apply "
            f"for repair online through {url} or at {BUREAU_EN}. Repair is free of charge; no "
            "agency may sell the 'deletion' of the information."
        ),
        deadline=earliest,
    )


def disclosure_published(f: Mapping[str, Any], subject_id: str) -> Rendered:
    return _disclosure(f, changed=False)


def disclosure_updated(f: Mapping[str, Any], subject_id: str) -> Rendered:
    return _disclosure(f, changed=True)


WITHDRAWN = {
    "grade_changed": ("你单位已不再是C级", "your unit is no longer graded C"),
    "items_ended": ("公示的失信信息均已期满、更正、撤销或修复", "every published item has ended"),
}


def disclosure_withdrawn(f: Mapping[str, Any], subject_id: str) -> Rendered:
    cycle = f.get("cycle")
    why_zh, why_en = _pair(WITHDRAWN, f.get("reason"))
    # the local day (Asia/Shanghai); events before it carried only the UTC instant
    at = str(f.get("withdrawn_on") or f.get("withdrawn_at") or "")
    return Rendered(
        title=f"撤销失信信息公示（{cycle}年度）",
        body=f"你单位{cycle}年度的失信信息公示已于{zh_date(at)}撤销：{why_zh}。",
        title_en=f"Disclosure withdrawn (cycle {cycle})",
        body_en=f"The disclosure of your unit for cycle {cycle} was withdrawn on {en_date(at)}: "
        f"{why_en}.",
    )


def objection_filed(f: Mapping[str, Any], subject_id: str) -> Rendered:
    target_zh, target_en = _pair(OBJECTION_TARGET, f.get("target_type"))
    received = f.get("receipt_date")
    return Rendered(
        title="异议申请已收到",
        body=f"{BUREAU}已于{zh_date(received)}收到你单位对{target_zh}（{f.get('target_id')}）"
        "提出的异议申请，将依规决定是否受理并告知受理结果；异议期间相关公示信息标注为“异议中”。",
        title_en="Objection received",
        body_en=f"{BUREAU_EN[0].upper()}{BUREAU_EN[1:]} received your unit's objection to the "
        f"{target_en} {f.get('target_id')} on {en_date(received)}; you will be told whether it "
        "is accepted. Published information it concerns is shown as disputed meanwhile.",
    )


def objection_accepted(f: Mapping[str, Any], subject_id: str) -> Rendered:
    handling_zh, handling_en = _pair(HANDLING, f.get("handling"))
    due = f.get("due_date")
    if due and f.get("dated_later"):  # accepted earlier; the calendar now covers its due date
        return _objection_dated(f, handling_zh, handling_en, due)
    departments = "、".join(f.get("departments") or [])
    due_zh = (
        f"处理期限：{zh_date(due)}前作出处理决定。"
        if due
        else "处理期限待本年度工作日历载入后确定并另行告知。"
    )
    due_en = (
        f"It will be decided by {en_date(due)}."
        if due
        else "The due date is set once the working-day calendar for the year is loaded."
    )
    return Rendered(
        title="异议受理通知",
        body=f"你单位于{zh_date(f.get('receipt_date'))}提出的异议已受理，{handling_zh}"
        + (f"（核实部门：{departments}）" if departments else "")
        + f"。{due_zh}",
        title_en="Objection accepted",
        body_en=f"The objection your unit filed on {en_date(f.get('receipt_date'))} was "
        f"accepted and is {handling_en}"
        + (f" (departments: {', '.join(f.get('departments') or [])})" if departments else "")
        + f". {due_en}",
        deadline=_day(due),
    )


def _objection_dated(
    f: Mapping[str, Any], handling_zh: str, handling_en: str, due: str
) -> Rendered:
    """The due date of an accepted objection, set once the calendar covered it."""
    received = f.get("receipt_date")
    return Rendered(
        title="异议处理期限已确定",
        body=f"你单位于{zh_date(received)}提出的异议已受理（{handling_zh}）；工作日历已载入，"
        f"处理期限现已确定：{zh_date(due)}前作出处理决定。",
        title_en="Objection due date set",
        body_en=f"The objection your unit filed on {en_date(received)} was accepted "
        f"({handling_en}); now that the working-day calendar is loaded its due date is set: it "
        f"will be decided by {en_date(due)}.",
        deadline=_day(due),
    )


def objection_decided(f: Mapping[str, Any], subject_id: str) -> Rendered:
    outcome_zh, outcome_en = _pair(OBJECTION_OUTCOME, f.get("outcome"))
    push = f.get("push_due_date")
    return Rendered(
        title=f"异议处理决定：{outcome_zh}",
        body=f"你单位的异议已于{zh_date(f.get('decided_on'))}作出处理决定：{outcome_zh}。"
        f"理由：{f.get('reasons') or ''}"
        + (f"。处理结果将于{zh_date(push)}前报送市信用信息共享平台。" if push else "。"),
        title_en=f"Objection decided: {outcome_en}",
        body_en=f"Your unit's objection was decided on {en_date(f.get('decided_on'))}: "
        f"{outcome_en}. Reasons: {f.get('reasons') or ''}"
        + (f". The result reaches the city credit platform by {en_date(push)}." if push else "."),
        deadline=_day(push),
    )


def objection_withdrawn(f: Mapping[str, Any], subject_id: str) -> Rendered:
    target_zh, target_en = _pair(OBJECTION_TARGET, f.get("target_type"))
    on = f.get("withdrawn_on")
    by_staff = f.get("by") == "bureau"
    return Rendered(
        title="异议已撤回",
        body=f"你单位对{target_zh}（{f.get('target_id')}）提出的异议已于{zh_date(on)}撤回"
        + ("（由工作人员依你单位申请办理）" if by_staff else "")
        + f"。撤回理由：{f.get('reason') or ''}。异议办结，相关公示信息不再标注为“异议中”；"
        "如仍有异议，可对现行信息另行提出。",
        title_en="Objection withdrawn",
        body_en=f"Your unit's objection to the {target_en} {f.get('target_id')} was withdrawn on "
        f"{en_date(on)}" + (" (by bureau staff, at your unit's request)" if by_staff else "")
        + f". Reason: {f.get('reason') or ''}. It is closed and published information is no "
        "longer shown as disputed; a remaining objection may be filed against what is in force.",
    )  # fmt: skip


def objection_lapsed(f: Mapping[str, Any], subject_id: str) -> Rendered:
    target_zh, target_en = _pair(OBJECTION_TARGET, f.get("target_type"))
    on, current = f.get("lapsed_on"), f.get("current_id")
    return Rendered(
        title="异议已终止（对象已变更）",
        body=f"你单位对{target_zh}（{f.get('target_id')}）提出的异议，因该{target_zh}在异议"
        f"提出后已经变更，已于{zh_date(on)}终止，不再作出处理决定。理由：{f.get('reason') or ''}。"
        + (f"现行版本为{current}；" if current else "")
        + "如对现行信息仍有异议，可另行提出。",
        title_en="Objection lapsed (the target changed)",
        body_en=f"Your unit's objection to the {target_en} {f.get('target_id')} lapsed on "
        f"{en_date(on)}: the {target_en} changed since the objection was filed, so no decision "
        f"on it will be made. Reason: {f.get('reason') or ''}."
        + (f" The version in force is {current}." if current else "")
        + " A remaining objection may be filed against what is in force.",
    )


def repair_applied(f: Mapping[str, Any], subject_id: str) -> Rendered:
    due = f.get("acceptance_due_date")
    return Rendered(
        title="信用修复申请已收到",
        body=f"{BUREAU}已于{zh_date(f.get('applied_on'))}收到你单位的信用修复申请"
        + (f"，将于{zh_date(due)}前决定是否受理。" if due else "，受理期限待工作日历载入后确定。"),
        title_en="Repair application received",
        body_en=f"Your unit's repair application of {en_date(f.get('applied_on'))} was "
        "received; "
        + (
            f"whether it is accepted is decided by {en_date(due)}."
            if due
            else "the due date is set once the working-day calendar is loaded."
        ),
        deadline=_day(due),
    )


def repair_accepted(f: Mapping[str, Any], subject_id: str) -> Rendered:
    due = f.get("decision_due_date")
    return Rendered(
        title="信用修复申请受理通知",
        body=f"你单位的信用修复申请已于{zh_date(f.get('accepted_on'))}受理"
        + (f"，将于{zh_date(due)}前作出决定。" if due else "，决定期限待工作日历载入后确定。"),
        title_en="Repair application accepted",
        body_en=f"Your unit's repair application was accepted on "
        f"{en_date(f.get('accepted_on'))}; "
        + (
            f"it will be decided by {en_date(due)}."
            if due
            else "the due date is set once the working-day calendar is loaded."
        ),
        deadline=_day(due),
    )


def repair_decided(f: Mapping[str, Any], subject_id: str) -> Rendered:
    outcome_zh, outcome_en = _pair(REPAIR_OUTCOME, f.get("outcome"))
    reasons = [str(r) for r in f.get("reasons") or []]
    approved = f.get("outcome") == "approved"
    return Rendered(
        title=f"信用修复决定：{outcome_zh}",
        body=f"{BUREAU}于{zh_date(f.get('decided_on'))}对你单位的信用修复申请作出决定："
        f"{outcome_zh}。"
        + (f"理由：{'；'.join(reasons)}。" if reasons else "")
        + ("相关失信信息停止公示。" if approved else ""),
        title_en=f"Repair decided: {outcome_en}",
        body_en=f"Your unit's repair application was decided on "
        f"{en_date(f.get('decided_on'))}: {outcome_en}."
        + (f" Reasons (in Chinese): {'; '.join(reasons)}." if reasons else "")
        + (" The item is no longer published." if approved else ""),
    )


Renderer = Callable[[Mapping[str, Any], str], Rendered]

# event type -> (kind, how it is told)
BY_EVENT: dict[str, tuple[NotificationKind, Renderer]] = {
    "evaluation.noticed": (NotificationKind.grade_notice, grade_notice),
    "evaluation.finalized": (NotificationKind.grade_final, grade_final),
    "disclosure.published": (NotificationKind.disclosure_published, disclosure_published),
    "disclosure.updated": (NotificationKind.disclosure_updated, disclosure_updated),
    "disclosure.withdrawn": (NotificationKind.disclosure_withdrawn, disclosure_withdrawn),
    "objection.filed": (NotificationKind.objection_filed, objection_filed),
    "objection.accepted": (NotificationKind.objection_accepted, objection_accepted),
    "objection.decided": (NotificationKind.objection_decided, objection_decided),
    "objection.withdrawn": (NotificationKind.objection_withdrawn, objection_withdrawn),
    "objection.lapsed": (NotificationKind.objection_lapsed, objection_lapsed),
    "repair.applied": (NotificationKind.repair_applied, repair_applied),
    "repair.accepted": (NotificationKind.repair_accepted, repair_accepted),
    "repair.decided": (NotificationKind.repair_decided, repair_decided),
}

# The markers of a run's grade in `sql_template` (never in an event's facts).
GRADE, ZH_DAY, EN_DAY = "\x01grade\x01", "\x01zh_day\x01", "\x01en_day\x01"


def sql_template(cycle: int) -> Rendered:
    """`grade_final` of a grading run's A or B (it replaced no C), with markers for the grade
    and the effective date, which the run's statement replaces row by row."""
    return _grade_final(cycle, GRADE, None, ZH_DAY, EN_DAY)
