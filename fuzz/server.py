"""The service under fuzzing: the real app in uvicorn on a loopback port, its clock pinned at
the day the demo county was seeded as of, so every run sees the same day.

`python -m fuzz.server PORT` serves; `serving(env)` runs that in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

# The test suite's day (tests/conftest.py PINNED_AT): a Thursday, a working day of 2026's notice.
PINNED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def main() -> None:
    import uvicorn

    from app.core.clock import Clock
    from app.core.config import get_settings
    from app.main import create_app

    port = int(sys.argv[1])
    app = create_app(get_settings(), clock=Clock.pinned(PINNED_AT))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], log: str) -> Iterator[str]:
    """Its base URL while it runs; its log (errors and tracebacks) goes to the file `log`."""
    port = _free_port()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fuzz.server", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not start (exit code {process.poll()})")


if __name__ == "__main__":
    main()
