"""Migrations: up, down and up again on a database of their own; models agree with them;
ten processes starting at once migrate once."""

from __future__ import annotations

import asyncio
import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table on the metadata)
from app.core import migrations
from app.core.db import create_engine


async def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    rows = await _query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {str(name) for (name,) in rows}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_upgrade_downgrade_upgrade_and_models_agree(fresh_database_url):
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url)
    assert set(SQLModel.metadata.tables) <= await _tables(url)

    await asyncio.to_thread(migrations.downgrade, url, "base")
    assert await _tables(url) <= {"alembic_version"}
    leftovers = await _query(
        url, "SELECT proname FROM pg_proc WHERE proname LIKE 'audit_event%' ORDER BY 1"
    )
    assert leftovers == []

    await asyncio.to_thread(migrations.upgrade, url)
    assert await _query(url, "SELECT version_num FROM alembic_version") == [(migrations.head(),)]

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


def _start_replicas(url: str, count: int) -> list[int | None]:
    """`count` processes calling migrations.upgrade at once; their exit codes.

    Processes, like real replicas: threads would share alembic's process-wide `context`. They
    fork from a server that has imported the app once, so starting ten costs no ten imports.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["app.core.migrations", "app.models", "alembic.command"])
    replicas = [context.Process(target=migrations.upgrade, args=(url,)) for _ in range(count)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=120)
    return [replica.exitcode for replica in replicas]


async def test_ten_replicas_starting_together_migrate_once(fresh_database_url):
    url = fresh_database_url
    assert await asyncio.to_thread(_start_replicas, url, 10) == [0] * 10
    assert await _query(url, "SELECT version_num FROM alembic_version") == [(migrations.head(),)]
    triggers = await _query(
        url, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass ORDER BY 1"
    )
    assert triggers == [
        ("audit_events_chain",),
        ("audit_events_immutable",),
        ("audit_events_no_truncate",),
    ]


async def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_0015_keeps_stored_import_reasons_in_both_columns_on_the_sheet_s_row(
    fresh_database_url,
):
    """Reasons stored before 0015 were English and numbered from the first data row (1)."""
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, "0014")
    user, job = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
    await _execute(
        url,
        "INSERT INTO users (id, full_name, username, role, password_hash, is_active, "
        f"failed_logins) VALUES ('{user}', '李', 'li', 'inspector', 'x', true, 0)",
        "INSERT INTO import_jobs (id, file_name, file_format, dry_run, status, rows_total, "
        "rows_done, created_count, rejected_count, stored_path, created_by) VALUES "
        f"('{job}', 'a.csv', 'csv', false, 'finished', 1, 1, 0, 1, '/x', '{user}')",
        "INSERT INTO import_row_errors (job_id, row_number, reason) "
        f"VALUES ('{job}', 1, 'title is required')",
    )
    await asyncio.to_thread(migrations.upgrade, url)
    rows = await _query(url, "SELECT row_number, reason_zh, reason_en FROM import_row_errors")
    assert rows == [(2, "title is required", "title is required")]
    assert await _query(url, "SELECT skipped_count FROM import_jobs") == [(0,)]
    await asyncio.to_thread(migrations.downgrade, url, "0014")
    assert await _query(url, "SELECT row_number, reason FROM import_row_errors") == [
        (1, "title is required")
    ]
