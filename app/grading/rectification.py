"""Art 17: a C unit that corrected the violation and performed the penalty decision is re-graded
within 5 working days after the evaluation cycle ends; one that did not stays C.

Eligible: a current final C of an ended cycle, not yet re-graded under Art 17, every record
behind its C rules (their current verified version) rectified with the penalty performed. The
re-grade uses the rules in force, with rectified-and-performed records no longer counting
against the unit (`facts.Mode.art17`); the rule set's Art 17 rule keeps it at B at best.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar import service as working_days
from app.grading import apply, facts, rule_sets, service
from app.models.evaluation import EvaluationOrigin

# The records behind the C rules of each candidate: stored as columns (rule `fired_rules[i]`
# rests on the next `evidence_counts[i]` of `evidence_ids`, its grade is the rule set
# version's), or as items in `evidence` (evaluations written before migration 0012). A
# candidate is eligible when each of them, in its current verified version, is rectified and
# its penalty performed: the search stops at the first that is not (most C units).
_ELIGIBLE = """
    WITH c_rules AS (
        SELECT rs.version, r->>'rule_id' AS rule_id
        FROM rule_sets rs CROSS JOIN jsonb_array_elements(rs.rules) r
        WHERE r->>'grade' = 'C'
    )
    SELECT e.id, e.employer_id, e.cycle
    FROM evaluations e
    CROSS JOIN LATERAL (
        SELECT array_agg(behind.record_id) AS ids
        FROM (
            SELECT unnest(e.evidence_ids[f.upto - f.n + 1 : f.upto]) AS record_id
            FROM (
                SELECT u.rule_id, u.n, sum(u.n) OVER (ORDER BY u.i) AS upto
                FROM unnest(e.fired_rules, e.evidence_counts) WITH ORDINALITY u(rule_id, n, i)
            ) f
            WHERE f.rule_id IN (
                SELECT c.rule_id FROM c_rules c WHERE c.version = e.rule_set_version)
            UNION ALL
            SELECT rid::uuid
            FROM jsonb_array_elements(e.evidence) item
            CROSS JOIN jsonb_array_elements_text(item->'record_ids') rid
            WHERE item->>'grade' = 'C'
        ) behind
    ) c
    WHERE e.status = 'final' AND e.grade = 'C' AND e.cycle < :year AND e.origin <> 'art17'
      AND c.ids IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM credit_records first
          JOIN credit_records r ON r.record_key = first.record_key AND r.status = 'verified'
          WHERE first.id = ANY(c.ids)
            AND (r.rectified_date IS NULL OR r.penalty_performed_date IS NULL))
    ORDER BY e.cycle, e.employer_id
    LIMIT :limit
"""


@dataclass(frozen=True)
class Due:
    evaluation_id: Any
    employer_id: Any
    cycle: int
    deadline: date | None  # None while the calendar lacks the year it falls in


async def eligible(*, session: AsyncSession, today: date, limit: int = 10_000) -> list[Due]:
    """Rectified C units waiting for their Art 17 re-grade, with each deadline."""
    rows = (await session.execute(text(_ELIGIBLE), {"year": today.year, "limit": limit})).all()
    days = int(
        (await rule_sets.in_force(session=session, on=today)).parameters.get(
            "art17_working_days", 5
        )
    )
    deadlines: dict[int, date | None] = {}
    found = []
    for row in rows:
        if row.cycle not in deadlines:
            # None (not yet known) while next year's calendar is not loaded: the re-grade itself
            # needs no deadline, so it goes on
            deadlines[row.cycle] = await working_days.due_date(
                session=session, start=date(row.cycle, 12, 31), days=days
            )
        found.append(Due(row.id, row.employer_id, row.cycle, deadlines[row.cycle]))
    return found


async def regrade_rectified(*, session: AsyncSession, today: date) -> int:
    """Re-grade every eligible unit now (the job runs daily, well inside the deadline)."""
    by_cycle = defaultdict(list)
    for due in await eligible(session=session, today=today):
        by_cycle[due.cycle].append(due.employer_id)
    policy = apply.Policy(origin=EvaluationOrigin.art17, mode=facts.Mode.art17)
    changed = 0
    for cycle, employer_ids in sorted(by_cycle.items()):
        applied = await service.regrade(
            session=session, employer_ids=employer_ids, cycle=cycle, policy=policy, today=today
        )
        changed += applied.changed
    return changed
