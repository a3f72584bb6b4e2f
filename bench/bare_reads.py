"""The baseline of the everyday reads' benchmark (bench.reads): a bare FastAPI app serving the
same rows as the service's single reads and first pages, each with raw asyncpg queries on a pool
opened in the lifespan (one query for a row or a page; the credit profile's seven, the same
tables the service reads); no sign-in, no session, no middleware, no response model.

`python -m bench.bare_reads --port P` with DATABASE_URL in the environment serves it with
uvicorn, one worker (as `labor-credit serve` does).
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg
from fastapi import FastAPI, Request

PAGE = 50  # the service's default `limit`; a page is read with one more row, as it does

_EMPLOYER = "SELECT * FROM employers WHERE id = $1"
_RECORD = "SELECT * FROM credit_records WHERE id = $1"
_EVALUATION = "SELECT * FROM evaluations WHERE id = $1"
_EMPLOYERS_BY_TOWN = "SELECT * FROM employers WHERE town = $1 ORDER BY name, id LIMIT $2"
_RECORDS_OF_EMPLOYER = (
    "SELECT * FROM credit_records WHERE employer_id = $1 "
    "ORDER BY occurred_date DESC, id DESC LIMIT $2"
)
_EVALUATIONS_OF_CYCLE = (
    "SELECT * FROM evaluations WHERE cycle = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
)
# The credit profile's tables, as the service reads them (app.reports.credit_profile).
# each status named, as the service's `evaluations.of_employer` and `grades.in_force` do, so the
# same partial indexes serve them (a plain IN list of three would read the heap)
_HISTORY = (
    "SELECT * FROM evaluations WHERE employer_id = $1 "
    "AND (status IN ('notice', 'final') OR status = 'superseded') "
    "ORDER BY cycle DESC, created_at DESC LIMIT 10"
)
_RULE_SET = "SELECT * FROM rule_sets WHERE version = $1"
_IN_FORCE = (
    "SELECT id FROM evaluations WHERE employer_id = $1 "
    "AND (status = 'final' OR status = 'superseded') AND effective_from IS NOT NULL "
    "ORDER BY cycle DESC, CASE WHEN status = 'final' THEN 0 ELSE 1 END, created_at DESC, "
    "id DESC LIMIT 1"
)
_SUMMARY = (
    "SELECT category, status, count(*) FROM credit_records WHERE employer_id = $1 "
    "GROUP BY category, status"
)
_LISTED = "SELECT id FROM blacklist_entries WHERE employer_id = $1 AND status = 'listed' LIMIT 1"
_MEASURES = (
    "SELECT * FROM measure_sets WHERE effective_from <= $1 "
    "AND (effective_to IS NULL OR effective_to >= $1) ORDER BY effective_from DESC LIMIT 1"
)


def create_app(database_url: str, pool_size: int = 10) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with asyncpg.create_pool(
            database_url, min_size=pool_size, max_size=2 * pool_size
        ) as pool:
            app.state.pool = pool
            yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    def pool(request: Request) -> asyncpg.Pool:
        found: asyncpg.Pool = request.app.state.pool
        return found

    async def one(request: Request, statement: str, key: Any) -> dict[str, Any]:
        row = await pool(request).fetchrow(statement, key)
        return dict(row) if row else {}

    async def page(request: Request, statement: str, key: Any) -> dict[str, Any]:
        rows = await pool(request).fetch(statement, key, PAGE + 1)
        return {"items": [dict(r) for r in rows[:PAGE]], "more": len(rows) > PAGE}

    @app.get("/api/v1/employers/{employer_id}")
    async def employer(request: Request, employer_id: uuid.UUID) -> dict[str, Any]:
        return await one(request, _EMPLOYER, employer_id)

    @app.get("/api/v1/credit-records/{record_id}")
    async def record(request: Request, record_id: uuid.UUID) -> dict[str, Any]:
        return await one(request, _RECORD, record_id)

    @app.get("/api/v1/evaluations/{evaluation_id}")
    async def evaluation(request: Request, evaluation_id: uuid.UUID) -> dict[str, Any]:
        return await one(request, _EVALUATION, evaluation_id)

    @app.get("/api/v1/employers/{employer_id}/credit-profile")
    async def profile(request: Request, employer_id: uuid.UUID) -> dict[str, Any]:
        async with pool(request).acquire() as conn:
            found = await conn.fetchrow(_EMPLOYER, employer_id)
            history = [dict(r) for r in await conn.fetch(_HISTORY, employer_id)]
            versions = {h["rule_set_version"] for h in history}
            rule_sets = [dict(await conn.fetchrow(_RULE_SET, v) or {}) for v in versions]
            in_force = await conn.fetchval(_IN_FORCE, employer_id)
            summary = [dict(r) for r in await conn.fetch(_SUMMARY, employer_id)]
            listed = await conn.fetchval(_LISTED, employer_id)
            measures = await conn.fetchrow(_MEASURES, date.today())
        return {
            "employer_id": found["id"] if found else None,
            "history": history,
            "rule_sets": rule_sets,
            "in_force": in_force,
            "records": summary,
            "listed": listed is not None,
            "measures": dict(measures) if measures else None,
        }

    @app.get("/api/v1/employers")
    async def employers(request: Request, town: str) -> dict[str, Any]:
        return await page(request, _EMPLOYERS_BY_TOWN, town)

    @app.get("/api/v1/credit-records")
    async def records(request: Request, employer_id: uuid.UUID) -> dict[str, Any]:
        return await page(request, _RECORDS_OF_EMPLOYER, employer_id)

    @app.get("/api/v1/evaluations")
    async def evaluations(request: Request, cycle: int) -> dict[str, Any]:
        return await page(request, _EVALUATIONS_OF_CYCLE, cycle)

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")  # what the harness waits for
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="bench.bare_reads")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    uvicorn.run(create_app(url), host="127.0.0.1", port=args.port, workers=1, log_level="warning")


if __name__ == "__main__":
    main()
