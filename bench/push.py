"""The push to the city platform under load (issue 14, Performance): N messages already in the
outbox — E employers with `EACH` (10) messages each, written set-based as the outbox writes them
(valid Message bodies, sequences 1..10 per employer, each sequence level enqueued 1 ms after the
previous one, as ten rounds of changes would be) — drained by `app.push.sender.drain` with the
real HttpTransport (one httpx client, `client.http_client`) to the platform simulator
(`labor-credit platform-sim`, sync receipts) running as a real server in its own process on
loopback. messages/s.

Baseline in the same run: a bare httpx loop posting the same messages, signed beforehand
(`signing.headers`, the same bytes the transport sends), to a fresh simulator process (it
de-duplicates by id and checks each employer's order, so it must not have seen them), with the
sender's concurrency: batches of `push_batch` messages of distinct employers, in the order the
sender claims them (sequence level by level), each batch's posts at once via asyncio.gather over
the same kind of client, one batch after the other. Target: ratio (sender / bare) >= 0.5.

After each run the simulator's GET /received must hold every message exactly once and, per
employer, sequences 1..EACH in order; after the drain every outbox row must be accepted.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from pydantic import TypeAdapter

from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.integrations.platform import client, signing
from app.integrations.platform.payloads import Message
from app.push import sender
from bench.harness import SECRETS, free_port, load_employers, plain, process_env, scratch_database

TARGET = 0.5
EACH = 10  # messages per employer
_INSTANT = TypeAdapter(datetime)

# One message per (employer, sequence), its body the Message JSON the outbox would write.
_MESSAGES = """
WITH todo AS MATERIALIZED (
  SELECT gen_random_uuid() AS id, gen_random_uuid() AS subject_id, e.id AS employer_id,
         e.uscc, e.name, s AS sequence
  FROM employers e, generate_series(1, $1::int) s
)
INSERT INTO push_messages (id, employer_id, sequence, type, subject, subject_id, event_id,
                           occurred_at, body, status, attempts, next_attempt_at, due_from,
                           created_at, updated_at)
SELECT t.id, t.employer_id, t.sequence, 'upsert', 'disclosure', t.subject_id, t.sequence,
       $2::timestamptz,
       jsonb_build_object(
         'message_id', CAST(t.id AS text), 'type', 'upsert', 'sequence', t.sequence,
         'occurred_at', $3::text, 'subject', 'disclosure',
         'subject_id', CAST(t.subject_id AS text),
         'employer', jsonb_build_object('uscc', t.uscc, 'name', t.name), 'record', NULL,
         'data', jsonb_build_object('cycle', 2026, 'list_status', 'yellow', 'items', '[]'::jsonb)),
       'pending', 0, $2::timestamptz + (t.sequence - 1) * interval '1 millisecond',
       CAST($2::timestamptz AS date),
       $2::timestamptz + (t.sequence - 1) * interval '1 millisecond',
       $2::timestamptz + (t.sequence - 1) * interval '1 millisecond'
FROM todo t
"""
_COUNTERS = """
INSERT INTO push_sequences (employer_id, last_sequence) SELECT id, $1::int FROM employers
"""


async def load(url: str, messages: int, *, each: int = EACH, now: datetime) -> int:
    """ceil(messages / each) employers, `each` pending messages apiece; the messages written."""
    employers = math.ceil(messages / each)
    await load_employers(url, employers)
    conn = await asyncpg.connect(plain(url))
    try:
        async with conn.transaction():
            await conn.execute(_MESSAGES, each, now, _INSTANT.dump_python(now, mode="json"))
            await conn.execute(_COUNTERS, each)
        await conn.execute("ANALYZE push_messages")
        return int(await conn.fetchval("SELECT count(*) FROM push_messages"))
    finally:
        await conn.close()


async def outbox(url: str) -> list[Message]:
    """Every message of the outbox, in the order the sender claims them (level by level)."""
    conn = await asyncpg.connect(plain(url))
    try:
        rows = await conn.fetch(
            "SELECT body::text AS body FROM push_messages ORDER BY next_attempt_at, id"
        )
    finally:
        await conn.close()
    return [Message.model_validate_json(row["body"]) for row in rows]


async def statuses(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(plain(url))
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM push_messages GROUP BY status")
    finally:
        await conn.close()
    return {row["status"]: int(row["n"]) for row in rows}


@asynccontextmanager
async def simulator(secret: str) -> AsyncIterator[str]:
    """`labor-credit platform-sim` (sync receipts) in its own process on a loopback port."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "platform-sim", "--port", str(port),
        "--secret", secret, "--receipts", "sync",
        env=process_env({**SECRETS, "LABOR_CREDIT_LOG_LEVEL": "WARNING"}),
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as probe:
            while True:
                try:
                    if (await probe.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.returncode is not None:
                    raise RuntimeError("the platform simulator did not start")
                await asyncio.sleep(0.2)
        yield base
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)


def settings_for(url: str, platform_url: str, secret: str) -> Settings:
    """As the pusher would run against the simulator (the harness's secrets)."""
    return Settings(
        environment="development",
        database_url=url,
        log_level="WARNING",
        secret_key=SECRETS["LABOR_CREDIT_SECRET_KEY"],
        data_key=SECRETS["LABOR_CREDIT_DATA_KEY"],
        audit_key=SECRETS["LABOR_CREDIT_AUDIT_KEY"],
        platform_transport="http",
        platform_url=platform_url,
        platform_secrets=[secret],
    )


