"""Reading an import: the job, what became of each row, and the CSV of rejected rows, in the
reader's language (reasons are stored in both)."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.core.actors import Actor
from app.core.errors import DoesNotExist
from app.core.i18n import Language, Text
from app.intake.files import LABELS
from app.intake.imports import ImportNotYours
from app.models.base import Page
from app.models.import_job import (
    ImportJob,
    ImportRowError,
    ImportRowOutcome,
    ImportRowPublic,
    ImportRowReason,
    ImportRowResult,
)
from app.models.user import Role

REPORT_HEADER = {"zh": ["行号", "列", "原因"], "en": ["row", "column", "reason"]}


async def get(*, session: AsyncSession, job_id: uuid.UUID, actor: Actor) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None:
        raise DoesNotExist(Text(f"导入 {job_id} 不存在", f"import {job_id} does not exist"))
    if actor.role == Role.inspector and job.created_by != actor.id:
        raise ImportNotYours(
            Text("监察员只能查看自己发起的导入", "an inspector sees only the imports they started")
        )
    return job


def _column(key: str | None, language: Language) -> str | None:
    if key is None:
        return None
    return LABELS.get(key, key) if language == "zh" else key


def _reason(error: ImportRowError, language: Language) -> str:
    return error.reason_en if language == "en" else error.reason_zh


async def error_report(
    *, session: AsyncSession, job_id: uuid.UUID, actor: Actor, language: Language
) -> str:
    """CSV: row number (the spreadsheet's), column, reason — one line per problem of a rejected
    row, in `language` (the column by its Chinese name in Chinese, by its key in English)."""
    await get(session=session, job_id=job_id, actor=actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_HEADER[language])
    errors = await session.scalars(
        select(ImportRowError)
        .where(ImportRowError.job_id == job_id)
        .order_by(col(ImportRowError.row_number), col(ImportRowError.id))
    )
    writer.writerows(
        (e.row_number, _column(e.column, language) or "", _reason(e, language)) for e in errors
    )
    return buffer.getvalue()


async def list_rows(
    *,
    session: AsyncSession,
    job_id: uuid.UUID,
    actor: Actor,
    language: Language,
    outcome: ImportRowOutcome | None,
    limit: int,
    cursor: str | None,
) -> Page[ImportRowPublic]:
    """The rows done so far in row order, each with its outcome (and record, or reasons)."""
    await get(session=session, job_id=job_id, actor=actor)
    query = select(ImportRowResult).where(ImportRowResult.job_id == job_id)
    if outcome is not None:
        query = query.where(ImportRowResult.outcome == outcome)
    if cursor is not None:
        (after,) = pagination.decode_as(cursor, int)
        query = query.where(col(ImportRowResult.row_number) > after)
    found = list(
        await session.scalars(query.order_by(col(ImportRowResult.row_number)).limit(limit + 1))
    )
    results, next_cursor = pagination.page(found, limit, key=lambda r: [r.row_number])
    reasons = await _reasons(session, job_id, [r.row_number for r in results], language)
    items = [
        ImportRowPublic(
            row_number=r.row_number,
            outcome=r.outcome,
            record_id=r.record_id,
            reasons=reasons.get(r.row_number, []),
        )
        for r in results
    ]
    return Page[ImportRowPublic](items=items, next_cursor=next_cursor)


async def _reasons(
    session: AsyncSession, job_id: uuid.UUID, numbers: list[int], language: Language
) -> dict[int, list[ImportRowReason]]:
    by_row: dict[int, list[ImportRowReason]] = defaultdict(list)
    if not numbers:
        return by_row
    errors = await session.scalars(
        select(ImportRowError)
        .where(ImportRowError.job_id == job_id, col(ImportRowError.row_number).in_(numbers))
        .order_by(col(ImportRowError.row_number), col(ImportRowError.id))
    )
    for e in errors:
        by_row[e.row_number].append(
            ImportRowReason(
                column=e.column,
                column_label=_column(e.column, language),
                reason=_reason(e, language),
            )
        )
    return by_row
