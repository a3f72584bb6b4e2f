"""File imports (CSV, XLSX) of credit records as jobs: progress, resumable, per-row errors.

The upload is stored and its header checked at once; the rows are then written in chunks, each
chunk in its own short transaction together with the job's progress, so a 50,000-row file never
holds a transaction for long, and a worker that dies resumes after the last committed chunk.
Imported records are drafts collected by the uploader, verified by a second person as usual.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.accounts import users
from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import DoesNotExist, Forbidden
from app.core.i18n import Text
from app.intake import checks as record_checks
from app.intake import files as import_files
from app.models.credit_record import CreditRecordCreate
from app.models.import_job import ImportJob, ImportRowError, ImportStatus
from app.models.user import Role
from app.records import service as credit_records

log = logging.getLogger(__name__)

CHUNK_ROWS = 1000
# A running job whose worker is silent this long is resumed. Heartbeats and the lease are
# measured on the database's clock, which every worker shares whatever its own clock says.
LEASE = timedelta(minutes=2)


class ImportRow(CreditRecordCreate):
    """A row names its employer by USCC (the employer_id is looked up)."""

    employer_id: uuid.UUID | None = None  # type: ignore[assignment]
    uscc: str


class ImportNotYours(Forbidden):
    slug = "import-not-yours"
    title = Text("不是你发起的导入", "Not your import")
    about = Text(
        "监察员只能查看自己发起的导入任务和它们的错误报告；审核员、管理员和审计员可以查看全部。",
        "An inspector sees only the imports they started and their error reports; reviewers, "
        "admins and auditors see every one.",
    )
    remedy = Text("请发起人或审核员查看。", "Ask whoever started it, or a reviewer.")


async def start(
    *,
    session: AsyncSession,
    file_name: str,
    content: bytes,
    dry_run: bool,
    actor: Actor,
    settings: Settings,
) -> ImportJob:
    file_format, encoding = import_files.sniff(file_name, content[:65536])
    job_id = uuid.uuid4()
    path = settings.imports_path / f"{job_id}.{file_format}"
    await asyncio.to_thread(_store, path, content)
    try:  # counting reads the whole file: off the event loop; it checks the header too
        total = await asyncio.to_thread(import_files.count_rows, path, file_format, encoding)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    assert actor.id is not None
    job = ImportJob(
        id=job_id,
        file_name=file_name.replace("\x00", "")[:255],
        file_format=file_format,
        encoding=encoding,
        dry_run=dry_run,
        status=ImportStatus.queued,
        rows_total=total,
        stored_path=str(path),
        created_by=actor.id,
    )
    session.add(job)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="import.start",
        resource_type="import",
        resource_id=job.id,
        changes=audit.created(
            {"file_name": job.file_name, "rows_total": total, "dry_run": dry_run}
        ),
    )
    return job


def _store(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def get(*, session: AsyncSession, job_id: uuid.UUID, actor: Actor) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None:
        raise DoesNotExist(Text(f"导入任务 {job_id} 不存在", f"import {job_id} does not exist"))
    if actor.role == Role.inspector and job.created_by != actor.id:
        raise ImportNotYours(
            Text(
                "监察员只能查看自己发起的导入任务",
                "an inspector sees only the imports they started",
            )
        )
    return job


async def error_report(*, session: AsyncSession, job_id: uuid.UUID, actor: Actor) -> str:
    """CSV: row number, column, reason — one line per problem of a rejected row."""
    await get(session=session, job_id=job_id, actor=actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["行号 (row)", "列 (column)", "原因 (reason)"])
    errors = await session.scalars(
        select(ImportRowError)
        .where(ImportRowError.job_id == job_id)
        .order_by(col(ImportRowError.row_number), col(ImportRowError.id))
    )
    writer.writerows((e.row_number, e.column or "", e.reason) for e in errors)
    return buffer.getvalue()


Factory = async_sessionmaker[AsyncSession]
Progress = Callable[[ImportJob], None]


async def run(
    *,
    factory: Factory,
    job_id: uuid.UUID,
    settings: Settings,
    clock: Clock,
    progress: Progress | None = None,
) -> ImportJob | None:
    """Work a job to the end; None when another worker holds it. Safe to call again."""
    job = await _claim(factory, job_id)
    if job is None:
        return None
    async with factory() as session:
        actor = await users.actor_for_id(session=session, user_id=job.created_by)
    try:
        rows = import_files.rows(Path(job.stored_path), job.file_format, job.encoding)
        for chunk in _chunks(itertools.islice(rows, job.rows_done, None)):
            async with factory() as session, session.begin():
                job = await _write_chunk(session, job, chunk, actor, settings, clock)
            if progress:
                progress(job)
        return await _close(factory, job.id, ImportStatus.finished, None)
    except Exception as exc:
        log.exception("import failed", extra={"import_id": str(job_id)})
        return await _close(factory, job_id, ImportStatus.failed, f"{type(exc).__name__}: {exc}")


def _unattended() -> Any:
    """Queued, or running with a worker silent for longer than the lease (it died)."""
    status = col(ImportJob.status)
    stale = col(ImportJob.heartbeat_at) < func.now() - LEASE
    return or_(status == ImportStatus.queued, (status == ImportStatus.running) & stale)


async def resumable(*, session: AsyncSession) -> list[uuid.UUID]:
    """Jobs nobody is working on, for the scheduler to resume."""
    return list(await session.scalars(select(ImportJob.id).where(_unattended())))


async def _claim(factory: Factory, job_id: uuid.UUID) -> ImportJob | None:
    async with factory() as session, session.begin():
        return await session.scalar(
            update(ImportJob)
            .where(col(ImportJob.id) == job_id, _unattended())
            .values(
                status=ImportStatus.running,
                heartbeat_at=func.now(),
                started_at=func.coalesce(col(ImportJob.started_at), func.now()),
            )
            .returning(ImportJob)
        )


def _chunks(rows: Any) -> Any:
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        yield chunk


async def _write_chunk(
    session: AsyncSession,
    job: ImportJob,
    chunk: list[dict[str, Any]],
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> ImportJob:
    checked = await record_checks.check(
        session=session, raws=chunk, schema=ImportRow, source=None, clock=clock
    )
    good = [row.content for row in checked if row.ok and row.content]
    if good and not job.dry_run:
        await credit_records.create_many(
            session=session,
            items=good,
            actor=actor,
            settings=settings,
            clock=clock,
            prechecked=True,
        )
    bad = [row for row in checked if not row.ok]
    if bad:
        await session.execute(
            insert(ImportRowError),
            [
                {
                    "job_id": job.id,
                    "row_number": job.rows_done + row.index + 1,
                    "column": ".".join(str(p) for p in problem.loc)[:64] or None,
                    "reason": problem.msg[:1000],
                }
                for row in bad
                for problem in row.problems
            ],
        )
    updated = await session.scalar(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id)
        .values(
            rows_done=ImportJob.rows_done + len(chunk),
            heartbeat_at=func.now(),
            created_count=ImportJob.created_count + len(good),  # a dry run: would create
            rejected_count=ImportJob.rejected_count + len(bad),
        )
        .returning(ImportJob)
    )
    assert updated is not None
    return updated


async def _close(
    factory: Factory, job_id: uuid.UUID, status: ImportStatus, failure: str | None
) -> ImportJob | None:
    async with factory() as session, session.begin():
        return await session.scalar(
            update(ImportJob)
            .where(col(ImportJob.id) == job_id)
            .values(status=status, finished_at=func.now(), failure=failure and failure[:2000])
            .returning(ImportJob)
        )
