"""A wrong listing ends when its record is revoked (/credit-records revocation).

The credit file sits below the list and never calls it, so the list learns of a revocation as a
consumer of the event log (`core.events`), like every later stage: a revoked record of kind
`wage_arrears_listing` ends the listing in force that wrote it, as `revoked`, with the
revocation's day, reason and document (`service.end_revoked`). Grading needs no wait: a revoked
record counts nowhere from the moment it is revoked. The list itself follows within one polling
interval, and the ended listing no longer blocks a new, correct one. Idempotent: a listing
already ended is left as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.blacklist import service as blacklist
from app.core import actors
from app.core.clock import Clock
from app.core.events import Consumer, Event
from app.models.credit_record import RecordKind
from app.models.event import CreditEventType


async def end_revoked_listings(
    *, session: AsyncSession, events: Sequence[Event], clock: Clock
) -> None:
    actor = actors.system("blacklist")
    for event in events:
        if event.payload.get("kind") != RecordKind.wage_arrears_listing.value:
            continue
        await blacklist.end_revoked(
            session=session,
            record_key=uuid.UUID(event.payload["record_key"]),
            actor=actor,
            clock=clock,
        )


CONSUMER = Consumer(
    name="blacklist",
    types=frozenset({CreditEventType.record_revoked.value}),
    handle=end_revoked_listings,
)
