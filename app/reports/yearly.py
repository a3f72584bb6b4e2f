"""The yearly supervision report's figures (issue 15 §5): one function computes them, the JSON
answer is what it returns, and the PDF (`yearly_pdf`) renders that same object.

Every figure is one grouped statement over the table it counts, never a loop over employers (a
county may have a million): the grade distribution of the last cycles by town, industry section
and subject type is one GROUPING SETS query. Only the listed C units (at most `C_UNITS_LISTED`)
are read as rows, to explain each as its evaluation does (`evaluations.reads.to_public`).

The year's cycle is the year itself (Art 10: the calendar year, graded after it ends). Objections
count by their receipt date, repairs by their application date, inspection visits by their
month, pushes by when the message was written; what is still open is counted as of `as_of`
(today). Town, industry and subject type are the employer's as registered now.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.config import Settings
from app.evaluations import reads as evaluation_reads
from app.grading import policies, rule_sets
from app.grading.rules import Spec
from app.models.employer import Employer
from app.models.evaluation import Evaluation, EvaluationStatus
from app.models.rule_set import Grade
from app.models.yearly_report import (
    CUnit,
    CUnits,
    CycleCounts,
    GradeCounts,
    GradeDistribution,
    GroupDistribution,
    Inspections,
    ObjectionCounts,
    Objections,
    PolicyStanding,
    PushCounts,
    Pushes,
    Repairs,
    RuleCount,
    YearlyReport,
)

C_UNITS_LISTED = 500
DIMENSIONS = ("town", "industry", "subject_type")

_GRADES = """
SELECT ev.cycle,
       CASE WHEN GROUPING(em.town) = 0 THEN 'town'
            WHEN GROUPING(substr(em.industry_code, 1, 1)) = 0 THEN 'industry'
            WHEN GROUPING(em.subject_type) = 0 THEN 'subject_type'
            ELSE 'all' END AS dimension,
       CASE WHEN GROUPING(em.town) = 0 THEN em.town
            WHEN GROUPING(substr(em.industry_code, 1, 1)) = 0 THEN substr(em.industry_code, 1, 1)
            ELSE em.subject_type END AS key,
       count(*) FILTER (WHERE ev.grade = 'A') AS a,
       count(*) FILTER (WHERE ev.grade = 'B') AS b,
       count(*) FILTER (WHERE ev.grade = 'C') AS c,
       count(*) FILTER (WHERE ev.status = 'notice') AS notices
FROM evaluations ev JOIN employers em ON em.id = ev.employer_id
WHERE ev.status IN ('notice', 'final') AND ev.cycle BETWEEN :first AND :last
GROUP BY GROUPING SETS ((ev.cycle), (ev.cycle, em.town),
                        (ev.cycle, substr(em.industry_code, 1, 1)), (ev.cycle, em.subject_type))
"""
# The C units of the cycle by the rules that graded them; the rule's citation comes from its
# rule set version.
_C_RULES = """
SELECT ev.rule_set_version AS version, fired.rule_id, count(*) AS units
FROM evaluations ev, unnest(ev.fired_rules) AS fired(rule_id)
WHERE ev.cycle = :cycle AND ev.status IN ('notice', 'final') AND ev.grade = 'C'
  AND ev.computed_grade = 'C'
GROUP BY 1, 2
"""
_C_TOTALS = """
SELECT count(*) FILTER (WHERE grade = 'C') AS total,
       count(*) FILTER (WHERE grade <> 'C' AND decision = 'change') AS changed_by_reviewer
FROM evaluations WHERE cycle = :cycle AND status IN ('notice', 'final')
  AND (grade = 'C' OR computed_grade = 'C')
