"""The one write path of grades: facts + rules in SQL for a set of employers, and the
evaluations superseded and inserted in the same statement (a grading run's slice, a dynamic
re-grade, an Art 17 re-grade alike). An employer whose outcome — computed grade and fired
rules — did not change is left untouched, so re-grading is idempotent (an evaluation stored
before only the deciding rules were recorded, with its lesser rules too, is the same outcome:
`rules.SAME_RULES`). What a statement wrote comes back as its range of ids with their digest
(`Applied.written`), which the caller's one audit event records (Art 8), whatever the count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendar import service as working_days
from app.core.db import ordered_id_prefix, ordered_id_tail, ordered_ids
from app.grading import facts
from app.grading.rules import Spec, compile_sql
from app.models.audit import EvaluationsWritten
from app.models.evaluation import EvaluationOrigin

GRADING_LOCK = 7310  # advisory lock namespace (two-int form): grades of one cycle


@dataclass
class Applied:
    graded: int = 0
    changed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    written: EvaluationsWritten | None = None  # None when nothing was written


@dataclass(frozen=True)
class Policy:
    """How a re-grade may change the current evaluation (docs/law.md §3 defaults)."""

    origin: EvaluationOrigin
    mode: facts.Mode = facts.Mode.cycle
    allow_upgrade: bool = True  # Art 10: mid-cycle only when the cause was corrected or revoked
    create_a: bool = True  # mid-cycle an A is the default state: no evaluation is created for it


def _changed(policy: Policy, same_rules: str) -> str:
    """When the computed outcome replaces the current evaluation."""
    guards = [f"(cur.id IS NULL OR cur.computed_grade <> g.grade OR NOT {same_rules})"]
    if policy.mode == facts.Mode.cycle:  # an Art 17 re-grade settles its cycle
        guards.append("cur.origin IS DISTINCT FROM 'art17'")
    if not policy.allow_upgrade:  # 'A' < 'B' < 'C': a smaller letter is a better grade
        guards.append("NOT (cur.id IS NOT NULL AND g.grade < cur.grade)")
    if not policy.create_a:
        guards.append("NOT (cur.id IS NULL AND g.grade = 'A')")
    return " AND ".join(guards)


# Each changed outcome is announced in the event log (`models.event`, docs/architecture.md): a
# served notice, and a final grade — but a grading run announces its own A and B grades once, as
# the run's event (`runs`), unless they replace a C: a million events would cost a run more than
# its grades. A notice awaiting the calendar is announced when it is served.
#
# The INSERT takes a replaced evaluation's employer only once `superseded` has updated that
# evaluation (it reads the UPDATE's RETURNING), so the partial unique index never sees two
# current evaluations; every changed outcome is written when every evaluation it replaces was
# superseded, so counting those (few) rows checks the write without returning the inserted
# ones. A new C is a notice (陈述申辩 first), unless the unit already holds a final C for the
# cycle: then only the grounds changed, not the grade.
_STATEMENT = """
    WITH graded AS MATERIALIZED (
        SELECT g.employer_id, g.grade, g.fired, g.evidence_counts, g.evidence_ids,
               {new_id} AS new_id,
               cur.id AS current_id, cur.grade AS current_grade,
               CASE WHEN g.grade = 'C' AND NOT coalesce(
                        cur.status = 'final' AND cur.grade = 'C', false)
                    THEN 'notice' ELSE 'final' END AS status,
               ({changed}) AS changed
        FROM (
            SELECT e.id AS employer_id,
                   coalesce(r.grade, CAST(:empty_grade AS text)) AS grade,
                   coalesce(r.fired, CAST(:empty_fired AS text[])) AS fired,
                   r.evidence_counts, r.evidence_ids
            FROM ({employers}) e
            LEFT JOIN (
                SELECT f.employer_id, {grade} AS grade, {fired} AS fired,
                       {evidence_counts} AS evidence_counts, {evidence_ids} AS evidence_ids
                FROM (SELECT f.*, {holds} FROM ({facts}) f OFFSET 0) f  -- each condition once
                OFFSET 0  -- a fence: the rule expressions are evaluated once per row, not per use
            ) r ON r.employer_id = e.id
        ) g
        LEFT JOIN evaluations cur
          ON cur.employer_id = g.employer_id AND cur.cycle = :cycle
         AND cur.status IN ('notice', 'final') {current_within}
    ),
    superseded AS (
        UPDATE evaluations e
        SET status = 'superseded', superseded_by = g.new_id, superseded_at = now(),
            updated_at = now()
        FROM graded g
        WHERE g.changed AND e.id = g.current_id AND e.status IN ('notice', 'final')
          {replaced_within}
        RETURNING e.id
    ),
    inserted AS (
        INSERT INTO evaluations (
            id, employer_id, cycle, grade, computed_grade, status, origin, rule_set_version,
            fired_rules, evidence_counts, evidence_ids, representation_deadline, effective_from,
            supersedes_id, grading_run_id, created_at, updated_at)
        SELECT new_id, employer_id, :cycle, grade, grade, status, :origin, :version,
               fired, evidence_counts, evidence_ids,
               CASE WHEN status = 'notice' THEN CAST(:deadline AS date) END,
               CASE WHEN status = 'final' THEN CAST(:today AS date) END,
               current_id, :run_id, now(), now()
        FROM graded g
        WHERE g.changed
          AND (g.current_id IS NULL OR g.current_id IN (SELECT id FROM superseded))
    ),
    announced AS (
        INSERT INTO credit_events (event_type, subject_type, subject_id, employer_id, payload)
        SELECT CASE WHEN status = 'notice' THEN 'evaluation.noticed'
                    ELSE 'evaluation.finalized' END,
               'evaluation', new_id, employer_id,
               CASE WHEN status = 'notice' THEN jsonb_build_object(
                        'cycle', CAST(:cycle AS integer), 'grade', grade,
                        'representation_deadline', CAST(:deadline AS date),
                        'served_on', CAST(:today AS date))
                    ELSE jsonb_build_object(
                        'cycle', CAST(:cycle AS integer), 'grade', grade,
                        'effective_from', CAST(:today AS date), 'previous_grade', current_grade,
                        'origin', CAST(:origin AS text)) END
        FROM graded g
        WHERE g.changed
          AND (g.current_id IS NULL OR g.current_id IN (SELECT id FROM superseded))
          AND CASE WHEN status = 'notice' THEN CAST(:deadline AS date) IS NOT NULL
                   ELSE CAST(:every_final AS boolean) OR grade = 'C' OR current_grade = 'C' END
    )
    SELECT grade, count(*) AS graded, count(*) FILTER (WHERE changed) AS changed,
           count(*) FILTER (WHERE changed AND current_id IS NOT NULL) AS replacing,
           (SELECT count(*) FROM superseded) AS superseded, {id_prefix} AS id_prefix
    FROM graded GROUP BY grade
