"""Replicas on one PostgreSQL (issue 16 §5): two `labor-credit serve --no-scheduler` processes
and one `labor-credit scheduler` on a scratch database with E loaded employers, under the mixed
load of `bench.replica_load` for S seconds (reads, employers registered, records collected and
verified, intake batches with duplicate deliveries, one grading run started through the API).

Afterwards everything is counted in SQL on the scratch database, the load's log copied beside
the data (`bench_answers`: every response; `bench_writes`: every write with its client-side key):
- no response was a 5xx (and every non-2xx is reported by status);
- every acknowledged write exists exactly once (an employer by its name, a record by its title,
  an intake item by its record's versions: one) — lost: none, duplicated: none; a write refused
  with an answer (non-2xx) left nothing, nor is there a row with the load's marks that no write
  carried (phantom: none); a write with no answer (a timeout, a connection closed) is in doubt,
  reported, and every request left unanswered is listed with its transport error. The load
  waits for every request it sent, so nothing is in flight at the end;
- the duplicate deliveries (the same batch with the same Idempotency-Key: the first answer; the
  same external ids under a new key: 'unchanged') doubled nothing;
- each record version has its one record.* event (a verified version one, a draft none), and
  every consumer of the event log has consumed every event of its types;
- the grading run finished, once: one run of the cycle, one grading_run.completed event, one
  current evaluation of the cycle for every loaded employer and never two for any employer;
- the scheduler's recorded jobs (their crons here every minute, their run key the local date)
  ran once per key: one job_runs row each (the unique key) and no run taken over (attempts 1).
Figures: requests/s per serve process by kind, and the totals.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from app.accounts import users
from app.core import actors
from app.core.clock import Clock
from app.core.db import create_engine, session_factory
from app.models.user import Role, UserCreate
from app.scheduler import CONSUMERS
from bench import replica_load
from bench.harness import (
    SECRETS,
    Server,
    http_server,
    load_employers,
    plain,
    process_env,
    scratch_database,
)
from bench.intake import make_client

EMPLOYERS = 2_000
PASSWORD = "replicas-bench-password"
EVERY_MINUTE = "* * * * *"
# The scheduler's daily jobs fire every minute here; each run is keyed by the local date, so
# one run per job is due and every later firing must find it done.
_DAILY_CRONS = (
    "AUDIT_CHECK_CRON", "CALENDAR_CHECK_CRON", "OBJECTIONS_DEADLINES_CRON",
    "DISCLOSURE_EXPIRY_CRON", "ART17_CRON", "PUSH_RECONCILIATION_CRON",
)  # fmt: skip
SCHEDULER_ENV = {
    **{f"LABOR_CREDIT_{name}": EVERY_MINUTE for name in _DAILY_CRONS},
    "LABOR_CREDIT_EVENTS_SECONDS": "1",
    "LABOR_CREDIT_SCHEDULER_POLL_SECONDS": "1",
}


@dataclass
class Run:
    figures: dict[str, float]
    per_process: list[tuple[int, str, int]]  # (process, kind, requests)
    latency: dict[str, tuple[float, float]]  # kind: p50, p99 in ms
    statuses: dict[int, int]
    unanswered: list[tuple[int, str, str, int]]  # (process, kind, transport error, requests)
    jobs: list[tuple[str, str, int, str]]  # (job, run key, attempts, outcome)
    seconds: float
    employers: int


async def run(seconds: float, *, employers: int = EMPLOYERS) -> Run:
    async with scratch_database() as url:
        return await run_on(url, seconds, employers=employers)


async def run_on(url: str, seconds: float, *, employers: int) -> Run:
    """The run on database `url` (migrated, empty), which it leaves filled."""
    loaded = await load_employers(url, employers)
    key = await make_client(url)
    await make_staff(url)
    with tempfile.TemporaryDirectory() as folder:
        async with processes(url, Path(folder)) as servers:
            target = await target_of(url, servers, key)
            log = await replica_load.run(target, seconds)
            await until_consumed(url, seconds=60)
    return await check(url, log, target.cycle, employers=len(loaded))


@asynccontextmanager
async def processes(url: str, data: Path) -> AsyncIterator[list[str]]:
    """The two serve processes and the scheduler, started at once; their base URLs."""
    env = {"LABOR_CREDIT_DB_POOL_SIZE": "5"}
    async with AsyncExitStack() as stack:
        started = await asyncio.gather(
            stack.enter_async_context(http_server(url, data / "one", env)),
            stack.enter_async_context(http_server(url, data / "two", env)),
            stack.enter_async_context(scheduler(url, data / "scheduler")),
            return_exceptions=True,  # every one started is in the stack, to be stopped
        )
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield [server.base_url for server in started[:2] if isinstance(server, Server)]


async def make_staff(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            for role in (Role.inspector, Role.reviewer):
                data = UserCreate(
                    username=f"bench-{role.value}", full_name=f"基准{role.value}", role=role,
                    password=PASSWORD,
                )  # fmt: skip
                await users.create(session=session, data=data, actor=actors.system("bench"))
    finally:
        await engine.dispose()


async def sign_in(base_url: str, role: Role) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post(
            "/api/v1/auth/token", data={"username": f"bench-{role.value}", "password": PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


async def target_of(url: str, servers: list[str], api_key: str) -> replica_load.Target:
    """Each person signs in on another process: every token serves on both."""
    conn = await asyncpg.connect(plain(url))
    try:
        rows = await conn.fetch("SELECT id::text AS id, uscc FROM employers ORDER BY uscc")
    finally:
        await conn.close()
    return replica_load.Target(
        servers=servers,
        inspector=await sign_in(servers[0], Role.inspector),
        reviewer=await sign_in(servers[1], Role.reviewer),
        api_key=api_key,
        employers=[(r["id"], r["uscc"]) for r in rows],
        cycle=Clock("Asia/Shanghai").today().year - 1,  # the cycle just ended
    )


@asynccontextmanager
async def scheduler(url: str, data_dir: Path) -> AsyncIterator[int]:
    """`labor-credit scheduler` in its own process, once it leads."""
    env = {
        **SECRETS, **SCHEDULER_ENV, "DATABASE_URL": url, "LABOR_CREDIT_LOG_LEVEL": "WARNING",
        "LABOR_CREDIT_DATA_DIR": str(data_dir),
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "scheduler", env=process_env(env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await _until(url, "SELECT count(*) FROM scheduler_heartbeats WHERE is_leader", 60)
        yield process.pid
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


async def _until(url: str, query: str, seconds: float) -> None:
    """Until `query` counts more than none (RuntimeError after `seconds`)."""
    deadline = time.monotonic() + seconds
    conn = await asyncpg.connect(plain(url))
    try:
        while not await conn.fetchval(query):
            if time.monotonic() > deadline:
                raise RuntimeError(f"not within {seconds} s: {query}")
            await asyncio.sleep(0.3)
    finally:
        await conn.close()


# Events of a consumer's types it has neither passed with its watermark nor taken a receipt for.
_UNCONSUMED = """
SELECT count(*) FROM credit_events e
WHERE e.event_type = ANY($2::text[])
  AND e.id > coalesce((SELECT last_event_id FROM event_consumers WHERE name = $1), 0)
  AND NOT EXISTS (SELECT 1 FROM consumed_events c WHERE c.consumer = $1 AND c.event_id = e.id)
