"""The disclosure's consumer of the event log (`core.events`): a change of grade, record or
listing reflects the employer's disclosure (`service.reflect`, idempotent, once per employer of
the batch). Objections, a higher layer, call `reflect` in their own
transaction instead; a repair decision reflects in its own, and its event is consumed too
(harmless: nothing left to change)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.events import Consumer, Event
from app.disclosure import service
from app.models.event import CreditEventType

INPUTS = frozenset(
    t.value
    for t in (
        CreditEventType.evaluation_finalized,
        # a record verified while a C is in force adds an item to its disclosure
        CreditEventType.record_verified,
        CreditEventType.record_corrected,
        CreditEventType.record_revoked,
        CreditEventType.listing_listed,
        CreditEventType.listing_removed,
        CreditEventType.repair_decided,
    )
)


async def reflect_employers(
    *, session: AsyncSession, events: Sequence[Event], clock: Clock
) -> None:
    employers: dict[uuid.UUID, None] = {}
    for event in events:
        if event.employer_id is not None:
            employers[event.employer_id] = None
    for employer_id in sorted(employers):
        await service.reflect(session=session, employer_id=employer_id, clock=clock)


CONSUMER = Consumer(name="disclosure", types=INPUTS, handle=reflect_employers)
