"""The public routes' rate limit: a token bucket per client address (`deps.client_address`).

Each address may make `public_rate_per_minute` requests in a burst and regains one every
60 / rate seconds; beyond, a 429 `too-many-requests` with `Retry-After`. The buckets live in the
process (app.state): N replicas allow an address N times the rate, and a restart forgets them.
That is enough to keep one scraper from starving the rest; a limit shared by every replica
belongs in the reverse proxy in front of them (docs/operations.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from app.api.deps import client_address
from app.core.clock import Clock
from app.core.config import Settings
from app.disclosure.errors import TooManyPublicRequests

MAX_ADDRESSES = 100_000  # beyond, the buckets full again are forgotten


@dataclass
class Buckets:
    rate: int
    tokens: dict[str, tuple[float, float]] = field(default_factory=dict)  # address: (left, at)

    def take(self, address: str, now: float) -> int | None:
        """None if `address` may go on; else the seconds until it may."""
        per_second = self.rate / 60
        left, at = self.tokens.get(address, (float(self.rate), now))
        left = min(float(self.rate), left + (now - at) * per_second)
        if left >= 1:
            self.tokens[address] = (left - 1, now)
            self._forget(now)
            return None
        self.tokens[address] = (left, now)
        return max(1, math.ceil((1 - left) / per_second))

    def _forget(self, now: float) -> None:
        if len(self.tokens) <= MAX_ADDRESSES:
            return
        full_after = 60.0
        self.tokens = {a: v for a, v in self.tokens.items() if now - v[1] < full_after}


async def _limit(request: Request) -> None:
    """Async and reading the app's settings and clock from app.state (what SettingsDep and
    ClockDep return): a sync dependency would cost every public request a hop to the thread
    pool (the public list's benchmark, issue 13)."""
    settings: Settings = request.app.state.settings
    rate = settings.public_rate_per_minute
    if rate <= 0:
        return
    clock: Clock = request.app.state.clock
    buckets: Buckets | None = getattr(request.app.state, "public_buckets", None)
    if buckets is None or buckets.rate != rate:
        buckets = Buckets(rate)
        request.app.state.public_buckets = buckets
    wait = buckets.take(client_address(request) or "unknown", clock.now().timestamp())
    if wait is not None:
        raise TooManyPublicRequests(wait)


PublicRate = Annotated[None, Depends(_limit)]
