"""The public C list under load (issue 13): C concurrent clients for S seconds against N
employers, 2 % of them C units, searching by town and by name fragment, first and later pages;
requests/s, p50 and p99 of the service (`labor-credit serve`, one worker, the public rate limit
off) against a bare endpoint serving the same pages with one raw asyncpg query
(bench.bare_disclosures, uvicorn, one worker), measured one after the other with the same
requests in the same run. Target: ratio (service rps / bare rps) >= 0.5.

The load is `wrk -t2 -cC -dSs --latency` with a Lua script cycling through the request paths,
or, without wrk, bench.loadgen (Python, in a process of its own); the output says which ran.
Before measuring, every path is read from both servers and their answers must be equal (the
same disclosures in the same order, the same items, the same next cursor).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from app.core.clock import Clock
from app.core.config import Settings
from bench import disclosure_data
from bench.harness import Server, http_server, python_server, scratch_database

TARGET = 0.5
WARMUP_SECONDS = 3
PAGES = 3  # first page, then later pages reached by walking next_cursor
SERVICE_ENV = {"LABOR_CREDIT_PUBLIC_RATE_PER_MINUTE": "0"}  # the public rate limit off
LIST = "/api/v1/disclosures"


def _path(**params: Any) -> str:
    return f"{LIST}?{urlencode(params)}"


async def request_paths(base_url: str) -> dict[str, list[str]]:
    """By town and by name fragment: first pages, and later pages whose cursors are fetched
    from the real endpoint by walking it."""
    kinds: dict[str, list[str]] = {"town_first": [], "name_first": [], "later": []}
    searches = [("town_first", {"town": t}) for t in disclosure_data.TOWNS] + [
        ("name_first", {"q": f}) for f in disclosure_data.FRAGMENTS
    ]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for kind, params in searches:
            kinds[kind].append(_path(**params))
            cursor = None
            for page in range(PAGES):
                if page:
                    if cursor is None:
                        break
                    kinds["later"].append(_path(**params, cursor=cursor))
                response = await http.get(
                    LIST, params={**params, **({"cursor": cursor} if page else {})}
                )
                response.raise_for_status()
                cursor = response.json()["next_cursor"]
    return kinds


async def check_agreement(service: str, bare: str, paths: list[str]) -> int:
    """Every path's answer from both servers: equal JSON, non-empty; the pages compared."""
    async with httpx.AsyncClient(timeout=60) as http:
        for path in paths:
            ours, theirs = await asyncio.gather(http.get(service + path), http.get(bare + path))
            assert ours.status_code == theirs.status_code == 200, (path, ours, theirs)
            assert ours.json() == theirs.json(), f"the bare endpoint differs on {path}"
            assert ours.json()["items"], f"an empty page: {path}"
    return len(paths)


def lua_script(paths: list[str], bearer: str | None = None) -> str:
    """A wrk script cycling through `paths`, each thread from its own offset; with `bearer`,
    every request carries `Authorization: Bearer <bearer>`."""
    listed = ",\n".join(f'  "{p}"' for p in paths)
    headers = f'{{["Authorization"] = "Bearer {bearer}"}}' if bearer else "nil"
    return f"""local paths = {{
{listed}
}}
local threads = 0
function setup(thread)
  thread:set("start", threads * 17)
  threads = threads + 1
end
local i = 0
function init(args)
  i = start or 0
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {headers})
end
"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p50, p99, non-2xx responses and socket errors from `wrk --latency`."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": float(total.group(1)),
        "rps": float(rps.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
        "socket_errors": float(sum(map(int, errors.groups()))) if errors else 0.0,
    }


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "bench.loadgen"


async def measure(
    base_url: str, paths: list[str], seconds: float, connections: int, work_dir: Path
) -> dict[str, float]:
    """One measurement of `base_url` with the run's load tool, in a process of its own."""
    if load_tool() == "wrk":
        script = work_dir / "paths.lua"
        script.write_text(lua_script(paths), encoding="utf-8")
        argv = [
            "wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "-s", str(script), base_url,
        ]  # fmt: skip
    else:
        listed = work_dir / "paths.txt"
        listed.write_text("\n".join(paths), encoding="utf-8")
        argv = [
            sys.executable, "-m", "bench.loadgen", "--url", base_url, "--paths", str(listed),
            "--connections", str(connections), "--seconds", str(seconds),
        ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"{argv[0]} failed: {err.decode()}")
    text = out.decode()
    return parse_wrk(text) if argv[0] == "wrk" else json.loads(text)


