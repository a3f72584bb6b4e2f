"""The documents' consumer of the event log (`core.events`): each event the bureau sends a letter
for becomes that letter (`documents.issue`), numbered, stored and linked to the event.

evaluation.noticed -> 拟评C级告知书; evaluation.finalized -> 信用等级评价决定书 (a grading run's
own A and B grades, told by its `grading_run.completed`, get no letter each);
objection.accepted -> 异议受理通知书 (not its later `dated_later` event: the due date set once
the calendar covered it); objection.decided -> 异议处理决定书; repair.decided -> 信用修复决定书.
Interviews have no event: their record is issued on demand (`interview_record`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.actors import Actor, system
from app.core.clock import Clock
from app.core.errors import DoesNotExist
from app.core.events import Consumer, Event
from app.core.i18n import Text
from app.evaluations import reads as evaluation_reads
from app.models.blacklist import PartyRole
from app.models.credit_record import CreditRecord
from app.models.disclosure import DisclosureItem
from app.models.document import Document, DocumentKind
from app.models.evaluation import Evaluation
from app.models.interview import Interview
from app.models.objection import Objection, ObjectionHandling, ObjectionOutcome, ObjectionTarget
from app.models.repair import RepairApplication, RepairCondition, RepairOutcome
from app.reports import documents
from app.reports.documents import zh_date

ACTOR = system("documents")

KIND_OF = {
    "evaluation.noticed": DocumentKind.grade_notice,
    "evaluation.finalized": DocumentKind.grade_decision,
    "objection.accepted": DocumentKind.objection_acceptance,
    "objection.decided": DocumentKind.objection_decision,
    "repair.decided": DocumentKind.repair_decision,
}
C_CONSEQUENCES = (
    "依《文水县用人单位劳动保障信用分级分类监管办法》第十三条，C级单位列为重点监管对象，"
    "提高日常巡查频次；对主要负责人、直接责任人进行约谈；在评先评优中实行一票否决；"
    "不出具守法证明。失信信息依法公示，纠正失信行为、履行处罚后可依规申请信用修复。"
)


async def issue_letters(*, session: AsyncSession, events: Sequence[Event], clock: Clock) -> None:
    for event in events:
        if event.employer_id is None:
            continue
        fields = await _fields(session, event)
        if fields is None:
            continue
        await documents.issue(
            session=session, kind=KIND_OF[event.event_type], employer_id=event.employer_id,
            subject_type=event.subject_type, subject_id=event.subject_id, fields=fields,
            clock=clock, actor=ACTOR, event_id=event.id,
        )  # fmt: skip


CONSUMER = Consumer(name="documents", types=frozenset(KIND_OF), handle=issue_letters)


async def _fields(session: AsyncSession, event: Event) -> dict[str, Any] | None:
    f = event.payload
    match event.event_type:
        case "evaluation.noticed":
            return await _notice(session, event.subject_id, f)
        case "evaluation.finalized":
            return await _decision(session, event.subject_id, f)
        case "objection.accepted":
            if f.get("dated_later"):
                return None
            return await _objection(session, event.subject_id, f)
        case "objection.decided":
            return await _objection(session, event.subject_id, f)
        case "repair.decided":
            return await _repair(session, event.subject_id, f)
    return None


async def _explanation(session: AsyncSession, evaluation_id: uuid.UUID) -> tuple[str, list[Any]]:
    evaluation = await session.get_one(Evaluation, evaluation_id)
    shown = await evaluation_reads.to_public_one(session=session, evaluation=evaluation)
    reasons = "；".join(f"{i.detail}（{i.citation}）" for i in shown.explanation)
    if shown.decision_reason:
        reasons += f"；复核意见：{shown.decision_reason}"
    ids = [record_id for item in shown.explanation for record_id in item.record_ids]
    return reasons or "—", ids


async def _notice(
    session: AsyncSession, evaluation_id: uuid.UUID, f: dict[str, Any]
) -> dict[str, Any]:
    grounds, ids = await _explanation(session, evaluation_id)
    records = (
        await session.scalars(
            select(CreditRecord)
            .where(col(CreditRecord.id).in_(ids))
            .order_by(col(CreditRecord.occurred_date))
        )
    ).all()
    evidence = "；".join(
        f"（{n}）{r.title}" + (f"，{r.decision_number}" if r.decision_number else "")
        + f"（{zh_date(r.decision_date or r.occurred_date)}）"
        for n, r in enumerate(records, start=1)
    )  # fmt: skip
    return {
        "cycle": f.get("cycle"),
        "grounds": grounds,
        "evidence": evidence or "见评价说明所列信用记录",
        "served_on": zh_date(f.get("served_on")),
        "representation_deadline": zh_date(f.get("representation_deadline")),
    }


async def _decision(
    session: AsyncSession, evaluation_id: uuid.UUID, f: dict[str, Any]
) -> dict[str, Any]:
    reasons, _ = await _explanation(session, evaluation_id)
    return {
        "cycle": f.get("cycle"),
        "grade": f.get("grade"),
        "previous_grade": f"{f['previous_grade']}级" if f.get("previous_grade") else "无",
        "effective_from": zh_date(f.get("effective_from")),
        "reasons": reasons,
        "consequences": C_CONSEQUENCES if f.get("grade") == "C" else "",
    }


def _label(enum: Any, value: Any) -> str | None:
    try:
        return str(enum(value).zh)
    except ValueError:
        return None if value is None else str(value)


async def _objection(
    session: AsyncSession, objection_id: uuid.UUID, f: dict[str, Any]
) -> dict[str, Any]:
    objection = await session.get_one(Objection, objection_id)
    target = f"{_label(ObjectionTarget, objection.target_type)}（{objection.target_id}）"
    return {
        "receipt_date": zh_date(objection.receipt_date),
        "target": target,
        "handling": _label(ObjectionHandling, f.get("handling") or objection.handling),
        "departments": "、".join(f.get("departments") or objection.departments or []) or "无",
        "due_date": zh_date(f.get("due_date")) or "工作日历载入后确定并另行告知的日期",
        "outcome": _label(ObjectionOutcome, f.get("outcome")),
        "reasons": f.get("reasons"),
        "decided_on": zh_date(f.get("decided_on")),
    }


async def _repair(session: AsyncSession, repair_id: uuid.UUID, f: dict[str, Any]) -> dict[str, Any]:
    repair = await session.get_one(RepairApplication, repair_id)
    item = await session.get(DisclosureItem, repair.item_id)
    shown = None
    if item is not None:
        shown = item.violation + (f"，{item.decision_number}" if item.decision_number else "")
    reasons = [str(_label(RepairCondition, r)) for r in repair.refusal_reasons]
    if repair.decision_note:
        reasons.append(repair.decision_note)
    approved = f.get("outcome") == RepairOutcome.approved.value
    return {
        "applied_on": zh_date(repair.applied_on),
        "outcome": f"{_label(RepairOutcome, f.get('outcome'))}"
        + ("，相关失信信息停止公示" if approved else ""),
        "reasons": "；".join(reasons) or ("符合信用修复条件" if approved else None),
        "decided_on": zh_date(f.get("decided_on") or repair.decided_on),
        "item": shown,
    }


# --- on demand -----------------------------------------------------------------------------------


async def interview_record(
    *, session: AsyncSession, interview_id: uuid.UUID, actor: Actor, clock: Clock
) -> tuple[Document, bool]:
    """The interview's record (约谈记录, Art 13(2)) and whether it was issued now: issued once,
    the same document after (the interview's row locked meanwhile)."""
    interview = await session.get(Interview, interview_id, with_for_update=True)
    if interview is None:
        raise DoesNotExist(
            Text(f"约谈 {interview_id} 不存在", f"interview {interview_id} does not exist")
        )
    existing = await session.scalar(
        select(Document).where(
            Document.subject_type == "interview",
            Document.subject_id == interview_id,
            Document.kind == DocumentKind.interview_record,
        )
    )
    if existing is not None:
        return existing, False
    persons = "；".join(
        f"{p.get('name')}（{_label(PartyRole, p.get('role'))}"
        + (f"，{p['position']}" if p.get("position") else "") + "）"
        for p in interview.persons
    )  # fmt: skip
    fields = {
        "interviewed_on": zh_date(interview.interviewed_on),
        "location": interview.location,
        "subject": interview.subject,
        "persons": persons,
        "officers": "、".join(interview.officers),
        "summary": interview.summary,
        "commitments": interview.commitments,
    }
    document = await documents.issue(
        session=session, kind=DocumentKind.interview_record, employer_id=interview.employer_id,
        subject_type="interview", subject_id=interview.id, fields=fields, clock=clock,
        actor=actor,
    )  # fmt: skip
    return document, True