"""


async def apply(
    *,
    session: AsyncSession,
    employers: str,
    employer_params: dict[str, Any],
    spec: Spec,
    cycle: int,
    policy: Policy,
    today: date,
    run_id: uuid.UUID | None = None,
    bounded: bool = False,
    disjoint: bool = False,
) -> Applied:
    """Grade the employers the subquery `employers` (column `id`) yields, in this transaction.
    `bounded`: they lie between the bound :first_id and :last_id (a slice of a run).
    `disjoint`: no other disjoint writer grades any of them (the slices of one run)."""
    # One writer of a cycle's grades at a time (the event consumer, Art 17, a run), each reading
    # the current evaluations after the previous one committed; the slices of a run grade
    # disjoint employers, so they share the lock among themselves. Taken in ascending cycle
    # order by every caller that grades several cycles in one transaction.
    lock = "pg_advisory_xact_lock_shared" if disjoint else "pg_advisory_xact_lock"
    await session.execute(
        text(f"SELECT {lock}(:namespace, :cycle)"), {"namespace": GRADING_LOCK, "cycle": cycle}
    )
    # None while the window reaches into a year the calendar lacks: the C notice is written
    # without it, not served, and served once the year is loaded (evaluations.serve_notices)
    deadline = await working_days.due_date(
        session=session, start=today, days=int(spec.parameters["notice_window_working_days"])
    )
    compiled = compile_sql(spec, cycle)
    statement = _STATEMENT.format(
        changed=_changed(policy, compiled.same_rules),
        holds=compiled.holds,
        grade=compiled.grade,
        fired=compiled.fired_rules,
        evidence_counts=compiled.evidence_counts,
        evidence_ids=compiled.evidence_ids,
        facts=facts.sql(employers, policy.mode, bounded=bounded),
        new_id=ordered_ids("evaluation_id_counter"),
        id_prefix=ordered_id_prefix(),
        employers=employers,
        # a slice reads its range of uq_evaluations_current, not every current evaluation
        current_within="AND cur.employer_id BETWEEN :first_id AND :last_id" if bounded else "",
        replaced_within="AND e.employer_id BETWEEN :first_id AND :last_id" if bounded else "",
    )
    params = {
        **compiled.params,
        **facts.bounds(cycle),
        **employer_params,
        "cycle": cycle,
        "origin": policy.origin.value,
        "version": spec.version,
        "deadline": deadline,
        "today": today,
        "run_id": run_id,
        "every_final": run_id is None,
        "id_tail": ordered_id_tail(),
    }
    applied, replacing, superseded = Applied(counts={"A": 0, "B": 0, "C": 0}), 0, 0
    prefix = None
    rows = await session.execute(text(statement), params)
    for grade, graded, changed, replacing_of_grade, superseded_total, id_prefix in rows:
        applied.counts[grade] = graded
        applied.graded += graded
        applied.changed += changed
        replacing += replacing_of_grade
        superseded = superseded_total  # the same total on every row
        prefix = id_prefix  # the same on every row
    if superseded != replacing:  # a changed outcome was not written: never commit
        raise RuntimeError(f"{replacing} evaluations to replace but {superseded} were superseded")
    if applied.changed:
        assert prefix is not None
        shared = {"cycle": cycle, "origin": policy.origin.value, "rule_set_version": spec.version,
                  "grading_run_id": run_id}  # fmt: skip
        applied.written = await _written(session, prefix, applied.changed, shared)
    return applied


async def _written(
    session: AsyncSession, prefix: str, changed: int, shared: dict[str, Any]
) -> EvaluationsWritten:
    """The statement's evaluations as stored, found by the prefix of their ids (`ordered_ids`):
    its range holds them and no other row. Read back once by an index range scan: the grading
    statement itself computes nothing more per row (measured on 200,000 employers, the digest
    adds about a tenth to a grading run)."""
    first_id, last_id = uuid.UUID(prefix + "10000000"), uuid.UUID(prefix + "ffffffff")
    named = EvaluationsWritten(first_id=first_id, last_id=last_id, count=changed, digest="",
                               **shared)  # fmt: skip
    stored = await audit.evaluations_digest(session=session, named=named)
    if (stored.written, stored.strays) != (changed, 0):  # not what it wrote: never commit
        raise RuntimeError(f"{changed} evaluations written but {stored.written} in their range")
    return replace(named, digest=stored.digest)
