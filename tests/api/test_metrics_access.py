"""Who may scrape /metrics: this machine by default, the allowed networks, or anyone with the
metrics token; everyone else is refused (its gauges are county figures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from ipaddress import ip_network

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from app.core.config import Settings
from tests import declared_problems
from tests.conftest import assert_problem

TOKEN = "scrape-token-0123456789-abcdefghij"
PROMETHEUS = "203.0.113.7"  # a documentation address: another host on the network

Scraper = Callable[..., AsyncIterator[httpx.AsyncClient]]


@pytest.fixture
def scraper(app) -> Scraper:  # type: ignore[no-untyped-def]
    """A client whose requests come from `host`."""

    @asynccontextmanager
    async def from_(host: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=declared_problems.Recorder(app), client=(host, 40000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"Accept-Language": "en"}
        ) as client:
            yield client

    return from_


def configure(app, settings: Settings, **update: object) -> None:  # type: ignore[no-untyped-def]
    """The app's settings with `update` (values as the settings hold them: not validated)."""
    app.state.settings = settings.model_copy(update=update)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
async def test_this_machine_scrapes_by_default(scraper, host):
    async with scraper(host) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert "http_requests_total" in response.text


async def test_another_host_is_refused_without_a_token(scraper):
    async with scraper(PROMETHEUS) as client:
        response = await client.get("/metrics")
    body = assert_problem(response, 403)
    assert body["type"].endswith("/metrics-address-refused")
    assert PROMETHEUS in body["detail"]
    assert "http_requests_total" not in response.text


async def test_an_allowed_network_scrapes_and_others_still_do_not(app, settings, scraper):
    configure(app, settings, metrics_allowed_networks=(ip_network("203.0.113.0/24"),))
    async with scraper(PROMETHEUS) as client:
        assert (await client.get("/metrics")).status_code == 200
    async with scraper("127.0.0.1") as client:  # the list replaces the default
        assert_problem(await client.get("/metrics"), 403)


async def test_the_token_lets_any_host_scrape(app, settings, scraper):
    configure(app, settings, metrics_token=SecretStr(TOKEN))
    async with scraper(PROMETHEUS) as client:
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200, allowed.text
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = await client.get("/metrics", headers=headers)
            body = assert_problem(response, 401)
            assert body["type"].endswith("/metrics-token-required")
            assert response.headers["www-authenticate"] == 'Bearer realm="metrics"'


async def test_an_empty_list_leaves_only_the_token(app, settings, scraper):
    configure(app, settings, metrics_allowed_networks=(), metrics_token=SecretStr(TOKEN))
    async with scraper("127.0.0.1") as client:
        assert_problem(await client.get("/metrics"), 401)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert (await client.get("/metrics", headers=headers)).status_code == 200


def test_the_settings_read_networks_and_refuse_a_short_token(monkeypatch):
    monkeypatch.setenv("LABOR_CREDIT_METRICS_ALLOWED_NETWORKS", '["10.1.0.0/16", "fd00::/8"]')
    assert [str(n) for n in Settings().metrics_allowed_networks] == ["10.1.0.0/16", "fd00::/8"]
    with pytest.raises(ValidationError, match="metrics_token"):
        Settings(metrics_token="short")
    with pytest.raises(ValidationError, match="metrics_allowed_networks"):
        Settings(metrics_allowed_networks=["not a network"])


async def test_metrics_declares_its_refusals(client):
    responses = (await client.get("/openapi.json")).json()["paths"]["/metrics"]["get"]["responses"]
    assert {"401", "403"} <= responses.keys()
