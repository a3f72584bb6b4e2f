"""Running the simulator: in the foreground (`labor-credit platform-sim`) or, for tests, on a
free port in a background thread (`running`; `running_app` does the same for any ASGI app, e.g.
a test's receiver of receipt callbacks)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from app.integrations.platform_sim.server import build_app
from app.integrations.platform_sim.state import Platform, SimConfig

STARTUP_SECONDS = 10.0


def _server(app: Any) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,
            ws="none",
            loop="asyncio",
        )
    )


def serve(config: SimConfig, *, host: str, port: int, parent_pid: int | None = None) -> None:
    """Serve until interrupted (SIGINT, SIGTERM), or until the process `parent_pid` is gone
    (`serve --platform-sim` starts it so: it must not outlive the service)."""
    server = _server(build_app(config))
    server.config.host, server.config.port = host, port
    if parent_pid is not None:

        def watch() -> None:
            while not server.should_exit:
                if os.getppid() != parent_pid:  # re-parented: the service is gone
                    server.should_exit = True
                time.sleep(0.5)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    server.run()


class Running:
    """A simulator serving in a background thread: its base URL and its state."""

    def __init__(self, url: str, platform: Platform) -> None:
        self.url = url
        self.platform = platform


@contextmanager
def running_app(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """`app` served on `port` (0: a free one) in a background thread until the block ends;
    yields its base URL."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind((host, port))
    server = _server(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="asgi-in-thread", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            listening.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{listening.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listening.close()


@contextmanager
def running(config: SimConfig, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[Running]:
    """The simulator on `port` (0: a free one) in a background thread until the block ends."""
    app = build_app(config)
    with running_app(app, host=host, port=port) as url:
        yield Running(url, app.state.platform)
