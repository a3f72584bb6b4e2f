"""A grade's events in the event log: a served notice, a grade taking effect, a run's own
announcement of its A and B grades — each in the transaction of the change."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from app.evaluations import service as evaluations
from app.grading import apply, rule_sets
from app.grading.rules import Spec as RuleSpec
from app.models.credit_record import RecordKind
from app.models.evaluation import DecisionCreate, DecisionOutcome, EvaluationOrigin
from app.models.rule_set import Grade
from app.models.user import Role
from tests.grading.support import Spec, actor_of, add_record

CHILD_LABOUR = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)
EMPLOYERS = "SELECT id FROM employers WHERE id = ANY(CAST(:employer_ids AS uuid[]))"


async def _events(session, employer_id):  # type: ignore[no-untyped-def]
    rows = await session.execute(
        text(
            "SELECT event_type, subject_id, payload FROM credit_events "
            "WHERE employer_id = :e AND subject_type = 'evaluation' ORDER BY id"
        ),
        {"e": employer_id},
    )
    return [tuple(r) for r in rows]


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


async def _current(session, employer_id):  # type: ignore[no-untyped-def]
    return (
        await session.execute(
            text(
                "SELECT id, grade, status FROM evaluations WHERE employer_id = :e "
                "AND cycle = 2025 AND status IN ('notice', 'final')"
            ),
            {"e": employer_id},
        )
    ).one()


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }


async def test_a_regrade_announces_every_grade_it_writes(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    clean, child = await make_employer(), await make_employer()
    await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [clean.id, child.id], today)
    (kind, subject, payload), = await _events(session, clean.id)  # fmt: skip
    assert kind == "evaluation.finalized"
    assert subject == (await _current(session, clean.id)).id
    assert payload == {"cycle": 2025, "grade": "A", "effective_from": today.isoformat(),
                       "previous_grade": None, "origin": "batch"}  # fmt: skip
    (kind, subject, payload), = await _events(session, child.id)  # fmt: skip
    assert kind == "evaluation.noticed"
    assert payload == {"cycle": 2025, "grade": "C", "representation_deadline": "2026-12-03",
                       "served_on": today.isoformat()}  # fmt: skip
    await _grade(session, [clean.id, child.id], today)  # nothing changed: nothing announced
    assert len(await _events(session, clean.id)) == len(await _events(session, child.id)) == 1


async def test_a_run_announces_only_its_cs_and_what_leaves_a_c(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    clean, child = await make_employer(), await make_employer()
    record = await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [clean.id, child.id], today, run_id=uuid.uuid4())
    assert await _events(session, clean.id) == []
    assert [k for k, _, _ in await _events(session, child.id)] == ["evaluation.noticed"]
    await session.execute(
        text("UPDATE credit_records SET status = 'revoked', revocation_reason = 'r', "
             "revoking_document = 'd', revoked_at = now() WHERE id = :i"), {"i": record},
    )  # fmt: skip
    await _grade(session, [child.id], today, run_id=uuid.uuid4())
    kind, _, payload = (await _events(session, child.id))[-1]
    assert (kind, payload["grade"], payload["previous_grade"]) == ("evaluation.finalized", "A", "C")


async def test_a_notice_that_takes_effect_is_announced(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    child = await make_employer()
    await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [child.id], today)
    notice = await _current(session, child.id)
    assert await evaluations.close_notices(session=session, today=date(2026, 12, 4)) >= 1
    kind, subject, payload = (await _events(session, child.id))[-1]
    assert (kind, subject) == ("evaluation.finalized", notice.id)
    assert (payload["grade"], payload["effective_from"]) == ("C", "2026-12-04")


async def test_a_decision_on_a_notice_is_announced(
    session, settings, make_employer, make_user, people, clock, today
):  # type: ignore[no-untyped-def]
    child = await make_employer()
    await add_record(session, settings, child.id, CHILD_LABOUR, clock=clock, **people)
    await _grade(session, [child.id], today)
    notice = await _current(session, child.id)
    await session.execute(
        text("UPDATE evaluations SET represented_at = now() WHERE id = :i"), {"i": notice.id}
    )
    decider = actor_of(await make_user(Role.reviewer))
    changed = await evaluations.decide_notice(
        session=session, evaluation_id=notice.id, actor=decider, clock=clock,
        data=DecisionCreate(outcome=DecisionOutcome.change, grade=Grade.B, reason="已整改"),
    )  # fmt: skip
    kind, subject, payload = (await _events(session, child.id))[-1]
    assert (kind, subject) == ("evaluation.finalized", changed.id)
    assert (payload["grade"], payload["previous_grade"], payload["origin"]) == (
        "B",
        "C",
        "decision",
    )
