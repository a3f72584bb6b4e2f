"""Through the real flow (the lead's grade events): a proposed C served by grading and closed
by `evaluations.close_notices`, a grading run's grades, each told once."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import text

from app.core import events
from app.evaluations import service as evaluations
from app.grading import apply, rule_sets
from app.grading.rules import Spec as RuleSpec
from app.models.credit_record import RecordKind
from app.models.evaluation import EvaluationOrigin
from app.models.event import CreditEventType, EventSubject
from app.models.notification import NotificationKind
from app.models.user import Role
from tests.grading.support import Spec, actor_of, add_record
from tests.notifications.support import consume, count, only

CHILD_LABOUR = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)
EMPLOYERS = "SELECT id FROM employers WHERE id = ANY(CAST(:employer_ids AS uuid[]))"


async def _grade(session, employer_ids, today, run_id=None):  # type: ignore[no-untyped-def]
    spec = RuleSpec.of(await rule_sets.in_force(session=session, on=today))
    return await apply.apply(
        session=session,
        employers=EMPLOYERS,
        employer_params={"employer_ids": employer_ids},
        spec=spec,
        cycle=2025,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=today,
        run_id=run_id,
    )


async def test_a_c_notice_served_then_closed_is_told_twice(
    session, settings, clock, today, make_employer, make_user
):
    child = await make_employer()
    people = {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }
    await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [child.id], today)
    await consume(session, clock)
    notice = await only(session, employer_id=child.id)
    assert notice.kind == NotificationKind.grade_notice
    assert notice.deadline == date(2026, 12, 3)
    assert "2026年12月3日（含当日）前" in notice.body
    assert f"/api/v1/evaluations/{notice.subject_id}/representations" in notice.body

    assert await evaluations.close_notices(session=session, today=date(2026, 12, 4)) >= 1
    await consume(session, clock)
    final = await only(session, employer_id=child.id, kind=NotificationKind.grade_final)
    assert final.subject_id == notice.subject_id
    assert "2025年度劳动保障信用评价等级为C级，自2026年12月4日起生效" in final.body
    await consume(session, clock, again=True)
    assert await count(session, employer_id=child.id) == 2


async def test_a_runs_grades_each_told_once_what_leaves_c_by_its_own_event(
    session, settings, clock, today, make_employer, make_user
):
    people = {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }
    clean = [await make_employer() for _ in range(3)]
    child = await make_employer()
    record = await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [child.id], today)  # a C notice, then in force
    await evaluations.close_notices(session=session, today=date(2026, 12, 4))
    await session.execute(
        text(
            "UPDATE credit_records SET status = 'revoked', revocation_reason = 'r', "
            "revoking_document = 'd', revoked_at = now() WHERE id = :i"
        ),
        {"i": record},
    )
    run_id = uuid.uuid4()
    await _grade(session, [*(e.id for e in clean), child.id], today, run_id=run_id)
    # as `grading.runs` closes a run that changed grades
    await events.emit(
        session=session,
        events=[
            events.event(
                CreditEventType.grading_run_completed.value,
                subject_type=EventSubject.grading_run,
                subject_id=run_id,
                employer_id=None,
                payload={"cycle": 2025, "run_id": str(run_id), "status": "finished"},
            )
        ],
    )
    await consume(session, clock)

    for employer in clean:
        told = await only(session, employer_id=employer.id)
        assert told.kind == NotificationKind.grade_final and "为A级" in told.body
    left_c = await only(
        session,
        employer_id=child.id,
        kind=NotificationKind.grade_final,
        facts={
            "cycle": 2025,
            "grade": "A",
            "effective_from": today.isoformat(),
            "previous_grade": "C",
            "origin": "batch",
        },
    )
    assert "原等级为C级" in left_c.body  # its own event's words, not the run's
    await consume(session, clock, again=True)
    assert await count(session, kind=NotificationKind.grade_final) == 3 + 2  # the C, then the A
