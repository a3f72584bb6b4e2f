"""The credit file's events (record verified, corrected, revoked), written to the event log
(`core.events`) in the transaction of the change they report, with what a consumer needs
without reading the record again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.models.credit_record import CreditRecord
from app.models.event import CreditEventType, EventSubject

# `payload`'s keys and values as the database builds them (uuids and dates as their text, the
# conditions as a list), for records written in one batch: no row crosses into Python.
_EMIT_RANGE = text(
    """
    INSERT INTO credit_events (event_type, subject_type, subject_id, record_id, employer_id,
                               payload)
    SELECT :event_type, :subject_type, c.id, c.id, c.employer_id, jsonb_build_object(
      'record_key', c.record_key, 'version', c.version, 'status', c.status,
      'category', c.category, 'kind', c.kind, 'source', c.source, 'severity', c.severity,
      'punished', c.punished, 'serious_conditions', to_jsonb(c.serious_conditions),
      'decision_date', c.decision_date, 'publication_end_date', c.publication_end_date,
      'in_catalogue', c.in_catalogue)
    FROM credit_records c
    WHERE c.id BETWEEN :first_id AND :last_id
    ORDER BY c.id
    """
)


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


def _event(
    event_type: CreditEventType, record: CreditRecord | Mapping[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    record_id, employer_id = (
        (record["id"], record["employer_id"])
        if isinstance(record, Mapping)
        else (record.id, record.employer_id)
    )
    return events.event(
        event_type.value,
        subject_type=EventSubject.credit_record,
        subject_id=record_id,
        record_id=record_id,
        employer_id=employer_id,
        payload=body,
    )


async def emit(
    *,
    session: AsyncSession,
    event_type: CreditEventType,
    records: Sequence[CreditRecord],
    extra: dict[str, Any] | None = None,
) -> None:
    """One statement for any number of records (intake batches)."""
    await events.emit(
        session=session,
        events=[_event(event_type, r, payload(r, **(extra or {}))) for r in records],
    )


async def emit_rows(
    *, session: AsyncSession, event_type: CreditEventType, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`emit` for records written as plain rows (batches that never build ORM objects)."""
    await events.emit(
        session=session, events=[_event(event_type, row, payload(row)) for row in rows]
    )


async def emit_range(
    *,
    session: AsyncSession,
    event_type: CreditEventType,
    first_id: Any,
    last_id: Any,
) -> None:
    """`emit_rows` for a batch whose records are the only ones with ids in first_id..last_id
    (`records.service.batch_ids`): one INSERT…SELECT, the payloads built by the database, the
    events in the records' order."""
    await session.execute(
        _EMIT_RANGE,
        {
            "event_type": event_type.value,
            "subject_type": EventSubject.credit_record.value,
            "first_id": first_id,
            "last_id": last_id,
        },
    )