"""


async def unconsumed(conn: asyncpg.Connection) -> int:
    found = 0
    for consumer in CONSUMERS:
        found += await conn.fetchval(_UNCONSUMED, consumer.name, sorted(consumer.types))
    return found


async def until_consumed(url: str, *, seconds: float) -> None:
    """Give the scheduler's consumers the time to read the log to its end (not an error if
    not: the check counts what is left)."""
    deadline = time.monotonic() + seconds
    conn = await asyncpg.connect(plain(url))
    try:
        while await unconsumed(conn) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


# --- the checks, in SQL ------------------------------------------------------------------------

_LOG_TABLES = """
CREATE TABLE bench_answers (server int, kind text, status int, seconds float8, error text);
CREATE TABLE bench_writes (kind text, key text, status int, outcome text);
"""
# The rows a write's key names, per kind of write.
_ROWS = """
CASE w.kind
  WHEN 'employer' THEN (SELECT count(*) FROM employers e WHERE e.name = w.key)
  WHEN 'record' THEN (SELECT count(*) FROM credit_records r WHERE r.title = w.key)
  WHEN 'verification' THEN
    (SELECT count(*) FROM credit_records r WHERE r.title = w.key AND r.status = 'verified')
  ELSE (SELECT count(*) FROM credit_records r
        WHERE r.title = '未足额缴纳社会保险费 ' || w.key)  -- every version of the item's record
