"""`labor-credit serve` as an operator starts it: a real uvicorn server on a free port, on a
PostgreSQL server (DATABASE_URL), with the scheduler in its process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.core.config import Settings
from tests.conftest import SECRETS_ENV

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 90  # imports and migrations on a busy two-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _leaders(url: str) -> list[bool]:
    conn = await asyncpg.connect(make_url(url).render_as_string(hide_password=False))
    try:
        rows = await conn.fetch("SELECT is_leader FROM scheduler_heartbeats")
    except asyncpg.UndefinedTableError:  # not migrated yet
        return []
    finally:
        await conn.close()
    return [row["is_leader"] for row in rows]


async def _until(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"{what}: not in {seconds} s"
        await asyncio.sleep(0.25)


async def _start(
    url: str, tmp_path: Path, *args: str, **settings: str
) -> tuple[asyncio.subprocess.Process, int]:
    """`serve ARGS` on a free port with these LABOR_CREDIT_ settings, once /healthz answers."""
    port = free_port()
    env = {
        **os.environ,
        **SECRETS_ENV,  # a database server refuses the development placeholders
        "DATABASE_URL": url,
        "LABOR_CREDIT_ENVIRONMENT": "test",
        "LABOR_CREDIT_DATA_DIR": str(tmp_path),
        **{f"LABOR_CREDIT_{name.upper()}": value for name, value in settings.items()},
    }
    with (tmp_path / "serve.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "serve", *args, "--port", str(port),
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:

        async def up() -> bool:
            assert process.returncode is None, (tmp_path / "serve.log").read_text()
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        try:
            await _until(up, STARTUP_SECONDS, "serve answering /healthz")
        except BaseException:
            process.kill()
            await process.wait()
            raise
    return process, port


async def test_serve_with_the_scheduler_on_a_database_server(fresh_database_url, tmp_path):
    process, port = await _start(
        fresh_database_url, tmp_path, "--scheduler", scheduler_heartbeat_seconds="0.2"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            for path in ("/healthz", "/api/v1/vocabularies", "/api/v1/users"):
                response = await http.get(path)
                assert "server" not in response.headers, path
                assert response.headers["x-content-type-options"] == "nosniff"

        async def leading() -> bool:
            return True in await _leaders(fresh_database_url)

        await _until(leading, 30, "the in-process scheduler leading")
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then dies of the signal it caught (as a shell expects)
        assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)
        assert await _leaders(fresh_database_url) == [False]  # it stood down as it stopped
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _healthz(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """GET /healthz on this connection, kept alive: the status line."""
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0]


async def test_serve_keeps_idle_connections_for_keep_alive_seconds(fresh_database_url, tmp_path):
    """The server, not uvicorn's default (5 s, the same as httpx's own idle limit: a request
    sent as the server closes gets no answer), decides when an idle connection closes; by
    default after longer than the clients' and proxies' own limits, so they close first."""
    assert Settings.model_fields["keep_alive_seconds"].default > max(
        httpx.Limits().keepalive_expiry or 0,
        60,  # nginx's and load balancers' 60 s
    )
    process, port = await _start(fresh_database_url, tmp_path, keep_alive_seconds="2")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            assert await _healthz(reader, writer) == b"HTTP/1.1 200 OK"
            await asyncio.sleep(1)  # idle for less than the setting: still open
            assert await _healthz(reader, writer) == b"HTTP/1.1 200 OK"
            await asyncio.sleep(3)  # past the setting, and closed well before uvicorn's own 5 s
            assert await asyncio.wait_for(reader.read(), 0.5) == b""
        finally:
            writer.close()
    finally:
        process.kill()
        await process.wait()
