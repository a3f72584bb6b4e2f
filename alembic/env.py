"""Async Alembic environment. Migrations run under a PostgreSQL advisory lock, so ten replicas
starting together migrate once and the other nine find the schema already at head."""

from __future__ import annotations

import asyncio
import warnings

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.core.config import get_settings
from app.core.db import AdvisoryLock, async_url, database_url

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_advisory_lock(:k)"), {"k": int(AdvisoryLock.MIGRATION)}
            )
            await connection.commit()
            try:
                await connection.run_sync(_run)
                await connection.commit()
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": int(AdvisoryLock.MIGRATION)}
                )
                await connection.commit()
    finally:
        await engine.dispose()


url = context.config.attributes.get("database_url") or database_url(get_settings())
if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with warnings.catch_warnings():
        asyncio.run(_run_online(url))