async def _load(server: Server, paths: list[str], seconds: float, connections: int,
                work_dir: Path) -> dict[str, float]:  # fmt: skip
    await measure(server.base_url, paths, WARMUP_SECONDS, connections, work_dir)
    return await measure(server.base_url, paths, seconds, connections, work_dir)


async def run(employers: int, seconds: float = 30, connections: int = 64) -> dict[str, Any]:
    settings = Settings()
    clock = Clock(settings.timezone)
    load_before = os.getloadavg()
    async with scratch_database() as url:
        loaded = await disclosure_data.load(
            url, employers, today=clock.today(), now=clock.now(), settings=settings
        )
        with tempfile.TemporaryDirectory() as data_dir:
            work_dir = Path(data_dir)
            async with (
                http_server(url, work_dir, env=SERVICE_ENV) as service,
                python_server(["bench.bare_disclosures"], {"DATABASE_URL": url}) as bare,
            ):
                kinds = await request_paths(service.base_url)
                paths = [p for group in kinds.values() for p in group]
                checked = await check_agreement(service.base_url, bare.base_url, paths)
                started = datetime.now().astimezone()
                ours = await _load(service, paths, seconds, connections, work_dir)
                theirs = await _load(bare, paths, seconds, connections, work_dir)
    return {
        "employers": employers,
        "c_units": loaded.c_units,
        "items": loaded.items,
        "load_s": loaded.seconds,
        "paths": {k: len(v) for k, v in kinds.items()},
        "checked": checked,
        "tool": load_tool(),
        "seconds": seconds,
        "connections": connections,
        "machine_load": load_before,
        "machine_load_after": os.getloadavg(),
        "started": started.isoformat(timespec="seconds"),
        "service": ours,
        "bare": theirs,
    }


def figures(result: dict[str, Any]) -> dict[str, float]:
    ours, theirs = result["service"], result["bare"]
    return {
        "rps": ours["rps"],
        "p50_ms": ours["p50_ms"],
        "p99_ms": ours["p99_ms"],
        "bare_rps": theirs["rps"],
        "bare_p50_ms": theirs["p50_ms"],
        "bare_p99_ms": theirs["p99_ms"],
        "ratio": ours["rps"] / theirs["rps"],
        "non_2xx": ours["non_2xx"] + theirs["non_2xx"],
    }


def details(result: dict[str, Any]) -> str:
    """The lines under the figures: the data, the load, what was checked, the machine."""
    ours, theirs = result["service"], result["bare"]
    tool = (
        f"wrk -t2 -c{result['connections']} -d{round(result['seconds'])}s --latency"
        if result["tool"] == "wrk"
        else f"bench.loadgen (Python; wrk not installed), {result['connections']} connections, "
        f"{result['seconds']} s"
    )
    paths = ", ".join(f"{k} {v}" for k, v in result["paths"].items())
    return "\n".join(
        [
            f"  data: {result['employers']:,} employers, {result['c_units']:,} C units published "
            f"with {result['items']:,} items (COPY + VACUUM ANALYZE {result['load_s']:.1f} s)",
            f"  load: {tool}, after {WARMUP_SECONDS} s of warm-up each; service first, then "
            f"bare; request paths cycled: {paths}",
            "  service: labor-credit serve, one worker, public rate limit off "
            "(LABOR_CREDIT_PUBLIC_RATE_PER_MINUTE=0); bare: bench.bare_disclosures (uvicorn, "
            "one worker, one asyncpg query per request)",
            f"  answers compared before measuring: {result['checked']} paths, equal JSON",
            f"  requests: service {ours['requests']:.0f} (non-2xx {ours['non_2xx']:.0f}, "
            f"socket errors {ours['socket_errors']:.0f}); bare {theirs['requests']:.0f} "
            f"(non-2xx {theirs['non_2xx']:.0f}, socket errors {theirs['socket_errors']:.0f})",
            f"  machine: {os.cpu_count()} cores, load average before "
            f"{'/'.join(f'{x:.2f}' for x in result['machine_load'])}, after "
            f"{'/'.join(f'{x:.2f}' for x in result['machine_load_after'])}",
        ]
    )
