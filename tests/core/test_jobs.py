"""The jobs kit, and the scheduler's one list: every job is declared by its stage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core import events
from app.core.jobs import Context, daily, every, retries, run_job
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
    assert await run_job(job, context=context) == RunOutcome.succeeded
    assert await run_job(job, context=context) == RunOutcome.failed
    assert await run_job(job, context=context) == RunOutcome.succeeded
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
        if job.name == "retry_failed_runs":
            assert module == "app.core.jobs"  # the kit's retries of the stages' failed runs
            continue
        if job.name in consumers:
            assert module == events.__name__  # a consumer's drain, from the events kit
        else:
            assert module.startswith("app.") and module.endswith(".jobs"), (job.name, module)
    assert {
        "resume_imports", "blacklist_expiry", "yearly_grading", "resume_grading_runs",
        "art17_regrade", "serve_notices", "close_notices", "grading_events", "blacklist_events",
        "audit_chain_check", "disclosure_expiry", "disclosure_events",
        "calendar_coverage_check",
        "notifications_events", "notification_deliveries",
        "date_objection_deadlines", "objection_deadlines",
        "push_events", "push_deliver", "push_reconciliation", "documents_events",
        "retry_failed_runs",
    } == set(names)  # fmt: skip


async def test_a_failed_run_of_a_retried_job_is_tried_again_after_a_backoff(
    connection, settings, clock
) -> None:  # type: ignore[no-untyped-def]
    attempts: list[str] = []

    async def grade_the_year(context: Context) -> str | None:
        attempts.append(context.instance_id)
        if len(attempts) == 1:
            raise RuntimeError("calendar year 2027 is not loaded")
        return "graded"

    name = f"yearly-{uuid.uuid4().hex[:6]}"
    yearly = daily(name, "0 2 1 1 *", grade_the_year, settings, key=lambda at: "2025",
                   retried=True)  # fmt: skip
    once = daily(f"once-{name}", "0 2 1 1 *", grade_the_year, settings, key=lambda at: "2025")
    retry = retries([yearly, once])
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    leader = Context(factory=factory, settings=settings, clock=clock, instance_id="leader")

    async def run(sql: str) -> object:
        async with factory() as session, session.begin():
            return tuple((await session.execute(text(sql), {"j": name})).one())

    assert await run_job(yearly, context=leader) == RunOutcome.failed
    assert await retry.work(leader) is None  # the backoff (5 minutes) has not passed
    await run("UPDATE job_runs SET finished_at = now() - interval '6 minutes' "
              "WHERE job = :j RETURNING job")  # fmt: skip
    assert await retry.work(leader) == "retried 1 run(s)"
    assert await run("SELECT outcome, attempts, run_key FROM job_runs WHERE job = :j") == (
        "succeeded", 2, "2025",
    )  # fmt: skip
    assert await retry.work(leader) is None  # success is final
    assert attempts == ["leader", "leader"]


async def test_a_run_left_running_by_a_dead_leader_is_taken_over(
    connection, settings, clock
) -> None:  # type: ignore[no-untyped-def]
    done: list[str] = []

    async def work(context: Context) -> str | None:
        done.append(context.instance_id)
        return "ok"

    name = f"expiry-{uuid.uuid4().hex[:6]}"
    job = daily(name, "5 0 * * *", work, settings, retried=True)
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    async with factory() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO job_runs (id, job, run_key, outcome, instance_id, attempts) "
                "VALUES (:id, :j, '2026-11-26', 'running', 'old-leader', 1)"
            ),
            {"id": uuid.uuid4(), "j": name},
        )
    me = Context(factory=factory, settings=settings, clock=clock, instance_id="new-leader")
    mine = Context(factory=factory, settings=settings, clock=clock, instance_id="old-leader")
    assert await retries([job]).work(mine) is None  # its own run is still in progress
    assert await retries([job]).work(me) == "retried 1 run(s)"
    assert done == ["new-leader"]
