"""PLACEHOLDER of the platform helper's module (replaced at merge): what a transport to the city
platform answers for each message, and how the configured one is made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from app.core.config import Settings
from app.integrations.platform.payloads import Message, Receipt


@dataclass(frozen=True)
class Outcome:
    kind: Literal["accepted", "rejected", "awaiting_receipt", "retry", "permanent"]
    receipt: Receipt | None = None
    retry_after: float | None = None
    reason: str = ""


class Transport(Protocol):
    async def send(self, messages: Sequence[Message]) -> list[Outcome]: ...


def transport(settings: Settings, client: httpx.AsyncClient) -> Transport | None:
    """None: no transport configured (messages queue, nothing is sent)."""
    return None
