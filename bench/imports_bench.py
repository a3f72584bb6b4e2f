"""File import of an N-row CSV through the HTTP API (upload, background job, chunks) against
one asyncpg COPY of the same rows: rows/s and their ratio."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import time
from pathlib import Path

import httpx

from app.accounts import users
from app.core import actors
from app.core.db import create_engine, session_factory
from app.intake import files as import_files
from app.intake import templates
from app.models.user import Role, UserCreate
from bench import intake
from bench.harness import http_server, load_employers, scratch_database

PASSWORD = "bench-password-2026"


def csv_file(codes: list[str], count: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(templates.header_cells())
    keys = [key for key, _ in import_files.COLUMNS]
    for item in intake.intake_items(codes, count):
        row = {**item, "source": "inspection", "kind": "wages", "punished": "是"}
        writer.writerow([row.get(key, "") for key in keys])
    return buffer.getvalue().encode()


async def make_inspector(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            await users.create(
                session=session,
                actor=actors.system("bench"),
                data=UserCreate(
                    username="bench-inspector",
                    full_name="基准监察员",
                    role=Role.inspector,
                    password=PASSWORD,
                ),
            )
    finally:
        await engine.dispose()


async def import_via_api(base_url: str, body: bytes, rows: int) -> float:
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:
        token = (
            await http.post(
                "/api/v1/auth/token", data={"username": "bench-inspector", "password": PASSWORD}
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        response = await http.post(
            "/api/v1/imports", headers=headers, files={"file": ("records.csv", body, "text/csv")}
        )
        response.raise_for_status()
        job_url = f"/api/v1/imports/{response.json()['id']}"
        while True:
            job = (await http.get(job_url, headers=headers)).json()
            if job["status"] in ("finished", "failed"):
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
    assert job["status"] == "finished" and job["created_count"] == rows, job
    return elapsed


async def run(count: int) -> dict[str, float]:
    async with scratch_database() as url:
        codes = await load_employers(url, 10_000)
        await make_inspector(url)
        body = csv_file(codes, count)
        with tempfile.TemporaryDirectory() as data_dir:
            async with http_server(url, Path(data_dir)) as server:
                api_seconds = await import_via_api(server.base_url, body, count)
        copy_seconds = await intake.copy_baseline(url, intake.intake_items(codes, count))
    api_rate, copy_rate = count / api_seconds, count / copy_seconds
    return {
        "rows": count,
        "api_rows_per_s": api_rate,
        "copy_rows_per_s": copy_rate,
        "ratio": api_rate / copy_rate,
    }
