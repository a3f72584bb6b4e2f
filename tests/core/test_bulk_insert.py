"""Bulk inserts (app.core.db.bulk_insert, bulk_insert_columns) on a database of their own, where
commits are real: a COPY is in the session's transaction even when it is the session's first
statement (SQLAlchemy's driver adapter sends BEGIN only with a statement of its own), so a
rollback takes it back; a few rows go by INSERT, many by COPY, and both are kept on commit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import (
    COPY_THRESHOLD,
    bulk_insert,
    bulk_insert_columns,
    create_engine,
    session_factory,
)

KEPT = Table("kept", MetaData(), Column("n", Integer))
MANY = COPY_THRESHOLD + 50


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_database_url, pool_size=1)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE kept (n int)"))
    yield engine
    await engine.dispose()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM kept"))).scalar_one())


@pytest.mark.parametrize("rows", [MANY, 3])
async def test_the_first_statement_is_rolled_back_with_the_session(
    engine: AsyncEngine, rows: int
) -> None:
    async with session_factory(engine)() as session:
        await bulk_insert(session, KEPT, [{"n": i} for i in range(rows)])
        await session.rollback()
    assert await _count(engine) == 0


async def test_columns_as_the_first_statement_are_rolled_back_too(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        await bulk_insert_columns(session, KEPT, {"n": list(range(MANY))})
        await session.rollback()
    assert await _count(engine) == 0


async def test_committed_they_are_kept(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        await bulk_insert_columns(session, KEPT, {"n": list(range(MANY))})
        await bulk_insert(session, KEPT, [{"n": 1}, {"n": 2}])
        await session.commit()
    assert await _count(engine) == MANY + 2
