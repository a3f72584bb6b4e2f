"""Declarations against reality: every problem the suite's requests get is declared on its route.

`Recorder` wraps the app under the `client` fixture and notes, for each problem+json answer of a
matched route, (route template, method, problem slug). At the end of the session `undeclared`
compares them with the route's OpenAPI responses (the examples `core.errors.problems` writes):
a problem a route answers but does not declare fails the run (tests/conftest.py's hooks).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_JSON, declared
from app.core.observability import route_template
from app.models.problem import PROBLEM_BASE

# Declared nowhere: a 500 (any route may fail unexpectedly), and a 405 (answered for a method the
# address does not have, so there is no operation to declare it on).
ANYWHERE = frozenset({"internal", "method-not-allowed"})

# id(app) -> (the app, {(route template, method, slug)})
Answered = dict[int, tuple[Any, set[tuple[str, str, str]]]]
_answered: Answered = {}


class Recorder:
    """`sink`: where to note the answers (the session's by default)."""

    def __init__(self, app: ASGIApp, sink: Answered | None = None) -> None:
        self.app = app
        self.sink = _answered if sink is None else sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = False
        body = bytearray()

        async def noting(message: Message) -> None:
            nonlocal problem
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                problem = headers.get(b"content-type", b"").decode() == PROBLEM_JSON
            elif message["type"] == "http.response.body" and problem:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            if problem and scope.get("route") is not None:
                slug = str(json.loads(bytes(body))["type"]).removeprefix(PROBLEM_BASE)
                app = scope["app"]
                self.sink.setdefault(id(app), (app, set()))[1].add(
                    (route_template(scope), scope["method"], slug)
                )


def undeclared(sink: Answered | None = None) -> list[str]:
    """`METHOD /template: slug` for each problem answered but not declared by its route."""
    found = []
    for app, answered in (_answered if sink is None else sink).values():
        paths = app.openapi()["paths"]
        for template, method, slug in sorted(answered):
            if slug in ANYWHERE:
                continue
            operation = paths.get(template, {}).get(method.lower())
            if operation is None or slug not in declared(operation):
                found.append(f"{method} {template}: {slug}")
    return found
