"""What a transport answers for each message it was given (re-exported by `client`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from app.integrations.platform.payloads import Message, Receipt

OutcomeKind = Literal["accepted", "rejected", "awaiting_receipt", "retry", "permanent"]


@dataclass(frozen=True)
class Outcome:
    """`accepted`/`rejected`: the platform's receipt is in hand; `awaiting_receipt`: delivered,
    the receipt comes later (callback, receipt file); `retry`: not delivered, send again (after
    `retry_after` seconds when the platform said so); `permanent`: refused, sending the same
    again would not help (a person must look: `reason`)."""

    kind: OutcomeKind
    receipt: Receipt | None = None
    retry_after: float | None = None  # seconds, from Retry-After (delta or HTTP date)
    reason: str = ""  # retry/permanent: status and body excerpt, or the transport error


class Transport(Protocol):
    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """One Outcome per message, in the same order."""
        ...