async def drain(url: str, settings: Settings) -> tuple[int, float]:
    """`sender.drain` until nothing is due, over the real HTTP transport; (sent, seconds)."""
    engine = create_engine(url, pool_size=2)
    factory = session_factory(engine)
    clock = Clock(settings.timezone)
    try:
        async with client.http_client(settings) as http:
            transport = client.transport(settings, http, clock=clock)
            assert transport is not None
            started = time.perf_counter()
            sent = await sender.drain(
                factory=factory, transport=transport, settings=settings, clock=clock
            )
            return sent, time.perf_counter() - started
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Signed:
    content: bytes
    headers: dict[str, str]


def signed(messages: Sequence[Message], secret: str, now: datetime) -> list[Signed]:
    stamp = int(now.timestamp())
    found = []
    for message in messages:
        content = client.body(message)
        headers = signing.headers(
            secrets=[secret], message_id=str(message.message_id), timestamp=stamp, body=content
        )
        found.append(Signed(content, headers))
    return found


def batches(messages: Sequence[Message], size: int) -> list[list[int]]:
    """The sender's rounds: up to `size` messages, at most one per employer, each employer's in
    sequence (its n-th message in a later round than its (n-1)-th)."""
    rounds: list[list[int]] = []
    level: dict[str, int] = defaultdict(int)  # the round after the employer's last message
    for index, message in enumerate(messages):
        at = level[message.employer.uscc]
        while at < len(rounds) and len(rounds[at]) >= size:
            at += 1
        if at == len(rounds):
            rounds.append([])
        rounds[at].append(index)
        level[message.employer.uscc] = at + 1
    return rounds


async def bare(base: str, payloads: Sequence[Signed], rounds: list[list[int]], settings: Settings
               ) -> tuple[int, float]:  # fmt: skip
    """The bare loop: each round's posts at once, rounds one after the other; (ok, seconds)."""
    endpoint = f"{base}/messages"
    ok = 0
    async with client.http_client(settings) as http:

        async def post(one: Signed) -> bool:
            response = await http.post(endpoint, content=one.content, headers=one.headers)
            return response.status_code == 200

        started = time.perf_counter()
        for indexes in rounds:
            ok += sum(await asyncio.gather(*(post(payloads[i]) for i in indexes)))
        return ok, time.perf_counter() - started


async def received(base: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.get(f"{base}/received")
        response.raise_for_status()
        return dict(response.json())


def check_exactly_once_in_order(shown: dict[str, Any], messages: Sequence[Message]) -> int:
    """Every message of `messages` arrived once, each employer's in sequence 1, 2, 3 ...; the
    platform saw no duplicate. The number of messages arrived."""
    arrived = shown["messages"]
    ids = [m["message_id"] for m in arrived]
    assert len(ids) == len(set(ids)), "a message arrived twice"
    assert set(ids) == {str(m.message_id) for m in messages}, "the platform lacks messages"
    per_employer: dict[str, list[int]] = defaultdict(list)
    for one in arrived:
        per_employer[one["employer_uscc"]].append(one["sequence"])
    for uscc, sequences in per_employer.items():
        assert sequences == list(range(1, len(sequences) + 1)), f"out of order for {uscc}"
    assert shown["counts"]["duplicates"] == 0, "the platform saw a message id twice"
    return len(ids)


@dataclass
class Run:
    messages: int
    employers: int
    seconds: float
    bare_seconds: float
    delivered: int
    duplicates: int
    rounds: int
    batch: int


async def run(count: int, *, each: int = EACH) -> Run:
    secret = signing.new_secret()
    async with scratch_database() as url:
        now = Clock("Asia/Shanghai").now()
        loaded = await load(url, count, each=each, now=now)
        messages = await outbox(url)
        assert len(messages) == loaded
        # the baseline: the same messages, signed beforehand, to a simulator of its own
        async with simulator(secret) as base:
            settings = settings_for(url, base, secret)
            rounds = batches(messages, settings.push_batch)
            payloads = signed(messages, secret, Clock(settings.timezone).now())
            ok, bare_seconds = await bare(base, payloads, rounds, settings)
            assert ok == len(messages), f"the bare loop had {len(messages) - ok} refusals"
            check_exactly_once_in_order(await received(base), messages)
        # the sender, through the outbox, to a fresh simulator
        async with simulator(secret) as base:
            settings = settings_for(url, base, secret)
            sent, seconds = await drain(url, settings)
            shown = await received(base)
        delivered = check_exactly_once_in_order(shown, messages)
        assert sent == len(messages), f"the sender sent {sent} of {len(messages)}"
        assert await statuses(url) == {"accepted": len(messages)}
        return Run(
            messages=len(messages), employers=len({m.employer.uscc for m in messages}),
            seconds=seconds, bare_seconds=bare_seconds, delivered=delivered,
            duplicates=int(shown["counts"]["duplicates"]), rounds=len(rounds),
            batch=settings.push_batch,
        )  # fmt: skip


def figures(found: Run) -> dict[str, float]:
    rate = found.messages / found.seconds
    bare_rate = found.messages / found.bare_seconds
    return {
        "messages_per_s": rate,
        "bare_messages_per_s": bare_rate,
        "ratio": rate / bare_rate,
        "delivered": found.delivered,
        "duplicates_at_platform": found.duplicates,
    }


def details(found: Run) -> str:
    return (
        f"  {found.messages} messages of {found.employers} employers ({EACH} each), drained in "
        f"{found.seconds:.2f} s by sender.drain (HttpTransport, one httpx client) against "
        f"{found.bare_seconds:.2f} s for the bare httpx loop; both: {found.rounds} rounds of at "
        f"most {found.batch} messages of distinct employers, each round's posts at once "
        "(asyncio.gather), to a fresh `labor-credit platform-sim` process (sync receipts) "
        "on loopback; exactly once and in order per employer at the platform: checked"
    )


if __name__ == "__main__":  # python -m bench.push N
    result = asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
    print(json.dumps({k: round(v, 4) for k, v in figures(result).items()}))
    print(details(result))
