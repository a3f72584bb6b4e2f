"""Batch grading runs: started over HTTP, run in the background, idempotent, resumable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.core.clock import Clock
from app.core.errors import Conflict
from app.core.jobs import Context
from app.grading import runs as grading_runs
from app.models.credit_record import RecordKind
from app.models.user import Role
from app.scheduler import all_jobs
from tests.conftest import assert_problem
from tests.grading.support import Spec, actor_of, add_record

BASE = "/api/v1/grading-runs"


@pytest.fixture
async def employers(session, settings, make_employer, make_user, clock):  # type: ignore[no-untyped-def]
    """Five employers: A, B, C (threshold), C (child labour), A."""
    collector = actor_of(await make_user(Role.inspector))
    reviewer = actor_of(await make_user(Role.reviewer))
    plans = [
        [],
        [Spec()],
        [Spec(), Spec(), Spec()],
        [Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)],
        [],
    ]
    made = []
    for specs in plans:
        employer = await make_employer()
        for spec in specs:
            await add_record(
                session,
                settings,
                employer.id,
                spec,
                clock=clock,
                collector=collector,
                reviewer=reviewer,
            )
        made.append(employer.id)
    return made


async def _current(session, ids):  # type: ignore[no-untyped-def]
    rows = await session.execute(
        text(
            "SELECT employer_id, id, grade, status FROM evaluations "
            "WHERE employer_id = ANY(:ids) AND status IN ('notice', 'final')"
        ),
        {"ids": ids},
    )
    return {row.employer_id: row for row in rows}


async def test_cycle_must_have_ended(client, headers_for):  # type: ignore[no-untyped-def]
    reviewer = await headers_for(Role.reviewer)
    problem = assert_problem(await client.post(BASE, json={"cycle": 2026}, headers=reviewer), 422)
    assert problem["errors"][0]["loc"] == ["body", "cycle"]
    inspector = await headers_for(Role.inspector)
    assert_problem(await client.post(BASE, json={"cycle": 2025}, headers=inspector), 403)


async def test_whether_a_cycle_has_ended_is_the_app_clock_s(app, client, headers_for):  # type: ignore[no-untyped-def]
    """On a day of 2031 by the app's clock, 2031 has not ended and 2030 is the newest gradable
    cycle, whatever the wall clock says."""
    app.state.clock = Clock.pinned(datetime(2031, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    reviewer = await headers_for(Role.reviewer)
    problem = assert_problem(await client.post(BASE, json={"cycle": 2031}, headers=reviewer), 422)
    assert problem["errors"][0]["msg"] == (
        "cycle 2031 has not ended (today is 2031-06-01); the newest gradable is 2030"
    )


async def test_a_cycle_before_the_first_rule_set_is_refused(client, headers_for):  # type: ignore[no-untyped-def]
    """Version 1 is in force from 2022-12-26: 2021 ended before any rule set existed, so no run
    may grade it (everyone would be A under rules that did not exist); 2022, which ended after
    that day, is the first gradable cycle."""
    reviewer = await headers_for(Role.reviewer)
    refused = await client.post(BASE, json={"cycle": 2021}, headers=reviewer)
    problem = assert_problem(refused, 422)
    [error] = problem["errors"]
    assert error["loc"] == ["body", "cycle"]
    assert error["msg"] == (
        "cycle 2021 ended before the first grading rule set took effect (2022-12-26); "
        "the first gradable cycle is 2022"
    )
    assert problem["first_gradable_cycle"] == 2022
    assert (await client.get(BASE, headers=reviewer)).json()["items"] == []
    first = await client.post(BASE, json={"cycle": 2022, "employer_ids": []}, headers=reviewer)
    assert first.status_code == 202, first.text
    assert first.json()["cycle"] == 2022


async def test_unknown_employers_are_refused_by_id(client, employers, headers_for):  # type: ignore[no-untyped-def]
    """A run of listed employers names each one: one that does not exist is a 422 listing it,
    not a run that silently grades fewer (`total: 0`)."""
    reviewer = await headers_for(Role.reviewer)
    unknown = sorted(uuid.uuid4() for _ in range(2))
    body = {"cycle": 2025, "employer_ids": [str(i) for i in [*employers[:2], *unknown]]}
    problem = assert_problem(await client.post(BASE, json=body, headers=reviewer), 422)
    [error] = problem["errors"]
    assert error["loc"] == ["body", "employer_ids"]
    assert error["msg"] == f"no employer has the ids {unknown[0]}, {unknown[1]}"
    assert problem["unknown_employer_ids"] == [str(i) for i in unknown]
    assert problem["unknown_count"] == 2
    many = sorted(uuid.uuid4() for _ in range(25))
    body = {"cycle": 2025, "employer_ids": [str(i) for i in many]}
    problem = assert_problem(await client.post(BASE, json=body, headers=reviewer), 422)
    assert problem["errors"][0]["msg"].endswith(f"{many[19]} and 5 more")
    assert (problem["unknown_employer_ids"], problem["unknown_count"]) == (
        [str(i) for i in many[:20]], 25,
    )  # fmt: skip
    assert (await client.get(BASE, headers=reviewer)).json()["items"] == []
    known = {"cycle": 2025, "employer_ids": [str(i) for i in [*employers, employers[0]]]}
    started = await client.post(BASE, json=known, headers=reviewer)
    assert (started.status_code, started.json()["total"]) == (202, 5)


async def test_run_grades_in_the_background_and_a_rerun_changes_nothing(
    client, session, employers, headers_for
):  # type: ignore[no-untyped-def]
    reviewer = await headers_for(Role.reviewer)
    body = {"cycle": 2025, "employer_ids": [str(i) for i in employers]}
    started = await client.post(BASE, json=body, headers=reviewer)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued" and started.json()["total"] == 5
    run = (await client.get(started.headers["location"], headers=reviewer)).json()
    assert (run["status"], run["done"], run["changed"]) == ("finished", 5, 5)
    assert run["counts"] == {"A": 2, "B": 1, "C": 2}
    first = await _current(session, employers)
    assert [first[i].grade for i in employers] == ["A", "B", "C", "C", "A"]
    assert [first[i].status for i in employers] == ["final", "final", "notice", "notice", "final"]

    again = await client.post(BASE, json=body, headers=reviewer)
    rerun = (await client.get(again.headers["location"], headers=reviewer)).json()
    assert (rerun["status"], rerun["done"], rerun["changed"]) == ("finished", 5, 0)
    assert await _current(session, employers) == first
    listed = (await client.get(BASE, params={"cycle": 2025}, headers=reviewer)).json()
    assert [r["id"] for r in listed["items"]] == [rerun["id"], run["id"]]


async def test_a_run_stopped_after_a_slice_resumes_to_one_evaluation_each(
    connection, session, settings, employers, make_user, clock
):  # type: ignore[no-untyped-def]
    small = settings.model_copy(update={"grading_slice_employers": 2})
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    admin = actor_of(await make_user(Role.admin))
    run = await grading_runs.start(
        session=session, cycle=2025, employer_ids=employers, actor=admin, clock=clock
    )
    await session.flush()
    stopped = await grading_runs.run(
        factory=factory, run_id=run.id, settings=small, clock=clock, max_slices=1
    )
    assert stopped is not None and (stopped.status, stopped.done) == ("running", 2)
    # its worker is alive (fresh heartbeat): nobody else takes it over
    assert (
        await grading_runs.run(factory=factory, run_id=run.id, settings=small, clock=clock) is None
    )
    await session.execute(
        text("UPDATE grading_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = :i"),
        {"i": run.id},
    )
    assert run.id in await grading_runs.resumable(session=session, settings=small)
    finished = await grading_runs.run(factory=factory, run_id=run.id, settings=small, clock=clock)
    assert finished is not None and (finished.status, finished.done) == ("finished", 5)
    counts = await session.execute(
        text(
            "SELECT employer_id, count(*) FROM evaluations WHERE employer_id = ANY(:ids) "
            "AND cycle = 2025 GROUP BY employer_id"
        ),
        {"ids": employers},
    )
    assert sorted(n for _, n in counts.all()) == [1, 1, 1, 1, 1]
    assert finished.counts == {"A": 2, "B": 1, "C": 2}


async def test_one_unfinished_run_per_cycle(session, settings, employers, make_user, clock):  # type: ignore[no-untyped-def]
    admin = actor_of(await make_user(Role.admin))
    await grading_runs.start(
        session=session, cycle=2024, employer_ids=None, actor=admin, clock=clock
    )
    with pytest.raises(Conflict):
        await grading_runs.start(
            session=session, cycle=2024, employer_ids=None, actor=admin, clock=clock
        )


async def test_scheduler_grades_the_year_just_ended_once(
    connection, session, settings, employers, clock
):  # type: ignore[no-untyped-def]
    jobs = {job.name: job for job in all_jobs(settings)}
    assert {"yearly_grading", "close_notices", "grading_events", "art17_regrade"} <= set(jobs)
    new_year = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)  # 2026-01-01 02:00 in Asia/Shanghai
    assert jobs["yearly_grading"].run_key(new_year) == "2025"
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    context = Context(factory=factory, settings=settings, clock=clock)
    assert "finished" in (await jobs["yearly_grading"].work(context) or "")
    again = await jobs["yearly_grading"].work(context)  # the finished run is not repeated
    assert again is not None and "finished" in again
    runs = await session.execute(text("SELECT count(*) FROM grading_runs WHERE cycle = 2025"))
    assert runs.scalar_one() == 1
    assert len(await _current(session, employers)) == 5
