"""Job runs and scheduler heartbeats: claim a run once per key, record its outcome."""

from __future__ import annotations

import uuid

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.scheduler import (
    JobRun,
    JobRunPublic,
    RunOutcome,
    SchedulerHeartbeat,
    SchedulerStatus,
)


async def claim(
    *, session: AsyncSession, job: str, run_key: str, instance_id: str
) -> uuid.UUID | None:
    """Start the run of `job` for `run_key` unless one already succeeded; None when not ours.

    Only the lock-holding scheduler calls this, so a run left `running` belonged to a leader
    that died: it is taken over (attempts + 1) and the job, being idempotent, resumes.
    """
    table = JobRun.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(
            id=uuid.uuid4(),
            job=job,
            run_key=run_key,
            outcome=RunOutcome.running,
            instance_id=instance_id,
            attempts=1,
        )
        .on_conflict_do_update(
            index_elements=["job", "run_key"],
            set_={
                "outcome": RunOutcome.running,
                "instance_id": instance_id,
                "attempts": table.c.attempts + 1,
                "started_at": func.now(),
                "finished_at": None,
                "detail": None,
            },
            where=table.c.outcome != RunOutcome.succeeded,
        )
        .returning(table.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def finish(
    *, session: AsyncSession, run_id: uuid.UUID, outcome: RunOutcome, detail: str | None
) -> None:
    await session.execute(
        update(JobRun)
        .where(col(JobRun.id) == run_id)
        .values(
            outcome=outcome,
            detail=(detail or "")[:2000] or None,
            finished_at=func.now(),  # the database's clock, as `started_at` in `claim`
        )
    )


async def heartbeat(
    *, session: AsyncSession, instance_id: str, hostname: str, pid: int, is_leader: bool
) -> None:
    table = SchedulerHeartbeat.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert(table)
        .values(instance_id=instance_id, hostname=hostname, pid=pid, is_leader=is_leader)
        .on_conflict_do_update(
            index_elements=["instance_id"], set_={"is_leader": is_leader, "beat_at": func.now()}
        )
    )


async def status(*, session: AsyncSession, runs: int = 20) -> SchedulerStatus:
    instances = list(
        (
            await session.scalars(
                select(SchedulerHeartbeat)
                .order_by(col(SchedulerHeartbeat.beat_at).desc())
                .limit(20)
            )
        ).all()
    )
    recent = (
        await session.scalars(select(JobRun).order_by(col(JobRun.started_at).desc()).limit(runs))
    ).all()
    leaders = [i for i in instances if i.is_leader]
    return SchedulerStatus(
        leader=leaders[0].instance_id if leaders else None,
        last_heartbeat_at=instances[0].beat_at if instances else None,
        instances=instances,
        recent_runs=[JobRunPublic.model_validate(r) for r in recent],
    )
