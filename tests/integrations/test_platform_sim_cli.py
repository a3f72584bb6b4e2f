"""`labor-credit platform-sim` as a real process, and `labor-credit serve --platform-sim` (what
`make run` starts): the service pushes to a simulator it started, which stops with it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from app.core.clock import Clock
from app.integrations.platform import signing
from app.integrations.platform.client import HttpTransport
from bench.harness import process_env
from tests.conftest import SECRETS_ENV
from tests.integrations.factories import messages
from tests.test_serve import STARTUP_SECONDS, _until, free_port

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_new_secret_and_a_simulator_without_one() -> None:
    printed = _cli("platform-sim", "--new-secret")
    assert printed.returncode == 0
    assert len(signing.secret_key(printed.stdout.strip())) == 32
    refused = _cli("platform-sim", env={"LABOR_CREDIT_PLATFORM_SIM_SECRETS": ""})
    assert refused.returncode == 1 and "give --secret whsec_" in refused.stderr


def _text(log: Path) -> str:
    return log.read_text()


async def _answering(http: httpx.AsyncClient, url: str, process: object, log: Path) -> None:
    async def up() -> bool:
        assert process.returncode is None, _text(log)  # type: ignore[attr-defined]
        try:
            return (await http.get(url)).status_code == 200
        except httpx.TransportError:
            return False

    await _until(up, STARTUP_SECONDS, f"{url} answering")


async def test_the_simulator_as_a_process_takes_signed_messages(tmp_path: Path) -> None:
    port, old, new = free_port(), signing.new_secret(), signing.new_secret()
    with (tmp_path / "sim.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "platform-sim", "--port", str(port),
            "--secret", old, "--secret", new, cwd=ROOT, env=process_env({}), stdout=log,
            stderr=log,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await _answering(http, f"{url}/healthz", process, tmp_path / "sim.log")
            # the simulator holds both secrets of a rotation: one signed with the new verifies
            transport = HttpTransport(client=http, url=url, secrets=[new], clock=Clock("UTC"))
            outcomes = await transport.send(messages(3))
            assert [o.kind for o in outcomes] == ["accepted"] * 3
            received = (await http.get(f"{url}/received")).json()
            assert [m["sequence"] for m in received["messages"]] == [1, 2, 3]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "platform simulator on http://127.0.0.1" in _text(tmp_path / "sim.log")


async def test_serve_with_the_simulator_beside_it_as_make_run_starts_it(
    fresh_database_url: str, tmp_path: Path
) -> None:
    port, sim_port = free_port(), free_port()
    env = {
        **os.environ,
        **SECRETS_ENV,
        "DATABASE_URL": fresh_database_url,
        "LABOR_CREDIT_ENVIRONMENT": "test",
        "LABOR_CREDIT_DATA_DIR": str(tmp_path),
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "serve", "--no-scheduler", "--port", str(port),
            "--platform-sim", "--platform-sim-port", str(sim_port),
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
    sim = f"http://127.0.0.1:{sim_port}"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await _answering(http, f"http://127.0.0.1:{port}/healthz", process, log_path)
            assert (await http.get(f"{sim}/received")).json()["counts"]["received"] == 0
            assert f"what it received:      {sim}/received" in _text(log_path)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)

            async def simulator_gone() -> bool:
                try:
                    await http.get(f"{sim}/healthz")
                except httpx.TransportError:
                    return True
                return False

            await _until(simulator_gone, 15, "the simulator stopping with the service")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
