"""Evidence attached to credit records, stored outside the database under its sha256.

Files are content-addressed (`<attachments dir>/<first two hex>/<sha256>`), so the same file
attached twice is stored once. Evidence may be added to a draft or a verified record: it
documents the record, it never changes the record's content (the row is untouched, and the
attachment rows are append-only in the database). Superseded and revoked versions take none.
A file is written before its row; if the transaction then fails, an unreferenced file is left,
which is harmless (a later upload of the same content reuses it).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path, PurePath

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.errors import AppError, Conflict, Forbidden, NotFound
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.record_attachment import RecordAttachment
from app.models.user import Role
from app.services import audit
from app.services import credit_record_reads as reads
from app.services.actors import Actor

# Declared types whose first bytes we can check cheaply; others are taken as declared.
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class AttachmentTooLarge(AppError):
    status, slug = 413, "payload-too-large"


class AttachmentTypeRefused(AppError):
    status, slug = 415, "unsupported-media-type"


def _checked_type(content_type: str | None, head: bytes, settings: Settings) -> str:
    media_type = (content_type or "").split(";")[0].strip().lower()
    allowed = sorted(settings.attachment_content_types)
    if media_type not in settings.attachment_content_types:
        raise AttachmentTypeRefused(
            f"attachments of type {media_type or 'unknown'} are not accepted; "
            f"send one of: {', '.join(allowed)}",
            allowed=allowed,
        )
    signatures = MAGIC.get(media_type)
    if signatures and not head.startswith(signatures):
        raise AttachmentTypeRefused(f"the file's content is not {media_type} as declared")
    return media_type


def _safe_name(file_name: str | None) -> str:
    name = PurePath((file_name or "").replace("\\", "/")).name.strip()
    return (name or "attachment")[:255]


def path_of(sha256: str, settings: Settings) -> Path:
    return settings.attachments_path / sha256[:2] / sha256


def _store(path: Path, data: bytes) -> None:
    if path.exists():
        return  # same content, stored once
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    partial.write_bytes(data)
    os.replace(partial, path)  # atomic: a reader never sees half a file


async def _attachable(session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> CreditRecord:
    record = await session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"credit record {record_id} does not exist")
    if record.status not in (RecordStatus.draft, RecordStatus.verified):
        raise Conflict(
            f"credit record {record_id} is {record.status}; attach evidence to its current version",
            current_id=str(record.superseded_by_id) if record.superseded_by_id else None,
        )
    is_collector = record.collected_by is not None and record.collected_by == actor.id
    if record.status == RecordStatus.draft and not (is_collector or actor.role == Role.reviewer):
        raise Forbidden("only the draft's collector or a reviewer may attach evidence to it")
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
    if len(data) > settings.attachment_max_bytes:
        raise AttachmentTooLarge(
            f"attachment is larger than the limit of {settings.attachment_max_bytes} bytes",
            limit=settings.attachment_max_bytes,
        )
    media_type = _checked_type(content_type, data[:16], settings)
    digest = hashlib.sha256(data).hexdigest()
    existing = await session.scalar(
        select(RecordAttachment).where(
            RecordAttachment.record_id == record.id, RecordAttachment.sha256 == digest
        )
    )
    if existing:
        return existing, False
    await asyncio.to_thread(_store, path_of(digest, settings), data)
    attachment = RecordAttachment(
        record_id=record.id,
        file_name=_safe_name(file_name),
        content_type=media_type,
        size_bytes=len(data),
        sha256=digest,
        uploaded_by=actor.id if actor.kind == "user" else None,
    )
    session.add(attachment)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="credit_record.attachment_add",
        resource_type="credit_record",
        resource_id=record.id,
        changes=audit.created(
            {"attachment_id": attachment.id, "file_name": attachment.file_name, "sha256": digest}
        ),
    )
    return attachment, True


async def _readable(session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> None:
    # Evidence can name complainants and workers (Art 8: personal privacy): staff only.
    if actor.role == Role.employer:
        raise Forbidden("evidence attachments are for bureau staff only")
    await reads.get(session=session, record_id=record_id, actor=actor)


async def list_(
    *, session: AsyncSession, record_id: uuid.UUID, actor: Actor
) -> list[RecordAttachment]:
    await _readable(session, record_id, actor)
    query = (
        select(RecordAttachment)
        .where(RecordAttachment.record_id == record_id)
        .order_by(col(RecordAttachment.uploaded_at), col(RecordAttachment.id))
    )
    return list((await session.scalars(query)).all())


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
        raise NotFound(f"attachment {attachment_id} of credit record {record_id} does not exist")
    path = path_of(attachment.sha256, settings)
    if not await asyncio.to_thread(path.is_file):
        raise NotFound(f"the file of attachment {attachment_id} is missing from the store")
    return attachment, path
