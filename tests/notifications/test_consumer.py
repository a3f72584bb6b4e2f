"""Each event an employer must be told of becomes one notification, in Chinese with the facts
and the deadline, its English rendering kept; re-consuming an event adds nothing; a grading
run's grades are told in one statement."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.event import EventSubject
from app.models.notification import DeliveryStatus, NotificationDelivery, NotificationKind
from app.notifications import texts
from tests.notifications.support import consume, count, emit, only

S = EventSubject


async def test_a_proposed_c_tells_the_deadline_and_how_to_state_ones_case(
    session, clock, make_employer
):
    employer = await make_employer()
    payload = {
        "cycle": 2025,
        "grade": "C",
        "representation_deadline": "2026-12-10",
        "served_on": "2026-11-26",
    }
    evaluation_id = await emit(
        session,
        "evaluation.noticed",
        subject=S.evaluation,
        employer_id=employer.id,
        payload=payload,
    )
    assert await consume(session, clock) == 1

    notice = await only(session, employer_id=employer.id)
    assert notice.kind == NotificationKind.grade_notice
    assert notice.subject_id == evaluation_id
    assert notice.deadline == date(2026, 12, 10)
    assert notice.title == "拟评C级告知（2025年度）"
    for fact in (
        "2025年度",
        "C级",
        "2026年12月10日",
        "2026年11月26日",
        "陈述申辩",
        f"POST /api/v1/evaluations/{evaluation_id}/representations",
        "书面材料",
    ):
        assert fact in notice.body, fact
    for fact in ("cycle 2025", "until 2026-12-10 inclusive", "in writing"):
        assert fact in notice.body_en, fact
    assert notice.facts == payload
    [inbox] = (await session.scalars(select(NotificationDelivery))).all()
    assert (inbox.channel, inbox.status, inbox.sent_at) == (
        "api",
        DeliveryStatus.sent,
        notice.created_at,
    )


async def test_a_notice_awaiting_the_calendar_says_its_deadline_comes_later(
    session, clock, make_employer
):
    employer = await make_employer()
    payload = {"cycle": 2025, "grade": "C", "representation_deadline": None, "served_on": None}
    await emit(
        session,
        "evaluation.noticed",
        subject=S.evaluation,
        employer_id=employer.id,
        payload=payload,
    )
    await consume(session, clock)
    notice = await only(session, employer_id=employer.id)
    assert notice.deadline is None
    assert "工作日历载入后确定" in notice.body


async def test_a_final_grade_tells_the_grade_its_date_and_the_grade_it_replaces(
    session, clock, make_employer
):
    employer = await make_employer()
    payload = {
        "cycle": 2025,
        "grade": "B",
        "effective_from": "2026-12-11",
        "previous_grade": "C",
        "origin": "decision",
    }
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        employer_id=employer.id,
        payload=payload,
    )
    await consume(session, clock)
    final = await only(session, employer_id=employer.id)
    assert final.kind == NotificationKind.grade_final
    assert final.title == "信用等级生效（2025年度：B级）"
    assert "2025年度劳动保障信用评价等级为B级，自2026年12月11日起生效" in final.body
    assert "原等级为C级" in final.body
    assert "in force from 2026-12-11" in final.body_en and "replaces grade C" in final.body_en


DISCLOSURE = {
    "disclosure_id": "0196b2a4-3c1d-7e8f-9a0b-000000000001",
    "cycle": 2025,
    "list_status": "black",
    "items": [
        {
            "item_id": str(uuid.uuid4()),
            "record_id": str(uuid.uuid4()),
            "decision_number": "文人社监罚字〔2025〕3号",
            "severity": "serious",
            "publication_end_date": "2028-06-01",
            "repair_available_from": "2026-06-01",
        },
        {
            "item_id": str(uuid.uuid4()),
            "record_id": str(uuid.uuid4()),
            "decision_number": "文人社监罚字〔2025〕9号",
            "severity": "general",
            "publication_end_date": "2026-09-01",
            "repair_available_from": "2025-12-01",
        },
    ],
}


@pytest.mark.parametrize("event_type", ["disclosure.published", "disclosure.updated"])
async def test_a_disclosure_tells_each_items_end_and_the_repair_conditions(
    session, clock, make_employer, event_type
):
    employer = await make_employer()
    await emit(
        session, event_type, subject=S.disclosure, employer_id=employer.id, payload=DISCLOSURE
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    for fact in (
        "文人社监罚字〔2025〕3号",
        "公示至2028年6月1日",
        "自2026年6月1日起可申请信用修复",
        "文人社监罚字〔2025〕9号",
        "公示至2026年9月1日",
        "自2025年12月1日起",
        "黑名单",
        "两书同达",
        "纠正失信行为",
        "履行行政处罚",
        "书面信用承诺",
        "不收取任何费用",
        f"POST /api/v1/disclosures/{DISCLOSURE['disclosure_id']}/repairs",
    ):
        assert fact in told.body, fact
    assert told.deadline == date(2025, 12, 1)  # the first day a repair may be applied for
    assert "free of charge" in told.body_en
    changed = event_type == "disclosure.updated"
    assert told.kind == (
        NotificationKind.disclosure_updated if changed else NotificationKind.disclosure_published
    )
    assert ("变更" in told.title) is changed


async def test_a_withdrawal_says_why(session, clock, make_employer):
    employer = await make_employer()
    payload = {
        "disclosure_id": str(uuid.uuid4()),
        "cycle": 2025,
        "reason": "grade_changed",
        "withdrawn_at": "2026-11-26T02:00:00+00:00",
    }
    await emit(
        session,
        "disclosure.withdrawn",
        subject=S.disclosure,
        employer_id=employer.id,
        payload=payload,
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    assert told.kind == NotificationKind.disclosure_withdrawn
    assert "2026年11月26日撤销" in told.body and "不再是C级" in told.body


@pytest.mark.parametrize(
    ("due", "expected"),
    [("2026-12-01", "2026年12月1日前作出处理决定"), (None, "工作日历载入后确定")],
)
async def test_an_accepted_objection_tells_its_due_date_or_that_it_comes_later(
    session, clock, make_employer, due, expected
):
    employer = await make_employer()
    payload = {
        "objection_id": str(uuid.uuid4()),
        "handling": "departments",
        "departments": ["县市场监督管理局"],
        "receipt_date": "2026-11-24",
        "due_date": due,
    }
    await emit(
        session, "objection.accepted", subject=S.objection, employer_id=employer.id, payload=payload
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    assert told.kind == NotificationKind.objection_accepted
    assert expected in told.body and "县市场监督管理局" in told.body
    assert "10个工作日" in told.body
    assert told.deadline == (date.fromisoformat(due) if due else None)
    if due is None:
        assert "set once the working-day calendar for the year is loaded" in told.body_en


async def test_a_due_date_set_later_tells_that_it_is_now_set(session, clock, make_employer):
    employer = await make_employer()
    payload = {
        "objection_id": str(uuid.uuid4()),
        "handling": "departments",
        "departments": ["县公安局"],
        "receipt_date": "2026-12-28",
        "due_date": "2027-01-12",
        "dated_later": True,
    }
    await emit(
        session, "objection.accepted", subject=S.objection, employer_id=employer.id, payload=payload
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    assert told.kind == NotificationKind.objection_accepted
    assert told.title == "异议处理期限已确定" and told.title_en == "Objection due date set"
    assert "2026年12月28日提出的异议已受理" in told.body
    assert "处理期限现已确定：2027年1月12日前作出处理决定" in told.body
    assert told.deadline == date(2027, 1, 12)


@pytest.mark.parametrize(
    ("by", "staff_said"), [("employer", False), ("bureau", True)], ids=["own", "by-staff"]
)
async def test_a_withdrawn_objection_tells_the_reason(
    session, clock, make_employer, by, staff_said
):
    employer = await make_employer()
    target = str(uuid.uuid4())
    payload = {
        "objection_id": str(uuid.uuid4()), "target_type": "record", "target_id": target,
        "reason": "经沟通确认原记录无误", "withdrawn_on": "2026-11-26", "by": by,
    }  # fmt: skip
    await emit(
        session, "objection.withdrawn", subject=S.objection, employer_id=employer.id,
        payload=payload,
    )  # fmt: skip
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    assert told.kind == NotificationKind.objection_withdrawn
    assert told.title == "异议已撤回" and told.deadline is None
    for fact in ("信用记录", target, "2026年11月26日撤回", "撤回理由：经沟通确认原记录无误"):
        assert fact in told.body, fact
    assert ("由工作人员依你单位申请办理" in told.body) is staff_said
    assert told.title_en == "Objection withdrawn" and "withdrawn on 2026-11-26" in told.body_en


async def test_a_lapsed_objection_tells_that_its_target_changed(session, clock, make_employer):
    employer = await make_employer()
    current = str(uuid.uuid4())
    payload = {
        "objection_id": str(uuid.uuid4()), "target_type": "record", "target_id": str(uuid.uuid4()),
        "reason": "该记录已依法更正", "lapsed_on": "2026-11-26", "target_status": "superseded",
        "current_id": current,
    }  # fmt: skip
    await emit(
        session, "objection.lapsed", subject=S.objection, employer_id=employer.id, payload=payload
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    assert told.kind == NotificationKind.objection_lapsed
    assert told.title == "异议已终止（对象已变更）"
    for fact in ("已经变更", "2026年11月26日终止", "理由：该记录已依法更正", current, "另行提出"):
        assert fact in told.body, fact
    assert told.title_en == "Objection lapsed (the target changed)"
    assert f"The version in force is {current}." in told.body_en


async def test_a_decided_objection_tells_the_outcome_and_reasons(session, clock, make_employer):
    employer = await make_employer()
    payload = {
        "objection_id": str(uuid.uuid4()),
        "outcome": "partly_upheld",
        "reasons": "处罚决定书编号录入错误，已更正",
        "decided_on": "2026-11-25",
        "push_due_date": "2026-11-27",
        "record_id": str(uuid.uuid4()),
    }
    await emit(
        session, "objection.decided", subject=S.objection, employer_id=employer.id, payload=payload
    )
    await consume(session, clock)
    told = await only(session, employer_id=employer.id)
    for fact in (
        "异议部分成立",
        "处罚决定书编号录入错误，已更正",
        "2026年11月25日",
        "2026年11月27日",
    ):
        assert fact in told.body, fact
    assert told.deadline == date(2026, 11, 27)


async def test_repairs_and_objections_are_acknowledged_accepted_and_decided(
    session, clock, make_employer
):
    employer = await make_employer()
    repair = str(uuid.uuid4())
    cases = [
        (
            "objection.filed",
            S.objection,
            {
                "objection_id": str(uuid.uuid4()),
                "target_type": "record",
                "target_id": str(uuid.uuid4()),
                "receipt_date": "2026-11-24",
                "reason_category": "error",
            },
            "2026年11月24日收到",
            None,
        ),
        (
            "repair.applied",
            S.repair,
            {
                "repair_id": repair,
                "disclosure_id": str(uuid.uuid4()),
                "item_id": str(uuid.uuid4()),
                "applied_on": "2026-11-20",
                "acceptance_due_date": "2026-11-24",
            },
            "2026年11月24日前决定是否受理",
            date(2026, 11, 24),
        ),
        (
            "repair.accepted",
            S.repair,
            {
                "repair_id": repair,
                "item_id": str(uuid.uuid4()),
                "accepted_on": "2026-11-24",
                "decision_due_date": "2026-12-01",
            },
            "2026年12月1日前作出决定",
            date(2026, 12, 1),
        ),
        (
            "repair.decided",
            S.repair,
            {
                "repair_id": repair,
                "item_id": str(uuid.uuid4()),
                "outcome": "refused",
                "reasons": ["信用承诺书未签章"],
                "decided_on": "2026-11-26",
            },
            "不予信用修复。理由：信用承诺书未签章",
            None,
        ),
    ]
    for event_type, subject, payload, _, _ in cases:
        await emit(session, event_type, subject=subject, employer_id=employer.id, payload=payload)
    assert await consume(session, clock) == len(cases)
    for (event_type, _, _, fact, deadline), kind in zip(
        cases,
        [
            NotificationKind.objection_filed,
            NotificationKind.repair_applied,
            NotificationKind.repair_accepted,
            NotificationKind.repair_decided,
        ],
        strict=True,
    ):
        told = await only(session, employer_id=employer.id, kind=kind)
        assert fact in told.body, (event_type, told.body)
        assert told.deadline == deadline


async def test_an_event_consumed_again_adds_no_notice(session, clock, make_employer):
    employer = await make_employer()
    payload = {
        "cycle": 2025,
        "grade": "A",
        "effective_from": "2026-01-01",
        "previous_grade": "C",
        "origin": "art17",
    }
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        employer_id=employer.id,
        payload=payload,
    )
    await consume(session, clock)
    assert await consume(session, clock, again=True) == 1  # read again, as after a crash
    assert await count(session, employer_id=employer.id) == 1
    deliveries = select(func.count()).select_from(NotificationDelivery)
    assert await session.scalar(deliveries) == 1


async def _run(session, make_employer, size: int) -> tuple[uuid.UUID, list[uuid.UUID]]:  # type: ignore[no-untyped-def]
    """A grading run's final grades of `size` employers (A and B), as the run writes them."""
    run_id = uuid.uuid4()
    employers = [(await make_employer()).id for _ in range(size)]
    for n, employer_id in enumerate(employers):
        grade = "A" if n % 2 else "B"
        session.add(
            Evaluation(
                employer_id=employer_id,
                cycle=2025,
                grade=grade,
                computed_grade=grade,
                status=EvaluationStatus.final,
                origin=EvaluationOrigin.batch,
                rule_set_version=1,
                effective_from=date(2026, 1, 5),
                grading_run_id=run_id,
            )
        )
    await session.flush()
    return run_id, employers


