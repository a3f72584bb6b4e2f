"""The scheduler's own records: which instance leads (heartbeats) and what each job run did."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum


class RunOutcome(LabelledEnum):
    running = "running", "运行中", "running"
    succeeded = "succeeded", "成功", "succeeded"
    failed = "failed", "失败", "failed"


class SchedulerHeartbeat(SQLModel, table=True):
    """One row per scheduler instance, refreshed while it lives; the leader says so."""

    __tablename__ = "scheduler_heartbeats"

    instance_id: str = Field(max_length=64, primary_key=True)
    hostname: str = Field(max_length=255)
    pid: int
    is_leader: bool = Field(default=False)
    started_at: datetime = timestamp_field()
    beat_at: datetime = timestamp_field()


class JobRunBase(SQLModel):
    job: str = Field(max_length=64, schema_extra={"examples": ["yearly_grading"]})
    run_key: str = Field(max_length=64, description="what this run is for, e.g. the cycle 2025")
    outcome: RunOutcome
    detail: str | None = Field(default=None, max_length=2000)
    instance_id: str = Field(max_length=64)


class JobRun(JobRunBase, table=True):
    """A job's run for one key: the unique key makes a second run of the same work impossible."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "run_key"),)

    id: uuid.UUID = id_field()
    outcome: RunOutcome = Field(sa_type=sa.String(16))
    attempts: int = Field(default=1)
    started_at: datetime = timestamp_field()
    finished_at: datetime | None = optional_timestamp_field()


class JobRunPublic(JobRunBase):
    id: uuid.UUID
    attempts: int
    started_at: datetime
    finished_at: datetime | None


class SchedulerInstancePublic(SQLModel):
    instance_id: str
    hostname: str
    pid: int
    is_leader: bool = Field(description="what the instance last said; a stale one leads nothing")
    started_at: datetime
    beat_at: datetime
    stale: bool = Field(
        description="no heartbeat for `stale_after_seconds`: the instance died or lost the "
        "database (it is forgotten an hour after its last heartbeat)"
    )


class SchedulerStatus(SQLModel):
    leader: str | None = Field(
        description="instance id of the active scheduler: a leader that is not stale; none if "
        "no scheduler leads"
    )
    last_heartbeat_at: datetime | None
    stale_after_seconds: float = Field(
        description="an instance silent this long is stale: three beats (the leader beats each "
        "LABOR_CREDIT_SCHEDULER_HEARTBEAT_SECONDS, a standby each "
        "LABOR_CREDIT_SCHEDULER_POLL_SECONDS)"
    )
    instances: list[SchedulerInstancePublic]
    recent_runs: list[JobRunPublic]
