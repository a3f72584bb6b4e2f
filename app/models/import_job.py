"""File imports of credit records (CSV, XLSX): a job with progress and a per-row error report."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import id_field, optional_timestamp_field, timestamp_field
from app.models.labels import LabelledEnum


class ImportStatus(LabelledEnum):
    queued = "queued", "排队中", "queued"
    running = "running", "进行中", "running"
    finished = "finished", "已完成", "finished"
    failed = "failed", "失败", "failed"


class ImportJobBase(SQLModel):
    file_name: str = Field(max_length=255)
    file_format: str = Field(max_length=8, description="csv or xlsx")
    encoding: str | None = Field(default=None, max_length=16, description="csv: utf-8 or gb18030")
    dry_run: bool = Field(default=False, description="validate every row, write nothing")
    status: ImportStatus
    rows_total: int = 0
    rows_done: int = 0
    created_count: int = Field(default=0, description="records created (dry run: would be)")
    rejected_count: int = 0
    failure: str | None = Field(default=None, max_length=2000)


class ImportJob(ImportJobBase, table=True):
    __tablename__ = "import_jobs"

    id: uuid.UUID = id_field()
    status: ImportStatus = Field(sa_type=sa.String(16))
    stored_path: str = Field(max_length=500)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    started_at: datetime | None = optional_timestamp_field()
    heartbeat_at: datetime | None = optional_timestamp_field()
    finished_at: datetime | None = optional_timestamp_field()


class ImportRowError(SQLModel, table=True):
    """Why one row was rejected (a row may have several)."""

    __tablename__ = "import_row_errors"
    __table_args__ = (sa.Index("ix_import_row_errors_job_row", "job_id", "row_number"),)

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    job_id: uuid.UUID = Field(foreign_key="import_jobs.id")
    row_number: int = Field(description="1 = the first data row under the header")
    column: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=1000)


class ImportJobPublic(ImportJobBase):
    id: uuid.UUID
    created_by: uuid.UUID
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors_url: str | None = Field(
        default=None, description="CSV of rejected rows and reasons, once the job has finished"
    )