"""
_OBJECTIONS = """
SELECT CASE WHEN GROUPING(handling) = 1 THEN 'total' ELSE coalesce(handling, 'not_accepted')
       END AS handling,
       count(*) AS received,
       count(*) FILTER (WHERE status = 'decided') AS decided,
       count(*) FILTER (WHERE status = 'decided' AND decided_on <= due_date) AS on_time,
       count(*) FILTER (WHERE status = 'decided' AND decided_on > due_date) AS late,
       count(*) FILTER (WHERE status = 'decided' AND due_date IS NULL) AS undetermined,
       count(*) FILTER (WHERE status IN ('filed', 'accepted')) AS open,
       count(*) FILTER (WHERE status = 'accepted' AND due_date < :today) AS open_overdue,
       count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE status = 'lapsed') AS lapsed,
       count(*) FILTER (WHERE outcome = 'upheld') AS upheld,
       count(*) FILTER (WHERE outcome = 'partly_upheld') AS partly_upheld,
       count(*) FILTER (WHERE outcome = 'rejected') AS rejected
FROM objections WHERE receipt_date >= :start AND receipt_date < :end
GROUP BY ROLLUP (handling)
"""
_REPAIRS = """
SELECT count(*) AS applied,
       count(*) FILTER (WHERE accepted_on IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE status = 'approved') AS approved,
       count(*) FILTER (WHERE status = 'refused') AS refused,
       count(*) FILTER (WHERE status IN ('applied', 'accepted')) AS open,
       count(*) FILTER (WHERE decided_on IS NOT NULL AND (accepted_on <= acceptance_due_date
                        AND decided_on <= decision_due_date) IS TRUE) AS on_time,
       count(*) FILTER (WHERE decided_on IS NOT NULL AND (accepted_on > acceptance_due_date
                        OR decided_on > decision_due_date) IS TRUE) AS late,
       count(*) FILTER (WHERE status = 'applied' AND acceptance_due_date < :today
                        OR status = 'accepted' AND decision_due_date < :today) AS open_overdue
FROM repair_applications WHERE applied_on >= :start AND applied_on < :end
"""
_REFUSALS = """
SELECT reason, count(*) AS refusals
FROM repair_applications, unnest(refusal_reasons) AS reason
WHERE applied_on >= :start AND applied_on < :end AND status = 'refused'
GROUP BY reason
"""
# A visit's grade is its unit's in the plan (the grade in force when the plan was made).
_VISITS = """
SELECT u.grade,
       count(*) AS planned,
       count(*) FILTER (WHERE v.outcome IN ('no_violation', 'violation_found')) AS done,
       count(*) FILTER (WHERE v.outcome = 'violation_found') AS violations_found,
       count(*) FILTER (WHERE v.outcome = 'not_inspected') AS not_inspected
FROM inspection_visits v JOIN inspection_plan_units u ON u.plan_id = v.plan_id AND u.uscc = v.uscc
WHERE v.month >= :start AND v.month < :end
GROUP BY u.grade
"""
_PLANS = """
SELECT count(*) FROM inspection_plans
WHERE status IN ('drawn', 'closed') AND period_from < :end AND period_to >= :start
"""
_PUSHES = """
SELECT CASE WHEN GROUPING(subject) = 1 THEN 'total' ELSE subject END AS subject,
       count(*) AS created,
       count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
       count(*) FILTER (WHERE acknowledged_at IS NOT NULL) AS delivered,
       count(*) FILTER (WHERE status = 'accepted') AS accepted,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       count(*) FILTER (WHERE status = 'awaiting_receipt') AS awaiting_receipt,
       count(*) FILTER (WHERE status IN ('pending', 'sending')) AS waiting,
       count(*) FILTER (WHERE status IN ('pending', 'sending', 'dead', 'rejected')
                        AND due_date < :today) AS overdue,
       count(*) FILTER (WHERE CAST(timezone(:zone, acknowledged_at) AS date) > due_date)
         AS delivered_late,
       count(*) FILTER (WHERE status = 'awaiting_receipt' AND acknowledged_at < :since)
         AS receipts_overdue,
       count(*) FILTER (WHERE due_date IS NULL AND status NOT IN ('accepted', 'rejected'))
         AS awaiting_calendar
