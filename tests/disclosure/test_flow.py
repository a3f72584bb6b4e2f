"""The real flow: a proposed C takes effect (evaluations.close_notices), its event reaches the
disclosure's consumer, which publishes; a reviewer's decision leaving C withdraws."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from app.core import events
from app.disclosure import consumer
from app.evaluations import service as evaluations
from app.grading import apply, rule_sets
from app.grading.rules import Spec as RuleSpec
from app.models.evaluation import DecisionCreate, DecisionOutcome, EvaluationOrigin
from app.models.rule_set import Grade
from app.models.user import Role
from tests.disclosure.support import add_record, disclosures_of, items_of, staff
from tests.grading.support import actor_of

EMPLOYERS = "SELECT id FROM employers WHERE id = ANY(CAST(:employer_ids AS uuid[]))"


async def _grade(session, employer_id, today):
    spec = RuleSpec.of(await rule_sets.in_force(session=session, on=today))
    await apply.apply(
        session=session, employers=EMPLOYERS, employer_params={"employer_ids": [employer_id]},
        spec=spec, cycle=2025, policy=apply.Policy(origin=EvaluationOrigin.batch), today=today,
    )  # fmt: skip


async def _consume(session, clock):
    return await events.consume(
        session=session, consumer=consumer.CONSUMER, clock=clock, batch=1000,
        horizon=timedelta(minutes=15),
    )  # fmt: skip


async def _child_labour(session, settings, clock, employer_id, people):
    return await add_record(
        session, settings, clock, employer_id, people, severity="serious",
        decided=date(2025, 6, 1), kind="child_labour",
        serious_conditions=["child_or_forced_labour"],
    )  # fmt: skip


async def test_a_c_taking_effect_is_published_by_the_consumer(
    session, settings, clock, today, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await _child_labour(session, settings, clock, employer.id, people)
    await _grade(session, employer.id, today)
    await _consume(session, clock)
    assert await disclosures_of(session, employer.id) == []  # a notice is not yet a C in force
    assert await evaluations.close_notices(session=session, today=date(2026, 12, 4)) >= 1
    await _consume(session, clock)
    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.cycle, disclosure.list_status) == (
        "published", 2025, "black"
    )  # fmt: skip
    [item] = await items_of(session, disclosure.id)
    assert (item.record_id, item.publication_end_date) == (record.id, date(2028, 6, 1))


async def test_a_decision_leaving_c_withdraws(
    session, settings, clock, today, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    await _child_labour(session, settings, clock, employer.id, people)
    await _grade(session, employer.id, today)
    await evaluations.close_notices(session=session, today=date(2026, 12, 4))
    await _consume(session, clock)
    [current] = (
        await session.execute(
            text("SELECT id FROM evaluations WHERE employer_id = :e AND status = 'final'"),
            {"e": employer.id},
        )
    ).all()
    # a reviewer changes the final C after a representation: a notice decided into a B
    await session.execute(
        text("UPDATE evaluations SET status = 'notice', represented_at = now(), "
             "representation_deadline = '2026-12-03', effective_from = NULL WHERE id = :i"),
        {"i": current.id},
    )  # fmt: skip
    await _consume(session, clock)
    decider = actor_of(await make_user(Role.reviewer))
    await evaluations.decide_notice(
        session=session, evaluation_id=current.id, actor=decider, clock=clock,
        data=DecisionCreate(outcome=DecisionOutcome.change, grade=Grade.B, reason="已整改"),
    )  # fmt: skip
    await _consume(session, clock)
    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.withdrawal_reason) == ("withdrawn", "grade_changed")
