"""A small HTTP/1.1 load generator, for when `wrk` is not installed: C keep-alive connections
on asyncio raw sockets, each sending GETs one after the other, cycling through a list of paths,
for S seconds; run in a process of its own (`python -m bench.loadgen`), it prints one JSON line:
requests, seconds, requests/s, p50 and p99 in ms, non-2xx responses and socket errors.

It is heavier per request than wrk (Python), so on a small machine it takes CPU from the server:
the ratio of two servers measured with it is still fair, their absolute rates are lower.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


async def _connection(
    host: str, port: int, paths: list[str], start: int, deadline: float,
    latencies: list[float], counts: dict[str, int],
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            sent = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - sent)
            if not 200 <= int(head[9:12]) < 300:
                counts["non_2xx"] += 1
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        counts["socket_errors"] += 1
    finally:
        writer.close()


async def run(
    base_url: str, paths: list[str], connections: int, seconds: float
) -> dict[str, float]:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    counts = {"non_2xx": 0, "socket_errors": 0}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(host, port, paths, c * 7, deadline, latencies, counts)
            for c in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def at(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": at(0.50) if latencies else 0.0,
        "p99_ms": at(0.99) if latencies else 0.0,
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.loadgen")
    parser.add_argument("--url", required=True, help="http://host:port")
    parser.add_argument("--paths", required=True, help="a file of request paths, one a line")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with open(args.paths, encoding="utf-8") as f:
        paths = [line.strip() for line in f if line.strip()]
    print(json.dumps(asyncio.run(run(args.url, paths, args.connections, args.seconds))))


if __name__ == "__main__":
    main()
