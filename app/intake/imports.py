"""File imports (CSV, XLSX) of credit records as jobs: progress, resumable, per-row errors.

The upload is stored and its header checked at once; the rows are then written in chunks, each
chunk in its own short transaction together with the job's progress, so a 50,000-row file never
holds a transaction for long, and a worker that dies resumes after the last committed chunk.
Imported records are drafts collected by the uploader, verified by a second person as usual.
"""

from __future__ import annotations

import asyncio
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
from app.core.errors import Forbidden
from app.core.i18n import Text
from app.intake import checks as record_checks
from app.intake import files as import_files
from app.intake import reasons as reasons_of
from app.models.credit_record import CreditRecordCreate
from app.models.import_job import (
    ImportJob,
    ImportRowError,
    ImportRowOutcome,
    ImportRowResult,
    ImportStatus,
)
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


Factory = async_sessionmaker[AsyncSession]
Result = tuple[int, ImportRowOutcome, uuid.UUID | None]  # row number, outcome, record
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
    chunk: list[import_files.FileRow],
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> ImportJob:
    """Check and write one chunk, with each row's result and the job's progress."""
    examples = [row for row in chunk if import_files.is_example(row.values)]
    real = [row for row in chunk if not import_files.is_example(row.values)]
    checked = await record_checks.check(
        session=session,
        raws=[row.values for row in real],
        schema=ImportRow,
        source=None,
        clock=clock,
        from_file=True,
    )
    good = [row for row in checked if row.ok and row.content]
    bad = [row for row in checked if not row.ok]
    record_ids = await _create(session, job, good, actor, settings, clock)
    made = ImportRowOutcome.would_create if job.dry_run else ImportRowOutcome.created
    results: list[Result] = [(row.number, ImportRowOutcome.example, None) for row in examples]
    created = zip(good, record_ids, strict=True)
    results += [(real[row.index].number, made, record_id) for row, record_id in created]
    results += [(real[row.index].number, ImportRowOutcome.rejected, None) for row in bad]
    await _record_results(session, job, results)
    await _record_reasons(session, job, [(real[row.index].number, row) for row in bad])
    updated = await session.scalar(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id)
        .values(
            rows_done=ImportJob.rows_done + len(chunk),
            heartbeat_at=func.now(),
            created_count=ImportJob.created_count + len(good),  # a dry run: would create
            rejected_count=ImportJob.rejected_count + len(bad),
            skipped_count=ImportJob.skipped_count + len(examples),
        )
        .returning(ImportJob)
    )
    assert updated is not None
    return updated


async def _create(
    session: AsyncSession,
    job: ImportJob,
    good: list[record_checks.CheckedRow],
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> list[uuid.UUID | None]:
    """The records of the good rows, in their order (a dry run creates none)."""
    if job.dry_run or not good:
        return [None] * len(good)
    created = await credit_records.create_many(
        session=session,
        items=[row.content for row in good if row.content],
        actor=actor,
        settings=settings,
        clock=clock,
        prechecked=True,
    )
    return list(created)


async def _record_results(session: AsyncSession, job: ImportJob, results: list[Result]) -> None:
    if results:
        await session.execute(
            insert(ImportRowResult),
            [
                {"job_id": job.id, "row_number": n, "outcome": outcome, "record_id": record_id}
                for n, outcome, record_id in results
            ],
        )


async def _record_reasons(
    session: AsyncSession, job: ImportJob, rejected: list[tuple[int, record_checks.CheckedRow]]
) -> None:
    """Each reason in both languages, under the file's column key."""
    reasons = [
        {
            "job_id": job.id,
            "row_number": number,
            "column": (reasons_of.column_of(problem.loc) or "")[:64] or None,
            "reason_zh": problem.text.zh[:1000],
            "reason_en": problem.text.en[:1000],
        }
        for number, row in rejected
        for problem in row.problems
    ]
    if reasons:
        await session.execute(insert(ImportRowError), reasons)


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
