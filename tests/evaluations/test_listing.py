"""The list of evaluations without an employer or a cycle: every cycle's page merged, newest first
across cycles, page after page as one sort of the whole table would give them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from app.evaluations import reads as evaluation_reads
from app.grading import apply
from app.grading import service as grading
from app.models.credit_record import RecordKind
from app.models.evaluation import EvaluationOrigin, EvaluationStatus
from app.models.user import Role
from tests.grading.support import Spec as R
from tests.grading.support import actor_of, add_record

BASE = "/api/v1/evaluations"
CHILD_LABOUR = R(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)
_NEWEST_FIRST = "SELECT id FROM evaluations {where} ORDER BY created_at DESC, id DESC"


async def _cycles_out_of_order(session, settings, make_employer, make_user, clock, today):  # type: ignore[no-untyped-def]
    """Evaluations of three cycles written in the order 2024, 2022, 2025 (so that newest first
    is neither the cycles' order nor its reverse), each statement its own ids, then a B and a C
    notice superseding the A of their records' cycle."""
    employers = [await make_employer() for _ in range(4)]
    batch = apply.Policy(origin=EvaluationOrigin.batch)
    for cycle in (2024, 2022, 2025):
        for employer in employers:
            await grading.regrade(
                session=session, employer_ids=[employer.id], cycle=cycle, policy=batch,
                today=today,
            )  # fmt: skip
    collector = actor_of(await make_user(Role.inspector))
    reviewer = actor_of(await make_user(Role.reviewer))
    await add_record(
        session, settings, employers[0].id, R(), clock=clock, collector=collector,
        reviewer=reviewer,
    )  # fmt: skip
    await add_record(
        session, settings, employers[1].id, CHILD_LABOUR, clock=clock, collector=collector,
        reviewer=reviewer,
    )  # fmt: skip
    for cycle in (2025, 2024):
        await grading.regrade(
            session=session, employer_ids=[employers[0].id, employers[1].id], cycle=cycle,
            policy=batch, today=today,
        )  # fmt: skip
    await session.flush()


async def _walked(session, actor, status, limit):  # type: ignore[no-untyped-def]
    """Every page of the list, followed cursor by cursor (merged per cycle, or for the notices
    off their own index)."""
    ids, cursor = [], None
    while True:
        rows, cursor = await evaluation_reads.list_(
            session=session, actor=actor, status=status, limit=limit, cursor=cursor
        )
        assert len(rows) <= limit
        ids += [row.id for row in rows]
        if cursor is None:
            return ids


async def test_every_cycle_merged_is_the_whole_table_newest_first(
    session, settings, make_employer, make_user, clock, today
):  # type: ignore[no-untyped-def]
    await _cycles_out_of_order(session, settings, make_employer, make_user, clock, today)
    auditor = actor_of(await make_user(Role.auditor))
    whole = list(await session.scalars(text(_NEWEST_FIRST.format(where=""))))
    assert len(whole) == 4 * 3 + 2  # three cycles of four employers, a B and a C notice
    cycles = list(await session.scalars(text("SELECT cycle FROM evaluations ORDER BY id")))
    assert {2022, 2024, 2025} <= set(cycles)
    assert cycles not in (sorted(cycles), sorted(cycles, reverse=True))
    for limit in (1, 3, 5, 50):
        assert await _walked(session, auditor, None, limit) == whole, limit


async def test_every_cycle_with_a_status_is_the_table_of_that_status(
    session, settings, make_employer, make_user, clock, today
):  # type: ignore[no-untyped-def]
    await _cycles_out_of_order(session, settings, make_employer, make_user, clock, today)
    auditor = actor_of(await make_user(Role.auditor))
    for status in (EvaluationStatus.final, EvaluationStatus.superseded, EvaluationStatus.notice):
        where = f"WHERE status = '{status.value}'"
        expected = list(await session.scalars(text(_NEWEST_FIRST.format(where=where))))
        assert expected, status
        for limit in (1, 4):
            assert await _walked(session, auditor, status, limit) == expected, (status, limit)


async def test_every_cycle_merged_over_http(
    client, session, settings, make_employer, make_user, clock, today, headers_for
):  # type: ignore[no-untyped-def]
    await _cycles_out_of_order(session, settings, make_employer, make_user, clock, today)
    whole = [str(i) for i in await session.scalars(text(_NEWEST_FIRST.format(where="")))]
    headers = await headers_for(Role.auditor)
    ids, cursor = [], None
    while True:
        query = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        answer = await client.get(BASE, params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert ids == whole


async def test_every_cycle_merged_reads_each_cycle_off_its_index(session):  # type: ignore[no-untyped-def]
    query = evaluation_reads._listing(("after_at", "after_id")).params(
        after_at=datetime(2026, 1, 1, tzinfo=UTC), after_id=uuid.UUID(int=0), limit=51
    )
    plan = await _plan(session, query)
    assert "generate_series" in plan and "ix_evaluations_cycle_created" in plan, plan


async def test_the_notices_are_sorted_off_their_own_index(session):  # type: ignore[no-untyped-def]
    query = evaluation_reads._listing(("status", "notices")).params(
        status=EvaluationStatus.notice.value, limit=51
    )
    plan = await _plan(session, query)
    assert "ix_evaluations_notice_deadline" in plan and "generate_series" not in plan, plan


async def _plan(session, query) -> str:  # type: ignore[no-untyped-def]
    """The plan of `query` (its values bound) on a table too small to be read by an index
    unless the planner must."""
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(await session.scalars(text(f"EXPLAIN {compiled}")))
