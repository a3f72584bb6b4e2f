"""Batch grading runs: a cycle graded in slices of employers (ranges of ids), planned when a
worker first takes the run. Several workers (`grading_workers`, each on its own connection) grade
slices at once; each slice is one transaction that writes its evaluations set-based
(INSERT…SELECT, see `grading.apply`), marks the slice done and adds to the run's progress. A
worker holds a slice by its row lock, so a worker that dies releases it with its transaction and
the slice is graded again; the partial unique index on evaluations keeps one current evaluation
per employer and cycle whatever happens.

A run's heartbeats, its lease and its start and end are times of the workers, not of the law: they
are written and compared on the database's clock (`now()`), which every worker shares whatever its
own clock says. The legal date (the cycle has ended, the rule set in force, a notice's window)
comes from the app's clock.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.audit import service as audit
from app.core import events, pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import database_now
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.grading import apply, facts, rule_sets
from app.grading.errors import (
    CycleBeforeRuleSets,
    CycleBeingGraded,
    CycleNotEnded,
    RunEmployersUnknown,
)
from app.grading.rules import Spec
from app.models.employer import Employer
from app.models.evaluation import EvaluationOrigin
from app.models.event import CreditEventType, EventSubject
from app.models.grading_run import GradingRun, GradingRunSlice, RunStatus, counts_template

log = logging.getLogger(__name__)
Factory = async_sessionmaker[AsyncSession]
RUN_ACTOR = Actor(kind="system", name="grading_run")

LOWEST_ID = uuid.UUID(int=0)
HIGHEST_ID = uuid.UUID(int=(1 << 128) - 1)

# The id that ends each full slice, in id order: each cut is found from the one before by
# stepping `slice` entries along the primary key (an index-only scan that reads every id once,
# with nothing sorted or kept).
_CUTS = """
    WITH RECURSIVE cuts(id) AS (
        SELECT (SELECT id FROM employers WHERE {only} ORDER BY id OFFSET :slice - 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT e.id FROM employers e WHERE e.id > cuts.id AND {only}
                ORDER BY e.id OFFSET :slice - 1 LIMIT 1)
        FROM cuts WHERE cuts.id IS NOT NULL
    )
    SELECT id FROM cuts WHERE id IS NOT NULL
""".format(only="(CAST(:only AS uuid[]) IS NULL OR id = ANY(CAST(:only AS uuid[])))")
_SLICE = """
    SELECT id FROM employers
    WHERE id BETWEEN :first_id AND :last_id
      AND (CAST(:only AS uuid[]) IS NULL OR id = ANY(CAST(:only AS uuid[])))
"""
# The listed employers that do not exist, in id order (a run's list holds up to 100,000 ids:
# one array parameter, not one parameter each).
_UNKNOWN = """
    SELECT u.id FROM unnest(CAST(:ids AS uuid[])) AS u(id)
    WHERE NOT EXISTS (SELECT 1 FROM employers e WHERE e.id = u.id)
    ORDER BY u.id
"""
# A slice's transaction settings (see `_grade_next_slice`), in one round trip.
_SLICE_SETTINGS = """
    SELECT set_config('synchronous_commit', 'off', true), set_config('work_mem', :work_mem, true),
           set_config('enable_nestloop', 'off', true), set_config('enable_seqscan', 'off', true),
           set_config('enable_bitmapscan', 'off', true)
"""
# A slice's outcome added to its run in one statement (the run row is locked from here to the
# slice's commit only).
_PROGRESS = """
    UPDATE grading_runs
    SET done = done + :graded, changed = changed + :changed, heartbeat_at = now(),
        counts = jsonb_build_object(
            'A', coalesce((counts->>'A')::int, 0) + :a,
            'B', coalesce((counts->>'B')::int, 0) + :b,
            'C', coalesce((counts->>'C')::int, 0) + :c)
    WHERE id = :run_id
