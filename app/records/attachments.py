"""Evidence attached to credit records, stored outside the database (see evidence_files).

Evidence may be added to a draft or a verified record: it
documents the record, it never changes the record's content (the row is untouched, and the
attachment rows are append-only in the database). Superseded and revoked versions take none.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

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
    return await evidence_files.page(
        session=session, model=RecordAttachment, owner={"record_id": record_id}, limit=limit,
        cursor=cursor,
    )  # fmt: skip


async def get(
    *,
    session: AsyncSession,
    record_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[RecordAttachment, Path]:
    await _readable(session, record_id, actor)
    return await evidence_files.stored(
        session=session, model=RecordAttachment, owner={"record_id": record_id},
        attachment_id=attachment_id, of=Text(f"信用记录 {record_id}", f"credit record {record_id}"),
        settings=settings,
    )  # fmt: skip
