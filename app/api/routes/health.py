"""Operations: liveness, readiness and Prometheus metrics (outside /api/v1, no login; metrics for
allowed networks or the metrics token: api/metrics_access.py)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SettingsDep, TodayDep
from app.api.metrics_access import AllowedScraper, MetricsAddressRefused, MetricsTokenRequired
from app.api.routing import api_router
from app.calendar import coverage
from app.core.config import Settings
from app.core.errors import InvalidRequest, problems
from app.core.observability import POOL, REGISTRY
from app.grading import policies
from app.models.calendar import CalendarCoverage
from app.push import reads as push_reads

router = api_router(tags=["operations"], responses=problems(InvalidRequest))

# /metrics answers within a scrape's timeout even when the database does not
CALENDAR_REFRESH_SECONDS = 2.0


class Health(BaseModel):
    status: str
    database: str | None = None
    migration: str | None = None
    expected_migration: str | None = None


class Readiness(Health):
    warnings: list[str] = Field(
        default_factory=list,
        description="what needs an operator's attention without making the service unready, "
        "e.g. next year's working-day calendar not loaded (docs/law.md §8), or the rules or "
        "measures in force resting on a policy past its validity (Art 18); empty normally",
    )


@router.get(
    "/healthz",
    summary="存活检查 / Liveness",
    description="The process is up.",
    response_model_exclude_none=True,
)
async def healthz() -> Health:
    """进程在运行。"""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="就绪检查 / Readiness",
    description="The database answers and its schema is at the migration head; 503 if not. "
    "`warnings` lists what needs attention but leaves the service ready (still 200): from "
    "LABOR_CREDIT_CALENDAR_WARNING_FROM (default 10-01), next year's working-day calendar not "
    "loaded yet; the rule set or measure set in force implementing a policy past its validity "
    "(Art 18, e.g. 文人社字〔2022〕46号 after 2024-12-25) until an admin records its extension or "
    "a succeeding policy (/api/v1/policies).",
    responses={503: {"model": Readiness, "description": "not ready"}},
)
async def readyz(
    request: Request, response: Response, today: TodayDep, settings: SettingsDep
) -> Readiness:
    """数据库可连接且结构已迁移到最新版本，否则 503；`warnings` 列出需要注意但不影响就绪的事项
    （如次年工作日历尚未载入）。"""
    expected = request.app.state.migration_head
    try:
        async with request.app.state.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        ready = current == expected
        calendar = await _calendar(request, today, settings) if ready else None
        lapsed = await _policies(request, today) if ready else []
    except (SQLAlchemyError, OSError) as exc:  # asyncpg's refused connection is an OSError
        response.status_code = 503
        return Readiness(
            status="unavailable", database=type(exc).__name__, expected_migration=expected
        )
    response.status_code = 200 if ready else 503
    return Readiness(
        status="ok" if ready else "migrations pending",
        database="ok",
        migration=current,
        expected_migration=expected,
        warnings=([calendar.warning] if calendar and calendar.warning else []) + lapsed,
    )


async def _push(request: Request, settings: Settings) -> None:
    """The push_* gauges (app.push.reads), from the outbox as it stands."""
    clock = request.app.state.clock
    now = clock.now()
    async with request.app.state.session_factory() as session:
        await push_reads.stats(
            session=session, settings=settings, now=now, today=clock.local(now).date()
        )


async def _policies(request: Request, today: date) -> list[str]:
    """Art 18: the policies of the rules and measures in force (also sets `policy_lapsed`)."""
    async with request.app.state.session_factory() as session:
        return await policies.warnings(session=session, today=today)


async def _calendar(request: Request, today: date, settings: Settings) -> CalendarCoverage:
    """Next year's calendar coverage (also sets its gauge), on a session of the app's factory."""
    async with request.app.state.session_factory() as session:
        return await coverage.next_year_status(session=session, today=today, settings=settings)


@router.get(
    "/metrics",
    summary="Prometheus 监控指标 / Prometheus metrics",
    response_class=Response,
    description="Request counts and latency by route template; database pool use; "
    "`calendar_next_year_missing` (1 from LABOR_CREDIT_CALENDAR_WARNING_FROM while next year's "
    "working-day calendar is not loaded), `policy_lapsed` (1 while the rule set or measure set "
    "in force implements a policy past its validity, Art 18) and the push's `push_*` gauges, "
    "refreshed at each "
    "scrape. Open to scrapes from "
    "LABOR_CREDIT_METRICS_ALLOWED_NETWORKS (default: this machine only) and, when "
    "LABOR_CREDIT_METRICS_TOKEN is set, to any that sends it as `Authorization: Bearer`; "
    "others get 401 `metrics-token-required` (a token is set) or 403 `metrics-address-refused`.",
    responses=problems(InvalidRequest, MetricsTokenRequired, MetricsAddressRefused),
)
async def metrics(
    request: Request, today: TodayDep, settings: SettingsDep, scraper: AllowedScraper
) -> Response:
    """按路由统计的请求数和耗时、数据库连接池使用情况、次年工作日历是否未载入。只对允许的网络
    （默认只有本机）和带有监控令牌的抓取开放。"""
    # a database that does not answer leaves the gauge as last computed; /readyz reports it
    with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
        async with asyncio.timeout(CALENDAR_REFRESH_SECONDS):
            await _calendar(request, today, settings)
    with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
        async with asyncio.timeout(CALENDAR_REFRESH_SECONDS):
            await _policies(request, today)
    with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
        async with asyncio.timeout(CALENDAR_REFRESH_SECONDS):
            await _push(request, settings)
    pool = request.app.state.engine.pool
    POOL.labels("checked_out").set(pool.checkedout())
    POOL.labels("idle").set(pool.checkedin())
    POOL.labels("overflow").set(max(pool.overflow(), 0))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
