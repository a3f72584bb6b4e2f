"""The outbox: each change the platform must learn of becomes one message in the consumer's
transaction, numbered per employer with no gaps, idempotently; a grading run's grades one
message each, in one statement; the deadline counted in working days."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.core.actors import Actor
from app.integrations.platform.payloads import Message
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecordCreate,
    PenaltyCategory,
    RecordCategory,
    RecordKind,
    RecordSource,
    RevocationCreate,
)
from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.event import EventSubject as S
from app.models.push import PushMessage
from app.models.user import Role
from app.push import outbox
from app.records import corrections
from app.records import service as credit_records
from tests.grading.support import actor_of
from tests.push.support import consume, emit, messages


def _penalty(employer_id: uuid.UUID, **over: object) -> CreditRecordCreate:
    values: dict[str, object] = {
        "employer_id": employer_id,
        "category": RecordCategory.dishonesty,
        "source": RecordSource.inspection,
        "kind": RecordKind.wages,
        "occurred_date": date(2026, 3, 1),
        "decision_date": date(2026, 3, 10),
        "title": "拖欠12名农民工工资",
        "decision_number": "文人社监罚字〔2026〕12号",
        "penalty_category": PenaltyCategory.fine,
        "fine_amount": Decimal("20000.00"),
        "punished": True,
        "issuing_authority": "文水县人力资源和社会保障局",
    }
    values.update(over)
    return CreditRecordCreate(**values)  # type: ignore[arg-type]


async def _people(make_user) -> tuple[Actor, Actor]:  # type: ignore[no-untyped-def]
    return actor_of(await make_user(Role.inspector)), actor_of(await make_user(Role.reviewer))


async def test_a_catalogue_records_life_is_upsert_correct_withdraw_in_sequence(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    collector, reviewer = await _people(make_user)
    first = await credit_records.create(
        session=session,
        data=_penalty(employer.id),
        actor=collector,
        settings=settings,
        clock=clock,
    )
    await credit_records.verify(session=session, record_id=first.id, actor=reviewer, clock=clock)
    fixed = CorrectionCreate(
        **_penalty(employer.id, fine_amount=Decimal("15000.50")).model_dump(), reason="罚款有误"
    )
    second = await corrections.correct(
        session=session,
        record_id=first.id,
        data=fixed,
        actor=collector,
        settings=settings,
        clock=clock,
    )
    await corrections.verify(session=session, record_id=second.id, actor=reviewer, clock=clock)
    revocation = RevocationCreate(reason="复议撤销", revoking_document="文人社撤字〔2026〕1号")
    await credit_records.revoke(
        session=session, record_id=second.id, data=revocation, actor=reviewer, clock=clock
    )
    # not in the catalogue (no decision number): never pushed
    other = await credit_records.create(
        session=session,
        data=_penalty(employer.id, decision_number=None),
        actor=collector,
        settings=settings,
        clock=clock,
    )
    await credit_records.verify(session=session, record_id=other.id, actor=reviewer, clock=clock)
    await consume(session, clock)

    found = await messages(session, employer_id=employer.id)
    assert [(m.sequence, m.type, m.subject_id) for m in found] == [
        (1, "upsert", first.id),
        (2, "correct", second.id),
        (3, "withdraw", second.id),
    ]
    bodies = [Message.model_validate(m.body) for m in found]
    assert [b.message_id for b in bodies] == [m.id for m in found]
    assert bodies[0].employer.uscc == employer.uscc
    assert bodies[0].record is not None and bodies[1].record is not None
    assert bodies[0].record.model_dump() != bodies[1].record.model_dump()  # the new fine
    assert bodies[1].data["previous_id"] == str(first.id)
    assert all(m.status == "pending" and m.attempts == 0 for m in found)


async def test_an_event_consumed_again_adds_no_message_and_leaves_no_gap(
    session, clock, make_employer
):
    employer = await make_employer()
    payload = {
        "cycle": 2025,
        "grade": "B",
        "effective_from": "2026-01-05",
        "previous_grade": None,
        "origin": "batch",
    }
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        employer_id=employer.id,
        payload=payload,
    )
    await consume(session, clock)
    await consume(session, clock, again=True)
    await emit(
        session,
        "disclosure.withdrawn",
        subject=S.disclosure,
        employer_id=employer.id,
        payload={
            "disclosure_id": str(uuid.uuid4()),
            "cycle": 2025,
            "reason": "grade_changed",
            "withdrawn_at": "2026-11-26T02:00:00Z",
        },
    )
    await consume(session, clock)
    found = await messages(session, employer_id=employer.id)
    assert [(m.sequence, m.type, m.subject) for m in found] == [
        (1, "upsert", "evaluation"),
        (2, "withdraw", "disclosure"),
    ]


async def test_a_refused_repair_is_not_pushed_an_approved_one_withdraws(
    session, clock, make_employer
):
    employer = await make_employer()
    for outcome in ("refused", "approved"):
        await emit(
            session,
            "repair.decided",
            subject=S.repair,
            employer_id=employer.id,
            payload={
                "repair_id": str(uuid.uuid4()),
                "item_id": str(uuid.uuid4()),
                "outcome": outcome,
                "reasons": [],
                "decided_on": "2026-04-30",
            },
        )
    await consume(session, clock)
    [message] = await messages(session, employer_id=employer.id)
    assert (message.type, message.subject, message.sequence) == ("withdraw", "repair", 1)
    # Art 16 / the repair order: 5 working days after the decision (2026-05-01..05 are off)
    assert message.due_date == date(2026, 5, 11)


async def test_an_objection_decided_is_due_in_5_working_days_and_others_by_the_setting(
    session, settings, clock, make_employer
):
    employer = await make_employer()
    await emit(
        session,
        "objection.decided",
        subject=S.objection,
        employer_id=employer.id,
        payload={
            "objection_id": str(uuid.uuid4()),
            "outcome": "upheld",
            "reasons": "有误",
            "decided_on": "2026-02-13",
            "push_due_date": None,
            "record_id": None,
        },
    )
    await emit(
        session,
        "disclosure.published",
        subject=S.disclosure,
        employer_id=employer.id,
        payload={
            "disclosure_id": str(uuid.uuid4()),
            "cycle": 2025,
            "list_status": "yellow",
            "items": [],
        },
    )
    await consume(session, clock)
    decided, published = await messages(session, employer_id=employer.id)
    # Fri 13 Feb + 5 WD: Sat 14 (a make-up day), then 24..27 after the Spring Festival
    assert decided.due_date == date(2026, 2, 27)
    assert published.due_date is None and published.due_days is None  # the setting's, later
    assert await outbox.schedule_deadlines(session=session, settings=settings) >= 1
    await session.refresh(published)
    assert published.due_date == date(2026, 12, 3)  # Thu 26 Nov + 5 working days


async def test_a_deadline_in_a_year_without_calendar_waits(session, settings, clock, make_employer):
    employer = await make_employer()
    await emit(
        session,
        "objection.decided",
        subject=S.objection,
        employer_id=employer.id,
        payload={
            "objection_id": str(uuid.uuid4()),
            "outcome": "upheld",
            "reasons": "有误",
            "decided_on": "2099-12-30",
            "push_due_date": None,
            "record_id": None,
        },
    )
    await consume(session, clock)
    [message] = await messages(session, employer_id=employer.id)
    assert message.due_date is None and message.due_from == date(2099, 12, 30)
    await outbox.schedule_deadlines(session=session, settings=settings)
    await session.refresh(message)
    assert message.due_date is None  # still waiting, visibly


async def _run(session, make_employer, size: int):  # type: ignore[no-untyped-def]
    run_id = uuid.uuid4()
    employers = [await make_employer() for _ in range(size)]
    for n, employer in enumerate(employers):
        grade = "A" if n % 2 else "B"
        session.add(
            Evaluation(
                employer_id=employer.id,
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


async def test_a_runs_grades_become_one_message_each_set_based_and_once(
    session, clock, make_employer
):
    run_id, employers = await _run(session, make_employer, 30)
    # the first employer had a message already (sequence 1), and its grade its own event
    first = employers[0]
    [own] = (
        await session.scalars(select(Evaluation).where(Evaluation.employer_id == first.id))
    ).all()
    await emit(
        session,
        "listing.removed",
        subject=S.blacklist_entry,
        employer_id=first.id,
        payload={"status": "removed"},
    )
    await emit(
        session,
        "evaluation.finalized",
        subject=S.evaluation,
        subject_id=own.id,
        employer_id=first.id,
        payload={
            "cycle": 2025,
            "grade": own.grade,
            "effective_from": "2026-01-05",
            "previous_grade": "C",
            "origin": "batch",
        },
    )
    await emit(
        session,
        "grading_run.completed",
        subject=S.grading_run,
        subject_id=run_id,
        employer_id=None,
        payload={"cycle": 2025, "run_id": str(run_id)},
    )
    await consume(session, clock)
    grades = await messages(session, subject="evaluation")
    assert len(grades) == 30
    assert len({m.subject_id for m in grades}) == 30
    mine = await messages(session, employer_id=first.id)
    assert [(m.sequence, m.subject) for m in mine] == [(1, "blacklist_entry"), (2, "evaluation")]
    assert mine[1].body["data"]["previous_grade"] == "C"  # its own event's words
    told = next(m for m in grades if m.employer_id == employers[1].id)
    assert told.sequence == 1
    body = Message.model_validate(told.body)  # the database's JSON is a valid Message
    assert body.message_id == told.id and body.sequence == 1
    assert body.model_dump(mode="json") == told.body
    assert body.data == {
        "cycle": 2025,
        "grade": "A",
        "effective_from": "2026-01-05",
        "previous_grade": None,
        "origin": "batch",
        "run_id": str(run_id),
    }
    assert body.employer.uscc == employers[1].uscc

    await consume(session, clock, again=True)
    total = await session.scalar(select(func.count()).select_from(PushMessage))
    assert total == 31
