"""Evidence for a representation against a proposed C (陈述申辩): filed while the notice's
window is open and before a reviewer decides, read by whoever may read the evaluation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.actors import Actor
from app.core.config import Settings
from app.core.errors import Conflict, NotFound
from app.evaluations import reads as evaluation_reads
from app.evaluations import service as evaluations
from app.models.representation_attachment import RepresentationAttachment
from app.records import evidence as evidence_files


async def add(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
    today: date,
) -> tuple[RepresentationAttachment, bool]:
    """The attachment and whether it is new (the same file on the same notice is kept once)."""
    evaluation = await evaluations.open_notice(
        session=session, evaluation_id=evaluation_id, actor=actor, today=today
    )
    return await evidence_files.attach(
        session=session, model=RepresentationAttachment, owner={"evaluation_id": evaluation.id},
        audited_as=("evaluation.representation_attachment_add", "evaluation"),
        file_name=file_name, content_type=content_type, data=data, actor=actor, settings=settings,
    )  # fmt: skip


async def list_(
    *, session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor
) -> list[RepresentationAttachment]:
    await evaluation_reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    rows = await session.scalars(
        select(RepresentationAttachment)
        .where(RepresentationAttachment.evaluation_id == evaluation_id)
        .order_by(col(RepresentationAttachment.uploaded_at), col(RepresentationAttachment.id))
    )
    return list(rows)


async def get(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[RepresentationAttachment, Path]:
    await evaluation_reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    attachment = await session.get(RepresentationAttachment, attachment_id)
    if attachment is None or attachment.evaluation_id != evaluation_id:
        raise NotFound(f"attachment {attachment_id} of evaluation {evaluation_id} does not exist")
    path = evidence_files.path_of(attachment.sha256, settings)
    if not await asyncio.to_thread(path.is_file):
        raise Conflict(f"the file of attachment {attachment_id} is missing from storage")
    return attachment, path
