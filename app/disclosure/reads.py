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

import json
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import pagination
from app.core.clock import Clock
from app.core.db import driver_connection
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


def _label(column: str, enum: type[ListStatus] | type[Severity]) -> str:
    cases = " ".join(f"WHEN '{m.value}' THEN '{m.zh}'" for m in enum)
    return f"CASE {column} {cases} END"


# The page as the service answers it, built by PostgreSQL in one statement: the limit + 1 newest
# disclosures with an item shown today (the filters added where marked), each as the JSON of its
# row — the fields of `_render` in its order, its items those of `_render_item` — and the key
# of the page's last one for the next cursor. `row_to_json` writes compact JSON in column order;
# a timestamp as Python's isoformat writes it (UTC, six digits of fraction, none when zero).
_PAGE = f"""
WITH page AS MATERIALIZED (
    SELECT d.id, d.cycle, d.employer_name, d.uscc, d.legal_representative, d.list_status,
           d.published_at,
           row_number() OVER (ORDER BY d.published_at DESC, d.id DESC) AS n
    FROM disclosures d
    WHERE d.status = 'published'
      AND EXISTS (SELECT 1 FROM disclosure_items s WHERE s.disclosure_id = d.id
                  AND s.ended_on IS NULL AND s.publication_end_date >= $1)
      {{filters}}
    ORDER BY d.published_at DESC, d.id DESC
    LIMIT $2 + 1
)
SELECT '[' || coalesce(string_agg(body, ',' ORDER BY n) FILTER (WHERE n <= $2), '') || ']',
       count(*), max(published_at) FILTER (WHERE n = $2), max(id::text) FILTER (WHERE n = $2)
FROM (
    SELECT p.n, p.published_at, p.id, row_to_json(o)::text AS body
    FROM page p
    CROSS JOIN LATERAL (
        SELECT p.id, p.cycle, p.employer_name, p.uscc, p.legal_representative, p.list_status,
               {_label("p.list_status", ListStatus)} AS list_status_label,
               to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                   || CASE WHEN CAST(date_part('microseconds', p.published_at) AS integer)
                                % 1000000 = 0 THEN ''
                           ELSE to_char(p.published_at AT TIME ZONE 'UTC', '.US') END
                   || '+00:00' AS published_at,
               CAST(coalesce((
                   SELECT '[' || string_agg(row_to_json(i)::text, ',' ORDER BY i.penalty_date,
                                                                                i.id) || ']'
                   FROM (
                       SELECT s.id, s.penalty_date, s.decision_number, s.violation,
                              s.legal_basis, s.result, s.severity AS dishonesty_level,
                              {_label("s.severity", Severity)} AS dishonesty_level_label,
                              p.list_status,
                              {_label("p.list_status", ListStatus)} AS list_status_label,
                              s.publication_end_date, s.disputed
                       FROM disclosure_items s
                       WHERE s.disclosure_id = p.id AND s.ended_on IS NULL
                         AND s.publication_end_date >= $1
                   ) i
               ), '[]') AS json) AS items
    ) o
) rows
"""


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
) -> bytes:
    """Newest publication first; only disclosures with an item shown today: the JSON of the
    page (`DisclosurePage`), as PostgreSQL built it. The public list is the hottest read (its
    benchmark, issue 13), so one statement on the session's own driver connection, and no
    Python object per row."""
    args: list[Any] = [today, limit]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    filters = []
    if q:
        escaped = q.replace("/", "//").replace("%", "/%").replace("_", "/_")
        filters.append(f"AND d.employer_name LIKE {arg(f'%{escaped}%')} ESCAPE '/'")
    if uscc:
        filters.append(f"AND d.uscc = {arg(uscc_rules.normalise(uscc))}")
    if town:
        filters.append(f"AND d.town = {arg(town)}")
    if year is not None:
        filters.append(f"AND d.cycle = {arg(year)}")
    if cursor:
        at, last = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        filters.append(f"AND (d.published_at, d.id) < ({arg(at)}, {arg(last)})")
    driver = await driver_connection(session)
    items, found, last_at, last_id = await driver.fetchrow(
        _PAGE.format(filters=" ".join(filters)), *args
    )
    next_cursor = (
        json.dumps(pagination.encode([last_at.isoformat(), last_id])) if found > limit else "null"
    )
    return b'{"items":' + items.encode() + b',"next_cursor":' + next_cursor.encode() + b"}"


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
