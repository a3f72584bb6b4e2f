"""Exactly one scheduler leads; standbys take over; a job's run for one key happens once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import migrations
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine
from app.core.jobs import Context, Job, run_job
from app.models.scheduler import RunOutcome
from app.scheduler import SchedulerInstance
from tests.conftest import throwaway_database


@pytest.fixture(scope="module")
async def scratch_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database of its own: scheduler work commits for real, across connections."""
    async with throwaway_database(database_url, "scheduler") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        engine = create_engine(url, pool_size=10)
        yield engine
        await engine.dispose()


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"scheduler_poll_seconds": 0.1, "scheduler_heartbeat_seconds": 0.1}
    )


def recording_job(name: str, done: list[str], key: str | None = None) -> Job:
    async def work(context: Context) -> str:
        done.append(name)
        return "ok"

    return Job(
        name,
        IntervalTrigger(seconds=0.1),
        work,
        (lambda at: key) if key else (lambda at: at.strftime("%H%M%S.%f")[:8]),
    )


async def wait_until(condition, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_one_leader_and_takeover(
    scratch_engine: AsyncEngine, fast_settings: Settings, clock: Clock
):
    done: list[str] = []
    job = recording_job(f"once-{uuid.uuid4().hex[:6]}", done, key="the-only-key")
    first = SchedulerInstance(scratch_engine, fast_settings, clock=clock, jobs=[job])
    second = SchedulerInstance(scratch_engine, fast_settings, clock=clock, jobs=[job])
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(first.run(stop_first)),
        asyncio.create_task(second.run(stop_second)),
    ]
    try:
        await wait_until(lambda: first.is_leader or second.is_leader)
        for _ in range(10):  # never both at once
            assert not (first.is_leader and second.is_leader)
            await asyncio.sleep(0.05)
        leader, standby, stop_leader = (
            (first, second, stop_first) if first.is_leader else (second, first, stop_second)
        )
        await wait_until(lambda: done == [job.name])
        stop_leader.set()  # the leader goes away: the standby takes over
        await wait_until(lambda: standby.is_leader)
        assert not leader.is_leader
        await asyncio.sleep(0.5)  # the job keeps firing on the new leader...
        assert done == [job.name]  # ...but its one key was done already
        async with scratch_engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT outcome, attempts FROM job_runs WHERE job = :j"), {"j": job.name}
                )
            ).all()
        assert rows == [("succeeded", 1)]
    finally:
        stop_first.set()
        stop_second.set()
        await asyncio.gather(*tasks)


async def test_failed_run_is_retried_and_success_is_final(
    scratch_engine: AsyncEngine, settings: Settings, clock: Clock
):
    from app.core.db import session_factory

    context = Context(factory=session_factory(scratch_engine), settings=settings, clock=clock)
    attempts: list[int] = []

    async def flaky(_: Context) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("platform down")
        return "done"

    job = Job(f"flaky-{uuid.uuid4().hex[:6]}", IntervalTrigger(hours=1), flaky, lambda at: "2025")
    now = datetime(2026, 1, 1)
    assert (
        await run_job(job, context=replace(context, instance_id="a"), now=now) == RunOutcome.failed
    )
    assert (
        await run_job(job, context=replace(context, instance_id="b"), now=now)
        == RunOutcome.succeeded
    )
    assert await run_job(job, context=replace(context, instance_id="c"), now=now) is None
    assert len(attempts) == 2
    async with scratch_engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT outcome, attempts, instance_id FROM job_runs WHERE job = :j"),
                {"j": job.name},
            )
        ).one()
    assert tuple(row) == ("succeeded", 2, "b")


async def test_stats_show_the_leader(client, headers_for, session):
    from app.core import jobs
    from app.models.user import Role

    await jobs.heartbeat(
        session=session, instance_id="host:1:abc", hostname="host", pid=1, is_leader=True
    )
    r = await client.get("/api/v1/stats/scheduler", headers=await headers_for(Role.auditor))
    assert r.status_code == 200, r.text
    assert r.json()["leader"] == "host:1:abc"
    r = await client.get("/api/v1/stats/scheduler", headers=await headers_for(Role.employer))
    assert r.status_code == 403


async def _beat_at(session, instance_id: str, seconds_ago: float, *, leader: bool) -> None:  # type: ignore[no-untyped-def]
    from app.core import jobs

    await jobs.heartbeat(
        session=session, instance_id=instance_id, hostname="host", pid=1, is_leader=leader
    )
    await session.execute(
        text(
            "UPDATE scheduler_heartbeats SET beat_at = now() - make_interval(secs => :s) "
            "WHERE instance_id = :i"
        ),
        {"s": seconds_ago, "i": instance_id},
    )


async def test_stats_flag_silent_instances_stale_and_forget_the_long_dead(
    client, headers_for, session, settings
):
    """Defaults: a beat each 15 s (a standby's poll: 5 s); stale after 3 beats; gone after 1 h."""
    from app.models.user import Role

    await _beat_at(session, "host:1:dead-leader", 60, leader=True)  # killed: no last beat
    await _beat_at(session, "host:2:standby", 5, leader=False)
    await _beat_at(session, "host:3:long-gone", 2 * 3600, leader=False)
    r = await client.get("/api/v1/stats/scheduler", headers=await headers_for(Role.auditor))
    assert r.status_code == 200, r.text
    shown = {i["instance_id"]: i["stale"] for i in r.json()["instances"]}
    assert shown == {"host:1:dead-leader": True, "host:2:standby": False}
    assert r.json()["leader"] is None  # a stale leader leads nothing
    assert r.json()["stale_after_seconds"] == 3 * settings.scheduler_heartbeat_seconds


async def test_the_leader_prunes_the_long_dead(
    scratch_engine: AsyncEngine, fast_settings: Settings, clock: Clock
):
    from app.core.db import session_factory

    async with session_factory(scratch_engine)() as session, session.begin():
        await _beat_at(session, "host:4:long-gone", 2 * 3600, leader=True)
        await _beat_at(session, "host:5:lately", 60, leader=False)
    instance = SchedulerInstance(scratch_engine, fast_settings, clock=clock, jobs=[])
    stop = asyncio.Event()
    task = asyncio.create_task(instance.run(stop))
    try:
        await wait_until(lambda: instance.is_leader)
        await asyncio.sleep(0.3)  # a beat or two
    finally:
        stop.set()
        await task
    async with scratch_engine.connect() as conn:
        kept = (await conn.execute(text("SELECT instance_id FROM scheduler_heartbeats"))).all()
    kept_ids = {row[0] for row in kept}
    assert "host:4:long-gone" not in kept_ids
    assert {"host:5:lately", instance.instance_id} <= kept_ids
