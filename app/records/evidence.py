"""Evidence files outside the database: the one way each owner's files (record, representation,
objection and repair attachments) are checked, stored, listed and read back.

Files are content-addressed (`<attachments dir>/<first two hex>/<sha256>`), so the same file
kept twice is stored once. A file is written before its row; if the transaction then fails, an
unreferenced file is left, which is harmless (a later upload of the same content reuses it).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from app.audit import service as audit
from app.core import file_types, pagination
from app.core.actors import Actor
from app.core.config import Settings
from app.core.errors import AppError, DoesNotExist
from app.core.i18n import Text
from app.models.record_attachment import RecordAttachmentBase
from app.records.errors import (
    AttachmentContentMismatch,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    EvidenceFileMissing,
)

Row = TypeVar("Row", bound=SQLModel)
# an attachment table: the file's fields, its owner's id column, `id` and `uploaded_at`
File = TypeVar("File", bound=RecordAttachmentBase)


@dataclass(frozen=True)
class KeptFile:
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str


def checked(
    file_name: str | None, content_type: str | None, data: bytes, settings: Settings
) -> KeptFile:
    """Size, declared type, and the content checked against that type (core.file_types:
    every accepted type has a check)."""
    if len(data) > settings.attachment_max_bytes:
        limit = settings.attachment_max_bytes
        raise AttachmentTooLarge(
            Text(
                f"证据文件超过上限 {limit} 字节",
                f"attachment is larger than the limit of {limit} bytes",
            ),
            limit=settings.attachment_max_bytes,
        )
    media_type = (content_type or "").split(";")[0].strip().lower()
    allowed = sorted(settings.attachment_content_types)
    if media_type not in settings.attachment_content_types:
        listed = ", ".join(allowed)
        raise AttachmentTypeRefused(
            Text(
                f"不接受类型为 {media_type or '未知'} 的证据文件；请发送以下类型之一：{listed}",
                f"attachments of type {media_type or 'unknown'} are not accepted; "
                f"send one of: {listed}",
            ),
            allowed=allowed,
        )
    if not file_types.is_what_it_declares(media_type, data):
        raise AttachmentContentMismatch(
            Text(
                f"文件内容不是声明的 {media_type}",
                f"the file's content is not {media_type} as declared",
            )
        )
    return KeptFile(_safe_name(file_name), media_type, len(data), hashlib.sha256(data).hexdigest())


async def keep(file: KeptFile, data: bytes, settings: Settings) -> None:
    await asyncio.to_thread(_store, path_of(file.sha256, settings), data)


async def attach(
    *,
    session: AsyncSession,
    model: type[Row],
    owner: dict[str, Any],
    audited_as: tuple[str, str],
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
    fields: dict[str, Any] | None = None,
) -> tuple[Row, bool]:
    """Check, store and record one evidence file of `owner` (e.g. {"record_id": id}), a new row
    getting `fields` too (its uploader's role, its time); the same file on the same owner is kept
    once. Returns the row and whether it is new."""
    kept = checked(file_name, content_type, data, settings)
    existing = await session.scalar(select(model).filter_by(**owner, sha256=kept.sha256))
    if existing is not None:
        return existing, False
    await keep(kept, data, settings)
    uploader = actor.id if actor.kind == "user" else None
    row = model(**owner, **(fields or {}), **vars(kept), uploaded_by=uploader)
    session.add(row)
    await session.flush()
    action, resource_type = audited_as
    await audit.record(
        session=session, actor=actor, action=action, resource_type=resource_type,
        resource_id=next(iter(owner.values())),
        changes=audit.created(
            {"attachment_id": row.id, "file_name": kept.file_name, "sha256": kept.sha256}  # type: ignore[attr-defined]
        ),
    )  # fmt: skip
    return row, True


async def page(
    *,
    session: AsyncSession,
    model: type[File],
    owner: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[list[File], str | None]:
    """`owner`'s files in the order uploaded, a keyset page of `limit`."""
    uploaded_at, id_ = col(model.uploaded_at), col(model.id)  # type: ignore[attr-defined]
    query = select(model).filter_by(**owner)
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        query = query.where(func.row(uploaded_at, id_) > func.row(at, after_id))
    rows = list((await session.scalars(query.order_by(uploaded_at, id_).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda a: [a.uploaded_at.isoformat(), str(a.id)])  # type: ignore[attr-defined]


async def stored(
    *,
    session: AsyncSession,
    model: type[File],
    owner: dict[str, Any],
    attachment_id: uuid.UUID,
    of: Text,
    settings: Settings,
    not_found: type[AppError] = DoesNotExist,
    file_missing: type[AppError] = EvidenceFileMissing,
) -> tuple[File, Path]:
    """One of `owner`'s files (`of` names the owner: "objection <id>") and where its content
    is; `not_found` when it is not one of them, `file_missing` when the store lost it."""
    attachment = await session.get(model, attachment_id)
    if attachment is None or any(getattr(attachment, k) != v for k, v in owner.items()):
        raise not_found(
            Text(
                f"{of.zh} 的材料 {attachment_id} 不存在",
                f"attachment {attachment_id} of {of.en} does not exist",
            )
        )
    path = path_of(attachment.sha256, settings)
    if not await asyncio.to_thread(path.is_file):
        raise file_missing(
            Text(
                f"材料 {attachment_id}（{attachment.file_name}）的文件不在附件存储中",
                f"the file of attachment {attachment_id} ({attachment.file_name}) is missing "
                "from storage",
            )
        )
    return attachment, path


def _safe_name(file_name: str | None) -> str:
    name = PurePath((file_name or "").replace("\\", "/").replace("\x00", "")).name.strip()
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
