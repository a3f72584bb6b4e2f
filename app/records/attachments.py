"""Evidence attached to credit records, stored outside the database (see evidence_files).

Evidence may be added to a draft or a verified record: it
documents the record, it never changes the record's content (the row is untouched, and the
attachment rows are append-only in the database). Superseded and revoked versions take none.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import pagination
from app.core.actors import Actor
from app.core.config import Settings
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.record_attachment import RecordAttachment
from app.models.user import Role
from app.records import evidence as evidence_files
from app.records import reads
from app.records.errors import (
    EvidenceCollectorOnly,
    EvidenceFileMissing,
    EvidenceStaffOnly,
    RecordNotCurrent,
)


async def _attachable(session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> CreditRecord:
    record = await session.get(CreditRecord, record_id)
    if record is None:
        raise DoesNotExist(
            Text(f"信用记录 {record_id} 不存在", f"credit record {record_id} does not exist")
        )
    if record.status not in (RecordStatus.draft, RecordStatus.verified):
        raise RecordNotCurrent(
            Text(
                f"信用记录 {record_id} 的状态是 {record.status}；请把证据附到它的当前版本",
                f"credit record {record_id} is {record.status}; attach evidence to its current "
                "version",
            ),
            current_id=str(record.superseded_by_id) if record.superseded_by_id else None,
        )
    is_collector = record.collected_by is not None and record.collected_by == actor.id
    if record.status == RecordStatus.draft and not (is_collector or actor.role == Role.reviewer):
        raise EvidenceCollectorOnly(
            Text(
                "只有草稿的采集人或审核员可以为它添加证据",
                "only the draft's collector or a reviewer may attach evidence to it",
            )
        )
    return record


async def add(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
) -> tuple[RecordAttachment, bool]:
    """The attachment and whether it is new (the same file on the same record is kept once)."""
    record = await _attachable(session, record_id, actor)
    return await evidence_files.attach(
        session=session, model=RecordAttachment, owner={"record_id": record.id},
        audited_as=("credit_record.attachment_add", "credit_record"), file_name=file_name,
        content_type=content_type, data=data, actor=actor, settings=settings,
    )  # fmt: skip


async def _readable(session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> None:
    # Evidence can name complainants and workers (Art 8: personal privacy): staff only.
    if actor.role == Role.employer:
        raise EvidenceStaffOnly(
            Text("证据材料只限局内工作人员查看", "evidence attachments are for bureau staff only")
        )
    await reads.get(session=session, record_id=record_id, actor=actor)


async def list_(
    *, session: AsyncSession, record_id: uuid.UUID, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[RecordAttachment], str | None]:
    """In the order uploaded, a keyset page of `limit`."""
    await _readable(session, record_id, actor)
    query = select(RecordAttachment).where(RecordAttachment.record_id == record_id)
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        key = func.row(RecordAttachment.uploaded_at, RecordAttachment.id)
        query = query.where(key > func.row(at, after_id))
    order = (col(RecordAttachment.uploaded_at), col(RecordAttachment.id))
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda a: [a.uploaded_at.isoformat(), str(a.id)])


async def get(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[RecordAttachment, Path]:
    await _readable(session, record_id, actor)
    attachment = await session.get(RecordAttachment, attachment_id)
    if attachment is None or attachment.record_id != record_id:
        raise DoesNotExist(
            Text(
                f"信用记录 {record_id} 没有证据材料 {attachment_id}",
                f"attachment {attachment_id} of credit record {record_id} does not exist",
            )
        )
    path = evidence_files.path_of(attachment.sha256, settings)
    if not await asyncio.to_thread(path.is_file):
        raise EvidenceFileMissing(
            Text(
                f"证据材料 {attachment_id} 的文件不在存储中",
                f"the file of attachment {attachment_id} is missing from the store",
            )
        )
    return attachment, path