"""


async def start(
    *,
    session: AsyncSession,
    cycle: int,
    employer_ids: list[uuid.UUID] | None,
    actor: Actor,
    clock: Clock,
) -> GradingRun:
    """Queue a run for a cycle that has ended (Art 10: the cycle is graded after it ends) and
    that a rule set applied to (`_check_cycle`), of employers that exist."""
    now = clock.now()
    on = clock.local(now).date()
    await _check_cycle(session, cycle, on)
    if employer_ids is not None:
        employer_ids = sorted(set(employer_ids))
        unknown = list(await session.scalars(text(_UNKNOWN), {"ids": employer_ids}))
        if unknown:
            raise RunEmployersUnknown(unknown)
    active = await session.scalar(
        select(GradingRun.id).where(
            GradingRun.cycle == cycle,
            col(GradingRun.status).in_([RunStatus.queued, RunStatus.running]),
        )
    )
    if active:
        raise CycleBeingGraded(
            Text(
                f"批次 {active} 正在评定{cycle}年周期",
                f"run {active} is grading cycle {cycle} already",
            ),
            run_id=str(active),
        )
    rule_set = await rule_sets.in_force(session=session, on=on)
    if employer_ids is None:
        total = await session.scalar(select(func.count()).select_from(Employer)) or 0
    else:
        total = len(employer_ids)  # each exists
    run = GradingRun(
        cycle=cycle,
        employer_ids=employer_ids,
        rule_set_version=rule_set.version,
        total=total,
        counts=counts_template(),
        created_by=actor.id if actor.kind == "user" else None,
        # Runs are listed newest first and the yearly job resumes the latest: stamped by the
        # clock rather than the transaction's now(), which two runs started in one share.
        created_at=now,
    )
    session.add(run)
    await session.flush()
    changes = {"cycle": cycle, "total": run.total, "rule_set_version": rule_set.version}
    await audit.record(
        session=session, actor=actor, action="grading_run.start", resource_type="grading_run",
        resource_id=run.id, changes=audit.created(changes),
    )  # fmt: skip
    return run


async def _check_cycle(session: AsyncSession, cycle: int, on: date) -> None:
    """Gradable: the cycle has ended, and a rule set had taken effect by its last day (a cycle
    is the calendar year, `facts.bounds`). A run grades by the version in force on the day it
    starts, as every re-grade does; what this asks is that some version applied to the cycle at
    all: version 1 took effect on 2022-12-26, within 2022, so 2022 is the first gradable cycle,
    and 2021 ended before any version existed."""
    if cycle >= on.year:
        raise CycleNotEnded(
            ["body", "cycle"],
            Text(
                f"{cycle}年周期尚未结束（今天是 {on}）；最近可评定的是{on.year - 1}年",
                f"cycle {cycle} has not ended (today is {on}); the newest gradable is "
                f"{on.year - 1}",
            ),
        )
    first = await rule_sets.first_effective(session=session)
    if first is not None and facts.bounds(cycle)["cycle_end"] < first:
        raise CycleBeforeRuleSets(cycle, first)


async def get(*, session: AsyncSession, run_id: uuid.UUID) -> GradingRun:
    run = await session.get(GradingRun, run_id)
    if run is None:
        raise DoesNotExist(
            Text(f"评价批次 {run_id} 不存在", f"grading run {run_id} does not exist")
        )
    return run


async def list_(
    *, session: AsyncSession, cycle: int | None, limit: int, cursor: str | None
) -> tuple[list[GradingRun], str | None]:
    query = select(GradingRun)
    if cycle is not None:
        query = query.where(GradingRun.cycle == cycle)
    if cursor:
        (after_id,) = pagination.decode_as(cursor, uuid.UUID)
        created = select(GradingRun.created_at).where(GradingRun.id == after_id).scalar_subquery()
        key = func.row(GradingRun.created_at, GradingRun.id)
        query = query.where(key < func.row(created, after_id))
    order = (col(GradingRun.created_at).desc(), col(GradingRun.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda r: [str(r.id)])


def _unattended(settings: Settings) -> Any:
    """Queued, or running with workers silent for longer than the lease (they died)."""
    stale = col(GradingRun.heartbeat_at) < func.now() - timedelta(
        seconds=settings.grading_run_lease_seconds
    )
    status = col(GradingRun.status)
    return or_(status == RunStatus.queued, (status == RunStatus.running) & stale)


async def resumable(*, session: AsyncSession, settings: Settings) -> list[uuid.UUID]:
    return list(await session.scalars(select(GradingRun.id).where(_unattended(settings))))


async def _claim(factory: Factory, run_id: uuid.UUID, settings: Settings) -> GradingRun | None:
    """Take the run (queued, or abandoned), planning its slices the first time."""
    async with factory() as session, session.begin():
        claimed = await session.scalar(
            update(GradingRun)
            .where(col(GradingRun.id) == run_id, _unattended(settings))
            .values(
                status=RunStatus.running,
                heartbeat_at=func.now(),
                started_at=func.coalesce(col(GradingRun.started_at), func.now()),
            )
            .returning(GradingRun)
        )
        if claimed is not None:
            await _plan(session, claimed, settings.grading_slice_employers)
        return claimed


async def _plan(session: AsyncSession, run: GradingRun, slice_employers: int) -> None:
    """Cut the id space into slices of `slice_employers` employers each (as the employers are
    now). The first slice starts at the lowest id and the last ends at the highest, so every
    employer, including one created later, lies in exactly one slice."""
    planned = await session.scalar(
        select(func.count()).select_from(GradingRunSlice).where(GradingRunSlice.run_id == run.id)
    )
    if planned:
        return
    cuts = list(
        await session.scalars(text(_CUTS), {"only": run.employer_ids, "slice": slice_employers})
    )
    highs = [cut for cut in cuts if cut != HIGHEST_ID] + [HIGHEST_ID]
    lows = [LOWEST_ID, *(uuid.UUID(int=high.int + 1) for high in highs[:-1])]
    rows = [
        {"run_id": run.id, "seq": seq, "low_id": low, "high_id": high, "graded": 0, "changed": 0}
        for seq, (low, high) in enumerate(zip(lows, highs, strict=True))
    ]
    await session.execute(insert(GradingRunSlice), rows)


@dataclass
class _Budget:
    """What the workers of one `run` share: how many slices they may still grade (None: all),
    and the first failure, which stops them all."""

    slices: int | None
    failure: str | None = None

    def take(self) -> bool:
        if self.failure is not None or self.slices == 0:
            return False
        if self.slices is not None:
            self.slices -= 1
        return True


async def run(
    *,
    factory: Factory,
    run_id: uuid.UUID,
    settings: Settings,
    clock: Clock,
    max_slices: int | None = None,
) -> GradingRun | None:
    """Work a run to the end; None when another worker holds it. Safe to call again.
    `max_slices` stops after that many slices as if the worker died (tests, benchmarks)."""
    if await _claim(factory, run_id, settings) is None:
        return None
    budget = _Budget(max_slices)
    workers = [
        _work(factory, run_id, settings, clock, budget) for _ in range(settings.grading_workers)
    ]
    await asyncio.gather(*workers)
    if budget.failure is not None:
        return await _close(factory, run_id, RunStatus.failed, budget.failure)
    async with factory() as session, session.begin():
        current = await session.get(GradingRun, run_id)
        undone = await session.scalar(
            select(func.count())
            .select_from(GradingRunSlice)
            .where(GradingRunSlice.run_id == run_id, col(GradingRunSlice.done_at).is_(None))
        )
    if undone:  # stopped by `max_slices`, or a slice is still held by an earlier worker
        return current
    return await _close(factory, run_id, RunStatus.finished, None)


async def _work(
    factory: Factory, run_id: uuid.UUID, settings: Settings, clock: Clock, budget: _Budget
) -> None:
    """One worker: slice after slice until none is left unheld, the budget is spent or one of
    the run's workers failed."""
    async with factory() as session:  # one connection for all its slices, a transaction each
        try:
            async with session.begin():  # read once: a run's cycle, list and rule set never change
                grading_run = await session.get(GradingRun, run_id)
                assert grading_run is not None
                version = grading_run.rule_set_version
                spec = Spec.of(await rule_sets.get(session=session, version=version))
            while budget.take():
                async with session.begin():
                    if not await _grade_next_slice(session, grading_run, spec, settings, clock):
                        return
        except Exception as exc:
            log.exception("grading run failed", extra={"run_id": str(run_id)})
            budget.failure = budget.failure or f"{type(exc).__name__}: {exc}"


