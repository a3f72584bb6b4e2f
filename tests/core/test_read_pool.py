"""The driver reads of a read request (app.core.db.DriverLease), on a database of its own: one
connection of the read pool for all its driver statements, given back at the request's end
(cancelled or not) with an open transaction rolled back; a connection whose server refuses
writes and decodes JSON as the SQLAlchemy dialect's does; never taken once the request's
session holds a connection of its own (so no request holds one pool while waiting on the
other); and a connection the server closed is replaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import (
    ReadPool,
    RequestTransaction,
    create_engine,
    driver_connection,
    read_pool,
    session_factory,
)


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_database_url, pool_size=1, read_only=True)
    yield engine
    await engine.dispose()


@pytest.fixture
async def pool(fresh_database_url: str) -> AsyncIterator[ReadPool]:
    pool = await read_pool(fresh_database_url, size=2)
    yield pool
    await pool.close()


def _read(engine: AsyncEngine, pool: ReadPool, method: str = "GET") -> RequestTransaction:
    factory = session_factory(engine)
    state = SimpleNamespace(session_factory=factory, read_session_factory=factory, read_pool=pool)
    return RequestTransaction(SimpleNamespace(app=SimpleNamespace(state=state), method=method))  # type: ignore[arg-type]


def _lent(pool: ReadPool) -> int:
    return pool.pool.get_size() - pool.pool.get_idle_size()


async def _backend(connection: Any) -> int:
    pid: int = await connection.fetchval("SELECT pg_backend_pid()")
    return pid


async def test_a_read_s_driver_statements_share_one_lease_given_back_at_its_end(
    engine: AsyncEngine, pool: ReadPool
) -> None:
    transaction = _read(engine, pool)
    session = transaction.session()
    first = await driver_connection(session)
    second = await driver_connection(session)
    assert first is second
    assert await _backend(first) == await _backend(second)
    assert _lent(pool) == 1
    assert not session.in_transaction()  # SQLAlchemy's pool was never asked
    assert engine.pool.checkedout() == 0
    await transaction.end()
    assert _lent(pool) == 0


async def test_a_write_request_s_driver_statements_run_in_its_session(
    fresh_database_url: str, pool: ReadPool
) -> None:
    writable = create_engine(fresh_database_url, pool_size=1)
    try:
        transaction = _read(writable, pool, method="POST")
        session = transaction.session()
        await session.execute(text("SELECT 1"))
        driver = await driver_connection(session)
        assert driver.is_in_transaction()  # the session's, with its BEGIN
        assert _lent(pool) == 0
        await transaction.end()
    finally:
        await writable.dispose()


async def test_the_lease_refuses_writes(engine: AsyncEngine, pool: ReadPool) -> None:
    transaction = _read(engine, pool)
    driver = await driver_connection(transaction.session())
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await driver.execute("CREATE TABLE scratch (n int)")
    await transaction.end()
    assert _lent(pool) == 0


async def test_json_and_jsonb_read_alike_on_the_lease_and_on_the_session(
    engine: AsyncEngine, pool: ReadPool
) -> None:
    query = """SELECT '{"名称": "文水", "n": [1, 2.5, null]}'::jsonb, '["a", {"b": true}]'::json"""
    transaction = _read(engine, pool)
    session = transaction.session()
    leased = tuple(await (await driver_connection(session)).fetchrow(query))
    await session.execute(text("SELECT 1"))  # now the session holds a connection of its own
    dialects = tuple(await (await driver_connection(session)).fetchrow(query))
    await transaction.end()
    assert leased == dialects == ({"名称": "文水", "n": [1, 2.5, None]}, ["a", {"b": True}])


async def test_once_the_session_holds_a_connection_driver_statements_use_it(
    engine: AsyncEngine, pool: ReadPool
) -> None:
    """A read that went through the ORM first (a list, say) holds a connection of SQLAlchemy's
    pool: waiting then for a lease too could deadlock two busy pools. It does not wait."""
    transaction = _read(engine, pool)
    session = transaction.session()
    await session.execute(text("SELECT 1"))
    driver = await driver_connection(session)
    orm = (await (await session.connection()).get_raw_connection()).driver_connection
    assert driver is orm
    assert _lent(pool) == 0
    await transaction.end()
    assert engine.pool.checkedout() == 0


async def test_an_open_transaction_is_rolled_back_as_the_lease_goes_back(
    engine: AsyncEngine, pool: ReadPool
) -> None:
    transaction = _read(engine, pool)
    driver = await driver_connection(transaction.session())
    await driver.execute("BEGIN")
    backend = await _backend(driver)
    await transaction.end()
    async with pool.pool.acquire() as again:
        assert await _backend(again) == backend  # the same connection, reused
        assert not again.is_in_transaction()


async def test_a_read_cancelled_while_ending_still_gives_its_lease_back(
    engine: AsyncEngine, pool: ReadPool
) -> None:
    transaction = _read(engine, pool)
    backend = await _backend(await driver_connection(transaction.session()))
    async with anyio.create_task_group() as group:
        group.start_soon(transaction.end)
        await anyio.lowlevel.checkpoint()  # the task is giving the lease back (asyncio.shield)
        group.cancel_scope.cancel()
    assert _lent(pool) == 0
    async with pool.pool.acquire() as again:
        assert await _backend(again) == backend  # given back whole, not dropped


async def test_a_lease_whose_server_connection_was_closed_is_replaced(
    engine: AsyncEngine, pool: ReadPool, fresh_database_url: str
) -> None:
    transaction = _read(engine, pool)
    first = await _backend(await driver_connection(transaction.session()))
    await transaction.end()
    async with pool.pool.acquire() as other:  # the one idle connection: the first
        assert await _backend(other) == first
    killer = await asyncpg.connect(fresh_database_url)
    try:
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", first)
    finally:
        await killer.close()
    await anyio.sleep(0.2)  # the loop reads the closed socket (asyncpg: a few ms)
    transaction = _read(engine, pool)
    second = await _backend(await driver_connection(transaction.session()))
    await transaction.end()
    assert second != first


async def test_the_pool_lends_in_the_order_asked(fresh_database_url: str) -> None:
    """Requests arriving while others wait get a connection after them, each in the order it
    asked (asyncpg's own pool gives one back to whoever asks next: of 300 requests on two
    connections, one was served 271 places after its turn)."""
    pool = await read_pool(fresh_database_url, size=2)
    asked: list[int] = []
    served: list[int] = []

    async def request(number: int) -> None:
        asked.append(number)
        connection = await pool.acquire()
        served.append(number)
        try:
            await connection.fetchval("SELECT 1")
        finally:
            await pool.release(connection)

    try:
        opened = [await pool.acquire(), await pool.acquire()]  # both connections made
        for connection in opened:
            await pool.release(connection)
        requests = []
        for number in range(300):
            requests.append(asyncio.create_task(request(number)))
            if number % 3 == 0:  # new requests keep arriving as earlier ones are served
                await asyncio.sleep(0)
        await asyncio.wait_for(asyncio.gather(*requests), 60)
        assert served == asked
    finally:
        await pool.close()
