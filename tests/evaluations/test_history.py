"""An employer's history: every version, found through the two partial indexes (the current
ones through uq_evaluations_current, the superseded through ix_evaluations_superseded)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.evaluations import reads as evaluation_reads
from app.grading import apply, rule_sets
from app.grading.rules import Spec
from app.models.evaluation import Evaluation, EvaluationOrigin
from app.models.user import Role
from tests.grading.support import Spec as R
from tests.grading.support import actor_of, add_record


async def _grade(
    session: AsyncSession, employer_id, cycle: int, policy: apply.Policy, today: date
) -> None:  # type: ignore[no-untyped-def]
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    await apply.apply(
        session=session, employers="SELECT CAST(:id AS uuid) AS id",
        employer_params={"id": employer_id}, spec=spec, cycle=cycle, policy=policy, today=today,
    )  # fmt: skip


async def test_every_version_of_every_cycle_is_found(
    session, settings, make_employer, make_user, clock, today
):  # type: ignore[no-untyped-def]
    employer, other = await make_employer(), await make_employer()
    batch = apply.Policy(origin=EvaluationOrigin.batch)
    for employer_id in (employer.id, other.id):
        await _grade(session, employer_id, 2024, batch, today)
        await _grade(session, employer_id, 2025, batch, today)
    # a punishment in 2025: the A of 2025 is superseded by a B
    collector = actor_of(await make_user(Role.inspector))
    reviewer = actor_of(await make_user(Role.reviewer))
    await add_record(
        session, settings, employer.id, R(), clock=clock, collector=collector, reviewer=reviewer
    )
    await _grade(session, employer.id, 2025, batch, today)
    found = await session.scalars(
        select(Evaluation).where(evaluation_reads.of_employer(employer.id))
    )
    statuses = sorted((e.cycle, str(e.status)) for e in found)
    assert statuses == [(2024, "final"), (2025, "final"), (2025, "superseded")]


async def test_the_history_is_read_through_both_partial_indexes(session, make_employer):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    query = select(Evaluation).where(evaluation_reads.of_employer(employer.id))
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    await session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: force indexes
    plan = "\n".join(await session.scalars(text(f"EXPLAIN {compiled}")))
    assert "uq_evaluations_current" in plan and "ix_evaluations_superseded" in plan, plan
