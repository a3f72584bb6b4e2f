"""The end of a listing's term (人社部令第45号: listed for 3 years, then removed from the list).

A daily scheduler job ends every listing whose `expires_on` has come, as a removal of kind
`expiry` by the system: the same service path as a reviewer's removal, so each listing records
its end (its credit record stays verified: the years it covered keep it), `listing.removed`
tells grading, disclosure and the push, and the audit trail records the scheduler as the actor.
Grading does not wait for the job: a listing counts in no cycle that begins on or after its
`expires_on` (`grading.facts`). Drafts never expire here: they are not in force. Due listings
are found with one query per bounded batch and locked with SKIP LOCKED, each batch is its own
transaction, and an ended listing is no longer due: a second run, or a run after a crash
mid-way, does only what is left.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.blacklist import service as blacklist
from app.core import actors
from app.core.clock import Clock
from app.core.config import Settings
from app.models.blacklist import BlacklistEntry, BlacklistRemovalCreate, ListingStatus, RemovalKind

BATCH = 200
REASON = "列入期限届满，自动移出拖欠农民工工资失信联合惩戒对象名单（人社部令第45号，列入期限3年）"
DOCUMENT = "人社部令第45号（期满自动移出）"


async def due(*, session: AsyncSession, on: date, limit: int) -> list[uuid.UUID]:
    """Listings whose term ended by `on`, oldest first, locked for this transaction; rows
    another worker holds are skipped rather than waited for."""
    ids = await session.scalars(
        select(BlacklistEntry.id)
        .where(BlacklistEntry.status == ListingStatus.listed)
        .where(BlacklistEntry.expires_on <= on)
        .order_by(col(BlacklistEntry.expires_on), col(BlacklistEntry.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(ids)


async def expire_due(
    *,
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    batch_size: int = BATCH,
) -> int:
    """End every listing whose term has passed; commit per batch; return how many ended."""
    actor = actors.system("scheduler")
    removal = BlacklistRemovalCreate(kind=RemovalKind.expiry, reason=REASON, document=DOCUMENT)
    ended = 0
    while True:
        async with factory() as session, session.begin():
            batch = await due(session=session, on=clock.today(), limit=batch_size)
            for entry_id in batch:
                await blacklist.remove(
                    session=session,
                    entry_id=entry_id,
                    data=removal,
                    actor=actor,
                    settings=settings,
                    clock=clock,
                )
        ended += len(batch)
        if len(batch) < batch_size:
            return ended
