"""The disclosure's daily job: items past their publication end date end (`expired`) and a
disclosure left with none is withdrawn. Reads never show such an item even before the job runs
(`reads` filters by today); the job makes the end a recorded fact and emits its events."""

from __future__ import annotations

from sqlalchemy import text

from app.core.config import Settings
from app.core.jobs import Context, Job, daily
from app.disclosure import service

BATCH = 500
_DUE = text(
    """
    SELECT DISTINCT d.employer_id FROM disclosure_items i
    JOIN disclosures d ON d.id = i.disclosure_id
    WHERE i.ended_on IS NULL AND i.publication_end_date < :today AND d.status = 'published'
    ORDER BY d.employer_id LIMIT :batch
    """
)


async def expire_due(context: Context) -> int:
    """Reflect every employer with an item past its end, a bounded batch per transaction."""
    today = context.clock.today()
    total = 0
    while True:
        async with context.factory() as session, session.begin():
            employers = (await session.scalars(_DUE, {"today": today, "batch": BATCH})).all()
            for employer_id in employers:
                await service.reflect(
                    session=session,
                    employer_id=employer_id,
                    clock=context.clock,
                    settings=context.settings,
                )
        total += len(employers)
        if len(employers) < BATCH:
            return total


async def disclosure_expiry(context: Context) -> str | None:
    done = await expire_due(context)
    return f"{done} disclosure(s) with items past their end reflected" if done else None


def jobs(settings: Settings) -> list[Job]:
    return [
        daily(
            "disclosure_expiry",
            settings.disclosure_expiry_cron,
            disclosure_expiry,
            settings,
            retried=True,
        )
    ]
