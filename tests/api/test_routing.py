"""Route matching by router prefix (app.api.routing.PrefixRouter): every router of the API is
reached, a path outside every prefix is a 404, and behind a reverse proxy's root path the same
routes answer."""

from __future__ import annotations

import httpx

from app.api.routing import API_PREFIX, PrefixRouter


def test_every_api_router_is_under_the_api_prefix_and_knows_it(app):
    routers = [
        route.original_router  # type: ignore[attr-defined]
        for route in app.router.routes
        if isinstance(getattr(route, "original_router", None), PrefixRouter)
    ]
    api = [r for r in routers if r.served_under.startswith(API_PREFIX)]
    assert len(api) > 30
    for router in api:
        assert router.served_under == API_PREFIX + router.prefix
        for route in router.routes:
            assert route.path.startswith(router.prefix)  # so the prefix check never hides one


async def test_a_path_outside_every_prefix_is_a_404(client):
    answer = await client.get("/api/v1/no-such-collection/1")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_below_a_root_path_the_routes_answer_as_without(app):
    transport = httpx.ASGITransport(app=app, root_path="/labour")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        listed = await client.get("/labour/api/v1/vocabularies")
        health = await client.get("/labour/healthz")
    assert listed.status_code == 200, listed.text
    assert health.status_code == 200
