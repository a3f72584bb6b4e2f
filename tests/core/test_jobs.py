"""The jobs kit, and the scheduler's one list: every job is declared by its stage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core import events
from app.core.jobs import Context, daily, every, run_job
from app.models.scheduler import RunOutcome
from app.scheduler import CONSUMERS, all_jobs


async def _nothing(context: Context) -> str | None:
    return None


def test_a_daily_job_stands_for_one_local_day(settings) -> None:  # type: ignore[no-untyped-def]
    job = daily("d", "5 0 * * *", _nothing, settings)
    assert job.run_key is not None
    # 16:05 UTC on 1 March is 00:05 on 2 March in Asia/Shanghai: the legal day
    assert job.run_key(datetime(2026, 3, 1, 16, 5, tzinfo=UTC)) == "2026-03-02"
    yearly = daily("y", "0 2 1 1 *", _nothing, settings, key=lambda local: str(local.year - 1))
    assert yearly.run_key is not None
    assert yearly.run_key(datetime(2025, 12, 31, 18, 0, tzinfo=UTC)) == "2025"


async def test_upkeep_is_not_recorded(connection, settings, clock) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    async def work(context: Context) -> str | None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return "ok"

    name = f"upkeep-{uuid.uuid4().hex[:6]}"
    job = every(name, 60, work)
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    context = Context(factory=factory, settings=settings, clock=clock)
    assert await run_job(job, context=context, instance_id="t") == RunOutcome.succeeded
    assert await run_job(job, context=context, instance_id="t") == RunOutcome.failed
    assert await run_job(job, context=context, instance_id="t") == RunOutcome.succeeded
    assert len(calls) == 3  # every firing runs: no run key to claim
    async with factory() as session:
        recorded = await session.scalar(
            text("SELECT count(*) FROM job_runs WHERE job = :j"), {"j": name}
        )
    assert recorded == 0


def test_every_job_is_declared_by_its_stage(settings) -> None:  # type: ignore[no-untyped-def]
    jobs = all_jobs(settings)
    names = [job.name for job in jobs]
    assert len(names) == len(set(names))
    consumers = {f"{c.name}_events" for c in CONSUMERS}
    for job in jobs:
        module = job.work.__module__
        if job.name in consumers:
            assert module == events.__name__  # a consumer's drain, from the events kit
        else:
            assert module.startswith("app.") and module.endswith(".jobs"), (job.name, module)
    assert {
        "resume_imports", "blacklist_expiry", "yearly_grading", "resume_grading_runs",
        "art17_regrade", "close_notices", "grading_events", "audit_chain_check",
    } == set(names)  # fmt: skip
