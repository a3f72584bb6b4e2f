"""Intake of N records in batches of 1,000 through the HTTP API (validation, idempotency, audit,
events included) against one asyncpg COPY of the same rows: records/s and their ratio. Afterwards
every record must have its credit event and be named by exactly one batch audit event, and the
audit verification (each batch's digest recomputed from the rows) must hold."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.accounts import clients
from app.audit import verification
from app.core import actors
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.models.audit import ChainVerification
from app.models.client import ApiClientCreate, ClientSource
from bench.harness import SECRETS, http_server, load_employers, plain, scratch_database

BATCH = 1000
CONCURRENCY = 2  # two senders, as two agencies' systems would be
TARGET_RECORDS_PER_S = 10_000  # issue 16 §4


def intake_items(codes: list[str], count: int) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"SI-{i:08d}",
            "uscc": codes[i % len(codes)],
            "category": "dishonesty",
            "kind": "social_insurance",
            "occurred_date": "2025-03-01",
            "title": f"未足额缴纳社会保险费 {i}",
            "decision_number": f"文社保罚〔2025〕{i}号",
            "decision_date": "2025-03-10",
            "penalty_category": "fine",
            "fine_amount": "5000.00",
            "punished": True,
            "severity": "general",
        }
        for i in range(count)
    ]


async def make_client(url: str) -> str:
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            _, key = await clients.create(
                session=session,
                actor=actors.system("bench"),
                data=ApiClientCreate(
                    name="基准社保系统", source=ClientSource.social_insurance, trusted=True
                ),
            )
    finally:
        await engine.dispose()
    return key


async def send_all(base_url: str, key: str, items: list[dict[str, Any]]) -> float:
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            while not queue.empty():
                batch = queue.get_nowait()
                response = await http.post(
                    "/api/v1/intake/records",
                    json={"records": batch},
                    headers={"X-API-Key": key, "Idempotency-Key": str(uuid.uuid4())},
                )
                response.raise_for_status()
                outcomes = {item["outcome"] for item in response.json()["items"]}
                assert outcomes == {"created"}, outcomes

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


async def copy_baseline(url: str, items: list[dict[str, Any]]) -> float:
    """The same rows into a copy of credit_records with one copy_records_to_table call."""
    conn = await asyncpg.connect(plain(url))
    try:
        employer_ids = dict(await conn.fetch("SELECT uscc, id FROM employers"))
        await conn.execute("CREATE TABLE copy_baseline (LIKE credit_records INCLUDING DEFAULTS)")
        columns = [
            "id",
            "record_key",
            "version",
            "revision",
            "status",
            "employer_id",
            "category",
            "source",
            "kind",
            "occurred_date",
            "title",
            "decision_number",
            "decision_date",
            "penalty_category",
            "fine_amount",
            "punished",
            "serious_conditions",
            "severity",
            "in_catalogue",
        ]
        rows: list[tuple[object, ...]] = [
            (
                uuid.uuid4(),
                uuid.uuid4(),
                1,
                1,
                "verified",
                employer_ids[i["uscc"]],
                i["category"],
                "social_insurance",
                i["kind"],
                date(2025, 3, 1),
                i["title"],
                i["decision_number"],
                date(2025, 3, 10),
                "fine",
                Decimal(i["fine_amount"]),
                True,
                [],
                "general",
                True,
            )
            for i in items
        ]
        started = time.perf_counter()
        await conn.copy_records_to_table("copy_baseline", columns=columns, records=rows)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def run(count: int) -> dict[str, float]:
    async with scratch_database() as url:
        codes = await load_employers(url, 10_000)
        key = await make_client(url)
        items = intake_items(codes, count)
        with tempfile.TemporaryDirectory() as data_dir:
            async with http_server(url, Path(data_dir)) as server:
                cpu_before = cpu_seconds(server.pid)
                api_seconds = await send_all(server.base_url, key, items)
                server_cpu = cpu_seconds(server.pid) - cpu_before
        copy_seconds = await copy_baseline(url, items)
        batches = await check_written(url, count)
    api_rate, copy_rate = count / api_seconds, count / copy_seconds
    return {
        "records": count,
        "batch_events": batches,
        "api_records_per_s": api_rate,
        "copy_records_per_s": copy_rate,
        "ratio": api_rate / copy_rate,
        "server_cpu_ms_per_batch": server_cpu * 1000 / -(-count // BATCH),
    }


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system, /proc/<pid>/stat): read before the
    first batch and after the last, start-up excluded. An aid to profiling, not a target."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Each record and the intake batch event whose range of ids holds it (migration 0031).
_COVERED = """
WITH batch AS MATERIALIZED (
  SELECT seq, CAST(changes #>> '{records_written,new,first_id}' AS uuid) AS first_id,
         CAST(changes #>> '{records_written,new,last_id}' AS uuid) AS last_id
  FROM audit_events WHERE changes ? 'records_written'
)
SELECT events, count(*) AS records FROM (
  SELECT c.id, count(b.seq) AS events
  FROM credit_records c LEFT JOIN batch b ON c.id BETWEEN b.first_id AND b.last_id
  GROUP BY c.id
) covered GROUP BY events
"""


async def check_written(url: str, count: int) -> int:
    """Every record written, with its credit event, named by exactly one batch audit event (one
    per batch), no record audited one by one, and the verification intact over it all (the
    digest of each batch recomputed from the rows). Returns the number of batch events."""
    conn = await asyncpg.connect(plain(url))
    try:
        written = await conn.fetchval("SELECT count(*) FROM credit_records")
        events = await conn.fetchval("SELECT count(*) FROM credit_events")
        batches = await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'intake.batch_received'"
        )
        one_by_one = await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE resource_type = 'credit_record'"
        )
        covered = {row["events"]: row["records"] for row in await conn.fetch(_COVERED)}
    finally:
        await conn.close()
    assert written == events == count, (written, events)
    assert (batches, one_by_one) == (-(-count // BATCH), 0), (batches, one_by_one)
    assert covered == {1: count}, covered
    result = await verified(url)
    assert result.intact and result.record_batches_checked == batches, result
    return int(batches)


async def verified(url: str) -> ChainVerification:
    engine = create_engine(url, pool_size=1)
    settings = Settings(
        environment="test",
        database_url=url,
        secret_key=SECRETS["LABOR_CREDIT_SECRET_KEY"],
        data_key=SECRETS["LABOR_CREDIT_DATA_KEY"],
        audit_key=SECRETS["LABOR_CREDIT_AUDIT_KEY"],
    )
    try:
        async with session_factory(engine)() as session:
            return await verification.verify(session=session, settings=settings, checkpoints=[])
    finally:
        await engine.dispose()
