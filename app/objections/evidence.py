"""Evidence filed with an objection: files outside the database under their sha256, like record
and representation attachments, each with who filed it (the employer's account, or staff for a
walk-in or a letter) and when; taken while it is open, read by whoever may read the objection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.models.objection import (
    OPEN,
    ObjectionAttachment,
    ObjectionAttachmentPublic,
    ObjectionStatus,
)
from app.objections import reads, service
from app.objections.problems import (
    ObjectionAttachmentNotFound,
    ObjectionClosed,
    ObjectionFileMissing,
)
from app.records import evidence as evidence_files


async def add(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> tuple[ObjectionAttachmentPublic, bool]:
    """The attachment and whether it is new (the same file on the same objection is kept once)."""
    objection = await service.locked(session, objection_id, actor)
    if objection.status not in OPEN:
        status = ObjectionStatus(objection.status)
        raise ObjectionClosed(
            Text(
                zh=f"异议 {objection.id} {status.zh}，已办结，不再接受材料",
                en=f"objection {objection.id} is {status.value}: closed, it takes no more files",
            ),
            objection_status=status.value,
        )
    attachment, created = await evidence_files.attach(
        session=session, model=ObjectionAttachment, owner={"objection_id": objection.id},
        audited_as=("objection.attachment_add", "objection"), file_name=file_name,
        content_type=content_type, data=data, actor=actor, settings=settings,
        fields={"uploader_role": actor.role, "uploaded_at": clock.now()},
    )  # fmt: skip
    [shown] = await to_public(session=session, attachments=[attachment], actor=actor)
    return shown, created


async def list_(
    *, session: AsyncSession, objection_id: uuid.UUID, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[ObjectionAttachment], str | None]:
    """In the order filed, a keyset page of `limit`."""
    await reads.get(session=session, objection_id=objection_id, actor=actor)
    return await evidence_files.page(
        session=session, model=ObjectionAttachment, owner={"objection_id": objection_id},
        limit=limit, cursor=cursor,
    )  # fmt: skip


async def to_public(
    *, session: AsyncSession, attachments: Sequence[ObjectionAttachment], actor: Actor
) -> list[ObjectionAttachmentPublic]:
    known = await reads.names(session, (a.uploaded_by for a in attachments))
    return [
        ObjectionAttachmentPublic.model_validate(
            a, update={"filed_by": reads.filer(actor, a.uploaded_by, a.uploader_role, known)}
        )
        for a in attachments
    ]


async def get(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[ObjectionAttachment, Path]:
    await reads.get(session=session, objection_id=objection_id, actor=actor)
    return await evidence_files.stored(
        session=session, model=ObjectionAttachment, owner={"objection_id": objection_id},
        attachment_id=attachment_id, of=Text(f"异议 {objection_id}", f"objection {objection_id}"),
        settings=settings, not_found=ObjectionAttachmentNotFound, file_missing=ObjectionFileMissing,
    )  # fmt: skip
