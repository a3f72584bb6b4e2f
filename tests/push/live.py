"""Helpers of the reliability tests (tests/push/test_reliability.py), which push to the platform
simulator as a real HTTP server: a committed database of each test's own (cloned from a migrated
template: the pushers are other connections and processes, so nothing is rolled back), changes
made through the real outbox (records entered and verified, disclosure events, the push
consumer's pass over the log), the simulator's `GET /received` checked against the outbox, and
conditions waited for under a deadline."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import auth
from app.core import migrations
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.main import create_app
from app.models.credit_record import (
    CreditRecordCreate,
    PenaltyCategory,
    RecordCategory,
    RecordKind,
    RecordSource,
)
from app.models.employer import Employer, SubjectType
from app.models.event import EventSubject
from app.models.user import Role, User
from app.records import service as credit_records
from tests.conftest import SECRETS_ENV, new_uscc, server_settings, throwaway_database
from tests.push.support import consume, emit

ROOT = Path(__file__).resolve().parents[2]
# The real clock: messages are signed with its time, and the simulator checks each signature's
# timestamp against its own clock (Standard Webhooks' five minutes), as the platform would.
CLOCK = Clock("Asia/Shanghai")
Factory = async_sessionmaker[AsyncSession]


def _admin_dsn(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


def dsn(url: str) -> str:
    """`url` for asyncpg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def migrated_template(beside: str) -> AsyncIterator[str]:
    """A migrated database on the server of `beside`, to clone each test's database from."""
    async with throwaway_database(beside, "reliability") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        yield url


@asynccontextmanager
async def cloned(template: str) -> AsyncIterator[str]:
    """A new database, a copy of `template` (CREATE DATABASE ... TEMPLATE), dropped afterwards."""
    base = make_url(template)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_admin_dsn(template))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
    finally:
        await admin.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_admin_dsn(template))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def factory_of(url: str, pool_size: int = 3) -> AsyncIterator[Factory]:
    """Sessions on an engine of their own (a pusher's, or the test's)."""
    engine = create_engine(url, pool_size=pool_size)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def push_settings(url: str, platform_url: str, secrets: Sequence[str], **fields: Any) -> Settings:
    """A pusher's settings: HTTP to the simulator, and short waits (the defaults are minutes)."""
    values: dict[str, Any] = {
        "platform_transport": "http",
        "platform_url": platform_url,
        "platform_secrets": list(secrets),
        "platform_connect_timeout_seconds": 2.0,
        "platform_read_timeout_seconds": 5.0,
        "push_seconds": 0.2,
        "push_batch": 100,
        "push_retry_schedule_seconds": [1] * 30,
        "push_lease_seconds": 30,
        "push_breaker_failures": 3,
        "push_breaker_open_seconds": 0.5,
    }
    return server_settings(url, **{**values, **fields})


def pusher_env(
    url: str, platform_url: str, secrets: Sequence[str], **fields: str
) -> dict[str, str]:
    """The environment of a `labor-credit pusher` process on database `url`."""
    env = {
        **os.environ,
        **SECRETS_ENV,
        "DATABASE_URL": url,
        "LABOR_CREDIT_ENVIRONMENT": "test",
        "LABOR_CREDIT_PLATFORM_TRANSPORT": "http",
        "LABOR_CREDIT_PLATFORM_URL": platform_url,
        "LABOR_CREDIT_PLATFORM_SECRETS": json.dumps(list(secrets)),
        "LABOR_CREDIT_PUSH_SECONDS": "0.2",
        "LABOR_CREDIT_PUSH_RETRY_SCHEDULE_SECONDS": json.dumps([1] * 30),
    }
    env.update({f"LABOR_CREDIT_{name.upper()}": value for name, value in fields.items()})
    return env


async def cli(
    *args: str, env: dict[str, str] | None = None, log: Path
) -> asyncio.subprocess.Process:
    """`labor-credit <args>` as a real process, its output to `log`. Under `make test-dates`
    the process starts on this process's moved clock as it reads now, not on the moved day's
    morning: the outbox's times, the pusher's and the platform's all agree."""
    env = dict(env or os.environ)
    if env.get("MOVED_CLOCK"):
        env["MOVED_CLOCK"] = datetime.now(UTC).isoformat()
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", *args,
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )  # fmt: skip


async def stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, then the exit code (SIGKILL after 20 s)."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


