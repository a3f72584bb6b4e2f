"""create_app(): lifespan (engine, settings, clock), routers, error handlers, offline docs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import docs, webhooks
from app.api.routes import (
    audit_events,
    auth,
    blacklist,
    calendar,
    clients,
    credit_records,
    credit_reports,
    disclosures,
    documents,
    employers,
    evaluations,
    grading_runs,
    health,
    imports,
    inspection_plans,
    intake,
    interviews,
    measures,
    notifications,
    objections,
    platform,
    policies,
    problems,
    record_attachments,
    repairs,
    representation_attachments,
    rule_sets,
    stats,
    users,
    vocabularies,
    yearly_report,
)
from app.api.routing import include
from app.core import migrations
from app.core.clock import Clock
from app.core.config import Settings, get_settings
from app.core.db import create_engine, database_url, read_pool, session_factory
from app.core.observability import BodyLimitMiddleware, RequestContextMiddleware
from app.core.problem_json import install_error_handlers
from app.core.security_headers import SecurityHeadersMiddleware
from app.models.intake import IntakeRecord
from app.scheduler import SchedulerInstance


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if getattr(app.state, "engine", None) is None:  # tests hand in their own engine
        settings: Settings = app.state.settings
        url = database_url(settings)
        app.state.engine = create_engine(url, pool_size=settings.db_pool_size)
        app.state.session_factory = session_factory(app.state.engine)
        app.state.read_engine = create_engine(url, pool_size=settings.db_pool_size, read_only=True)
        app.state.read_session_factory = session_factory(app.state.read_engine)
        app.state.read_pool = await read_pool(url, size=settings.db_pool_size)
        owns_engine = True
    else:
        owns_engine = False
    stop = asyncio.Event()
    in_process = None
    if app.state.run_scheduler:  # one-machine use: the scheduler lives in the api process
        instance = SchedulerInstance(app.state.engine, app.state.settings, clock=app.state.clock)
        in_process = asyncio.create_task(instance.run(stop), name="scheduler")
    try:
        yield
    finally:
        stop.set()
        if in_process is not None:
            await in_process
        if owns_engine:
            await app.state.engine.dispose()
            await app.state.read_engine.dispose()
            await app.state.read_pool.close()


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, run_scheduler: bool = False
) -> FastAPI:
    """`clock`: the one clock the app reads today and now from (tests pin it)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="labour-credit: 用人单位劳动保障信用分级分类监管 / employers' labour-security credit",
        version="0.1.0",
        description=docs.DESCRIPTION,
        openapi_tags=docs.TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Figures are Prometheus (/metrics) and logs JSON lines of our own: FastAPI's built-in
        # OpenTelemetry hooks would look up the global providers on every request for nothing.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.clock = clock or Clock(settings.timezone)
    app.state.engine = None
    app.state.read_session_factory = None  # the requests that only read (lifespan, or tests)
    app.state.read_pool = None  # their driver statements' (lifespan)
    app.state.run_scheduler = run_scheduler
    app.state.migration_head = migrations.head()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)  # answers a 500 itself (core.failures)...
    app.add_middleware(SecurityHeadersMiddleware)  # ...so the headers reach it too

    # Each router right under the app, not under one /api/v1 router of them all: a request is
    # matched router by router, and each skips at once a path outside its prefix (PrefixRouter).
    # So the busiest first: /healthz (every probe of a load balancer, and a router of three
    # exact paths that the API's requests skip at once), the public C list (no sign-in), then
    # evaluations (the costliest single read to show: ahead of the five /employers routers
    # it would skip), employers, their credit records; routers that share a prefix keep their
    # order among themselves (the first route that matches answers).
    include(app, health.router, prefix="")
    for router in (
        disclosures.router,
        representation_attachments.router,
        evaluations.router,
        employers.router,
        credit_records.employer_router,
        evaluations.employer_router,
        measures.employer_router,
        credit_reports.employer_router,
        credit_records.router,
        record_attachments.router,
        auth.router,
        users.router,
        clients.router,
        audit_events.router,
        stats.router,
        calendar.router,
        intake.router,
        imports.router,
        blacklist.router,
        interviews.router,
        inspection_plans.router,
        rule_sets.router,
        grading_runs.router,
        policies.router,
        measures.router,
        objections.router,
        objections.stats_router,
        notifications.router,
        repairs.router,
        platform.router,
        platform.stats_router,
        credit_reports.router,
        documents.router,
        documents.templates_router,
        vocabularies.router,
        yearly_report.router,
    ):
        include(app, router)
    include(app, problems.router, prefix="")
    docs.mount_offline_docs(app)
    docs.document_schemas(app, IntakeRecord)
    docs.document_responses(app)
    docs.document_security(app)
    webhooks.document(app)
    return app