FROM push_messages WHERE created_at >= :start AND created_at < :end
GROUP BY ROLLUP (subject)
"""


async def figures(
    *,
    session: AsyncSession,
    settings: Settings,
    year: int,
    cycles: int,
    today: date,
    now: datetime,
) -> YearlyReport:
    """The report of `year`, with the grade trend over the `cycles` cycles ending with it."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return YearlyReport(
        year=year,
        as_of=today,
        policy=await _policy(session, year, today),
        grades=await _grades(session, year, cycles),
        c_units=await _c_units(session, year),
        objections=await _objections(session, start, end, today),
        repairs=await _repairs(session, start, end, today),
        inspections=await _inspections(session, start, end),
        pushes=await _pushes(session, settings, start, end, today, now),
    )


# the cycle's current evaluations by the rule set and the day they were made: a few groups
_MADE = """
    SELECT r.policy_id, coalesce(e.effective_from, CAST(e.created_at AS date)) AS made_on,
           count(*) AS n
    FROM evaluations e JOIN rule_sets r ON r.version = e.rule_set_version
    WHERE e.cycle = :year AND e.status IN ('notice', 'final')
    GROUP BY 1, 2
"""


async def _policy(session: AsyncSession, year: int, today: date) -> PolicyStanding:
    """Art 18: the cycle's grades made under a lapsed policy, and today's warnings, until an
    admin records the extension or a new policy (`grading.policies`)."""
    state = await policies.standing(session=session)
    made = (await session.execute(text(_MADE), {"year": year})).all()
    lapsed = sum(row.n for row in made if state.note(row.policy_id, row.made_on) is not None)
    return PolicyStanding(
        lapsed_evaluations=lapsed,
        warnings=await policies.warnings(session=session, today=today),
    )


def _counts(row: Any) -> GradeCounts:
    return GradeCounts(A=row.a, B=row.b, C=row.c, total=row.a + row.b + row.c)


async def _grades(session: AsyncSession, year: int, cycles: int) -> GradeDistribution:
    first = year - cycles + 1
    rows = (await session.execute(text(_GRADES), {"first": first, "last": year})).all()
    span = range(first, year + 1)
    totals = {row.cycle: row for row in rows if row.dimension == "all"}
    groups: dict[str, dict[str, dict[int, Any]]] = {d: {} for d in DIMENSIONS}
    for row in rows:  # one row per cycle, dimension and group: never per employer
        if row.dimension != "all":
            groups[row.dimension].setdefault(row.key, {})[row.cycle] = row
    return GradeDistribution(
        cycle=year,
        counts=_counts(totals[year]) if year in totals else GradeCounts(),
        notices=totals[year].notices if year in totals else 0,
        trend=_trend(totals, span),
        by_town=_distribution(groups["town"], year, span),
        by_industry=_distribution(groups["industry"], year, span),
        by_subject_type=_distribution(groups["subject_type"], year, span),
    )


def _trend(rows: dict[int, Any], span: range) -> list[CycleCounts]:
    return [
        CycleCounts(cycle=cycle, **(_counts(rows[cycle]).model_dump() if cycle in rows else {}))
        for cycle in span
    ]


def _distribution(
    groups: dict[str, dict[int, Any]], year: int, span: range
) -> list[GroupDistribution]:
    """Each group that has an evaluation in any cycle of the trend, by its key."""
    return [
        GroupDistribution(
            key=key,
            counts=_counts(rows[year]) if year in rows else GradeCounts(),
            trend=_trend(rows, span),
        )
        for key, rows in sorted(groups.items())
    ]


async def _c_units(session: AsyncSession, cycle: int) -> CUnits:
    totals = (await session.execute(text(_C_TOTALS), {"cycle": cycle})).one()
    counted: dict[tuple[str, str], int] = {}
    specs: dict[int, Spec] = {}
    for row in (await session.execute(text(_C_RULES), {"cycle": cycle})).all():
        if row.version not in specs:
            specs[row.version] = Spec.of(await rule_sets.get(session=session, version=row.version))
        rule = next((r for r in specs[row.version].rules if r.rule_id == row.rule_id), None)
        if rule is None or rule.grade != Grade.C:
            continue  # stored beside its C rule before the engine kept only the deciding ones
        key = (rule.rule_id, rule.citation)
        counted[key] = counted.get(key, 0) + row.units
    by_rule = [RuleCount(rule_id=r, citation=c, units=n) for (r, c), n in counted.items()]
    return CUnits(
        total=totals.total,
        by_rule=sorted(by_rule, key=lambda r: (-r.units, r.rule_id)),
        changed_by_reviewer=totals.changed_by_reviewer,
        listed=await _listed(session, cycle),
        listed_limit=C_UNITS_LISTED,
    )


