"""The request's transaction (app.core.db.RequestTransaction), on a database of its own where
commits are real: a failed commit is raised (so the answer is an error, never a 200 over
nothing kept), an error rolls back unless it keeps what was written, a read keeps nothing, a
request that never asked for the session opens none, and a request cancelled while its
transaction ends still ends it (committed, the connection back in the pool and usable)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import asyncpg
import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.accounts.errors import InvalidCredentials
from app.core.db import RequestTransaction, create_engine, driver_connection, session_factory
from app.core.i18n import Text


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_database_url, pool_size=1)
    async with engine.begin() as connection:
        # checked at COMMIT, not at the INSERT: the one way a commit itself fails
        await connection.execute(
            text("CREATE TABLE kept (n int, UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)")
        )
    yield engine
    await engine.dispose()


def _request(engine: AsyncEngine, method: str = "POST", reads: bool = False) -> Any:
    factory = session_factory(engine)
    state = SimpleNamespace(
        session_factory=factory, read_session_factory=factory if reads else None, read_pool=None
    )
    return SimpleNamespace(app=SimpleNamespace(state=state), method=method)


async def _kept(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT n FROM kept ORDER BY n"))).scalars())


async def _write(transaction: RequestTransaction, *values: int) -> None:
    for value in values:
        await transaction.session().execute(text("INSERT INTO kept VALUES (:n)"), {"n": value})


async def test_a_commit_keeps_the_writes(engine: AsyncEngine) -> None:
    transaction = RequestTransaction(_request(engine))
    await _write(transaction, 1, 2)
    await transaction.end()
    assert await _kept(engine) == [1, 2]


async def test_a_failed_commit_is_raised_and_keeps_nothing(engine: AsyncEngine) -> None:
    transaction = RequestTransaction(_request(engine))
    await _write(transaction, 1, 1)  # the duplicate is found only at COMMIT
    with pytest.raises(exc.IntegrityError) as raised:
        await transaction.end()
    assert isinstance(raised.value.orig.__cause__, asyncpg.UniqueViolationError)  # type: ignore[union-attr]
    assert await _kept(engine) == []
    assert engine.pool.checkedout() == 0  # the connection went back


async def test_an_error_rolls_back(engine: AsyncEngine) -> None:
    transaction = RequestTransaction(_request(engine))
    await _write(transaction, 1)
    await transaction.end(ValueError("the endpoint failed"))
    assert await _kept(engine) == []


async def test_an_error_that_keeps_writes_commits_them(engine: AsyncEngine) -> None:
    transaction = RequestTransaction(_request(engine))
    await _write(transaction, 7)  # a failed sign-in's count, say
    await transaction.end(InvalidCredentials(Text("错", "wrong")))
    assert await _kept(engine) == [7]


async def test_a_read_keeps_nothing_even_when_it_wrote(engine: AsyncEngine) -> None:
    """The read pool refuses writes; here its stand-in is a writable pool, to show that a read's
    session is only closed, never committed."""
    transaction = RequestTransaction(_request(engine, method="GET", reads=True))
    await _write(transaction, 3)
    await transaction.end()
    assert await _kept(engine) == []


async def test_a_request_that_never_asked_opens_no_session(engine: AsyncEngine) -> None:
    transaction = RequestTransaction(_request(engine))
    await transaction.end()
    await transaction.end(ValueError("after"))
    assert engine.pool.checkedout() == 0
    assert await _kept(engine) == []


async def test_a_request_cancelled_while_committing_still_commits_and_gives_back_its_connection(
    engine: AsyncEngine,
) -> None:
    """As FastAPI shields a dependency's exit from the cancel scopes around a request (a task
    group cancelled, a timeout of anyio's): without the shield, the cancel lands in the middle
    of COMMIT, the connection is closed mid-operation and the writes are in doubt."""
    transaction = RequestTransaction(_request(engine))
    await _write(transaction, 1)
    driver = await driver_connection(transaction.session())
    assert driver.is_in_transaction()
    ended = []

    async def end() -> None:
        await transaction.end()
        ended.append(driver.is_closed())

    async with anyio.create_task_group() as group:
        group.start_soon(end)
        await anyio.lowlevel.checkpoint()  # the task has sent COMMIT, awaits the answer
        group.cancel_scope.cancel()
    assert ended == [False]  # it ran to its end, the connection open
    assert await _kept(engine) == [1]
    assert engine.pool.checkedout() == 0
    async with engine.connect() as connection:  # the one connection of the pool, usable
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
