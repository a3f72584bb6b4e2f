"""The wage-arrears list's events (`listing.listed`, `listing.removed`), written to the event log
(`core.events`) in the transaction of the change, about the listing (`subject_type
blacklist_entry`) and naming its credit record (`record_id`, the version the listing wrote).

`decision_date` is the date of the decision the event reports, as a record's event carries
its decision's: the listing decision (`listed_on`) for `listing.listed`, the day the listing
ended (`removed_on`) for `listing.removed`, so grading re-grades the cycles it may change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.models.blacklist import BlacklistEntry
from app.models.event import CreditEventType, EventSubject


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def payload(entry: BlacklistEntry, decided: date) -> dict[str, Any]:
    """What a consumer needs without reading the listing again."""
    return {
        "status": str(entry.status),
        "decision_number": entry.decision_number,
        "decision_date": decided.isoformat(),
        "listed_on": entry.listed_on.isoformat(),
        "expires_on": entry.expires_on.isoformat(),
        "removed_on": _day(entry.removed_on),
        "removal_kind": str(entry.removal_kind) if entry.removal_kind else None,
        "ground": str(entry.ground),
    }


async def emit(
    *, session: AsyncSession, event_type: CreditEventType, entry: BlacklistEntry
) -> None:
    decided = entry.listed_on if event_type == CreditEventType.listing_listed else entry.removed_on
    assert decided is not None  # an ended listing has its end
    await events.emit(
        session=session,
        events=[
            events.event(
                event_type.value,
                subject_type=EventSubject.blacklist_entry,
                subject_id=entry.id,
                record_id=entry.credit_record_id,
                employer_id=entry.employer_id,
                payload=payload(entry, decided),
            )
        ],
    )
