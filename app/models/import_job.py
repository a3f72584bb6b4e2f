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


class ImportRowOutcome(LabelledEnum):
    """What became of one row of an import file. An import only creates records (a row has no
    identity a later file could update), so there is no "would update"."""

    created = "created", "已创建", "created"
    would_create = "would_create", "将创建（试运行）", "would be created (dry run)"
    rejected = "rejected", "已拒绝", "rejected"
    # the template's example row, or a row marked as one (title or remarks beginning 示例)
    example = "example", "示例行（已跳过）", "example row (skipped)"


class ImportJobBase(SQLModel):
    file_name: str = Field(max_length=255)
    file_format: str = Field(max_length=8, description="csv or xlsx")
    encoding: str | None = Field(default=None, max_length=16, description="csv: utf-8 or gb18030")
    dry_run: bool = Field(default=False, description="validate every row, write nothing")
    status: ImportStatus
    rows_total: int = 0
    rows_done: int = 0
    created_count: int = Field(
        default=0, description="records created (a dry run: the records that would be created)"
    )
    rejected_count: int = Field(default=0, description="rows rejected, each with its reasons")
    skipped_count: int = Field(
        default=0, description="example rows skipped (the template's, or marked 示例)"
    )
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


class ImportRowResult(SQLModel, table=True):
    """What became of one data row of the file (every row, a dry run's too)."""

    __tablename__ = "import_row_results"

    job_id: uuid.UUID = Field(foreign_key="import_jobs.id", primary_key=True)
    row_number: int = Field(primary_key=True, description="the spreadsheet's: the header is row 1")
    outcome: ImportRowOutcome = Field(sa_type=sa.String(16))
    record_id: uuid.UUID | None = Field(default=None, foreign_key="credit_records.id")


class ImportRowError(SQLModel, table=True):
    """Why one row was rejected (a row may have several), in both languages: a report read
    later reads in its reader's language."""

    __tablename__ = "import_row_errors"
    __table_args__ = (sa.Index("ix_import_row_errors_job_row", "job_id", "row_number"),)

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    job_id: uuid.UUID = Field(foreign_key="import_jobs.id")
    row_number: int = Field(description="the spreadsheet's: the header is row 1")
    column: str | None = Field(default=None, max_length=64, description="the column's key")
    reason_zh: str = Field(max_length=1000)
    reason_en: str = Field(max_length=1000)


class ImportJobPublic(ImportJobBase):
    id: uuid.UUID
    created_by: uuid.UUID
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors_url: str | None = Field(
        default=None, description="CSV of rejected rows and reasons, once the job has finished"
    )
    rows_url: str = Field(description="what became of each row so far (created, rejected, ...)")


class ImportRowReason(SQLModel):
    column: str | None = Field(description="the column's key, e.g. `occurred_date`")
    column_label: str | None = Field(description="the column's name in the reader's language")
    reason: str = Field(description="in the reader's language (Accept-Language)")


class ImportRowPublic(SQLModel):
    row_number: int = Field(description="the spreadsheet's row number: the header is row 1")
    outcome: ImportRowOutcome
    record_id: uuid.UUID | None = Field(description="the created record")
    reasons: list[ImportRowReason] = Field(description="why it was rejected")
