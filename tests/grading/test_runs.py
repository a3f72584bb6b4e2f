"""A grading run's workers on their own connections (a database of this module's own, committed
for real): several slices graded at once, a run stopped part-way and resumed, employers created
after the run was planned — each employer ends with exactly one current evaluation, graded as
the benchmark's independent bare SQL grades it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core import actors, migrations
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.grading import runs as grading_runs
from app.models.grading_run import GradingRun
from bench import grading, grading_data
from bench.harness import plain
from tests.conftest import server_settings, throwaway_database

EMPLOYERS = 400
CYCLE = grading.CYCLE


@pytest.fixture(scope="module")
async def graded_url(database_url: str) -> AsyncIterator[str]:
    async with throwaway_database(database_url, "workers") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        await grading_data.generate(url, EMPLOYERS)
        await grading.bare_sql(url, CYCLE, runs=1)
        yield url


@pytest.fixture
async def factory(graded_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(graded_url, pool_size=4)
    yield session_factory(engine)
    await engine.dispose()
    conn = await asyncpg.connect(plain(graded_url))
    try:  # the next test starts without grades (the table refuses DELETE: bypass its triggers)
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("TRUNCATE evaluations, grading_run_slices, grading_runs CASCADE")
    finally:
        await conn.close()


def _settings(url: str, **changes: object) -> Settings:
    return server_settings(url, grading_workers=3, grading_slice_employers=37).model_copy(
        update=changes
    )


async def _start(factory: async_sessionmaker[AsyncSession], clock: Clock) -> GradingRun:
    async with factory() as session, session.begin():
        return await grading_runs.start(
            session=session, cycle=CYCLE, employer_ids=None, actor=actors.system("test"),
            clock=clock,
        )  # fmt: skip


async def _silence(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> None:
    """The run's workers went silent an hour ago, by the database's clock (the lease's)."""
    async with factory() as session, session.begin():
        await session.execute(
            update(GradingRun)
            .where(col(GradingRun.id) == run_id)
            .values(heartbeat_at=func.now() - timedelta(hours=1))
        )


async def _outcome(url: str) -> tuple[int, int, int]:
    """(employers, current evaluations, employers graded differently from the bare SQL)."""
    conn = await asyncpg.connect(plain(url))
    try:
        employers = await conn.fetchval("SELECT count(*) FROM employers")
        current = await conn.fetchval(
            "SELECT count(*) FROM evaluations WHERE cycle = $1 AND status <> 'superseded'", CYCLE
        )
        differ = await conn.fetchval(grading._DISAGREEING, CYCLE)
        return employers, current, differ
    finally:
        await conn.close()


async def test_workers_grade_every_slice_once(graded_url, factory, clock):  # type: ignore[no-untyped-def]
    settings = _settings(graded_url)
    run = await _start(factory, clock)
    finished = await grading_runs.run(
        factory=factory, run_id=run.id, settings=settings, clock=clock
    )
    assert finished is not None and finished.status == "finished"
    assert (finished.done, finished.changed) == (EMPLOYERS, EMPLOYERS)
    assert sum(finished.counts.values()) == EMPLOYERS
    assert await _outcome(graded_url) == (EMPLOYERS, EMPLOYERS, 0)
    assert await _announced(graded_url, run.id) == (1, finished.counts["C"])

    again = await _start(factory, clock)
    rerun = await grading_runs.run(factory=factory, run_id=again.id, settings=settings, clock=clock)
    assert rerun is not None and (rerun.status, rerun.done, rerun.changed) == (
        "finished", EMPLOYERS, 0,
    )  # fmt: skip
    assert rerun.counts == finished.counts
    assert await _announced(graded_url, again.id) == (0, 0)  # it changed nothing


async def _announced(url: str, run_id: uuid.UUID) -> tuple[int, int]:
    """(the run's own events, the per-employer events of its evaluations): its A and B grades
    are announced once, by the run; each C is announced as a notice."""
    conn = await asyncpg.connect(plain(url))
    try:
        own = await conn.fetchval(
            "SELECT count(*) FROM credit_events WHERE event_type = 'grading_run.completed' "
            "AND subject_id = $1 AND employer_id IS NULL",
            run_id,
        )
        each = await conn.fetchval(
            "SELECT count(*) FROM credit_events c JOIN evaluations e ON e.id = c.subject_id "
            "WHERE c.subject_type = 'evaluation' AND e.grading_run_id = $1",
            run_id,
        )
        return own, each
    finally:
        await conn.close()


async def test_a_slice_gives_its_evaluations_ordered_uuid7_ids(graded_url, factory, clock):  # type: ignore[no-untyped-def]
    settings = _settings(graded_url)
    run = await _start(factory, clock)
    await grading_runs.run(factory=factory, run_id=run.id, settings=settings, clock=clock)
    conn = await asyncpg.connect(plain(graded_url))
    try:  # each slice's evaluations in employer order, with its slice's sequence number
        rows = await conn.fetch(
            "SELECT s.seq, v.id FROM evaluations v JOIN grading_run_slices s "
            "ON s.run_id = v.grading_run_id AND v.employer_id BETWEEN s.low_id AND s.high_id "
            "ORDER BY s.seq, v.employer_id"
        )
    finally:
        await conn.close()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == EMPLOYERS
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    by_slice: dict[int, list[uuid.UUID]] = {}
    for row in rows:
        by_slice.setdefault(row["seq"], []).append(row["id"])
    assert len(by_slice) > 2
    for slice_ids in by_slice.values():  # appended at the primary key's right edge, in order
        assert slice_ids == sorted(slice_ids)


async def test_a_stopped_run_resumes_to_one_evaluation_each(graded_url, factory, clock):  # type: ignore[no-untyped-def]
    settings = _settings(graded_url)
    run = await _start(factory, clock)
    stopped = await grading_runs.run(
        factory=factory, run_id=run.id, settings=settings, clock=clock, max_slices=4
    )
    assert stopped is not None and stopped.status == "running"
    assert 0 < stopped.done < EMPLOYERS
    await _silence(factory, run.id)
    finished = await grading_runs.run(
        factory=factory, run_id=run.id, settings=settings, clock=clock
    )
    assert finished is not None and (finished.status, finished.done) == ("finished", EMPLOYERS)
    assert await _outcome(graded_url) == (EMPLOYERS, EMPLOYERS, 0)


async def test_an_employer_created_after_planning_is_graded(graded_url, factory, clock):  # type: ignore[no-untyped-def]
    settings = _settings(graded_url, grading_workers=1)
    run = await _start(factory, clock)
    await grading_runs.run(
        factory=factory, run_id=run.id, settings=settings, clock=clock, max_slices=1
    )
    conn = await asyncpg.connect(plain(graded_url))
    try:  # past the graded first slice: mid-space and at the very end of the id space
        added = [uuid.UUID(int=1 << 127), uuid.UUID(int=(1 << 128) - 2)]
        late = grading_data.employer_rows(EMPLOYERS, EMPLOYERS + len(added))
        rows = [(employer_id, *row[1:]) for employer_id, row in zip(added, late, strict=True)]
        await conn.copy_records_to_table(
            "employers", columns=grading_data.EMPLOYER_COLUMNS, records=rows
        )
        await _silence(factory, run.id)
        finished = await grading_runs.run(
            factory=factory, run_id=run.id, settings=settings, clock=clock
        )
        assert finished is not None and finished.status == "finished"
        graded = await conn.fetch(
            "SELECT employer_id, grade FROM evaluations WHERE employer_id = ANY($1)", added
        )
        assert sorted((r["employer_id"], r["grade"]) for r in graded) == sorted(
            (i, "A") for i in added
        )
        # the module's other tests expect the generated employers only (employers refuse
        # DELETE: bypass the guard)
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("DELETE FROM employers WHERE id = ANY($1)", added)
    finally:
        await conn.close()
