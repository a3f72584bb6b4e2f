"""Sign-in throttling by client address (issue 12 §3).

Failures are counted per (address, name typed) and per address, in a window of
`login_lock_minutes`: `login_max_failures` wrong passwords for one name from one address, or
`login_address_max_failures` for any names from one address, block that address (for that name,
or altogether) until the window's lock ends. The count lives in PostgreSQL, so every replica
sees it. Nothing is counted per account: a stranger elsewhere cannot lock staff out, and a name
that exists is counted, refused and answered exactly like one that does not.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings


@dataclass(frozen=True)
class Attempt:
    address: str
    username: str

    def pair_key(self) -> str:
        return _digest("name", self.address, self.username.casefold())

    def address_key(self) -> str:
        return _digest("address", self.address)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _limits(attempt: Attempt, settings: Settings) -> dict[str, int]:
    return {
        attempt.pair_key(): settings.login_max_failures,
        attempt.address_key(): settings.login_address_max_failures,
    }


async def blocked_for(session: AsyncSession, attempt: Attempt, *, now: datetime) -> int | None:
    """Seconds until this address may try this name again, or None if it may now."""
    until = await session.scalar(
        text(
            "SELECT max(blocked_until) FROM sign_in_failures "
            "WHERE key = ANY(:keys) AND blocked_until > :now"
        ),
        {"keys": [attempt.pair_key(), attempt.address_key()], "now": now},
    )
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds()))


_COUNT = text(
    """
    INSERT INTO sign_in_failures AS f (key, failures, window_started_at)
    VALUES (:key, 1, :now)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN f.window_started_at <= :window_start THEN 1 ELSE f.failures + 1 END,
      window_started_at = CASE WHEN f.window_started_at <= :window_start
                               THEN :now ELSE f.window_started_at END
    RETURNING failures
    """
)
_BLOCK = text(
    "UPDATE sign_in_failures SET blocked_until = :until, failures = 0, window_started_at = :now "
    "WHERE key = :key"
)
# Rows of windows long past and no lock in force: forgotten a few at a time, on each failure.
_FORGET = text(
    """
    DELETE FROM sign_in_failures WHERE key IN (
      SELECT key FROM sign_in_failures
      WHERE window_started_at <= :window_start AND coalesce(blocked_until, '-infinity') <= :now
      LIMIT 100)
    """
)


async def count_failure(
    session: AsyncSession, attempt: Attempt, *, settings: Settings, now: datetime
) -> int | None:
    """Count a wrong password; the seconds of the block it started, if it started one."""
    window = timedelta(minutes=settings.login_lock_minutes)
    window_start = now - window
    await session.execute(_FORGET, {"window_start": window_start, "now": now})
    blocked = None
    for key, limit in _limits(attempt, settings).items():
        failures = await session.scalar(
            _COUNT, {"key": key, "now": now, "window_start": window_start}
        )
        if failures is not None and failures >= limit:
            await session.execute(_BLOCK, {"key": key, "until": now + window, "now": now})
            blocked = math.ceil(window.total_seconds())
    return blocked


async def forget_name(session: AsyncSession, attempt: Attempt) -> None:
    """A good sign-in clears this address's count for this name (not the address's own count,
    which a spray of other names keeps)."""
    await session.execute(
        text("DELETE FROM sign_in_failures WHERE key = :key"), {"key": attempt.pair_key()}
    )
