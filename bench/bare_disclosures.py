"""The baseline of the public C list's benchmark: a bare FastAPI app serving the same pages as
`GET /api/v1/disclosures` (same filters `q`, `uscc`, `town`, `year`, `limit`, same keyset cursor,
same JSON fields and labels) with ONE raw asyncpg query per request, on a pool opened in the
lifespan; no session, no middleware, no ETag, no rate limit.

`python -m bench.bare_disclosures --port P` with DATABASE_URL in the environment serves it with
uvicorn, one worker (as `labor-credit serve` does).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import FastAPI, Query, Request, Response

from app.employers import uscc as uscc_rules
from app.models.credit_record import Severity
from app.models.disclosure import ListStatus

LIST_LABELS = {s.value: s.zh for s in ListStatus}
LEVEL_LABELS = {s.value: s.zh for s in Severity}
ZONE = ZoneInfo("Asia/Shanghai")

# The page (limit + 1 heads, the service's filters and order), its shown items joined on.
_PAGE = """
WITH page AS (
    SELECT d.id, d.cycle, d.employer_name, d.uscc, d.legal_representative, d.list_status,
           d.published_at
    FROM disclosures d
    WHERE d.status = 'published'
      AND EXISTS (SELECT 1 FROM disclosure_items s WHERE s.disclosure_id = d.id
                  AND s.ended_on IS NULL AND s.publication_end_date >= $1)
      {filters}
    ORDER BY d.published_at DESC, d.id DESC
    LIMIT $2
)
SELECT p.*, i.id AS item_id, i.penalty_date, i.decision_number, i.violation, i.legal_basis,
       i.result, i.severity, i.publication_end_date, i.disputed
FROM page p
JOIN disclosure_items i ON i.disclosure_id = p.id AND i.ended_on IS NULL
     AND i.publication_end_date >= $1
ORDER BY p.published_at DESC, p.id DESC, i.penalty_date, i.id
"""


class BadCursor(ValueError):
    pass


def encode_cursor(published_at: datetime, disclosure_id: uuid.UUID) -> str:
    raw = json.dumps([published_at.isoformat(), str(disclosure_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at).astimezone(UTC), uuid.UUID(last)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadCursor(cursor) from exc


def _like(fragment: str) -> str:
    escaped = fragment.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


async def read_page(
    conn: asyncpg.Connection | asyncpg.Pool, *, today: date, q: str | None = None,
    uscc: str | None = None, town: str | None = None, year: int | None = None, limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The page as the service answers it, from one query."""
    args: list[Any] = [today, limit + 1]
    filters = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if q:
        filters.append(f"AND d.employer_name LIKE {arg(_like(q))} ESCAPE '/'")
    if uscc:
        filters.append(f"AND d.uscc = {arg(uscc_rules.normalise(uscc))}")
    if town:
        filters.append(f"AND d.town = {arg(town)}")
    if year is not None:
        filters.append(f"AND d.cycle = {arg(year)}")
    if cursor:
        at, last = decode_cursor(cursor)
        filters.append(f"AND (d.published_at, d.id) < ({arg(at)}, {arg(last)})")
    rows = await conn.fetch(_PAGE.format(filters=" ".join(filters)), *args)
    heads: list[dict[str, Any]] = []
    keys: list[tuple[datetime, uuid.UUID]] = []
    current = None
    for row in rows:
        if row["id"] != current:
            current = row["id"]
            status = row["list_status"]
            status_label = LIST_LABELS[status]
            items: list[dict[str, Any]] = []
            keys.append((row["published_at"], current))
            heads.append(
                {
                    "id": str(current),
                    "cycle": row["cycle"],
                    "employer_name": row["employer_name"],
                    "uscc": row["uscc"],
                    "legal_representative": row["legal_representative"],
                    "list_status": status,
                    "list_status_label": status_label,
                    "published_at": row["published_at"].isoformat(),
                    "items": items,
                }
            )
        items.append(
            {
                "id": str(row["item_id"]),
                "penalty_date": row["penalty_date"].isoformat(),
                "decision_number": row["decision_number"],
                "violation": row["violation"],
                "legal_basis": row["legal_basis"],
                "result": row["result"],
                "dishonesty_level": row["severity"],
                "dishonesty_level_label": LEVEL_LABELS[row["severity"]],
                "list_status": status,
                "list_status_label": status_label,
                "publication_end_date": row["publication_end_date"].isoformat(),
                "disputed": row["disputed"],
            }
        )
    next_cursor = None
    if len(heads) > limit:
        heads = heads[:limit]
        next_cursor = encode_cursor(*keys[limit - 1])
    return {"items": heads, "next_cursor": next_cursor}


def create_app(database_url: str, pool_size: int = 10) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with asyncpg.create_pool(
            database_url, min_size=pool_size, max_size=2 * pool_size
        ) as pool:
            app.state.pool = pool
            yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/api/v1/disclosures")
    async def disclosures(
        request: Request,
        q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        uscc: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
        town: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: str | None = None,
    ) -> Response:
        try:
            body = await read_page(
                request.app.state.pool, today=datetime.now(ZONE).date(), q=q, uscc=uscc,
                town=town, year=year, limit=limit, cursor=cursor,
            )  # fmt: skip
        except BadCursor:
            return Response(status_code=422)
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(content=content, media_type="application/json")

    @app.get("/readyz")
    async def ready() -> Response:
        return Response(status_code=200)

    return app


def main() -> None:
    import uvicorn

    from bench.harness import plain

    parser = argparse.ArgumentParser(prog="bench.bare_disclosures")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(plain(os.environ["DATABASE_URL"]))
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
        server_header=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
