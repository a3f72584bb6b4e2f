"""Intake of N records in batches of 1,000 through the HTTP API (validation, idempotency, audit,
events included) against one asyncpg COPY of the same rows: records/s and their ratio."""

from __future__ import annotations

import asyncio
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
from app.core import actors
from app.core.db import create_engine, session_factory
from app.models.client import ApiClientCreate, ClientSource
from bench.harness import http_server, load_employers, plain, scratch_database

BATCH = 1000
CONCURRENCY = 2  # two senders, as two agencies' systems would be


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
                api_seconds = await send_all(server.base_url, key, items)
        copy_seconds = await copy_baseline(url, items)
        conn = await asyncpg.connect(plain(url))
        try:
            written = await conn.fetchval("SELECT count(*) FROM credit_records")
            events = await conn.fetchval("SELECT count(*) FROM credit_events")
            audited = await conn.fetchval(
                "SELECT count(*) FROM audit_events WHERE resource_type = 'credit_record'"
            )
        finally:
            await conn.close()
        assert written == events == audited == count, (written, events, audited)
    api_rate, copy_rate = count / api_seconds, count / copy_seconds
    return {
        "records": count,
        "api_records_per_s": api_rate,
        "copy_records_per_s": copy_rate,
        "ratio": api_rate / copy_rate,
    }
