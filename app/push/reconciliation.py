"""The daily reconciliation: per day, what was delivered to the platform (its first 2xx or
receipt that day) and what of it the platform acknowledged with a receipt, as counts and a
SHA-256 over the sorted message ids, stored with the audit trail's signed checkpoint of the
moment (`audit.checkpoints`), so the platform's team can compare its own figures and an
auditor can tie the push to the audit chain. Differences (delivered, no receipt yet) are
logged and shown in the stats; a day is recomputed while its late receipts may still come.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import checkpoints
from app.core.config import Settings
from app.models.push import PushReconciliation

log = logging.getLogger(__name__)

SHOWN = 100  # unacknowledged ids kept per day (the counts are whole)


def digest(ids: list[str]) -> str:
    """SHA-256 of the ids, sorted, one per line (the platform can compute the same)."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


async def reconcile(
    *, session: AsyncSession, settings: Settings, day: date, now: datetime
) -> PushReconciliation:
    rows = (
        await session.execute(
            text("SELECT CAST(id AS text) AS id, status FROM push_messages WHERE sent_on = :day"),
            {"day": day},
        )
    ).all()
    sent = [r.id for r in rows]
    acknowledged = [r.id for r in rows if r.status in ("accepted", "rejected")]
    missing = sorted(set(sent) - set(acknowledged))
    checkpoint = await checkpoints.take(session=session, settings=settings, now=now)
    values = {
        "day": day,
        "sent_count": len(sent),
        "sent_sha256": digest(sent),
        "acknowledged_count": len(acknowledged),
        "acknowledged_sha256": digest(acknowledged),
        "unacknowledged": missing[:SHOWN],
        "checkpoint": checkpoint.model_dump(mode="json"),
        "computed_at": now,
    }
    table = PushReconciliation.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["day"], set_={k: statement.excluded[k] for k in values if k != "day"}
        )
    )
    if missing:
        log.warning(
            "push reconciliation: delivered without receipt",
            extra={"day": day.isoformat(), "sent": len(sent), "acknowledged": len(acknowledged),
                   "unacknowledged": missing[:10]},
        )  # fmt: skip
    else:
        log.info("push reconciliation", extra={"day": day.isoformat(), "sent": len(sent)})
    found = await session.get(PushReconciliation, day, populate_existing=True)
    assert found is not None
    return found


def days_to_reconcile(today: date) -> list[date]:
    """Yesterday, and the day before (its receipts may have come since: 24 h by default)."""
    return [today - timedelta(days=2), today - timedelta(days=1)]
