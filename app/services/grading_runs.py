"""Batch grading runs: a cycle graded in slices of employers (ordered by id), each slice one
transaction that writes its evaluations set-based (INSERT…SELECT, see `grading.apply`) and the
run's progress together. A run killed at any point resumes after its last committed slice, and
the partial unique index on evaluations keeps one current evaluation per employer and cycle.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.config import Settings
from app.errors import Conflict, InvalidField, NotFound
from app.models.base import utcnow
from app.models.employer import Employer
from app.models.evaluation import EvaluationOrigin
from app.models.grading_run import GradingRun, RunStatus, counts_template
from app.services import audit, pagination, rule_sets
from app.services.actors import Actor
from app.services.credit_record_rules import today
from app.services.grading import apply
from app.services.grading.rules import Spec

log = logging.getLogger(__name__)
Factory = async_sessionmaker[AsyncSession]

# The next slice's first and last employer id: the slice is then a range, which the facts
# query reads by index (ix_credit_records_employer) instead of scanning every record per slice.
_BOUNDS = """
    WITH s AS MATERIALIZED (
        SELECT id FROM employers
        WHERE (CAST(:after AS uuid) IS NULL OR id > CAST(:after AS uuid))
          AND (CAST(:only AS uuid[]) IS NULL OR id = ANY(CAST(:only AS uuid[])))
        ORDER BY id LIMIT :slice)
    SELECT (SELECT id FROM s ORDER BY id LIMIT 1), (SELECT id FROM s ORDER BY id DESC LIMIT 1)
"""
_SLICE = """
    SELECT id FROM employers
    WHERE id BETWEEN :first_id AND :last_id
      AND (CAST(:only AS uuid[]) IS NULL OR id = ANY(CAST(:only AS uuid[])))