async def test_a_runs_grades_are_told_in_one_statement_once(session, clock, make_employer):
    run_id, employers = await _run(session, make_employer, 50)
    # one of them was told by its own event already (it left C): that text stays
    [left_c] = (
        await session.scalars(select(Evaluation).where(Evaluation.employer_id == employers[0]))
    ).all()
    payload = {
        "cycle": 2025,
        "grade": left_c.grade,
        "effective_from": "2026-01-05",
        "previous_grade": "C",
        "origin": "batch",
    }
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        subject_id=left_c.id,
        employer_id=employers[0],
        payload=payload,
    )
    await emit(
        session,
        "grading_run.completed",
        subject=S.grading_run,
        subject_id=run_id,
        employer_id=None,
        payload={"cycle": 2025, "run_id": str(run_id)},
    )
    assert await consume(session, clock) == 2

    assert await count(session, kind=NotificationKind.grade_final) == 50
    own = await only(session, employer_id=employers[0])
    assert "原等级为C级" in own.body
    told = await only(session, employer_id=employers[1])
    assert told.title == "信用等级生效（2025年度：A级）"
    # the database renders the run's words exactly as the event's would be rendered
    expected = texts.grade_final(
        {"cycle": 2025, "grade": "A", "effective_from": "2026-01-05"}, str(told.subject_id)
    )
    assert (told.title, told.body, told.title_en, told.body_en) == (
        expected.title,
        expected.body,
        expected.title_en,
        expected.body_en,
    )
    assert told.facts["effective_from"] == "2026-01-05" and told.facts["grade"] == "A"
    inbox = select(func.count()).select_from(NotificationDelivery)
    assert await session.scalar(inbox) == 50

    await consume(session, clock, again=True)
    assert await count(session, kind=NotificationKind.grade_final) == 50
    assert await session.scalar(inbox) == 50
