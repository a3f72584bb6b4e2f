"""Evaluations: the notice step before a C (陈述申辩), the reviewer's decision, and notice
windows closing. Reads and the public shape are in `reads`; the representation's statements and
files in `representations`; the refusals in `problems`.

A proposed C is a notice with a representation window in working days; the employer (or staff
for it) states its case before the deadline and before a decision; a reviewer who collected none
of the triggering records decides after the first statement, which closes the window; without a
representation the C takes effect when the window closes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.calendar import service as working_days
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.i18n import Text
from app.evaluations import events, reads
from app.evaluations.problems import (
    DeciderCollectedEvidence,
    DecisionGradeRequired,
    DecisionReasonRequired,
    EvaluationNotANotice,
    NoticeAwaitingCalendar,
    NoticeWindowClosed,
    RepresentationNotFiled,
)
from app.grading import rule_sets
from app.models.credit_record import CreditRecord
from app.models.evaluation import (
    DecisionCreate,
    DecisionOutcome,
    Evaluation,
    EvaluationOrigin,
    EvaluationStatus,
)
from app.models.rule_set import Grade

REVIEW_CITATION = "国办发〔2020〕49号（陈述申辩）; 文水县办法 第九条"


async def _lock(session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor) -> Evaluation:
    """The evaluation (if the actor sees it), locked and read afresh for this transaction."""
    await reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    evaluation = await session.get(
        Evaluation, evaluation_id, with_for_update=True, populate_existing=True
    )
    assert evaluation is not None
    return evaluation


def _not_a_notice(evaluation: Evaluation) -> EvaluationNotANotice:
    status, grade = evaluation.status, evaluation.grade
    return EvaluationNotANotice(
        Text(
            zh=f"评价{evaluation.id}的状态为{status}（{grade}级），不是拟评C级告知：只有告知接受"
            "陈述申辩和审核决定",
            en=f"evaluation {evaluation.id} is {status} (grade {grade}), not a notice: only a "
            "proposed C takes a representation or a decision",
        ),
        evaluation_status=str(status),
    )


def _closed(evaluation: Evaluation, deadline: date, today: date) -> NoticeWindowClosed:
    if evaluation.decided_at is not None:
        detail = Text(
            zh=f"评价{evaluation.id}已作出审核决定，陈述申辩随之结束（期限原至{deadline}）",
            en=f"evaluation {evaluation.id} was decided, which closed its representation "
            f"window (open until {deadline})",
        )
    elif evaluation.status == EvaluationStatus.superseded:
        detail = Text(
            zh=f"拟评C级告知{evaluation.id}已被重新评价取代，陈述申辩随之结束（期限原至{deadline}）",
            en=f"notice {evaluation.id} was superseded by a re-grade, which closed its "
            f"representation window (open until {deadline})",
        )
    else:
        detail = Text(
            zh=f"陈述申辩期限已于{deadline}届满（今天是{today}），拟评C级按告知生效",
            en=f"the representation window closed on {deadline} (today is {today}); the "
            "proposed C takes effect as notified",
        )
    return NoticeWindowClosed(detail, representation_deadline=deadline.isoformat())


async def open_notice(
    *, session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor, today: date
) -> Evaluation:
    """A notice whose representation window is open today (on or before its deadline, not
    decided), locked for this transaction: what filing a statement or a file needs."""
    evaluation = await _lock(session, evaluation_id, actor)
    deadline = evaluation.representation_deadline
    if deadline is None and evaluation.status == EvaluationStatus.notice:
        raise NoticeAwaitingCalendar(
            Text(
                zh=f"评价{evaluation_id}为拟评C级但尚未送达：其陈述申辩期限所在年份的工作日历"
                "尚未载入；管理员载入该年后即送达并得到期限",
                en=f"evaluation {evaluation_id} is a proposed C not yet served: its "
                "representation window reaches into a year the working-day calendar does not "
                "cover yet; it is served, with its deadline, once an admin loads that year",
            )
        )
    if deadline is None:
        raise _not_a_notice(evaluation)
    if evaluation.status != EvaluationStatus.notice or today > deadline:
        raise _closed(evaluation, deadline, today)
    return evaluation


async def _triggers_collected_by(
    session: AsyncSession, evaluation: Evaluation, actor: Actor
) -> bool:
    ids = set(evaluation.evidence_ids or [])
    ids |= {uuid.UUID(rid) for item in evaluation.evidence or [] for rid in item["record_ids"]}
    if not ids or actor.id is None:
        return False
    found = await session.scalar(
        select(func.count())
        .select_from(CreditRecord)
        .where(col(CreditRecord.id).in_(ids))
        .where(CreditRecord.collected_by == actor.id)
    )
    return bool(found)


async def decide_notice(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    data: DecisionCreate,
    actor: Actor,
    clock: Clock,
) -> Evaluation:
    """Confirm the C (final), or change the grade with a reason (a new final evaluation)."""
    evaluation = await _lock(session, evaluation_id, actor)
    if evaluation.status != EvaluationStatus.notice:
        raise _not_a_notice(evaluation)
    if evaluation.represented_at is None:
        raise _not_represented(evaluation)
    if await _triggers_collected_by(session, evaluation, actor):
        raise DeciderCollectedEvidence(
            Text(
                zh=f"拟评C级告知{evaluation_id}所依据的信用记录中有你采集的：须由另一名审核人员决定",
                en=f"you collected a record the proposed C {evaluation_id} rests on: another "
                "reviewer must decide",
            ),
            reason="collector",
        )
    if data.outcome == DecisionOutcome.change:
        _check_change(data)
    now = clock.now()
    today = clock.local(now).date()
    evaluation.decision, evaluation.decision_reason = data.outcome, data.reason
    evaluation.decided_by, evaluation.decided_at, evaluation.updated_at = actor.id, now, now
    if data.outcome == DecisionOutcome.confirm:
        evaluation.status, evaluation.effective_from = EvaluationStatus.final, today
        await session.flush()
        await events.finalized(session=session, evaluation_ids=[evaluation.id])
        await _audit(session, actor, "evaluation.confirm", evaluation.id, {"grade": "C"})
        return evaluation
    return await _change(session, evaluation, data, actor, now, today)


def _not_represented(evaluation: Evaluation) -> RepresentationNotFiled:
    deadline = evaluation.representation_deadline
    if deadline is None:
        zh, en = "告知尚未送达", "the notice is not served yet"
    else:
        zh = f"期限{deadline}届满后拟评C级自动生效"
        en = f"without one the notice becomes final when the window closes ({deadline})"
    return RepresentationNotFiled(
        Text(
            zh=f"评价{evaluation.id}尚无陈述申辩，审核人员在提出陈述申辩后决定；{zh}",
            en=f"no representation was filed on evaluation {evaluation.id}: a reviewer decides "
            f"after one; {en}",
        )
    )


def _check_change(data: DecisionCreate) -> None:
    if data.grade is None or data.grade == Grade.C:
        raise DecisionGradeRequired(
            ["body", "grade"],
            Text(
                zh="改定须给出改定后的等级（A或B）；维持C级请用 confirm",
                en="to change, give the grade decided (A or B); to keep the C, confirm",
            ),
        )
    if not data.reason:
        raise DecisionReasonRequired(
            ["body", "reason"],
            Text(zh="改定等级须写明理由（reason）", en="a change of grade needs its reason"),
        )


async def _change(
    session: AsyncSession,
    notice: Evaluation,
    data: DecisionCreate,
    actor: Actor,
    now: datetime,
    today: date,
) -> Evaluation:
    assert data.grade is not None and data.reason is not None
    changed = Evaluation(
        employer_id=notice.employer_id,
        cycle=notice.cycle,
        grade=data.grade,
        computed_grade=notice.computed_grade,  # a re-run with the same outcome keeps this
        status=EvaluationStatus.final,
        origin=EvaluationOrigin.decision,
        rule_set_version=notice.rule_set_version,
        fired_rules=notice.fired_rules,
        evidence_counts=notice.evidence_counts,
        evidence_ids=notice.evidence_ids,
        evidence=[
            *(notice.evidence or []),
            {
                "rule_id": "review.change",
                "grade": data.grade.value,
                "citation": REVIEW_CITATION,
                "record_ids": [],
                "detail": f"审核人员根据陈述申辩改定为{data.grade.value}级：{data.reason}",
            },
        ],
        decision=DecisionOutcome.change,
        decision_reason=data.reason,
        decided_by=actor.id,
        decided_at=notice.decided_at,
        effective_from=today,
        supersedes_id=notice.id,
    )
    notice.status, notice.superseded_by = EvaluationStatus.superseded, changed.id
    notice.superseded_at = now
    await session.flush()  # the notice steps aside before the new evaluation becomes current
    session.add(changed)
    await session.flush()
    await events.finalized(session=session, evaluation_ids=[changed.id])
    await _audit(
        session, actor, "evaluation.change", notice.id,
        {"grade": data.grade.value, "reason": data.reason, "superseded_by": str(changed.id)},
    )  # fmt: skip
    return changed


async def serve_awaiting_notices(*, session: AsyncSession, today: date) -> int:
    """Serve the notices that awaited the calendar: each gets its deadline counted from `today`,
    the day it is served, once the calendar covers its window (those it still cannot wait on).
    Idempotent: a served notice has its deadline."""
    waiting = list(
        (
            await session.scalars(
                select(Evaluation)
                .where(
                    col(Evaluation.status) == EvaluationStatus.notice,
                    col(Evaluation.representation_deadline).is_(None),
                )
                .order_by(col(Evaluation.id))
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    windows: dict[int, int] = {}
    served = []
    for notice in waiting:
        version = notice.rule_set_version
        if version not in windows:
            rule_set = await rule_sets.get(session=session, version=version)
            windows[version] = int(rule_set.parameters["notice_window_working_days"])
        deadline = await working_days.due_date(session=session, start=today, days=windows[version])
        if deadline is None:
            continue
        notice.representation_deadline = deadline
        served.append(
            (notice.id, {"served_on": today.isoformat(), "deadline": deadline.isoformat()})
        )
    await session.flush()
    await events.noticed(session=session, evaluation_ids=[i for i, _ in served], served_on=today)
    await audit.record_many(
        session=session,
        actor=Actor(kind="system", name="notice_windows"),
        action="evaluation.notice_served",
        resource_type="evaluation",
        entries=[(i, audit.created(values)) for i, values in served],
    )
    return len(served)


async def close_notices(*, session: AsyncSession, today: date) -> int:
    """Notices whose window closed without a representation become final C (effective the day
    after the deadline). Set-based and idempotent."""
    rows = await session.execute(
        update(Evaluation)
        .where(
            col(Evaluation.status) == EvaluationStatus.notice,
            col(Evaluation.represented_at).is_(None),
            col(Evaluation.representation_deadline) < today,
        )
        .values(
            status=EvaluationStatus.final,
            effective_from=col(Evaluation.representation_deadline) + timedelta(days=1),
            updated_at=func.now(),
        )
        .returning(col(Evaluation.id))
    )
    ids = list(rows.scalars())
    await events.finalized(session=session, evaluation_ids=ids)
    await audit.record_many(
        session=session,
        actor=Actor(kind="system", name="notice_windows"),
        action="evaluation.notice_expired",
        resource_type="evaluation",
        entries=[(i, {"status": {"old": "notice", "new": "final"}}) for i in ids],
    )
    return len(ids)


async def _audit(
    session: AsyncSession, actor: Actor, action: str, evaluation_id: uuid.UUID, values: dict
) -> None:
    await audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="evaluation",
        resource_id=evaluation_id,
        changes=audit.created(values),
    )
