"""The security headers every answer carries: no MIME sniffing, no framing by another site, a
Content-Security-Policy under which an answer loads nothing, and `Cache-Control: no-store` on the
API's answers (they carry personal data; a shared proxy or a browser's disk must keep none).

A response that sets its own Content-Security-Policy (the docs pages, the problem pages) or
Cache-Control keeps it. Pure ASGI, headers built once: a few list operations per response.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = b"content-security-policy"
CACHE_CONTROL = b"cache-control"
# Nothing loads and no other site frames: JSON needs nothing; a page that needs more says so.
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
)
NO_STORE = (CACHE_CONTROL, b"no-store")
API_PREFIX = "/api/"


def inline_source(text: str) -> str:
    """The CSP source allowing one inline script or style: its SHA-256 (CSP Level 2)."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.default_policy = (POLICY, DEFAULT_POLICY.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(API_PREFIX)

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(ALWAYS)
                if POLICY not in present:
                    headers.append(self.default_policy)
                if api and CACHE_CONTROL not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_guarded)
