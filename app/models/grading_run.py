"""Batch grading runs: a cycle graded slice by slice, each slice committed with the progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import RequestModel, id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum


class RunStatus(LabelledEnum):
    queued = "queued", "排队中", "queued"
    running = "running", "进行中", "running"
    finished = "finished", "已完成", "finished"
    failed = "failed", "失败", "failed"


class GradingRunCreate(RequestModel):
    cycle: int = Field(ge=2000, le=2100, schema_extra={"examples": [2025]})
    employer_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100_000, description="omit to grade every employer"
    )


class GradingRun(SQLModel, table=True):
    __tablename__ = "grading_runs"
    __table_args__ = (
        # one unfinished run per cycle: two would grade the same employers twice at once
        sa.Index(
            "uq_grading_runs_active",
            "cycle",
            unique=True,
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
        sa.Index("ix_grading_runs_created", "created_at", "id"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')", name="status_known"
        ),
        sa.CheckConstraint("done >= 0 AND total >= 0", name="progress"),
    )

    id: uuid.UUID = id_field()
    cycle: int
    employer_ids: list[uuid.UUID] | None = Field(default=None, sa_type=ARRAY(sa.Uuid))
    status: RunStatus = Field(default=RunStatus.queued, sa_type=sa.String(16))
    rule_set_version: int = Field(foreign_key="rule_sets.version")
    done: int = Field(default=0)
    total: int = Field(default=0)
    changed: int = Field(default=0, description="evaluations written (new or superseding)")
    counts: dict[str, int] = Field(default_factory=dict, sa_type=JSONB)
    errors: list[str] = Field(default_factory=list, sa_type=JSONB)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()
    started_at: datetime | None = optional_timestamp_field()
    heartbeat_at: datetime | None = optional_timestamp_field()
    finished_at: datetime | None = optional_timestamp_field()


class GradingRunSlice(SQLModel, table=True):
    """A run's unit of work: the employers whose ids lie in [low_id, high_id], graded and marked
    done in one transaction. The slices of a run tile the whole id space, so an employer created
    after the run was planned is graded too. A worker holds a slice by its row lock (FOR UPDATE
    SKIP LOCKED): one that dies releases it with its transaction, and the slice is graded again."""

    __tablename__ = "grading_run_slices"
    __table_args__ = (sa.CheckConstraint("low_id <= high_id", name="range"),)

    run_id: uuid.UUID = Field(foreign_key="grading_runs.id", primary_key=True)
    seq: int = Field(primary_key=True)
    low_id: uuid.UUID
    high_id: uuid.UUID
    graded: int = 0
    changed: int = 0
    done_at: datetime | None = optional_timestamp_field()


class GradingRunPublic(SQLModel):
    id: uuid.UUID
    cycle: int
    status: RunStatus
    rule_set_version: int
    done: int
    total: int
    changed: int
    counts: dict[str, int] = Field(schema_extra={"examples": [{"A": 950, "B": 40, "C": 10}]})
    errors: list[str]
    created_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def counts_template() -> dict[str, Any]:
    return {"A": 0, "B": 0, "C": 0}
