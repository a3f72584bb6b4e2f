"""Placeholder for the disclosure helper's module; replaced at merge."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock


async def reflect(*, session: AsyncSession, employer_id: uuid.UUID, clock: Clock) -> None:
    """Bring the employer's disclosure in line with its current final evaluation and verified
    records (publish / update / withdraw), idempotently; emits disclosure.* events on change."""
    return None


async def mark_disputed(
    *,
    session: AsyncSession,
    employer_id: uuid.UUID,
    record_key: uuid.UUID | None = None,
    evaluation_id: uuid.UUID | None = None,
    item_id: uuid.UUID | None = None,
    disputed: bool,
) -> None:
    """Flag (or unflag) as disputed (异议标注) the employer's published items of the record
    (all versions: record_key), of the evaluation (every item of the disclosure made from it),
    or the one item."""
    return None
