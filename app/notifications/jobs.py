"""The delivery job: every notification reaches each enabled channel besides the inbox, retried
with exponential backoff when the channel fails.

Each run: (1) a channel enabled for the first time is recorded with the time (it delivers the
notices written from then on); the notices written since then that have no delivery on it get
one, pending, in one statement per channel; (2) due deliveries are claimed in bounded batches
(their next attempt pushed back by a lease, so a crash retries them later, never at once twice),
handed to their channel outside any transaction, and the outcome recorded: sent, or failed with
the error, the attempt counted and the next attempt at `retry · 2^(attempts-1)` (capped), until
`notification_max_attempts` (then no next attempt; staff see it failed). The notification itself
is in the inbox throughout: a failing channel never loses a notice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import col, select

from app.core.config import Settings
from app.core.jobs import Context, Job, every
from app.models.notification import Notification
from app.notifications import channels
from app.notifications.channels import Channel

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)

_ENABLE = """
INSERT INTO notification_channels (name, enabled_at) VALUES (:name, :now)
ON CONFLICT (name) DO NOTHING
"""
_FAN_OUT = """
INSERT INTO notification_deliveries (notification_id, channel, status, attempts, next_attempt_at,
                                     created_at)
SELECT n.id, c.name, 'pending', 0, :now, :now
FROM notification_channels c JOIN notifications n ON n.created_at >= c.enabled_at
WHERE c.name = :name AND NOT EXISTS (
  SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND d.channel = c.name)
"""
_CLAIM = """
UPDATE notification_deliveries SET next_attempt_at = :lease
WHERE (notification_id, channel) IN (
  SELECT notification_id, channel FROM notification_deliveries
  WHERE channel = ANY(:names) AND status <> 'sent' AND next_attempt_at <= :now
  ORDER BY next_attempt_at LIMIT :batch FOR UPDATE SKIP LOCKED)
RETURNING notification_id, channel, attempts
"""
_SENT = """
UPDATE notification_deliveries
SET status = 'sent', sent_at = :now, attempts = attempts + 1, next_attempt_at = NULL,
    last_error = NULL
WHERE notification_id = :id AND channel = :channel
"""
_FAILED = """
UPDATE notification_deliveries
SET status = 'failed', attempts = attempts + 1, next_attempt_at = :next, last_error = :error
WHERE notification_id = :id AND channel = :channel
"""


def next_attempt(settings: Settings, attempts: int, now: datetime) -> datetime | None:
    """After the `attempts`-th failure: when to try again (None: no more attempts)."""
    if attempts >= settings.notification_max_attempts:
        return None
    wait = settings.notification_retry_seconds * 2 ** (attempts - 1)
    return now + timedelta(seconds=min(wait, settings.notification_retry_max_seconds))


async def deliver(context: Context) -> str | None:
    settings, clock = context.settings, context.clock
    enabled = {c.name: c for c in channels.enabled(settings)}
    if not enabled:
        return None
    async with context.factory() as session, session.begin():
        for name in enabled:
            params = {"name": name, "now": clock.now()}
            await session.execute(text(_ENABLE), params)
            await session.execute(text(_FAN_OUT), params)
    sent = failed = 0
    while True:
        now = clock.now()
        async with context.factory() as session, session.begin():
            claimed = (
                await session.execute(
                    text(_CLAIM),
                    {
                        "names": sorted(enabled),
                        "now": now,
                        "lease": now + LEASE,
                        "batch": settings.notification_delivery_batch,
                    },
                )
            ).all()
            ids = list({row.notification_id for row in claimed})
            query = select(Notification).where(col(Notification.id).in_(ids))
            notices = {n.id: n for n in await session.scalars(query)}
        outcomes = []
        for row in claimed:
            error = await _attempt(enabled[row.channel], notices[row.notification_id])
            outcomes.append((row.notification_id, row.channel, row.attempts + 1, error))
        async with context.factory() as session, session.begin():
            for notification_id, channel, attempts, error in outcomes:
                at = clock.now()
                key = {"id": notification_id, "channel": channel}
                if error is None:
                    sent += 1
                    await session.execute(text(_SENT), {**key, "now": at})
                else:
                    failed += 1
                    retry = next_attempt(settings, attempts, at)
                    await session.execute(text(_FAILED), {**key, "next": retry, "error": error})
        if len(claimed) < settings.notification_delivery_batch:
            break
    if not (sent or failed):
        return None
    return f"{sent} notification delivery(ies) sent, {failed} failed"


async def _attempt(channel: Channel, notification: Notification) -> str | None:
    """None when delivered; else the error, as recorded."""
    try:
        await channel.deliver(notification)
    except Exception as exc:  # a channel's failure is recorded and retried, whatever it is
        log.warning(
            "notification delivery failed",
            extra={"channel": channel.name, "notification": str(notification.id)},
        )
        return f"{type(exc).__name__}: {exc}"[:500]
    return None


def jobs(settings: Settings) -> list[Job]:
    return [every("notification_deliveries", settings.notification_delivery_seconds, deliver)]
