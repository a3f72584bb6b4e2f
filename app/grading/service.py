"""Grading's entry points for one employer or a few: what the rules in force say (explain) and a
re-grade that writes it (dynamic adjustment, Art 17). Batch runs are in `runs`."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.actors import Actor
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.grading import apply, facts, rule_sets
from app.grading.rules import Decision, Spec, decide
from app.models.evaluation import EvaluationOrigin

# Who re-grades, as the audit trail names them: the credit events' consumer (Art 10) and the
# daily Art 17 job.
_REGRADERS = {EvaluationOrigin.event: "dynamic_adjustment", EvaluationOrigin.art17: "art17_regrade"}


async def explain(
    *, session: AsyncSession, employer_id: uuid.UUID, cycle: int, today: date
) -> Decision:
    """What the rules in force say now about one employer (the Python evaluator)."""
    spec = Spec.of(await rule_sets.in_force(session=session, on=today))
    found = await facts.compute(session=session, employer_ids=[employer_id], cycle=cycle)
    if employer_id not in found:
        raise DoesNotExist(
            Text(f"用人单位 {employer_id} 不存在", f"employer {employer_id} does not exist")
        )
    return decide(found[employer_id], spec)


async def regrade(
    *,
    session: AsyncSession,
    employer_ids: list[uuid.UUID],
    cycle: int,
    policy: apply.Policy,
    today: date,
) -> apply.Applied:
    """Re-grade a few employers on the rules in force (dynamic adjustment, Art 17); the
    evaluations written are audited as one event."""
    spec = Spec.of(await rule_sets.in_force(session=session, on=today))
    applied = await apply.apply(
        session=session,
        # from the employers table: evaluations.employer_id has no foreign key (migration 0007)
        employers="SELECT id FROM employers WHERE id = ANY(CAST(:employer_ids AS uuid[]))",
        employer_params={"employer_ids": employer_ids},
        spec=spec,
        cycle=cycle,
        policy=policy,
        today=today,
    )
    if applied.written is not None:
        origin = policy.origin
        details = {"cycle": cycle, "origin": origin.value, "rule_set_version": spec.version,
                   "employers": len(employer_ids), "changed": applied.changed}  # fmt: skip
        await audit.record_evaluations_written(
            session=session, actor=Actor(kind="system", name=_REGRADERS.get(origin, origin.value)),
            action="evaluation.regrade", resource_type="evaluation", resource_id=None,
            written=applied.written, details=details,
        )  # fmt: skip
    return applied
