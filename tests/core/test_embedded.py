"""The embedded PostgreSQL stops when the last process using it ends: normally (a `make test`
that fails ends normally too), by SIGTERM (`make run` stopped by a supervisor; uvicorn re-raises
the SIGTERM it caught), and even after an earlier user was killed without letting go.

Each case is a real process on a server of its own in a temporary folder (one initdb for all).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = """
import sys, time
from pathlib import Path
from app.core.db import start_embedded_postgres
start_embedded_postgres(Path(sys.argv[1]), database="postgres")
print("ready", flush=True)
if sys.argv[2] == "wait":
    time.sleep(120)
"""


def use(data_dir: Path, then: str) -> subprocess.Popen[str]:
    """A process that starts (or joins) the server, says so, then exits or waits."""
    process = subprocess.Popen(
        [sys.executable, "-c", USER, str(data_dir), then],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    said = process.stdout.readline().strip()
    process.stdout.close()  # it says nothing more
    if said != "ready":  # it could not start: reap it, so no later test inherits it
        process.kill()
        process.wait(timeout=30)
    assert said == "ready"
    return process


def postmaster(data_dir: Path) -> int | None:
    """The server's pid while it runs (postmaster.pid is removed when it stops)."""
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def stopped(data_dir: Path, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if postmaster(data_dir) is None:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("embedded")
    yield folder
    left = postmaster(folder)
    if left is not None:  # a failed test left its server running: stop it (fast shutdown)
        os.kill(left, signal.SIGINT)


def test_the_server_stops_when_its_user_is_terminated(data_dir: Path) -> None:
    process = use(data_dir, "wait")
    assert postmaster(data_dir) is not None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM  # it still dies of the signal
    assert stopped(data_dir)


def test_it_runs_while_another_user_remains(data_dir: Path) -> None:
    staying = use(data_dir, "wait")
    use(data_dir, "exit").wait(timeout=60)
    assert postmaster(data_dir) is not None
    staying.send_signal(signal.SIGTERM)
    staying.wait(timeout=30)
    assert stopped(data_dir)


def test_a_user_killed_outright_does_not_keep_it_running(data_dir: Path) -> None:
    killed = use(data_dir, "wait")
    killed.kill()  # SIGKILL: no chance to let go, its handle stays behind
    killed.wait(timeout=30)
    handles = data_dir / "postgres" / ".handle_pids.json"
    assert killed.pid in json.loads(handles.read_text())
    assert postmaster(data_dir) is not None
    last = use(data_dir, "exit")  # the next user drops the dead handle
    assert last.wait(timeout=60) == 0
    assert stopped(data_dir)  # and, the last to leave, stops the server as it exits
