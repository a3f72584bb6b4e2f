"""What the platform is told of each event, and the pure arithmetic of retries and the breaker.

Which records are catalogue records (Art 7): the Lüliang catalogue's content is unknown, so
`records.rules.in_catalogue` decides it from settings (`catalogue_kinds`, `catalogue_categories`,
`catalogue_requires_decision_number`) when a record is written, and stores it on the record
(`credit_records.in_catalogue`, carried by its events). A record event is pushed when the record
is in the catalogue; a correction whose new version left the catalogue withdraws the old one. A
wage-arrears listing and its removal are always pushed (a joint-punishment list is shared by
law, 人社部令第45号), as are final grades, disclosures, approved repairs and objection decisions.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.integrations.platform.payloads import MessageType, Subject

# Art 16: the corrected record reaches the platform within 5 working days of the decision; a
# repair's outcome is synchronised on the same footing (国家发展改革委令第36号)
LEGAL_DAYS = 5

UPSERTS = frozenset(
    {
        "record.verified",
        "disclosure.published",
        "disclosure.updated",
        "evaluation.finalized",
        "listing.listed",
        "objection.decided",
    }
)
WITHDRAWALS = frozenset(
    {"record.revoked", "disclosure.withdrawn", "listing.removed", "repair.decided"}
)
RUN_COMPLETED = "grading_run.completed"
TYPES = frozenset({*UPSERTS, *WITHDRAWALS, "record.corrected", RUN_COMPLETED})
RECORD_EVENTS = frozenset({"record.verified", "record.corrected", "record.revoked"})
# the deadline counted from the decision's date in the payload (else the event's own day)
LEGAL_DEADLINE = {"objection.decided": "decided_on", "repair.decided": "decided_on"}


@dataclass(frozen=True)
class Plan:
    """One message an event becomes."""

    type: MessageType
    subject: Subject
    subject_id: uuid.UUID


def plan(
    event_type: str,
    subject_type: str,
    subject_id: uuid.UUID,
    payload: dict[str, Any],
    *,
    previous_in_catalogue: bool = False,
) -> Plan | None:
    """The message of one employer's event, or None when the platform is not told of it."""
    subject = Subject(subject_type)
    if event_type in RECORD_EVENTS and not payload.get("in_catalogue"):
        if event_type == "record.corrected" and previous_in_catalogue:  # left the catalogue
            return Plan(MessageType.withdraw, subject, uuid.UUID(payload["previous_id"]))
        return None
    if event_type == "record.corrected":
        return Plan(MessageType.correct, subject, subject_id)
    if event_type == "repair.decided" and payload.get("outcome") != "approved":
        return None  # a refused repair changes nothing the platform holds
    if event_type in UPSERTS:
        return Plan(MessageType.upsert, subject, subject_id)
    if event_type in WITHDRAWALS:
        return Plan(MessageType.withdraw, subject, subject_id)
    return None


def retry_delay(
    attempts: int,
    schedule: list[int],
    *,
    jitter: float,
    retry_after: float | None,
    draw: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None: no attempt is left."""
    if attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    spread = (draw or random).uniform(1 - jitter, 1 + jitter) if jitter else 1.0
    return max(base * spread, retry_after or 0.0)


def next_attempt(now: datetime, delay: float) -> datetime:
    return now + timedelta(seconds=delay)
