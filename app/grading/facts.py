"""Facts per employer and cycle, set-based, from verified current records only.

Drafts, superseded and revoked versions never count (one verified version per record exists, so
counting rows counts distinct records). A wage-arrears listing (Art 13, 人社部令第45号) counts in
every cycle the unit was listed during: its period `[listed_on, end)`, `end` being the earlier
of the day it was removed (`removed_on`) and the day its term ends (`expires_on`), overlaps the
cycle, i.e. `listed_on <= 31 Dec` and `end > 1 Jan`. Listed on 31 December counts in that
year; removed (or expired) on 1 January does not count in that year, only in the years before.
The listing's record stays verified when the listing ends, so a past year keeps its listing;
a record revoked because the listing was wrong counts nowhere. A `wage_arrears_listing` record
that no listing wrote (intake, a file import) has no end here: it counts from its decision
date on, while verified. Each fact is a count with the ids of the records behind
it, so an explanation names its evidence. The same SELECT serves one employer (`compute`) and a
slice of a million (`sql`, wrapped by `grading.apply`).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.grading.rules import Facts
from app.models.credit_record import SeriousCondition
from app.models.rule_set import Fact


class Mode(StrEnum):
    cycle = "cycle"  # the cycle's grade
    art17 = "art17"  # Art 17: rectified-and-performed records no longer count against the unit


DECIDED_IN_CYCLE = "r.decision_date BETWEEN :cycle_start AND :cycle_end"
# a serious condition counts in the cycle it was decided, or occurred when nothing was decided
HAPPENED_IN_CYCLE = "coalesce(r.decision_date, r.occurred_date) BETWEEN :cycle_start AND :cycle_end"
RECTIFIED = "(r.rectified_date IS NOT NULL AND r.penalty_performed_date IS NOT NULL)"
# The listing that wrote record `r` ended before the cycle began. A listing's record carries its
# employer and, as its decision date, the listing date (`blacklist.service`), both in the grading
# index, so a slice's scan of the records stays index-only (`ix_credit_records_grading`): the
# listings that ended before the cycle are read once per statement into a hash (a few thousand
# rows in a county), probed only by listing records decided by the cycle's end (an AND
# evaluates left to right); no join per record, whatever the runs' planner settings.
LISTING_ENDED_BEFORE = """(r.employer_id, r.decision_date) IN (
    SELECT b.employer_id, b.listed_on FROM blacklist_entries b
    WHERE least(b.removed_on, b.expires_on) <= :cycle_start)"""
LISTED_IN_CYCLE = (
    "r.kind = 'wage_arrears_listing' AND r.decision_date <= :cycle_end "
    f"AND NOT {LISTING_ENDED_BEFORE}"
)


def predicates(mode: Mode) -> dict[Fact, str]:
    """Which records make each fact; the rules only ever see these counts."""
    found = {
        Fact.punished_count: f"r.punished AND {DECIDED_IN_CYCLE}",
        **{
            Fact(condition.value): f"r.serious_conditions @> ARRAY['{condition.value}']::varchar[] "
            f"AND {HAPPENED_IN_CYCLE}"
            for condition in SeriousCondition
        },
        # Art 13: listed during the cycle (see the module's docstring)
        Fact.wage_arrears_list: LISTED_IN_CYCLE,
    }
    if mode == Mode.art17:
        found = {fact: f"{where} AND NOT {RECTIFIED}" for fact, where in found.items()}
        found[Fact.rectified_count] = f"r.punished AND {DECIDED_IN_CYCLE} AND {RECTIFIED}"
    else:
        found[Fact.rectified_count] = "false"
    return found


def sql(employers: str, mode: Mode = Mode.cycle, *, bounded: bool = False) -> str:
    """A SELECT of `employer_id`, `<fact>` (a count) and `<fact>_ids` (the records counted, NULL
    for none) for each employer that the subquery `employers` (one column `id`) yields and that
    has a record that can matter; an employer without any has no row (its facts are all zero).
    Bind :cycle_start and :cycle_end, and with `bounded` :first_id, :last_id and :only (a slice's
    range and the run's list or NULL: an index range scan then finds the slice's records).
    Only records that can matter are aggregated, grouped once, in id order."""
    tests, aggregates = [], []  # each predicate evaluated once per record, not per aggregate
    for fact, where in predicates(mode).items():
        if where == "false":  # a fact this mode never counts
            aggregates.append(f"0 AS {fact.value}, CAST(NULL AS uuid[]) AS {fact.value}_ids")
            continue
        tests.append(f"({where}) AS is_{fact.value}")
        aggregates.append(f"count(*) FILTER (WHERE r.is_{fact.value})::int AS {fact.value}")
        aggregates.append(f"array_agg(r.id) FILTER (WHERE r.is_{fact.value}) AS {fact.value}_ids")
    if bounded:  # an index-only range scan of ix_credit_records_grading, in (employer, id) order
        within = (
            "r.employer_id BETWEEN :first_id AND :last_id AND (CAST(:only AS uuid[]) IS NULL "
            "OR r.employer_id = ANY(CAST(:only AS uuid[])))"
        )
    else:
        within = f"r.employer_id IN (SELECT id FROM ({employers}) s)"
    return f"""
        SELECT r.employer_id, {", ".join(aggregates)}
        FROM (
            SELECT r.id, r.employer_id, {", ".join(tests)}
            FROM credit_records r
            WHERE {within}
              AND r.status = 'verified'
              AND coalesce(r.decision_date, r.occurred_date) <= :cycle_end
              AND (r.punished OR r.serious_conditions <> '{{}}' OR r.kind = 'wage_arrears_listing')
            ORDER BY r.employer_id, r.id
        ) r
        GROUP BY r.employer_id
    """


def bounds(cycle: int) -> dict[str, Any]:
    """Cycle = the calendar year (Art 10, docs/law.md §3 default)."""
    return {"cycle_start": date(cycle, 1, 1), "cycle_end": date(cycle, 12, 31)}


async def compute(
    *,
    session: AsyncSession,
    employer_ids: list[uuid.UUID],
    cycle: int,
    mode: Mode = Mode.cycle,
) -> dict[uuid.UUID, Facts]:
    """The facts of a few employers, for the Python evaluator."""
    query = sql("SELECT unnest(CAST(:employer_ids AS uuid[])) AS id", mode)
    rows = await session.execute(text(query), {"employer_ids": employer_ids, **bounds(cycle)})
    found = {
        employer_id: Facts(
            employer_id=employer_id,
            cycle=cycle,
            counts=dict.fromkeys(Fact, 0),
            record_ids={fact: [] for fact in Fact},
        )
        for employer_id in employer_ids
    }
    for row in rows.mappings():
        found[row["employer_id"]] = Facts(
            employer_id=row["employer_id"],
            cycle=cycle,
            counts={fact: row[fact.value] for fact in Fact},
            record_ids={fact: list(row[f"{fact.value}_ids"] or []) for fact in Fact},
        )
    return found
