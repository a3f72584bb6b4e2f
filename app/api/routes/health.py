"""Operations: liveness, readiness and Prometheus metrics (outside /api/v1, no login)."""

from __future__ import annotations

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.routing import api_router
from app.core.errors import responses
from app.core.observability import POOL, REGISTRY

router = api_router(tags=["operations"])


class Health(BaseModel):
    status: str
    database: str | None = None
    migration: str | None = None
    expected_migration: str | None = None


@router.get(
    "/healthz",
    summary="Liveness",
    description="The process is up.",
    response_model_exclude_none=True,
)
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    description="The database answers and its schema is at the migration head; 503 if not.",
    responses={503: {"model": Health, "description": "not ready"}},
)
async def readyz(request: Request, response: Response) -> Health:
    expected = request.app.state.migration_head
    try:
        async with request.app.state.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except (SQLAlchemyError, OSError) as exc:  # asyncpg's refused connection is an OSError
        response.status_code = 503
        return Health(
            status="unavailable", database=type(exc).__name__, expected_migration=expected
        )
    ready = current == expected
    response.status_code = 200 if ready else 503
    return Health(
        status="ok" if ready else "migrations pending",
        database="ok",
        migration=current,
        expected_migration=expected,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    description="Request counts and latency by route template; database pool use.",
    responses=responses(),
)
async def metrics(request: Request) -> Response:
    pool = request.app.state.engine.pool
    POOL.labels("checked_out").set(pool.checkedout())
    POOL.labels("idle").set(pool.checkedin())
    POOL.labels("overflow").set(max(pool.overflow(), 0))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
