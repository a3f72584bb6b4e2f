"""The wage-arrears list's job (人社部令第45号): a listing lasts 3 years; the day its term ends it
leaves the list."""

from __future__ import annotations

from app.blacklist import expiry
from app.core.config import Settings
from app.core.jobs import Context, Job, daily

BLACKLIST_EXPIRY_CRON = "5 0 * * *"  # just after midnight: a term ends on its date


async def blacklist_expiry(context: Context) -> str | None:
    ended = await expiry.expire_due(
        factory=context.factory, settings=context.settings, clock=context.clock
    )
    return f"{ended} listing(s) ended at expiry" if ended else None


def jobs(settings: Settings) -> list[Job]:
    return [
        daily("blacklist_expiry", BLACKLIST_EXPIRY_CRON, blacklist_expiry, settings, retried=True)
    ]