END
"""
_ACKED = "w.status BETWEEN 200 AND 299 AND coalesce(w.outcome, 'created') = 'created'"
_FIRST = "w.kind IN ('employer', 'record', 'verification', 'intake')"
COUNTS = {
    "requests": "SELECT count(*) FROM bench_answers",
    "status_5xx": "SELECT count(*) FROM bench_answers WHERE status >= 500",
    "unexpected": "SELECT count(*) FROM bench_answers WHERE status NOT BETWEEN 200 AND 299",
    "no_response": "SELECT count(*) FROM bench_answers WHERE status = 0",
    "writes_acknowledged": f"SELECT count(*) FROM bench_writes w WHERE {_FIRST} AND {_ACKED}",
    "lost": f"SELECT count(*) FROM bench_writes w WHERE {_FIRST} AND {_ACKED} AND {_ROWS} = 0",
    # a key written twice, whatever the write was answered (or was not)
    "duplicated": f"SELECT count(*) FROM bench_writes w WHERE {_FIRST} AND {_ROWS} > 1",
    # refused with an answer (or an intake item rejected), yet written
    "phantom": "SELECT count(*) FROM bench_writes w "
    f"WHERE (w.status >= 300 OR w.outcome = 'rejected') AND {_ROWS} > 0"
    # or written with the load's marks by no write it sent
    " + (SELECT count(*) FROM employers WHERE name LIKE '副本基准登记单位%' AND name NOT IN "
    "    (SELECT key FROM bench_writes WHERE kind = 'employer'))"
    " + (SELECT count(*) FROM credit_records WHERE title LIKE '副本基准记录%' AND title NOT IN "
    "    (SELECT key FROM bench_writes WHERE kind = 'record'))"
    " + (SELECT count(*) FROM intake_items WHERE external_id LIKE 'RB-%' AND external_id NOT IN"
    "    (SELECT key FROM bench_writes WHERE kind = 'intake'))",
    "in_doubt": "SELECT count(*) FROM bench_writes WHERE status = 0",
    "duplicate_deliveries": "SELECT count(*) FROM bench_writes WHERE kind <> 'intake' "
    "AND kind LIKE 'intake%'",
    # a replay answers as the first delivery did; a resend of the same content is 'unchanged'
    "duplicate_answers_wrong": "SELECT count(*) FROM bench_writes WHERE status = 200 AND "
    "((kind = 'intake_replay' AND outcome <> 'created') "
    " OR (kind = 'intake_resend' AND outcome <> 'unchanged'))",
    "record_versions": "SELECT count(*) FROM credit_records",
    "record_events": "SELECT count(*) FROM credit_events WHERE event_type LIKE 'record.%'",
    # no correction or revocation here: a verified version has one event, any other none
    "events_off": "SELECT count(*) FROM credit_records r WHERE (SELECT count(*) FROM "
    "credit_events e WHERE e.record_id = r.id AND e.event_type LIKE 'record.%') <> "
    "CASE WHEN r.status = 'verified' THEN 1 ELSE 0 END",
    "grading_runs": "SELECT count(*) FROM grading_runs WHERE cycle = $1",
    "grading_runs_finished": "SELECT count(*) FROM grading_runs WHERE cycle = $1 "
    "AND status = 'finished' AND done >= total",
    "grading_completed_events": "SELECT count(*) FROM credit_events "
    "WHERE event_type = 'grading_run.completed' AND (payload->>'cycle')::int = $1",
    "evaluations_current": "SELECT count(*) FROM evaluations WHERE cycle = $1 "
    "AND status IN ('notice', 'final')",
    # every employer the run was started over (the loaded ones) has one; none has two
    "loaded_employers_without_one": "SELECT count(*) FROM employers e WHERE e.name LIKE "
    "'文水县基准单位%' AND (SELECT count(*) FROM evaluations v WHERE v.employer_id = e.id "
    "AND v.cycle = $1 AND v.status IN ('notice', 'final')) <> 1",
    "employers_with_two": "SELECT count(*) FROM (SELECT employer_id FROM evaluations "
    "WHERE cycle = $1 AND status IN ('notice', 'final') GROUP BY employer_id "
    "HAVING count(*) > 1) twice",
    "job_runs": "SELECT count(*) FROM job_runs",
    "jobs_twice": "SELECT count(*) FROM job_runs WHERE attempts > 1",
}
_CYCLE_BOUND = {k for k, query in COUNTS.items() if "$1" in query}


async def check(url: str, log: replica_load.Log, cycle: int, *, employers: int) -> Run:
    conn = await asyncpg.connect(plain(url))
    try:
        await conn.execute(_LOG_TABLES)
        await conn.copy_records_to_table(
            "bench_answers",
            records=[(a.server, a.kind, a.status, a.seconds, a.error) for a in log.answers],
        )
        await conn.copy_records_to_table(
            "bench_writes", records=[(w.kind, w.key, w.status, w.outcome) for w in log.writes]
        )
        counts = {
            name: float(await conn.fetchval(query, *([cycle] if name in _CYCLE_BOUND else [])))
            for name, query in COUNTS.items()
        }
        counts["events_unconsumed"] = float(await unconsumed(conn))
        per_process = [
            (r["server"], r["kind"], r["n"])
            for r in await conn.fetch(
                "SELECT server, kind, count(*) AS n FROM bench_answers GROUP BY 1, 2 ORDER BY 1, 2"
            )
        ]
        latency = {
            r["kind"]: (r["p50"], r["p99"])
            for r in await conn.fetch(
                "SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) * 1000 AS p50,"
                " percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds) * 1000 AS p99"
                " FROM bench_answers GROUP BY kind"
            )
        }
        statuses = dict(
            await conn.fetch("SELECT status, count(*) FROM bench_answers GROUP BY 1 ORDER BY 1")
        )
        unanswered = [
            (r["server"], r["kind"], r["error"], r["n"])
            for r in await conn.fetch(
                "SELECT server, kind, error, count(*) AS n FROM bench_answers WHERE status = 0 "
                "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
        ]
        jobs = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT job, run_key, attempts, outcome FROM job_runs ORDER BY job, run_key"
            )
        ]
    finally:
        await conn.close()
    return Run(
        figures=_figures(counts, per_process, log.seconds),
        per_process=per_process,
        latency=latency,
        statuses={int(k): int(v) for k, v in statuses.items()},
        unanswered=unanswered,
        jobs=jobs,
        seconds=log.seconds,
        employers=employers,
    )


def _figures(
    counts: dict[str, float], per_process: list[tuple[int, str, int]], seconds: float
) -> dict[str, float]:
    per_server = {s: sum(n for p, _, n in per_process if p == s) for s, _, _ in per_process}
    figures = {
        **counts,
        "requests_per_s": counts["requests"] / seconds,
        **{f"process_{s + 1}_requests_per_s": n / seconds for s, n in sorted(per_server.items())},
    }
    figures["met"] = float(met(figures))
    return figures


def met(figures: dict[str, float]) -> bool:
    """Zero 5xx (and no other non-2xx), zero lost, zero duplicated — with the run, the events
    and the jobs as they must be."""
    zero = (
        "status_5xx", "unexpected", "lost", "duplicated", "phantom", "duplicate_answers_wrong",
        "events_off", "events_unconsumed", "loaded_employers_without_one", "employers_with_two",
        "jobs_twice",
    )  # fmt: skip
    once = ("grading_runs", "grading_runs_finished", "grading_completed_events")
    return all(figures[k] == 0 for k in zero) and all(figures[k] == 1 for k in once)


def verdict(figures: dict[str, float]) -> str:
    return f"  zero 5xx, zero lost, zero duplicated: {'met' if figures['met'] else 'NOT met'}"


def details(found: Run) -> str:
    kinds = sorted({kind for _, kind, _ in found.per_process})
    lines = [
        f"  2 serve processes + 1 scheduler on one PostgreSQL, {found.employers} loaded "
        f"employers, {replica_load.WORKERS} requests in flight round-robin, "
        f"{found.seconds:.1f} s; statuses: {found.statuses}",
        "  requests/s per process, by kind:",
    ]
    for server in sorted({s for s, _, _ in found.per_process}):
        rates = {k: n / found.seconds for s, k, n in found.per_process if s == server}
        lines.append(
            f"    process {server + 1}: " + "  ".join(f"{k}={rates.get(k, 0):.1f}" for k in kinds)
        )
    lines.append(
        "  latency p50/p99 ms: "
        + "  ".join(f"{k}={found.latency[k][0]:.0f}/{found.latency[k][1]:.0f}" for k in kinds)
    )
    for server, kind, error, count in found.unanswered:
        lines.append(f"  no answer: process {server + 1} {kind} x{count}: {error}")
    runs = ", ".join(
        f"{job}[{key}] x{attempts} {outcome}" for job, key, attempts, outcome in found.jobs
    )
    lines.append(f"  job runs: {runs or 'none due'}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m bench.replicas SECONDS
    import json

    result = asyncio.run(run(float(sys.argv[1]) if len(sys.argv) > 1 else 60))
    print(json.dumps({k: round(v, 4) for k, v in result.figures.items()}) + verdict(result.figures))
    print(details(result))
