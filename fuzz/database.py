"""The fuzzed database: a new one, migrated, holding the demo county (`labor-credit demo-seed`)
as of the pinned day and an intake client; and the ids of what it holds, for the run's
dictionaries (a path id drawn from them names something that exists, so the case gets past
the 404 to the logic)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, select

from app import demo
from app.accounts import clients, users
from app.blacklist import service as blacklist
from app.calendar import service as calendar
from app.core import actors, migrations
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, session_factory, start_embedded_postgres
from app.employers import service as employers
from app.employers import uscc
from app.grading import rule_sets
from app.models.blacklist import BlacklistEntry
from app.models.calendar import CalendarYear
from app.models.client import ApiClientCreate, ClientSource
from app.models.credit_record import CreditRecord
from app.models.employer import Employer
from app.models.rule_set import RuleSet
from app.models.user import User
from app.records import service as records

Row = TypeVar("Row", bound=SQLModel)
DATABASE = "labor_credit_fuzz"
DATA_DIR = Path(".data/fuzz")  # its own embedded server: the suite's and `make run`'s untouched


def server_url() -> str:
    """FUZZ_DATABASE_URL (its database is the one fuzzed), or the embedded server's."""
    configured = os.environ.get("FUZZ_DATABASE_URL")
    if configured:
        return configured
    url = make_url(start_embedded_postgres(DATA_DIR, database="postgres"))
    return url.set(database=DATABASE).render_as_string(hide_password=False)


@dataclass
class Seeded:
    """What the demo county holds: ids by path parameter name, for everyone and for the demo
    employer account (which sees only its own unit's file)."""

    api_key: str
    ids: dict[str, list[str | int]] = field(default_factory=dict)
    own_ids: dict[str, list[str | int]] = field(default_factory=dict)
    own_user_id: dict[str, str] = field(default_factory=dict)  # username -> id
    usccs: list[str] = field(default_factory=list)  # of seeded employers
    fresh_usccs: list[str] = field(default_factory=list)  # valid, not registered yet
    etags: list[str] = field(default_factory=list)


async def prepare(url: str, settings: Settings, clock: Clock) -> Seeded:
    await _recreate(url)
    await asyncio.to_thread(migrations.upgrade, url)
    engine = create_engine(url, pool_size=2)
    try:
        async with session_factory(engine)() as session, session.begin():
            print(await demo.seed(session=session, settings=settings, clock=clock), flush=True)
            data = ApiClientCreate(name="县社保中心 (fuzz)", source=ClientSource.social_insurance)
            _, key = await clients.create(session=session, data=data, actor=actors.system())
    finally:
        await engine.dispose()
    seeded = Seeded(api_key=key, fresh_usccs=_fresh_usccs(200))
    await _read_ids(url, seeded)
    seeded.etags = await _etags(url)
    return seeded


async def _etags(url: str) -> list[str]:
    """The ETags of the seeded accounts, rule sets and the first records, employers and listings
    (by the app's own etag functions): an If-Match drawn from them is often current."""
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as s:
            found = {users.etag(row) for row in await _first(s, User, 10)}
            found |= {rule_sets.etag(row) for row in await _first(s, RuleSet, 5)}
            found |= {records.etag(row) for row in await _first(s, CreditRecord, 50)}
            found |= {employers.etag(row) for row in await _first(s, Employer, 5)}
            found |= {blacklist.etag(row) for row in await _first(s, BlacklistEntry, 5)}
            found |= {calendar.etag(row) for row in await _first(s, CalendarYear, 5)}
    finally:
        await engine.dispose()
    return sorted(found)


async def _first(session: AsyncSession, model: type[Row], limit: int) -> Sequence[Row]:
    return (await session.scalars(select(model).limit(limit))).all()


def _fresh_usccs(count: int) -> list[str]:
    """Valid enterprise codes of Wenshui (division 141121), organisation codes F0000000 on;
    the demo county draws its organisation codes at random, so a clash is as unlikely."""
    return [uscc.make("91141121" + uscc.organisation_code(f"F{i:07d}")) for i in range(count)]


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _recreate(url: str) -> None:
    target = make_url(url)
    admin = await asyncpg.connect(_plain(target.set(database="postgres").render_as_string(False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()


# path parameter -> the ids it takes, a few of each kind (`own`: of the demo employer's unit)
_ALL = {
    "employer_id": "SELECT id FROM employers ORDER BY uscc LIMIT 20",
    "record_id": "SELECT id FROM credit_records ORDER BY status, id LIMIT 30",
    "evaluation_id": "SELECT id FROM evaluations ORDER BY status DESC, id LIMIT 30",
    "entry_id": "SELECT id FROM blacklist_entries ORDER BY id",
    "interview_id": "SELECT id FROM interviews ORDER BY id LIMIT 10",
    "run_id": "SELECT id FROM grading_runs ORDER BY id",
    "client_id": "SELECT id FROM api_clients ORDER BY id",
    "year": "SELECT year AS id FROM calendar_years ORDER BY year DESC LIMIT 5",
    "version": "SELECT version AS id FROM rule_sets ORDER BY version",
    "cycle": "SELECT DISTINCT cycle AS id FROM evaluations ORDER BY cycle",
}
_OWN = {
    "employer_id": "SELECT employer_id AS id FROM users WHERE username = 'demo-employer'",
    "record_id": "SELECT id FROM credit_records WHERE employer_id = $1 ORDER BY id",
    "evaluation_id": "SELECT id FROM evaluations WHERE employer_id = $1 ORDER BY id",
    "entry_id": "SELECT id FROM blacklist_entries WHERE employer_id = $1 ORDER BY id",
    "interview_id": "SELECT id FROM interviews WHERE employer_id = $1 ORDER BY id",
}


def _value(found: object) -> str | int:
    return found if isinstance(found, int) else str(found)


async def _read_ids(url: str, seeded: Seeded) -> None:
    conn = await asyncpg.connect(_plain(url))
    try:
        for name, query in _ALL.items():
            seeded.ids[name] = [_value(row["id"]) for row in await conn.fetch(query)]
        users = await conn.fetch("SELECT id, username FROM users ORDER BY username")
        seeded.own_user_id = {row["username"]: str(row["id"]) for row in users}
        seeded.ids["user_id"] = list(seeded.own_user_id.values())
        codes = await conn.fetch("SELECT uscc FROM employers ORDER BY uscc LIMIT 20")
        seeded.usccs = [row["uscc"] for row in codes]
        own: uuid.UUID = await conn.fetchval(_OWN["employer_id"])
        seeded.own_ids["employer_id"] = [str(own)]
        for name, query in _OWN.items():
            if name != "employer_id":
                seeded.own_ids[name] = [str(row["id"]) for row in await conn.fetch(query, own)]
    finally:
        await conn.close()
