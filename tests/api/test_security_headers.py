"""Security headers on every answer: no MIME sniffing, no framing, a Content-Security-Policy,
`Cache-Control: no-store` on the API; the docs pages load nothing but the service's own assets."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi import Response

from app.main import create_app
from app.models.user import Role


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    directives = [d.split() for d in response.headers["content-security-policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def assert_guarded(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert policy(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/vocabularies",  # public JSON
        "/api/v1/users",  # 401 problem
        "/api/v1/no-such-route",  # 404, no route matched
        "/healthz",
        "/openapi.json",
        "/problems",
        "/docs",
        "/redoc",
        "/static/favicon.svg",
    ],
)
async def test_every_answer_is_guarded(client, path):
    assert_guarded(await client.get(path))


async def test_api_answers_are_not_stored_and_others_may_be(client, headers_for):
    admin = await headers_for(Role.admin)
    for response in (
        await client.get("/api/v1/vocabularies"),
        await client.get("/api/v1/users", headers=admin),
        await client.get("/api/v1/users"),  # a refusal too
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url
    # the docs' assets stay cacheable, and revalidate with their ETag (304)
    asset = await client.get("/static/swagger-ui.css")
    assert "cache-control" not in asset.headers
    again = await client.get(
        "/static/swagger-ui.css", headers={"If-None-Match": asset.headers["etag"]}
    )
    assert again.status_code == 304
    assert "cache-control" not in (await client.get("/healthz")).headers


async def test_a_route_keeps_its_own_cache_control_and_policy(settings, clock):
    async def cached() -> Response:
        return Response(
            "{}",
            media_type="application/json",
            headers={"Cache-Control": "max-age=60", "ETag": '"1"',
                     "Content-Security-Policy": "frame-ancestors 'none'; sandbox"},
        )  # fmt: skip

    app = create_app(settings, clock=clock)  # its own instance: the shared one must not grow routes
    app.add_api_route("/api/v1/cached", cached)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/api/v1/cached")
    assert response.headers.get_list("cache-control") == ["max-age=60"]
    assert response.headers.get_list("content-security-policy") == [
        "frame-ancestors 'none'; sandbox"
    ]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_500_is_guarded_too(settings, clock):
    """The request middleware answers an unhandled error (core.failures); the headers are added
    outside it, so that answer carries them too."""

    async def explode() -> None:
        raise RuntimeError("boom")

    app = create_app(settings, clock=clock)
    app.add_api_route("/api/v1/explode", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/api/v1/explode")
    assert response.status_code == 500
    assert_guarded(response)
    assert response.headers["cache-control"] == "no-store"


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.DOTALL)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_the_services_own_assets(client, page):
    response = await client.get(page)
    assert response.status_code == 200
    found = policy(response)
    assert found["default-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    for directive, sources in found.items():
        for source in sources:  # no other host, no scheme wildcard (https:), no eval
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:") or (
                source.startswith("'sha256-")
            ), f"{directive} {source}"
    assert "'unsafe-inline'" not in found["script-src"]
    # each inline script of the page is allowed by its hash, and only those
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _inline_scripts(response.text)
    }
    assert {s for s in found["script-src"] if s.startswith("'sha256-")} == hashes
    assert found["img-src"] == ["'self'", "data:"]


async def test_redoc_asks_no_other_host_for_its_logo(client):
    """ReDoc's sidebar shows its maker's logo from cdn.redoc.ly, unconditionally (no option turns
    it off): the served bundle has none, and the policy would refuse it anyway (img-src)."""
    bundle = await client.get("/static/redoc.standalone.js")
    assert bundle.status_code == 200
    assert "cdn.redoc.ly" not in bundle.text
    assert not re.search(r"""src:["']https?://""", bundle.text)


@pytest.mark.parametrize("path", ["/problems", "/problems/not-found"])
async def test_problem_pages_allow_their_own_style_and_nothing_else(client, path):
    response = await client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    found = policy(response)
    (style,) = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert found == {
        "default-src": ["'none'"],
        "style-src": [f"'sha256-{digest}'"],
        "frame-ancestors": ["'none'"],
    }
