"""Reading the public C list: Core selects that build the response directly (the hot path,
docs/architecture.md performance), and exactly the Art 14 fields: the unit's full name, USCC
and legal representative; per item the penalty date, decision number, violation, legal basis,
result, dishonesty level and list status (with their Chinese labels, as the city platform and
信用中国 show them), publication end date and the disputed flag. Never the town, an ID number, a
phone, an address, an attachment or a free-text field (description, facts, remarks); an ID
number or phone number a clerk typed into a shown text was removed when the item was written
(`rules.scrub`).

An item past its publication end date is never shown, even before the daily job ends it: the
queries filter by today on the clock; a disclosure with no item left reads as withdrawn.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import pagination
from app.core.clock import Clock
from app.disclosure.errors import DisclosureNotFound, DisclosureWithdrawn
from app.employers import uscc as uscc_rules
from app.models.credit_record import Severity
from app.models.disclosure import Disclosure, DisclosureItem, ListStatus, WithdrawalReason

D = Disclosure.__table__  # type: ignore[attr-defined]
I = DisclosureItem.__table__  # type: ignore[attr-defined]  # noqa: E741

_HEAD = (
    D.c.id,
    D.c.cycle,
    D.c.employer_name,
    D.c.uscc,
    D.c.legal_representative,
    D.c.list_status,
    D.c.published_at,
)
_ITEM = (
    I.c.disclosure_id,
    I.c.id,
    I.c.penalty_date,
    I.c.decision_number,
    I.c.violation,
    I.c.legal_basis,
    I.c.result,
    I.c.severity,
    I.c.publication_end_date,
    I.c.disputed,
)


def _shown(today: date) -> Any:
    return and_(I.c.ended_on.is_(None), I.c.publication_end_date >= today)


async def _items(
    session: AsyncSession, ids: list[uuid.UUID], today: date
) -> dict[uuid.UUID, list[Any]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(*_ITEM)
        .where(I.c.disclosure_id.in_(ids), _shown(today))
        .order_by(I.c.penalty_date, I.c.id)
    )
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.disclosure_id].append(row)
    return found


def _render(head: Any, items: list[Any]) -> dict[str, Any]:
    status = ListStatus(head.list_status)
    return {
        "id": str(head.id),
        "cycle": head.cycle,
        "employer_name": head.employer_name,
        "uscc": head.uscc,
        "legal_representative": head.legal_representative,
        "list_status": status.value,
        "list_status_label": status.zh,
        "published_at": head.published_at.isoformat(),
        "items": [_render_item(i, status) for i in items],
    }


def _render_item(item: Any, status: ListStatus) -> dict[str, Any]:
    level = Severity(item.severity)
    return {
        "id": str(item.id),
        "penalty_date": item.penalty_date.isoformat(),
        "decision_number": item.decision_number,
        "violation": item.violation,
        "legal_basis": item.legal_basis,
        "result": item.result,
        "dishonesty_level": level.value,
        "dishonesty_level_label": level.zh,
        "list_status": status.value,
        "list_status_label": status.zh,
        "publication_end_date": item.publication_end_date.isoformat(),
        "disputed": item.disputed,
    }


async def list_public(
    *,
    session: AsyncSession,
    today: date,
    q: str | None,
    uscc: str | None,
    town: str | None,
    year: int | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Newest publication first; only disclosures with an item shown today."""
    query = (
        select(*_HEAD)
        .where(D.c.status == "published")
        .where(exists().where(I.c.disclosure_id == D.c.id, _shown(today)))
    )
    if q:
        query = query.where(D.c.employer_name.contains(q, autoescape=True))
    if uscc:
        query = query.where(D.c.uscc == uscc_rules.normalise(uscc))
    if town:
        query = query.where(D.c.town == town)
    if year is not None:
        query = query.where(D.c.cycle == year)
    if cursor:
        at, last = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        query = query.where(tuple_(D.c.published_at, D.c.id) < tuple_(at, last))
    query = query.order_by(D.c.published_at.desc(), D.c.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).all())
    page, next_cursor = pagination.page(
        rows, limit, lambda r: [r.published_at.isoformat(), str(r.id)]
    )
    items = await _items(session, [r.id for r in page], today)
    return {"items": [_render(r, items.get(r.id, [])) for r in page], "next_cursor": next_cursor}


async def get_public(
    *, session: AsyncSession, disclosure_id: uuid.UUID, clock: Clock
) -> dict[str, Any]:
    """One disclosure; a withdrawn one (or one whose items have all passed their end date,
    before the daily job records it) is a 410 saying when and why."""
    today = clock.today()
    head = (
        await session.execute(
            select(*_HEAD, D.c.status, D.c.withdrawn_at, D.c.withdrawal_reason).where(
                D.c.id == disclosure_id
            )
        )
    ).first()
    if head is None:
        raise DisclosureNotFound(disclosure_id)
    if head.status == "withdrawn":
        raise DisclosureWithdrawn(
            disclosure_id, head.withdrawn_at, WithdrawalReason(head.withdrawal_reason)
        )
    items = (await _items(session, [disclosure_id], today)).get(disclosure_id, [])
    if not items:
        last = await session.scalar(
            select(func.max(I.c.publication_end_date)).where(
                I.c.disclosure_id == disclosure_id, I.c.ended_on.is_(None)
            )
        )
        ended = _start_of(last + timedelta(days=1), clock) if last else None
        raise DisclosureWithdrawn(disclosure_id, ended, WithdrawalReason.items_ended)
    return _render(head, items)


def _start_of(day: date, clock: Clock) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.zone)
