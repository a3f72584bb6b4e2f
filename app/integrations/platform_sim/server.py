"""The simulator's HTTP face (Starlette): POST /messages, GET /received, GET/POST/DELETE
/faults, POST /reset, GET /healthz. Receipt callbacks are POSTed from background tasks, signed
with the callback secret, and retried with a doubling wait while the service does not answer
2xx."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.integrations.platform import signing
from app.integrations.platform_sim.state import Answer, Callback, Faults, Platform, SimConfig

log = logging.getLogger(__name__)
CALLBACK_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def build_app(config: SimConfig) -> Starlette:
    """The simulator as an ASGI app; its Platform is `app.state.platform`."""
    platform = Platform(config)
    tasks: set[asyncio.Task[None]] = set()
    clients: list[httpx.AsyncClient] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT) as client:
            clients.append(client)
            yield
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def messages(request: Request) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:
            return Response(status_code=400)
        refused = platform.before_verifying()
        if refused is not None:
            answer = refused
        else:
            answer, callback = platform.receive(dict(request.headers), body)
            if callback is not None:
                task = asyncio.create_task(_call_back(config, clients[0], callback))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        if platform.faults.latency_ms:  # a slow answer: the message is taken all the same
            await asyncio.sleep(platform.faults.latency_ms / 1000)
        return _answer(answer)

    async def received(request: Request) -> Response:
        return JSONResponse(platform.shown())

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            platform.set_faults(Faults())
        elif request.method == "POST":
            try:
                platform.set_faults(Faults.model_validate_json(await request.body()))
            except ValidationError as exc:
                detail = exc.errors(include_url=False, include_context=False)
                return JSONResponse({"error": "invalid", "detail": detail}, status_code=422)
        return JSONResponse(platform.faults_shown())

    async def reset(request: Request) -> Response:
        platform.reset()
        return JSONResponse(platform.shown())

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "receipts": config.receipts})

    app = Starlette(
        routes=[
            Route("/messages", messages, methods=["POST"]),
            Route("/received", received, methods=["GET"]),
            Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/reset", reset, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.platform = platform
    return app


def _answer(answer: Answer) -> Response:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def _call_back(config: SimConfig, client: httpx.AsyncClient, callback: Callback) -> None:
    """POST the receipt to the service until it answers 2xx or the attempts are spent."""
    assert config.callback_url is not None and config.callback_secret is not None
    content = callback.receipt.model_dump_json().encode()
    wait = config.callback_backoff_seconds
    while callback.attempts < config.callback_attempts:
        callback.attempts += 1
        headers: dict[str, Any] = signing.headers(
            secrets=[config.callback_secret],
            message_id=callback.webhook_id,
            timestamp=int(config.clock.now().timestamp()),
            body=content,
        )
        if config.callback_api_key:
            headers["X-API-Key"] = config.callback_api_key
        try:
            response = await client.post(config.callback_url, content=content, headers=headers)
        except httpx.TransportError as exc:
            callback.last_error = f"{type(exc).__name__}: {exc}"
        else:
            if response.is_success:
                callback.delivered, callback.last_error = True, ""
                return
            callback.last_error = f"{response.status_code}: {response.text[:200]}"
        log.warning("receipt callback failed", extra={"error": callback.last_error})
        if callback.attempts < config.callback_attempts:
            await asyncio.sleep(wait)
            wait *= 2
