"""A request leaves nothing for the garbage collector: everything it made is freed by reference
counting when it ends. A reference cycle through the request (its scope holding an object that
holds the request) left the request, its scope and the send and receive chains of every
middleware, about forty objects, to the collector; under load its collections then took about a
tenth of the server's CPU, each pausing every request in flight (issue 16). Called as the server
calls the app (one ASGI call per request), so the client's own objects are not counted."""

from __future__ import annotations

import gc
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from app.models.user import Role

REQUESTS = 20  # of each path


@pytest.fixture
def saved_garbage() -> Iterator[list[Any]]:
    """What the collector finds unreachable, kept for the test to look at (DEBUG_SAVEALL)."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


async def _get(app: FastAPI, path: str, headers: dict[str, str]) -> int:
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("test", 80),
        "headers": [(b"host", b"test")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def test_reads_leave_no_reference_cycles(app, make_employer, headers_for, saved_garbage):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    headers = await headers_for(Role.auditor)
    paths = [
        "/healthz",
        f"/api/v1/employers/{employer.id}",
        f"/api/v1/employers?town={employer.town}",
        f"/api/v1/credit-records?employer_id={employer.id}",
        f"/api/v1/employers/{uuid.uuid4()}",  # a 404 problem
    ]
    for path in paths:  # first requests fill caches (statements, route templates)
        await _get(app, path, headers)
    gc.collect()
    saved_garbage.clear()
    statuses = Counter()
    for _ in range(REQUESTS):
        for path in paths:
            statuses[await _get(app, path, headers)] += 1
    gc.collect()
    assert statuses == {200: 4 * REQUESTS, 404: REQUESTS}
    left = Counter(type(thing).__qualname__ for thing in saved_garbage)
    assert not left, f"objects left to the collector by {len(paths) * REQUESTS} requests: {left}"
