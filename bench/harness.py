"""A scratch database, demo-like employers loaded by COPY, and a real HTTP server to measure."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.core import migrations
from app.core.db import start_embedded_postgres
from app.employers import uscc

DIVISION = "141121"
# The scratch database is on a server, where the development placeholders are refused: secrets
# of the run's own (the data is dropped afterwards).
SECRETS = {
    "LABOR_CREDIT_SECRET_KEY": secrets.token_urlsafe(48),
    "LABOR_CREDIT_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
    "LABOR_CREDIT_AUDIT_KEY": secrets.token_urlsafe(48),
}


def server_url() -> str:
    """BENCH_DATABASE_URL's server, or the embedded one (in .data/bench: dev data untouched)."""
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    return start_embedded_postgres(Path(".data/bench"), database="postgres")


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A new database at head, dropped afterwards."""
    base = make_url(server_url())
    url = base.set(database=f"lc_bench_{uuid.uuid4().hex[:10]}")
    admin = await asyncpg.connect(
        plain(str(base.set(database="postgres").render_as_string(hide_password=False)))
    )
    await admin.execute(f'CREATE DATABASE "{url.database}"')
    rendered = url.render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(migrations.upgrade, rendered)
        yield rendered
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        await admin.close()


def employer_codes(count: int) -> list[str]:
    return [uscc.make(f"91{DIVISION}{i:09d}") for i in range(count)]


async def load_employers(url: str, count: int) -> list[str]:
    codes = employer_codes(count)
    conn = await asyncpg.connect(plain(url))
    try:
        await conn.copy_records_to_table(
            "employers",
            columns=[
                "id",
                "uscc",
                "name",
                "subject_type",
                "legal_representative",
                "town",
                "industry_code",
                "employee_count",
                "status",
                "checksum_exception",
                "version",
            ],
            records=[
                (
                    uuid.uuid4(),
                    code,
                    f"文水县基准单位{i}有限公司",
                    "enterprise",
                    "张三",
                    "凤城镇",
                    "C1311",
                    10,
                    "active",
                    False,
                    1,
                )
                for i, code in enumerate(codes)
            ],
        )
    finally:
        await conn.close()
    return codes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    pid: int = 0


@asynccontextmanager
async def http_server(
    url: str, data_dir: Path, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """`labor-credit serve` in its own process on a loopback port (real HTTP, real uvicorn);
    `env`: settings of the run's own (LABOR_CREDIT_...)."""
    environment = {
        **SECRETS,
        "DATABASE_URL": url,
        "LABOR_CREDIT_LOG_LEVEL": "WARNING",
        "LABOR_CREDIT_DATA_DIR": str(data_dir),
        "LABOR_CREDIT_MAX_BODY_BYTES": str(64 << 20),
        **(env or {}),
    }
    async with python_server(["app.cli", "serve", "--no-scheduler"], environment) as server:
        yield server


@asynccontextmanager
async def python_server(module_args: list[str], env: dict[str, str]) -> AsyncIterator[Server]:
    """`python -m <module_args> --port P` in its own process, ready when /readyz answers 200."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *module_args,
        "--port",
        str(port),
        env=process_env(env),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base, process)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)


def process_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment and `env`. Under the suite's moved clock (`make test-dates`,
    tests/moved_clock) a child starts on this process's clock as it reads now, not on the moved
    day's morning, so that the processes of one run agree on the time (tests/push/live.py)."""
    found = {**os.environ, **env}
    if found.get("MOVED_CLOCK"):
        found["MOVED_CLOCK"] = datetime.now(UTC).isoformat()
    return found


async def _wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as probe:
        while True:
            try:
                if (await probe.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.returncode is not None:
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.3)
