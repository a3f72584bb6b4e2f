"""Delivery channels: how a notification reaches the employer besides being in the inbox.

A channel is anything with a `name` and an `async deliver(notification)` that returns once the
notice is handed over and raises when it is not (the delivery job records the failure and tries
again later). `api`, the in-app inbox, is always on: a notification is in the inbox the moment
it is written, so its `api` delivery is recorded sent with it. Other channels (SMS, mail) are
implementations `register`ed here and switched on by name in the setting
`notification_channels`; a name enabled but not registered is skipped with a warning.
"""

from __future__ import annotations

import logging
from typing import Protocol

from app.core.config import Settings
from app.models.notification import Notification

log = logging.getLogger(__name__)

INBOX = "api"


class Channel(Protocol):
    name: str

    async def deliver(self, notification: Notification) -> None:
        """Hand the notice over; raise if it was not."""
        ...


class Inbox:
    """The in-app inbox: a written notification is available in the API; nothing to send."""

    name = INBOX

    async def deliver(self, notification: Notification) -> None:
        return None


REGISTRY: dict[str, Channel] = {INBOX: Inbox()}


def register(channel: Channel) -> None:
    REGISTRY[channel.name] = channel


def unregister(name: str) -> None:
    if name != INBOX:
        REGISTRY.pop(name, None)


def enabled(settings: Settings) -> list[Channel]:
    """The channels the delivery job sends through: those enabled and registered, the inbox
    excepted (written sent with each notification)."""
    found = []
    for name in dict.fromkeys(settings.notification_channels):
        if name == INBOX:
            continue
        channel = REGISTRY.get(name)
        if channel is None:
            log.warning("notification channel %r is enabled but not implemented", name)
            continue
        found.append(channel)
    return found
