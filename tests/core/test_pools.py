"""The pools: a connection the server closed is replaced at checkout without a pre-ping round
trip, and the read-only pool (and the tests' read-only savepoints) refuse any write, so a
request of a safe method can change nothing."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.api.deps import SessionDep
from app.core.db import create_engine
from tests.read_only import read_only_savepoints


async def test_a_connection_the_server_closed_is_replaced_at_checkout(settings):
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            first = await conn.scalar(text("SELECT pg_backend_pid()"))
        killer = await asyncpg.connect(settings.database_url)
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await killer.close()
        await asyncio.sleep(0.2)  # the loop reads the closed socket (asyncpg: a few ms)
        async with engine.connect() as conn:  # the pooled one is closed: another is opened
            second = await conn.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()


async def test_the_read_only_pool_reads_and_refuses_writes(settings):
    engine = create_engine(settings.database_url, pool_size=1, read_only=True)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) >= 0 FROM employers"))
            with pytest.raises(DBAPIError, match="read-only transaction"):
                await conn.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
    finally:
        await engine.dispose()


async def test_a_read_only_savepoint_refuses_writes_and_leaves_the_transaction_writable(
    connection,
):
    async with read_only_savepoints(connection)() as session:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
        await session.rollback()
    await connection.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))  # writable again


@pytest.fixture
def writing_get(app: FastAPI):  # type: ignore[no-untyped-def]
    """A GET route that tries to write (none of the app's may): added for this test only."""

    @app.get("/test-only/writing-get")
    async def writing_get(session: SessionDep) -> dict[str, str]:
        await session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
        return {"wrote": "yes"}

    yield
    app.router.routes.pop()


async def test_a_get_that_tries_to_write_fails_and_writes_nothing(writing_get, client, connection):
    answer = await client.get("/test-only/writing-get")
    assert answer.status_code == 500
    exists = await connection.scalar(text("SELECT to_regclass('pg_temp.scratch') IS NOT NULL"))
    assert exists is False