"""


async def start(
    *,
    session: AsyncSession,
    cycle: int,
    employer_ids: list[uuid.UUID] | None,
    actor: Actor,
    settings: Settings,
) -> GradingRun:
    """Queue a run for a cycle that has ended (Art 10: the cycle is graded after it ends)."""
    on = today(settings)
    if cycle >= on.year:
        raise InvalidField(
            ["body", "cycle"],
            f"cycle {cycle} has not ended (today is {on}); the newest gradable is {on.year - 1}",
        )
    active = await session.scalar(
        select(GradingRun.id).where(
            GradingRun.cycle == cycle,
            col(GradingRun.status).in_([RunStatus.queued, RunStatus.running]),
        )
    )
    if active:
        raise Conflict(f"run {active} is grading cycle {cycle} already", run_id=str(active))
    rule_set = await rule_sets.in_force(session=session, on=on)
    total = select(func.count()).select_from(Employer)
    if employer_ids is not None:
        employer_ids = sorted(set(employer_ids))
        total = total.where(col(Employer.id).in_(employer_ids))
    run = GradingRun(
        cycle=cycle,
        employer_ids=employer_ids,
        rule_set_version=rule_set.version,
        total=await session.scalar(total) or 0,
        counts=counts_template(),
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(run)
    await session.flush()
    changes = {"cycle": cycle, "total": run.total, "rule_set_version": rule_set.version}
    await audit.record(
        session=session, actor=actor, action="grading_run.start", resource_type="grading_run",
        resource_id=run.id, changes=audit.created(changes),
    )  # fmt: skip
    return run


async def get(*, session: AsyncSession, run_id: uuid.UUID) -> GradingRun:
    run = await session.get(GradingRun, run_id)
    if run is None:
        raise NotFound(f"grading run {run_id} does not exist")
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
    """Queued, or running with a worker silent for longer than the lease (it died)."""
    stale = col(GradingRun.heartbeat_at) < utcnow() - timedelta(
        seconds=settings.grading_run_lease_seconds
    )
    status = col(GradingRun.status)
    return or_(status == RunStatus.queued, (status == RunStatus.running) & stale)


async def resumable(*, session: AsyncSession, settings: Settings) -> list[uuid.UUID]:
    return list(await session.scalars(select(GradingRun.id).where(_unattended(settings))))


async def _claim(factory: Factory, run_id: uuid.UUID, settings: Settings) -> GradingRun | None:
    async with factory() as session, session.begin():
        return await session.scalar(
            update(GradingRun)
            .where(col(GradingRun.id) == run_id, _unattended(settings))
            .values(
                status=RunStatus.running,
                heartbeat_at=utcnow(),
                started_at=func.coalesce(col(GradingRun.started_at), utcnow()),
            )
            .returning(GradingRun)
        )


async def run(
    *, factory: Factory, run_id: uuid.UUID, settings: Settings, max_slices: int | None = None
) -> GradingRun | None:
    """Work a run to the end; None when another worker holds it. Safe to call again.
    `max_slices` stops after that many slices as if the worker died (tests, benchmarks)."""
    claimed = await _claim(factory, run_id, settings)
    if claimed is None:
        return None
    slices = 0
    try:
        while max_slices is None or slices < max_slices:
            async with factory() as session, session.begin():
                current, more = await _grade_slice(session, run_id, settings)
            slices += 1
            if not more:
                return await _close(factory, run_id, RunStatus.finished, None)
        return current
    except Exception as exc:
        log.exception("grading run failed", extra={"run_id": str(run_id)})
        return await _close(factory, run_id, RunStatus.failed, f"{type(exc).__name__}: {exc}")


async def _grade_slice(
    session: AsyncSession, run_id: uuid.UUID, settings: Settings
) -> tuple[GradingRun, bool]:
    """One slice in the caller's transaction; False when no employer was left."""
    # Asynchronous commit: a crash may lose the last slice's commit (never corrupt it), and with it
    # the slice's evaluations and progress together, which the resumed run grades again; a slice
    # that changes nothing writes nothing, so redoing it is harmless. The run's end (`_close`)
    # commits synchronously, which flushes every slice before it. Memory for the slice's sorts,
    # hashes and its materialised grades, so none of them spills to disk.
    await session.execute(text("SET LOCAL synchronous_commit = off"))
    await session.execute(text(f"SET LOCAL work_mem = '{settings.grading_work_mem_mb}MB'"))
    current = await session.get(GradingRun, run_id, with_for_update=True, populate_existing=True)
    assert current is not None
    spec = Spec.of(await rule_sets.get(session=session, version=current.rule_set_version))
    only = current.employer_ids
    bounds = {"after": current.after_employer_id, "only": only}
    first, last = (
        await session.execute(text(_BOUNDS), {**bounds, "slice": settings.grading_slice_employers})
    ).one()
    if first is None:
        current.heartbeat_at = utcnow()
        await session.flush()
        return current, False
    await _refresh_statistics(session, current.done, settings.grading_slice_employers)
    applied = await apply.apply(
        session=session,
        employers=_SLICE,
        employer_params={"first_id": first, "last_id": last, "only": only},
        bounded=True,
        spec=spec,
        cycle=current.cycle,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=today(settings),
        run_id=run_id,
    )
    if applied.graded:
        current.done += applied.graded
        current.changed += applied.changed
        current.counts = {g: current.counts.get(g, 0) + n for g, n in applied.counts.items()}
        current.after_employer_id = last
    current.heartbeat_at = utcnow()
    await session.flush()
    return current, applied.graded >= settings.grading_slice_employers


async def _refresh_statistics(session: AsyncSession, done: int, slice_size: int) -> None:
    """ANALYZE the evaluations after slices 1, 2, 4, 8, ... of a run: the table grows by a slice
    at a time, and with statistics from when it was small the planner joins a slice to it by
    scanning it whole for every row (seen at 1,000,000 employers: a slice went from seconds to
    many minutes). Doubling intervals keep the cost to a handful of ANALYZEs per run."""
    slices_done = done // slice_size
    if slices_done and slices_done & (slices_done - 1) == 0:
        await session.execute(text("ANALYZE evaluations"))


async def _close(
    factory: Factory, run_id: uuid.UUID, status: RunStatus, failure: str | None
) -> GradingRun | None:
    async with factory() as session, session.begin():
        found = await session.get(GradingRun, run_id, with_for_update=True)
        if found is None:
            return None
        found.status, found.finished_at = status, utcnow()
        if failure:
            found.errors = [*found.errors, failure[:2000]]
        await session.flush()
        action = f"grading_run.{status.value}"
        changes = {"done": found.done, "changed": found.changed, "counts": found.counts}
        await audit.record(
            session=session, actor=Actor(kind="system", name="grading_run"), action=action,
            resource_type="grading_run", resource_id=run_id, changes=audit.created(changes),
        )  # fmt: skip
        return found


async def run_yearly(*, factory: Factory, settings: Settings, cycle: int) -> GradingRun | None:
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
                actor=Actor(kind="system", name="yearly_grading"), settings=settings,
            )  # fmt: skip
    if existing.status == RunStatus.finished:
        return existing
    return await run(factory=factory, run_id=existing.id, settings=settings)
