"""Dynamic adjustment (Art 10): credit events re-grade their employer promptly.

Grading's consumer of the event log (`core.events`): the log keeps the watermark and receipts,
this module only says what an event means for grading. Polled by the scheduler rather than
called inline by the record and blacklist services: those writes stay fast and unaware of
grading, a failed re-grade never fails the verification that caused it, and the log is the one
path (intake batches, imports, corrections, listings alike), at the cost of one polling interval.

docs/law.md §3 defaults: a re-grade that downgrades applies at once (to C through the notice step);
an upgrade only when a record was corrected or revoked, or a wage-arrears listing ended (Art 13:
removal re-grades the unit; a cycle the listing no longer reaches into no longer counts it);
mid-cycle, an A creates no evaluation.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.events import Consumer, Event
from app.grading import apply, service
from app.models.evaluation import EvaluationOrigin
from app.models.event import CreditEventType

# The facts of a grade: the records and the listings (not the grades, disclosures and objections
# that follow from them, which are events too)
INPUTS = frozenset(t.value for t in CreditEventType if t.value.startswith(("record.", "listing.")))
UPGRADING = {
    CreditEventType.record_corrected.value,
    CreditEventType.record_revoked.value,
    CreditEventType.listing_removed.value,
}


def _cycles(decision_date: str | None, today: date) -> set[int]:
    """The current cycle, and a past cycle the record was decided in (its grade may change);
    a listing's event carries the date of the listing or of its end as `decision_date`."""
    cycles = {today.year}
    if decision_date and int(decision_date[:4]) < today.year:
        cycles.add(int(decision_date[:4]))
    return cycles


async def regrade_after(*, session: AsyncSession, events: Sequence[Event], clock: Clock) -> None:
    """Re-grade the employers of `events`, grouped by cycle and by whether an upgrade is allowed."""
    today = clock.today()
    upgrade: dict[tuple[int, uuid.UUID], bool] = defaultdict(bool)
    for event in events:
        assert event.employer_id is not None  # records and listings are one employer's
        for cycle in _cycles(event.payload.get("decision_date"), today):
            key = (cycle, event.employer_id)
            upgrade[key] = upgrade[key] or event.event_type in UPGRADING
    groups: dict[tuple[int, bool], list[uuid.UUID]] = defaultdict(list)
    for (cycle, employer_id), allowed in upgrade.items():
        groups[(cycle, allowed)].append(employer_id)
    for (cycle, allowed), employer_ids in sorted(groups.items()):
        policy = apply.Policy(origin=EvaluationOrigin.event, allow_upgrade=allowed, create_a=False)
        await service.regrade(
            session=session, employer_ids=employer_ids, cycle=cycle, policy=policy, today=today
        )


CONSUMER = Consumer(name="grading", types=INPUTS, handle=regrade_after)
