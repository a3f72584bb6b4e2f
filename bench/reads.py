"""The everyday API under load (issue 16): single reads, first pages and /healthz as a signed-in
auditor, against a bare FastAPI + raw asyncpg app serving the same rows (bench.bare_reads), one
after the other with the same requests in the same run. Target: each ratio (service requests/s
over bare requests/s) >= 0.5.

Data: N employers with 5 credit records each (bench.grading_data), graded by a real grading run
(so evaluations exist). The service is `labor-credit serve` (one worker) on the scratch
database; every request carries the auditor's Bearer token, which the service checks each time
(signature, times, the account read from the database: nothing cached). Before measuring, the
first paths of each kind are read from both servers and must name the same rows.

The load is `wrk -t2 -cC -dSs --latency`, a Lua script cycling through the kind's paths. Each
server's CPU time over its measurement is read from /proc, so the figure `cpu_ms` (process CPU
per request) does not depend on what else the machine does; the ratio of requests/s does (on
two cores wrk, the server and PostgreSQL share them, and the bare server's rate alone swung by
a third from one run to the next). So each kind is measured in ROUNDS rounds of S/ROUNDS
seconds per server, the two servers taking turns to go first, and its ratio is the median of
the rounds' ratios (each round's pair measured back to back); requests/s and CPU per request
are the medians of the rounds too, and the spread of the ratios is printed beside it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

from app.accounts import users
from app.core import actors
from app.core.clock import Clock
from app.core.db import create_engine, session_factory
from app.grading import runs as grading_runs
from app.models.user import Role, UserCreate
from bench import grading_data
from bench.disclosures import lua_script, parse_wrk
from bench.grading import CYCLE, _settings
from bench.harness import Server, http_server, plain, python_server, scratch_database

TARGET = 0.5
WARMUP_SECONDS = 2
ROUNDS = 3  # per kind: the servers take turns, the median round's ratio is the figure
SAMPLE = 500  # paths of each kind, cycled
AUDITOR, PASSWORD = "bench-auditor", "bench-auditor-password"


async def prepare(url: str, employers: int) -> dict[str, list[str]]:
    """Employers, records, a grading run, the auditor; the request paths of each kind."""
    await grading_data.generate(url, employers)
    settings = _settings(url)
    engine = create_engine(url, pool_size=settings.grading_workers + 1)
    factory = session_factory(engine)
    clock = Clock(settings.timezone)
    try:
        async with factory() as session, session.begin():
            run = await grading_runs.start(
                session=session, cycle=CYCLE, employer_ids=None,
                actor=actors.system("bench"), clock=clock,
            )  # fmt: skip
            await users.create(
                session=session,
                data=UserCreate(
                    username=AUDITOR, full_name="基准审计员", role=Role.auditor, password=PASSWORD
                ),
                actor=actors.system("bench"),
            )
        await grading_runs.run(factory=factory, run_id=run.id, settings=settings, clock=clock)
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(plain(url))
    try:
        await conn.execute("VACUUM ANALYZE")
        ids = {
            name: [str(r[0]) for r in await conn.fetch(statement, SAMPLE)]
            for name, statement in {
                "employers": "SELECT id FROM employers ORDER BY random() LIMIT $1",
                "records": "SELECT id FROM credit_records ORDER BY random() LIMIT $1",
                "evaluations": "SELECT id FROM evaluations ORDER BY random() LIMIT $1",
            }.items()
        }
        towns = [r[0] for r in await conn.fetch("SELECT DISTINCT town FROM employers")]
    finally:
        await conn.close()
    return {
        "employer": [f"/api/v1/employers/{i}" for i in ids["employers"]],
        "credit_record": [f"/api/v1/credit-records/{i}" for i in ids["records"]],
        "evaluation": [f"/api/v1/evaluations/{i}" for i in ids["evaluations"]],
        "credit_profile": [f"/api/v1/employers/{i}/credit-profile" for i in ids["employers"]],
        "employers_by_town": [_query("/api/v1/employers", town=t) for t in towns],
        "records_of_employer": [
            _query("/api/v1/credit-records", employer_id=i) for i in ids["employers"]
        ],
        "evaluations_of_cycle": [_query("/api/v1/evaluations", cycle=CYCLE)],
        "healthz": ["/healthz"],
    }


def _query(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params)}"


# What must agree between the two answers of a path: the rows named (the profile: the
# employer and the evaluation in force).
def _ids(body: dict[str, Any]) -> Any:
    if "items" in body:
        return [item["id"] for item in body["items"]]
    return body.get("id", body.get("status"))


def _profile_ids(body: dict[str, Any]) -> Any:
    return (str(body["employer_id"]), str(body["in_force"]) if body["in_force"] else None)


def _service_profile_ids(body: dict[str, Any]) -> Any:
    current = body["current"]
    return (body["employer_id"], current["id"] if current else None)


async def sign_in(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as http:
        answer = await http.post(
            "/api/v1/auth/token", data={"username": AUDITOR, "password": PASSWORD}
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token


async def check_agreement(service: str, bare: str, paths: dict[str, list[str]], token: str) -> int:
    """The first paths of each kind from both servers: 200, the same rows named."""
    checked = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60) as http:
        for kind, listed in paths.items():
            for path in listed[:5]:
                ours, theirs = await asyncio.gather(
                    http.get(service + path, headers=headers), http.get(bare + path)
                )
                assert ours.status_code == theirs.status_code == 200, (path, ours, theirs)
                mine: Callable[[Any], Any] = _ids
                other: Callable[[Any], Any] = _ids
                if kind == "credit_profile":
                    mine, other = _service_profile_ids, _profile_ids
                left, right = mine(ours.json()), other(theirs.json())
                assert left == right, f"the bare endpoint differs on {path}: {left} != {right}"
                checked += 1
    return checked


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` and its threads so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    server: Server, paths: list[str], token: str | None, seconds: float, connections: int,
    work_dir: Path, *, warm_up: bool = True,
) -> dict[str, float]:  # fmt: skip
    script = work_dir / "reads.lua"
    script.write_text(lua_script(paths, token), encoding="utf-8")

    async def wrk(duration: float) -> str:
        argv = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
                "-s", str(script), server.base_url]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"wrk failed: {err.decode()}")
        return out.decode()

    if warm_up:
        await wrk(WARMUP_SECONDS)
    before = _cpu_seconds(server.pid)
    figures = parse_wrk(await wrk(seconds))
    figures["cpu_ms"] = 1000 * (_cpu_seconds(server.pid) - before) / max(figures["requests"], 1)
    return figures


async def run(employers: int, seconds: float = 10, connections: int = 64) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise RuntimeError("bench.reads needs wrk (make bench installs it with apt-get)")
    async with scratch_database() as url:
        paths = await prepare(url, employers)
        with tempfile.TemporaryDirectory() as data_dir:
            work_dir = Path(data_dir)
            async with (
                http_server(url, work_dir) as service,
                python_server(["bench.bare_reads"], {"DATABASE_URL": url}) as bare,
            ):
                token = await sign_in(service.base_url)
                checked = await check_agreement(service.base_url, bare.base_url, paths, token)
                kinds: dict[str, dict[str, Any]] = {}
                for kind, listed in paths.items():
                    rounds = []
                    for number in range(ROUNDS):
                        pair = {}
                        # the servers take turns to go first; each warmed up in the first
                        turns = [("service", service, token), ("bare", bare, None)]
                        for name, server, credential in turns[:: 1 if number % 2 == 0 else -1]:
                            pair[name] = await measure(
                                server, listed, credential, seconds / ROUNDS, connections,
                                work_dir, warm_up=number == 0,
                            )  # fmt: skip
                        rounds.append(pair)
                    kinds[kind] = {"rounds": rounds}
    return {
        "employers": employers,
        "seconds": seconds,
        "connections": connections,
        "checked": checked,
        "kinds": kinds,
    }


def figures(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per kind: the median round's ratio of requests/s and the ratios' spread; the medians of
    each server's requests/s and CPU ms per request; non-2xx over all rounds."""
    out: dict[str, dict[str, float]] = {}
    for kind, measured in result["kinds"].items():
        rounds = measured["rounds"]
        ratios = [r["service"]["rps"] / r["bare"]["rps"] for r in rounds]

        def median(server: str, figure: str, rounds: list[dict[str, Any]] = rounds) -> float:
            return statistics.median(r[server][figure] for r in rounds)

        out[kind] = {
            "rps": round(median("service", "rps"), 1),
            "bare_rps": round(median("bare", "rps"), 1),
            "ratio": round(statistics.median(ratios), 3),
            "ratio_low": round(min(ratios), 3),
            "ratio_high": round(max(ratios), 3),
            "cpu_ms": round(median("service", "cpu_ms"), 3),
            "bare_cpu_ms": round(median("bare", "cpu_ms"), 3),
            "p99_ms": median("service", "p99_ms"),
            "non_2xx": sum(r["service"]["non_2xx"] + r["bare"]["non_2xx"] for r in rounds),
        }
    return out


def report(result: dict[str, Any]) -> str:
    lines = [
        f"reads: {result['employers']:,} employers (5 records each, graded), as an auditor with "
        f"a Bearer token; wrk -t2 -c{result['connections']} for {round(result['seconds'])} s per "
        f"kind and server in {ROUNDS} rounds, the service and the bare app (bench.bare_reads) "
        f"taking turns to go first, each figure the median round's; "
        f"{result['checked']} paths compared first (same rows)"
    ]
    for kind, f in figures(result).items():
        verdict = "met" if f["ratio"] >= TARGET and not f["non_2xx"] else "NOT met"
        lines.append(
            f"  {kind:22s} {f['rps']:8.1f} req/s vs bare {f['bare_rps']:8.1f}: ratio "
            f"{f['ratio']:.3f} (rounds {f['ratio_low']:.3f}-{f['ratio_high']:.3f}; target >= "
            f"{TARGET}: {verdict}); CPU {f['cpu_ms']:.3f} ms vs "
            f"{f['bare_cpu_ms']:.3f} ms per request; p99 {f['p99_ms']:.1f} ms; "
            f"non-2xx {f['non_2xx']:.0f}"
        )
    return "\n".join(lines)