async def _grade_next_slice(
    session: AsyncSession, grading_run: GradingRun, spec: Spec, settings: Settings, clock: Clock
) -> bool:
    """Grade the next slice nobody holds, in the caller's transaction; False when none is left."""
    # Asynchronous commit: a crash may lose the last slice's commit (never corrupt it), and with it
    # the slice's evaluations and its done mark together, so the slice is graded again; a slice
    # that changes nothing writes nothing, so redoing it is harmless. The run's end (`_close`)
    # commits synchronously, which flushes every slice before it. Memory for the slice's sorts,
    # hashes and its materialised grades, so none of them spills to disk.
    #
    # Every read of a slice is an index range scan (employers, records, current evaluations, all
    # in id order) joined by merge or hash joins, whatever the statistics say. The evaluations
    # table grows by a slice at a time during a run, so its statistics are always stale: on them
    # the planner chose nested loops that rescanned the table per employer (seen at 500,000
    # employers: a slice took a minute instead of a second), or sequential scans that read the
    # whole growing table per slice (a 1,000,000-employer run took 11.3 s); ANALYZEs during the
    # run cost up to 0.4 s each, racing the inserting slices. With both plans off none is needed.
    # Bitmap scans are off too: on those statistics the audit digest of the slice's evaluations
    # (`apply._written`) read its id range by a bitmap scan and then sorted the 50,000 rows back
    # into id order; a plain range scan of pk_evaluations reads them in that order (measured at
    # 1,000,000 employers: the digest's CPU per slice fell from about 66 to 42 ms, the same digest).
    await session.execute(text(_SLICE_SETTINGS), {"work_mem": f"{settings.grading_work_mem_mb}MB"})
    piece = await session.scalar(
        select(GradingRunSlice)
        .where(GradingRunSlice.run_id == grading_run.id, col(GradingRunSlice.done_at).is_(None))
        .order_by(col(GradingRunSlice.seq))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if piece is None:
        return False
    applied = await apply.apply(
        session=session,
        employers=_SLICE,
        employer_params={"first_id": piece.low_id, "last_id": piece.high_id,
                         "only": grading_run.employer_ids},
        bounded=True,
        spec=spec,
        cycle=grading_run.cycle,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=clock.today(),
        run_id=grading_run.id,
        disjoint=True,
    )  # fmt: skip
    await session.execute(
        update(GradingRunSlice)
        .where(col(GradingRunSlice.run_id) == piece.run_id, col(GradingRunSlice.seq) == piece.seq)
        .values(graded=applied.graded, changed=applied.changed, done_at=func.now())
    )
    counts = {grade.lower(): applied.counts.get(grade, 0) for grade in ("A", "B", "C")}
    await session.execute(
        text(_PROGRESS),
        {"run_id": grading_run.id, "graded": applied.graded, "changed": applied.changed, **counts},
    )
    if applied.written is not None:  # last: the chain's lock is then held only to the commit
        details = {"slice": piece.seq, "cycle": grading_run.cycle, "rule_set_version": spec.version,
                   "graded": applied.graded, "changed": applied.changed}  # fmt: skip
        await audit.record_evaluations_written(
            session=session, actor=RUN_ACTOR, action="grading_run.slice",
            resource_type="grading_run", resource_id=grading_run.id, written=applied.written,
            details=details,
        )  # fmt: skip
    return True


async def _close(
    factory: Factory, run_id: uuid.UUID, status: RunStatus, failure: str | None
) -> GradingRun | None:
    async with factory() as session, session.begin():
        found = await session.get(GradingRun, run_id, with_for_update=True)
        if found is None or found.status != RunStatus.running:  # closed by another worker
            return found
        found.status, found.finished_at = status, await database_now(session)
        if failure:
            found.errors = [*found.errors, failure[:2000]]
        await session.flush()
        action = f"grading_run.{status.value}"
        changes = {"done": found.done, "changed": found.changed, "counts": found.counts}
        await audit.record(
            session=session, actor=RUN_ACTOR, action=action,
            resource_type="grading_run", resource_id=run_id, changes=audit.created(changes),
        )  # fmt: skip
        if found.changed:  # its A and B grades are announced once, by the run (`apply`)
            await events.emit(session=session, events=[events.event(
                CreditEventType.grading_run_completed.value,
                subject_type=EventSubject.grading_run, subject_id=run_id, employer_id=None,
                payload={"cycle": found.cycle, "run_id": str(run_id), "status": status.value},
            )])  # fmt: skip
        return found


async def run_yearly(
    *, factory: Factory, settings: Settings, clock: Clock, cycle: int
) -> GradingRun | None:
    """The scheduler's yearly grading: the run for `cycle`, started once, resumed if it died."""
    async with factory() as session, session.begin():
        existing = await session.scalar(
            select(GradingRun)
            .where(GradingRun.cycle == cycle, col(GradingRun.created_by).is_(None))
            .order_by(col(GradingRun.created_at).desc())
            .limit(1)
        )
        if existing is None or existing.status == RunStatus.failed:
            existing = await start(
                session=session, cycle=cycle, employer_ids=None,
                actor=Actor(kind="system", name="yearly_grading"), clock=clock,
            )  # fmt: skip
    if existing.status == RunStatus.finished:
        return existing
    return await run(factory=factory, run_id=existing.id, settings=settings, clock=clock)
