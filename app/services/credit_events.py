"""Domain events of the credit file, written in the transaction of the change they report.

Grading, disclosure and the platform push will consume them (not built yet); each consumer keeps
its own progress, so an event is never updated or deleted here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import bulk_insert
from app.models.credit_event import CreditEvent, CreditEventType
from app.models.credit_record import CreditRecord


def payload(record: CreditRecord | Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """What a consumer needs without reading the record again."""
    get = record.get if isinstance(record, Mapping) else record.__getattribute__

    def day(field: str) -> str | None:
        value = get(field)
        return value.isoformat() if value else None

    return {
        "record_key": str(get("record_key")),
        "version": get("version"),
        "status": str(get("status")),
        "category": str(get("category")),
        "kind": str(get("kind")),
        "source": str(get("source")),
        "severity": str(get("severity")) if get("severity") else None,
        "punished": get("punished"),
        "serious_conditions": list(get("serious_conditions") or []),
        "decision_date": day("decision_date"),
        "publication_end_date": day("publication_end_date"),
        "in_catalogue": get("in_catalogue"),
        **extra,
    }


async def emit(
    *,
    session: AsyncSession,
    event_type: CreditEventType,
    records: Sequence[CreditRecord],
    extra: dict[str, Any] | None = None,
) -> None:
    """One statement for any number of records (intake batches)."""
    if not records:
        return
    await session.execute(
        insert(CreditEvent),
        [
            {
                "event_type": event_type.value,
                "record_id": r.id,
                "employer_id": r.employer_id,
                "payload": payload(r, **(extra or {})),
            }
            for r in records
        ],
    )


async def emit_rows(
    *, session: AsyncSession, event_type: CreditEventType, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`emit` for records written as plain rows (batches that never build ORM objects)."""
    if rows:
        await bulk_insert(
            session,
            CreditEvent.__table__,  # type: ignore[attr-defined]
            [
                {
                    "event_type": event_type.value,
                    "record_id": row["id"],
                    "employer_id": row["employer_id"],
                    "payload": payload(row),
                }
                for row in rows
            ],
        )
