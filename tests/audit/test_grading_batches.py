"""A grading run audits each slice it writes as one event (no per-row cost): the slice's
evaluations by their range of ids, their count and their digest, which the verification
recomputes, so an evaluation edited through SQL afterwards is named (a database of this
module's own: the run's workers commit for real)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from app.audit import verification
from app.core import actors, migrations
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.grading import runs as grading_runs
from bench import grading_data
from bench.harness import plain
from tests.conftest import server_settings, throwaway_database

EMPLOYERS, SLICE = 120, 37  # four slices: 37, 37, 37 and 9


@pytest.fixture
async def url(database_url: str) -> AsyncIterator[str]:
    async with throwaway_database(database_url, "batches") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        await grading_data.generate(url, EMPLOYERS)
        yield url


async def _run(url: str, settings: Settings, clock) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(url, pool_size=3)
    factory = session_factory(engine)
    try:
        async with factory() as session, session.begin():
            run = await grading_runs.start(
                session=session, cycle=2025, employer_ids=None, actor=actors.system("test"),
                clock=clock,
            )  # fmt: skip
        await grading_runs.run(factory=factory, run_id=run.id, settings=settings, clock=clock)
    finally:
        await engine.dispose()


async def _verified(url: str, settings: Settings):  # type: ignore[no-untyped-def]
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            return await verification.verify(session=session, settings=settings, checkpoints=[])
    finally:
        await engine.dispose()


async def test_each_slice_is_one_event_and_an_edited_grade_is_named(url, clock):  # type: ignore[no-untyped-def]
    settings = server_settings(url, grading_workers=2, grading_slice_employers=SLICE)
    await _run(url, settings, clock)
    conn = await asyncpg.connect(plain(url))
    try:
        slices = await conn.fetch(
            "SELECT seq, changes->'evaluations_written'->'new' AS written FROM audit_events "
            "WHERE action = 'grading_run.slice' ORDER BY seq"
        )
        assert len(slices) == 4
        assert sorted(json.loads(s["written"])["count"] for s in slices) == [9, 37, 37, 37]
        result = await _verified(url, settings)
        assert (result.intact, result.grade_batches_checked) == (True, 4)

        await _run(url, settings, clock)  # nothing changes: nothing written, no slice event
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_events WHERE action = 'grading_run.slice'"
            )
            == 4
        )

        victim = await conn.fetchrow(
            "SELECT id, employer_id FROM evaluations WHERE grade = 'B' ORDER BY id LIMIT 1"
        )
        async with conn.transaction():  # an insider, behind the table's guard
            await conn.execute("ALTER TABLE evaluations DISABLE TRIGGER ALL")
            await conn.execute(
                "UPDATE evaluations SET grade = 'A', computed_grade = 'A', "
                "fired_rules = '{A.no_punishment}', evidence_counts = NULL, evidence_ids = NULL "
                "WHERE id = $1",
                victim["id"],
            )
            await conn.execute("ALTER TABLE evaluations ENABLE TRIGGER ALL")
        (owner,) = [
            s["seq"]
            for s in await conn.fetch(
                "SELECT seq, changes->'evaluations_written'->'new'->>'first_id' AS first_id, "
                "changes->'evaluations_written'->'new'->>'last_id' AS last_id FROM audit_events "
                "WHERE action = 'grading_run.slice'"
            )
            if s["first_id"] <= str(victim["id"]) <= s["last_id"]
        ]
    finally:
        await conn.close()
    result = await _verified(url, settings)
    print(f"verification: {result.model_dump(mode='json')}")
    assert [(f.kind, f.seq) for f in result.findings] == [("grades_changed", owner)]
    assert "(grading_run.slice) wrote" in (result.reason or "")