async def until(
    condition: Callable[[], Awaitable[bool]], seconds: float, what: str, *, every: float = 0.05
) -> None:
    """Wait for `condition`, failing after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await condition():
        assert loop.time() < deadline, f"{what}: not within {seconds} s"
        await asyncio.sleep(every)


# --- changes through the outbox -----------------------------------------------------------------


@dataclass(frozen=True)
class People:
    collector: Actor
    reviewer: Actor
    admin: User


def _user(role: Role) -> User:
    return User(
        username=f"{role.value}-{uuid.uuid4().hex[:8]}",
        full_name=f"测试{role.value}",
        role=role,
        password_hash="!",  # never signs in: its tokens are issued by the test
    )


def _actor(user: User) -> Actor:
    return Actor(kind="user", id=user.id, name=user.username, role=user.role)


async def people(factory: Factory) -> People:
    collector, reviewer, admin = _user(Role.inspector), _user(Role.reviewer), _user(Role.admin)
    async with factory() as session, session.begin():
        session.add_all([collector, reviewer, admin])
    return People(_actor(collector), _actor(reviewer), admin)


async def employers(factory: Factory, count: int) -> list[Employer]:
    found = [
        Employer(
            uscc=new_uscc(),
            name=f"可靠性测试{n}有限公司",
            subject_type=SubjectType.enterprise,
            legal_representative="张三",
            town="凤城镇",
            industry_code="C1311",
            employee_count=10,
        )
        for n in range(count)
    ]
    async with factory() as session, session.begin():
        session.add_all(found)
    return found


def _penalty(employer_id: uuid.UUID, n: int) -> CreditRecordCreate:
    return CreditRecordCreate(
        employer_id=employer_id,
        category=RecordCategory.dishonesty,
        source=RecordSource.inspection,
        kind=RecordKind.wages,
        occurred_date=date(2026, 3, 1),
        decision_date=date(2026, 3, 10),
        title=f"拖欠{n + 3}名农民工工资",
        decision_number=f"文人社监罚字〔2026〕{uuid.uuid4().int % 100_000}号",  # in the catalogue
        penalty_category=PenaltyCategory.fine,
        fine_amount=Decimal("20000.00") + n,
        punished=True,
        issuing_authority="文水县人力资源和社会保障局",
    )


async def changes(
    factory: Factory,
    settings: Settings,
    who: People,
    to: Sequence[Employer],
    *,
    records: int = 0,
    disclosures: int = 1,
) -> int:
    """For each employer, `records` catalogue penalty records entered and verified (their
    record.verified events) and `disclosures` disclosure updates; then the push consumer's pass
    over the log, all in one committed transaction. The number of outbox messages it made."""
    async with factory() as session, session.begin():
        before = await _count(session)
        for employer in to:
            for n in range(records):
                record = await credit_records.create(
                    session=session, data=_penalty(employer.id, n), actor=who.collector,
                    settings=settings, clock=CLOCK,
                )  # fmt: skip
                await credit_records.verify(
                    session=session, record_id=record.id, actor=who.reviewer, clock=CLOCK
                )
            for n in range(disclosures):
                await emit(
                    session, "disclosure.updated", subject=EventSubject.disclosure,
                    employer_id=employer.id,
                    payload={"disclosure_id": str(uuid.uuid4()), "cycle": 2025, "n": n,
                             "list_status": "yellow", "items": []},
                )  # fmt: skip
        while await consume(session, CLOCK):
            pass
        return await _count(session) - before


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM push_messages")) or 0)


# --- the outbox and the platform, compared ------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    uscc: str
    sequence: int
    status: str
    attempts: int
    last_error: str | None


async def outbox(factory: Factory) -> list[Row]:
    async with factory() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT m.id, e.uscc, m.sequence, m.status, m.attempts, m.last_error "
                    "FROM push_messages m JOIN employers e ON e.id = m.employer_id "
                    "ORDER BY e.uscc, m.sequence"
                )
            )
        ).all()
    return [Row(str(r.id), r.uscc, r.sequence, r.status, r.attempts, r.last_error) for r in rows]


async def statuses(factory: Factory) -> dict[str, int]:
    async with factory() as session:
        rows = (
            await session.execute(
                text("SELECT status, count(*) AS n FROM push_messages GROUP BY status")
            )
        ).all()
    return {r.status: int(r.n) for r in rows}


async def all_accepted(factory: Factory) -> bool:
    found = await statuses(factory)
    return bool(found) and set(found) == {"accepted"}


async def received(http: httpx.AsyncClient, platform_url: str) -> dict[str, Any]:
    response = await http.get(f"{platform_url}/received")
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def assert_exactly_once_in_order(shown: dict[str, Any], rows: Sequence[Row]) -> None:
    """The platform took every message of the outbox once (no message id twice, none missing,
    none it does not hold), and each employer's in its sequence 1, 2, 3 ... with no gap."""
    arrived = shown["messages"]
    ids = [m["message_id"] for m in arrived]
    assert len(ids) == len(set(ids)), "a message id taken twice"
    assert set(ids) == {r.id for r in rows}
    assert shown["counts"]["received"] == len(rows)
    by_employer: dict[str, list[int]] = defaultdict(list)
    for message in arrived:
        by_employer[message["employer_uscc"]].append(message["sequence"])
    expected: dict[str, int] = defaultdict(int)
    for row in rows:
        expected[row.uscc] += 1
    assert by_employer == {uscc: list(range(1, n + 1)) for uscc, n in expected.items()}
    assert shown["last_sequence"] == dict(expected)


# --- the API on the test's database -------------------------------------------------------------


@asynccontextmanager
async def api(url: str, settings: Settings, admin: User) -> AsyncIterator[httpx.AsyncClient]:
    """The service's ASGI app on database `url`, as `admin` (reads English)."""
    app = create_app(settings, clock=CLOCK)
    engine = create_engine(url, pool_size=2)
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    token = auth.issue_token(admin, settings, CLOCK)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        ) as client:
            yield client
    finally:
        await engine.dispose()
