"""Evidence filed with a credit repair application (国家发展改革委令第36号: how the violation was
corrected, the penalty performed): files outside the database under their sha256, like every
attachment (records.evidence), filed by the employer's account while the application is open
(applied or accepted), read by staff and the employer itself."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.disclosure import repairs
from app.disclosure.errors import RepairClosed
from app.models.repair import RepairAttachment, RepairStatus
from app.records import evidence as evidence_files

OPEN = (RepairStatus.applied, RepairStatus.accepted)


async def add(
    *,
    session: AsyncSession,
    repair_id: uuid.UUID,
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> tuple[RepairAttachment, bool]:
    """The attachment and whether it is new (the same file on the same application is kept
    once)."""
    repair = await repairs.locked(session, repair_id, actor)
    if repair.status not in OPEN:
        raise RepairClosed(repair.id, repair.status, repair.decided_on)
    return await evidence_files.attach(
        session=session, model=RepairAttachment, owner={"repair_id": repair.id},
        audited_as=("repair.attachment_add", "repair"), file_name=file_name,
        content_type=content_type, data=data, actor=actor, settings=settings,
        fields={"uploaded_at": clock.now()},
    )  # fmt: skip


async def list_(
    *, session: AsyncSession, repair_id: uuid.UUID, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[RepairAttachment], str | None]:
    """In the order filed, a keyset page of `limit`."""
    await repairs.get(session=session, repair_id=repair_id, actor=actor)
    return await evidence_files.page(
        session=session, model=RepairAttachment, owner={"repair_id": repair_id}, limit=limit,
        cursor=cursor,
    )  # fmt: skip


async def get(
    *,
    session: AsyncSession,
    repair_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[RepairAttachment, Path]:
    await repairs.get(session=session, repair_id=repair_id, actor=actor)
    return await evidence_files.stored(
        session=session, model=RepairAttachment, owner={"repair_id": repair_id},
        attachment_id=attachment_id, settings=settings,
        of=Text(f"信用修复申请 {repair_id}", f"repair application {repair_id}"),
    )  # fmt: skip
