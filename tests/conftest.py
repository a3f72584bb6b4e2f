"""Real PostgreSQL for every test: the embedded server, or the one in TEST_DATABASE_URL.

The suite (re)creates its own database, migrates it with Alembic, and runs each test inside a
transaction that is rolled back; the app's request sessions join it through savepoints.

The app's clock is pinned (`clock`, at `PINNED_AT`), so the suite passes whatever the date is; a
test that needs another day sets `app.state.clock = Clock.pinned(...)` (the `app` fixture
restores it). Times of processes (leases, heartbeats) are on the database's clock, which runs.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.accounts import auth, clients
from app.core import actors, migrations
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, start_embedded_postgres
from app.core.errors import PROBLEM_JSON
from app.employers import uscc
from app.main import create_app
from app.models.client import ApiClientCreate, ClientSource, Scope
from app.models.employer import Employer
from app.models.problem import PROBLEM_BASE
from app.models.user import Role, User
from tests import declared_problems
from tests.read_only import read_only_savepoints

TEST_DATABASE = "labor_credit_test"
PASSWORD = "correct-horse-battery"
# The suite runs on a database server, so like any deployment it has secrets of its own (new each
# run): the development placeholders are refused once DATABASE_URL is set (core.config).
SECRET_KEY = secrets.token_urlsafe(48)
DATA_KEY = base64.b64encode(os.urandom(32)).decode()
# The audit key anchors the trail's checkpoints outside the database (app.audit.checkpoints).
AUDIT_KEY = secrets.token_urlsafe(48)
SECRETS_ENV = {
    "LABOR_CREDIT_SECRET_KEY": SECRET_KEY,
    "LABOR_CREDIT_DATA_KEY": DATA_KEY,
    "LABOR_CREDIT_AUDIT_KEY": AUDIT_KEY,
}
# The day the suite runs on, by the app's clock: a Thursday, a working day (2026's notice).
PINNED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _server_url() -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    data_dir = Path(os.environ.get("LABOR_CREDIT_DATA_DIR", ".data"))
    return str(start_embedded_postgres(data_dir, database="postgres"))


async def _recreate(url: str, *, create: bool = True) -> None:
    """Drop (and create) the database named in `url` (it is the suite's own)."""
    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await conn.close()


@asynccontextmanager
async def throwaway_database(beside: str, purpose: str) -> AsyncIterator[str]:
    """A new empty database on the server of `beside`, dropped afterwards.

    For tests that must commit for real (the CLI) or own a whole schema (migrations); the name
    is unique so runs in the same tree do not collide.
    """
    base = make_url(beside)
    name = f"{base.database}_{purpose}_{uuid.uuid4().hex[:12]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    await _recreate(url)
    try:
        yield url
    finally:
        await _recreate(url, create=False)


@pytest.fixture(scope="session")
async def database_url() -> str:
    url = make_url(_server_url())
    if "TEST_DATABASE_URL" not in os.environ:
        url = url.set(database=TEST_DATABASE)
    rendered = url.render_as_string(hide_password=False)
    await _recreate(rendered)
    await asyncio.to_thread(migrations.upgrade, rendered)
    return rendered


@pytest.fixture
async def fresh_database_url(database_url: str) -> AsyncIterator[str]:
    """URL of a new, empty database of this test's own (no schema, not rolled back)."""
    async with throwaway_database(database_url, "tmp") as url:
        yield url


def server_settings(database_url: str, **fields: Any) -> Settings:
    """Settings for the database at `database_url`, with the suite's secrets."""
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": SECRET_KEY,
        "data_key": DATA_KEY,
        "audit_key": AUDIT_KEY,
    }
    return Settings(**{**values, "database_url": database_url, **fields})


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return server_settings(
        database_url,
        # never the working tree's: a test that writes checkpoints uses a file of its own
        audit_checkpoints_file=tmp_path_factory.mktemp("audit") / "none-written.jsonl",
        login_max_failures=3,
        max_body_bytes=64 * 1024,
        # the tests' sessions share one connection (one transaction rolled back per test); the
        # grading-run tests that run several workers use a database of their own
        grading_workers=1,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    async with factory() as session:
        yield session


@pytest.fixture(scope="session")
def clock() -> Clock:
    """The app's clock, pinned at PINNED_AT (it runs on from there)."""
    return Clock.pinned(PINNED_AT)


@pytest.fixture
def today(clock: Clock) -> date:
    """Today's legal date by the app's clock."""
    return clock.today()


@pytest.fixture(scope="session")
def _shared_app(settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    """Building the app costs ~0.2 s, so the suite builds it once (see `app`)."""
    application = create_app(settings, clock=clock)
    return application, dict(application.state._state)


@pytest.fixture
def app(_shared_app, engine: AsyncEngine, connection: AsyncConnection):  # type: ignore[no-untyped-def]
    """The app on this test's transaction; app.state is reset, so a test may change it freely.

    A test that adds routes should build its own app with create_app().
    """
    application, pristine_state = _shared_app
    application.state._state.clear()
    application.state._state.update(pristine_state)
    application.state.engine = engine
    application.state.session_factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    application.state.read_session_factory = read_only_savepoints(connection)
    return application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """Reads English, so assertions read in English; `tests/api/test_language.py` checks the
    Chinese that a request naming no language gets."""
    transport = httpx.ASGITransport(app=declared_problems.Recorder(app))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Accept-Language": "en"}
    ) as c:
        yield c


_UNDECLARED = pytest.StashKey[list[str]]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when a route answered a problem type it does not declare in its OpenAPI
    responses (`problems(...)` in app/api/routes): see tests/declared_problems.py."""
    undeclared = declared_problems.undeclared()
    session.config.stash[_UNDECLARED] = undeclared
    if undeclared and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    undeclared = config.stash.get(_UNDECLARED, [])
    if undeclared:
        terminalreporter.section("problem types answered but not declared by their route")
        for line in undeclared:
            terminalreporter.line(line)
        terminalreporter.line("declare them in the route's responses=problems(...)")


@pytest.fixture(scope="session")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)  # argon2 is slow by design: hash once per run


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem of `status` carrying its request id; return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith(PROBLEM_BASE)
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


_counter = iter(range(10**9))


def new_uscc(prefix: str = "91") -> str:
    """A new valid code: `prefix` (a GB 32100 pair), Wenshui's division, a GB 11714 code."""
    return uscc.make(f"{prefix}141121" + uscc.organisation_code(f"{next(_counter):08d}"))


@pytest.fixture
def make_employer(session: AsyncSession) -> Callable[..., Awaitable[Employer]]:
    async def make(**fields: object) -> Employer:
        values: dict[str, object] = {
            "uscc": new_uscc(),
            "name": f"文水县测试{uuid.uuid4().hex[:6]}有限公司",
            "subject_type": "enterprise",
            "legal_representative": "张三",
            "town": "凤城镇",
            "industry_code": "C1311",
            "employee_count": 10,
        }
        values.update(fields)
        employer = Employer(**values)  # type: ignore[arg-type]
        session.add(employer)
        await session.flush()
        return employer

    return make


@pytest.fixture
def make_user(session: AsyncSession, password_hash: str) -> Callable[..., Awaitable[User]]:
    async def make(role: Role, *, employer_id: uuid.UUID | None = None, **fields: object) -> User:
        user = User(
            username=f"{role.value}-{uuid.uuid4().hex[:8]}",
            full_name=f"测试{role.value}",
            role=role,
            employer_id=employer_id,
            password_hash=password_hash,
            **fields,
        )  # type: ignore[arg-type]
        session.add(user)
        await session.flush()
        return user

    return make


@pytest.fixture
def headers_for(
    make_user: Callable[..., Awaitable[User]],
    make_employer: Callable[..., Awaitable[Employer]],
    settings: Settings,
    app: FastAPI,
) -> Callable[..., Awaitable[dict[str, str]]]:
    """Authorization headers of a new account with `role` (employer accounts get an employer);
    the token is issued by the app's clock as it is when asked (a test may have moved it)."""

    async def headers(role: Role, *, employer_id: uuid.UUID | None = None) -> dict[str, str]:
        if role == Role.employer and employer_id is None:
            employer_id = (await make_employer()).id
        user = await make_user(role, employer_id=employer_id)
        return {"Authorization": f"Bearer {auth.issue_token(user, settings, app.state.clock)}"}

    return headers


@pytest.fixture
def make_api_client(session: AsyncSession) -> Callable[..., Awaitable[tuple[uuid.UUID, str]]]:
    """A machine client; returns its id and its key (the only time the key exists)."""

    async def make(
        source: ClientSource = ClientSource.social_insurance, scopes: list[Scope] | None = None
    ) -> tuple[uuid.UUID, str]:
        data = ApiClientCreate(name=f"{source.value} system", source=source, scopes=scopes)
        client, key = await clients.create(session=session, data=data, actor=actors.system())
        return client.id, key

    return make
