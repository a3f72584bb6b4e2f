"""Route matching by router prefix (app.api.routing.PrefixRouter): every router of the API is
reached, a path outside every prefix is a 404, and behind a reverse proxy's root path the same
routes answer."""

from __future__ import annotations

import httpx

from app.api.routes import health, repairs
from app.api.routing import API_PREFIX, PrefixRouter


def test_every_router_knows_the_first_segments_of_its_paths(app):
    """What a router skips at once (`served_under`) never hides one of its routes, and names no
    more than the first segments of their paths (repairs: of disclosures, and its own)."""
    routers = [
        route.original_router  # type: ignore[attr-defined]
        for route in app.router.routes
        if isinstance(getattr(route, "original_router", None), PrefixRouter)
    ]
    api = [r for r in routers if r.served_under[0].startswith(API_PREFIX + "/")]
    assert len(api) > 30
    for router in routers:
        prefix = API_PREFIX if router in api else ""
        for route in router.routes:
            assert (prefix + route.path).startswith(router.served_under), route.path
    assert repairs.router.served_under == ("/api/v1/disclosures", "/api/v1/repairs")
    assert health.router.served_under == ("/healthz", "/metrics", "/readyz")


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