async def _listed(session: AsyncSession, cycle: int) -> list[CUnit]:
    """The first C units by town and name, each explained as its evaluation is."""
    rows = (
        await session.execute(
            select(Evaluation, Employer)
            .join(Employer, col(Employer.id) == col(Evaluation.employer_id))
            .where(
                Evaluation.cycle == cycle,
                col(Evaluation.status).in_([EvaluationStatus.notice, EvaluationStatus.final]),
                Evaluation.grade == Grade.C,
            )
            .order_by(col(Employer.town), col(Employer.name), col(Employer.id))
            .limit(C_UNITS_LISTED)
        )
    ).all()
    shown = await evaluation_reads.to_public(session=session, evaluations=[e for e, _ in rows])
    return [
        CUnit(
            employer_id=employer.id,
            name=employer.name,
            uscc=employer.uscc,
            town=employer.town,
            status=evaluation.status,
            explanation=public.explanation,
        )
        for (evaluation, employer), public in zip(rows, shown, strict=True)
    ]


async def _objections(session: AsyncSession, start: date, end: date, today: date) -> Objections:
    rows = (
        await session.execute(text(_OBJECTIONS), {"start": start, "end": end, "today": today})
    ).all()
    found = {row.handling: ObjectionCounts(**row._mapping) for row in rows}
    empty = ObjectionCounts(handling="total", **dict.fromkeys(_OBJECTION_FIGURES, 0))
    order = ("in_house", "departments", "not_accepted")
    return Objections(
        total=found.get("total", empty), by_handling=[found[h] for h in order if h in found]
    )


_OBJECTION_FIGURES = [name for name in ObjectionCounts.model_fields if name != "handling"]


async def _repairs(session: AsyncSession, start: date, end: date, today: date) -> Repairs:
    bounds = {"start": start, "end": end}
    row = (await session.execute(text(_REPAIRS), bounds | {"today": today})).one()
    reasons = (await session.execute(text(_REFUSALS), bounds)).all()
    decided = row.approved + row.refused
    return Repairs(
        **row._mapping,
        undetermined=decided - row.on_time - row.late,
        refusal_reasons={r.reason: r.refusals for r in sorted(reasons)},
    )


async def _inspections(session: AsyncSession, start: date, end: date) -> Inspections:
    bounds = {"start": start, "end": end}
    rows = {r.grade: r for r in (await session.execute(text(_VISITS), bounds)).all()}

    def counts(figure: str) -> GradeCounts:
        found = {g: getattr(rows[g], figure) if g in rows else 0 for g in ("A", "B", "C")}
        return GradeCounts(**found, total=sum(found.values()))

    return Inspections(
        plans=await session.scalar(text(_PLANS), bounds) or 0,
        planned=counts("planned"),
        done=counts("done"),
        violations_found=counts("violations_found"),
        not_inspected=counts("not_inspected"),
    )


async def _pushes(
    session: AsyncSession,
    settings: Settings,
    start: date,
    end: date,
    today: date,
    now: datetime,
) -> Pushes:
    zone = ZoneInfo(settings.timezone)
    bounds = {
        "start": datetime(start.year, 1, 1, tzinfo=zone),
        "end": datetime(end.year, 1, 1, tzinfo=zone),
        "today": today,
        "zone": settings.timezone,
        "since": now - timedelta(hours=settings.push_receipt_overdue_hours),
    }
    rows = (await session.execute(text(_PUSHES), bounds)).all()
    found = {row.subject: PushCounts(**row._mapping) for row in rows}
    empty = PushCounts(subject="total", **dict.fromkeys(_PUSH_FIGURES, 0))
    return Pushes(total=found.pop("total", empty), by_subject=[found[s] for s in sorted(found)])


_PUSH_FIGURES = [name for name in PushCounts.model_fields if name != "subject"]
