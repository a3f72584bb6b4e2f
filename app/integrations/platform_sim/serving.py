"""Running the simulator: in the foreground (`labor-credit platform-sim`) or, for tests, on a
free port in a background thread (`running`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from app.integrations.platform_sim.server import build_app
from app.integrations.platform_sim.state import Platform, SimConfig

STARTUP_SECONDS = 10.0


def _server(config: SimConfig) -> tuple[uvicorn.Server, Platform]:
    app = build_app(config)
    platform: Platform = app.state.platform
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,
            ws="none",
            loop="asyncio",
        )
    )
    return server, platform


def serve(config: SimConfig, *, host: str, port: int) -> None:
    """Serve until interrupted."""
    server, _ = _server(config)
    server.config.host, server.config.port = host, port
    server.run()


class Running:
    """A simulator serving in a background thread: its base URL and its state."""

    def __init__(self, url: str, platform: Platform) -> None:
        self.url = url
        self.platform = platform


@contextmanager
def running(config: SimConfig, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[Running]:
    """The simulator on `port` (0: a free one) until the block ends."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind((host, port))
    server, platform = _server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="platform-sim", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listening.close()
            raise RuntimeError("the platform simulator did not start")
        time.sleep(0.01)
    try:
        bound_port = listening.getsockname()[1]
        yield Running(f"http://{host}:{bound_port}", platform)
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listening.close()
