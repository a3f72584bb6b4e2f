"""The public C list's benchmark at a tiny size (a database of this module's own, committed for
real): its rows are what `disclosure.service.reflect` writes, the real endpoint serves them with
their items, and the bare endpoint answers every page exactly as the service does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import delete, select

from app.core import migrations
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.disclosure import service
from app.main import create_app
from app.models.disclosure import Disclosure, DisclosureItem
from app.models.event import CreditEvent
from bench import bare_disclosures, disclosure_data, disclosures
from bench.harness import plain
from tests.conftest import PINNED_AT, server_settings, throwaway_database

EMPLOYERS, C_UNITS = 200, 10
CLOCK = Clock.pinned(PINNED_AT)


@pytest.fixture(scope="module")
async def loaded(database_url: str) -> AsyncIterator[tuple[str, disclosure_data.Loaded]]:
    async with throwaway_database(database_url, "disclosures") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        result = await disclosure_data.load(
            url, EMPLOYERS, today=CLOCK.today(), now=CLOCK.now(), c_units=C_UNITS,
            settings=server_settings(url),
        )  # fmt: skip
        yield url, result


def _settings(url: str) -> Settings:
    return server_settings(url, public_rate_per_minute=0)


@pytest.fixture
async def api(loaded: tuple[str, disclosure_data.Loaded]) -> AsyncIterator[httpx.AsyncClient]:
    url, _ = loaded
    app = create_app(_settings(url), clock=CLOCK)
    app.state.engine = create_engine(url, pool_size=2)
    app.state.session_factory = session_factory(app.state.engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await app.state.engine.dispose()


async def _walk(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        response = await api.get(
            disclosures.LIST, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        pages.append({"params": {**params, "cursor": cursor}, "body": response.json()})
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


async def test_the_loaded_units_are_served_by_the_real_endpoint_with_their_items(
    loaded: tuple[str, disclosure_data.Loaded], api: httpx.AsyncClient
) -> None:
    url, result = loaded
    assert (result.employers, result.c_units) == (EMPLOYERS, C_UNITS)
    shown = [d for page in await _walk(api, limit=3) for d in page["body"]["items"]]
    conn = await asyncpg.connect(plain(url))
    try:
        wanted = {
            r["uscc"]: r["items"]
            for r in await conn.fetch(
                "SELECT d.uscc, array_agg(i.id::text ORDER BY i.penalty_date, i.id) AS items "
                "FROM disclosures d JOIN disclosure_items i ON i.disclosure_id = d.id "
                "GROUP BY d.uscc"
            )
        }
        employers = await conn.fetchval("SELECT count(*) FROM employers")
    finally:
        await conn.close()
    assert employers == EMPLOYERS
    codes = {disclosure_data.employer(i)[1] for i in result.c_indexes}
    assert {d["uscc"] for d in shown} == codes == set(wanted)
    assert len(shown) == C_UNITS
    for d in shown:
        assert [i["id"] for i in d["items"]] == wanted[d["uscc"]]
        assert 1 <= len(d["items"]) <= 3
    assert result.items == sum(map(len, wanted.values()))


async def test_the_bare_endpoint_answers_every_page_as_the_service(
    loaded: tuple[str, disclosure_data.Loaded], api: httpx.AsyncClient
) -> None:
    url, _ = loaded
    searches: list[dict[str, Any]] = [{"limit": 3}, {"limit": 2, "year": CLOCK.today().year}]
    searches += [{"town": t, "limit": 2} for t in disclosure_data.TOWNS]
    searches += [{"q": f, "limit": 2} for f in disclosure_data.FRAGMENTS]
    conn = await asyncpg.connect(plain(url))
    compared = later = 0
    try:
        for search in searches:
            for page in await _walk(api, **search):
                bare = await bare_disclosures.read_page(conn, today=CLOCK.today(), **page["params"])
                assert json.loads(json.dumps(bare)) == page["body"], page["params"]
                compared += 1
                later += page["params"]["cursor"] is not None
    finally:
        await conn.close()
    assert later >= 5 and compared > len(searches)


async def test_the_loaded_rows_are_what_reflect_writes(
    loaded: tuple[str, disclosure_data.Loaded],
) -> None:
    """reflect finds nothing to change on any loaded unit; and a unit whose rows are removed is
    published again by reflect with the same rows."""
    url, result = loaded
    settings = _settings(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            ids = [disclosure_data.employer(i)[0] for i in result.c_indexes]
            before = {
                d.employer_id: d
                for d in (await session.scalars(select(Disclosure))).all()  # type: ignore[arg-type]
            }
            items_before = await _items(session)
            for employer_id in ids:
                await service.reflect(
                    session=session, employer_id=employer_id, clock=CLOCK, settings=settings
                )
            await session.flush()
            assert (await session.scalars(select(CreditEvent))).all() == []
            for d in (
                await session.scalars(select(Disclosure).execution_options(populate_existing=True))
            ).all():
                assert (d.status, d.version) == ("published", 1)
            assert await _items(session) == items_before

            for employer_id in ids[:3]:  # published anew through reflect
                gone = before[employer_id]
                await session.execute(
                    delete(DisclosureItem).where(DisclosureItem.disclosure_id == gone.id)  # type: ignore[arg-type]
                )
                await session.execute(delete(Disclosure).where(Disclosure.id == gone.id))  # type: ignore[arg-type]
                await service.reflect(
                    session=session, employer_id=employer_id, clock=CLOCK, settings=settings
                )
                await session.flush()
                [new] = (
                    await session.scalars(
                        select(Disclosure).where(Disclosure.employer_id == employer_id)  # type: ignore[arg-type]
                    )
                ).all()
                assert _head(new) == _head(gone)
                fresh = [_item(i) for i in await _items_of(session, new.id)]
                assert fresh == items_before[gone.id]
            await session.rollback()
    finally:
        await engine.dispose()


_HEAD = (
    "employer_id", "evaluation_id", "cycle", "status", "list_status", "employer_name", "uscc",
    "legal_representative", "town", "withdrawn_at", "withdrawal_reason", "version",
)  # fmt: skip
_ITEM = (
    "record_id", "record_key", "penalty_date", "decision_number", "violation", "legal_basis",
    "result", "severity", "publication_end_date", "repair_available_from", "ended_on",
    "end_reason", "disputed",
)  # fmt: skip


def _head(d: Disclosure) -> tuple[Any, ...]:
    return tuple(str(getattr(d, f)) for f in _HEAD)


def _item(i: DisclosureItem) -> tuple[Any, ...]:
    return tuple(str(getattr(i, f)) for f in _ITEM)


async def _items(session: Any) -> dict[Any, list[tuple[Any, ...]]]:
    """Every item's fields, by disclosure."""
    found: dict[Any, list[tuple[Any, ...]]] = {}
    for item in (
        await session.scalars(
            select(DisclosureItem)
            .order_by(DisclosureItem.penalty_date, DisclosureItem.id)  # type: ignore[arg-type]
            .execution_options(populate_existing=True)
        )
    ).all():
        found.setdefault(item.disclosure_id, []).append(_item(item))
    return found


async def _items_of(session: Any, disclosure_id: Any) -> list[DisclosureItem]:
    return list(
        (
            await session.scalars(
                select(DisclosureItem)
                .where(DisclosureItem.disclosure_id == disclosure_id)  # type: ignore[arg-type]
                .order_by(DisclosureItem.penalty_date, DisclosureItem.id)  # type: ignore[arg-type]
            )
        ).all()
    )
