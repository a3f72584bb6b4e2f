"""Data keys on a database of their own: migration 0019 keeps personal data stored before key
versions readable (format 0), `labor-credit rotate-data-key` moves every ciphertext onto the
current key in batches, resumably, audited; the CLI refuses placeholder secrets readably."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import make_url

from app.accounts import users
from app.blacklist import service as blacklist
from app.core import migrations, personal_data
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import get_settings
from app.core.db import create_engine, session_factory
from app.employers import service as employers
from app.models.blacklist import (
    BlacklistEntryCreate,
    ListingGround,
    PartyRole,
    ResponsiblePersonCreate,
)
from app.models.employer import EmployerCreate, SubjectType
from app.models.user import Role, UserCreate
from tests import test_cli
from tests.conftest import PINNED_AT, SECRET_KEY, new_uscc, server_settings
from tests.test_cli import fetch

# the CLI on a throwaway database, as tests/test_cli.py runs it
database, labor_credit = test_cli.database, test_cli.labor_credit

REVISION = "0019_sessions_keys"
KEY_1, KEY_2 = os.urandom(32), os.urandom(32)
B64 = {1: base64.b64encode(KEY_1).decode(), 2: base64.b64encode(KEY_2).decode()}
COLUMNS = [(c.table, c.column) for c in personal_data.COLUMNS]


def before_0019() -> str:
    script = ScriptDirectory.from_config(migrations.alembic_config(""))
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def legacy_blob(plain: str, key: bytes = KEY_1) -> bytes:
    """As the code before 0019 stored it: nonce and ciphertext, no associated data."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plain.encode(), None)


async def execute(url: str, sql: str, *args: object) -> None:
    conn = await asyncpg.connect(make_url(url).render_as_string(hide_password=False))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


# --- migration 0019 ------------------------------------------------------------------------


async def _old_rows(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    employer, entry, person = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await execute(
        url,
        "INSERT INTO employers (id, uscc, name, subject_type, legal_representative, town, "
        "industry_code, employee_count, status, checksum_exception, version, "
        "legal_representative_id_number_enc, contact_phone_enc) VALUES ($1, $2, "
        "'文水县老数据有限公司', 'enterprise', '张三', '凤城镇', 'C1311', 5, 'active', false, 1, "
        "$3, NULL)",
        employer,
        new_uscc(),
        legacy_blob("141121199001011234"),
    )
    await execute(
        url,
        "INSERT INTO blacklist_entries (id, employer_id, decision_number, listed_on, expires_on, "
        "payment_order_number, payment_deadline, amount_owed, workers_affected, ground, status, "
        "version) VALUES ($1, $2, '文人社失惩字〔2026〕9号', '2026-11-01', '2029-11-01', "
        "'文人社监令字〔2026〕7号', '2026-10-01', 86000, 3, 'arrears_over_threshold', 'draft', 1)",
        entry,
        employer,
    )
    await execute(
        url,
        "INSERT INTO blacklist_persons (id, entry_id, position, name, role, id_number_enc, "
        "id_number_masked) VALUES ($1, $2, 0, '张三', 'legal_representative', $3, "
        "'1411**********123X')",
        person,
        entry,
        legacy_blob("14112119800101123X"),
    )
    return employer, person


async def test_0019_keeps_personal_data_stored_before_it_readable_and_goes_back(
    fresh_database_url,
):
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, before_0019())
    employer, person = await _old_rows(url)
    old_id_blob = (await fetch(url, "SELECT legal_representative_id_number_enc b FROM employers"))[
        0
    ]["b"]
    await asyncio.to_thread(migrations.upgrade, url, REVISION)
    (row,) = await fetch(
        url, "SELECT legal_representative_id_number_enc a, contact_phone_enc b FROM employers"
    )
    assert row["a"] == b"\x00" + old_id_blob and row["b"] is None
    keys = personal_data.Keyring(1, {1: KEY_1})
    assert (
        personal_data.decrypt(
            row["a"], keys=keys, column=personal_data.EMPLOYER_ID_NUMBER, row_id=employer
        )
        == "141121199001011234"
    )
    (listed,) = await fetch(url, "SELECT id_number_enc FROM blacklist_persons")
    assert (
        personal_data.decrypt(
            listed["id_number_enc"],
            keys=keys,
            column=personal_data.LISTED_PERSON_ID_NUMBER,
            row_id=person,
        )
        == "14112119800101123X"
    )
    assert (await fetch(url, "SELECT token_generation FROM users")) == []

    await asyncio.to_thread(migrations.downgrade, url, before_0019())
    (row,) = await fetch(url, "SELECT legal_representative_id_number_enc a FROM employers")
    assert row["a"] == old_id_blob


async def test_0019_is_not_undone_over_ciphertexts_the_old_code_cannot_read(fresh_database_url):
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, before_0019())
    employer, _ = await _old_rows(url)
    await asyncio.to_thread(migrations.upgrade, url, REVISION)
    keys = personal_data.Keyring(1, {1: KEY_1})
    bound = personal_data.encrypt(
        "13812345678", keys=keys, column=personal_data.EMPLOYER_PHONE, row_id=employer
    )
    await execute(url, "UPDATE employers SET contact_phone_enc = $1", bound)
    with pytest.raises(Exception, match="holds ciphertexts under a versioned key"):
        await asyncio.to_thread(migrations.downgrade, url, before_0019())


# --- rotate-data-key ------------------------------------------------------------------------


def use_keys(monkeypatch, current: int, retired: dict[int, str]) -> None:
    monkeypatch.setenv("LABOR_CREDIT_DATA_KEY", B64[current])
    monkeypatch.setenv("LABOR_CREDIT_DATA_KEY_VERSION", str(current))
    monkeypatch.setenv(
        "LABOR_CREDIT_DATA_KEYS_RETIRED", ",".join(f"{v}:{k}" for v, k in retired.items())
    )
    get_settings.cache_clear()


def _employer(index: int) -> EmployerCreate:
    return EmployerCreate(
        uscc=new_uscc(),
        name=f"文水县轮换{index}有限公司",
        subject_type=SubjectType.enterprise,
        legal_representative="王五",
        legal_representative_id_number=f"1411211990010{index:04d}1",
        town="凤城镇",
        industry_code="C1311",
        contact_phone=f"1380000{index:04d}",
        employee_count=10,
    )


def _listing(employer_id: uuid.UUID) -> BlacklistEntryCreate:
    listed_on = date(2026, 11, 1)
    return BlacklistEntryCreate(
        employer_id=employer_id,
        decision_number="文人社失惩字〔2026〕3号",
        listed_on=listed_on,
        payment_order_number="文人社监令字〔2026〕7号",
        payment_deadline=listed_on - timedelta(days=30),
        amount_owed=Decimal("86000.50"),
        workers_affected=12,
        ground=ListingGround.arrears_over_threshold,
        responsible_persons=[
            ResponsiblePersonCreate(
                name="张建国", role=PartyRole.legal_representative, id_number="14112119800101123X"
            ),
            ResponsiblePersonCreate(
                name="李四", role=PartyRole.actual_controller, id_number="141121198505052345"
            ),
        ],
    )


async def seed_under_key_1(url: str, employers_count: int) -> dict[tuple[str, str, Any], str]:
    """Employers and a listing written by the service under key 1, the first three employers'
    ciphertexts then put back in the format before 0019 (as the migration left them); returns
    every (table, column, row id) -> plain text."""
    settings = server_settings(url, data_key=B64[1], data_key_version=1)
    clock = Clock.pinned(PINNED_AT)
    engine = create_engine(url, pool_size=1)
    plain: dict[tuple[str, str, Any], str] = {}
    try:
        async with session_factory(engine)() as session, session.begin():
            data = UserCreate(
                username="rotation.reviewer",
                full_name="审核员",
                role=Role.reviewer,
                password="long-enough-1",
            )
            user = await users.create(session=session, data=data, actor=Actor(kind="system"))
            actor = Actor(kind="user", id=user.id, name=user.username, role=Role.reviewer)
            made = []
            for index in range(employers_count):
                employer = await employers.create(
                    session=session, data=_employer(index), actor=actor, settings=settings
                )
                made.append(employer)
                plain[("employers", "legal_representative_id_number_enc", employer.id)] = (
                    _employer(index).legal_representative_id_number or ""
                )
                plain[("employers", "contact_phone_enc", employer.id)] = (
                    _employer(index).contact_phone or ""
                )
            entry = await blacklist.create(
                session=session,
                data=_listing(made[0].id),
                actor=actor,
                settings=settings,
                clock=clock,
            )
        for row in await fetch(url, "SELECT id, position FROM blacklist_persons"):
            number = _listing(made[0].id).responsible_persons[row["position"]].id_number
            plain[("blacklist_persons", "id_number_enc", row["id"])] = number
        assert entry.id
        for (table, column, row_id), text in plain.items():
            if table == "employers" and row_id in {e.id for e in made[:3]}:
                blob = b"\x00" + legacy_blob(text)
                await execute(url, f"UPDATE {table} SET {column} = $1 WHERE id = $2", blob, row_id)
    finally:
        await engine.dispose()
    return plain


async def versions(url: str) -> dict[tuple[str, str, Any], dict[str, int]]:
    found = {}
    for table, column in COLUMNS:
        for row in await fetch(
            url, f"SELECT id, {column} b FROM {table} WHERE {column} IS NOT NULL"
        ):
            found[(table, column, row["id"])] = personal_data.version(row["b"])
    return found


async def read_all(url: str, keys: personal_data.Keyring) -> dict[tuple[str, str, Any], str]:
    by_place = {(c.table, c.column): c for c in personal_data.COLUMNS}
    return {
        (table, column, row_id): personal_data.decrypt(
            blob, keys=keys, column=by_place[(table, column)], row_id=row_id
        )
        for table, column in COLUMNS
        for row_id, blob in [
            (r["id"], r["b"])
            for r in await fetch(
                url, f"SELECT id, {column} b FROM {table} WHERE {column} IS NOT NULL"
            )
        ]
    }


async def rekey_events(url: str) -> list[dict[str, Any]]:
    rows = await fetch(
        url,
        "SELECT actor_type, actor_name, resource_type, resource_id, changes FROM audit_events "
        "WHERE action = 'personal_data.rekey' ORDER BY seq",
    )
    return [{**row, "changes": json.loads(row["changes"])} for row in rows]


async def test_rotate_data_key_moves_everything_to_the_new_key_resumably(
    labor_credit, database, monkeypatch
):
    await labor_credit("migrate")
    plain = await seed_under_key_1(database, employers_count=7)  # 14 + 2 ciphertexts
    found = await versions(database)
    assert sorted(v["format"] for v in found.values()).count(0) == 6  # three employers, legacy
    assert {v["key_version"] for v in found.values()} == {1}

    use_keys(monkeypatch, 2, retired={1: B64[1]})
    out = await labor_credit("rotate-data-key", "--batch-size", "3", "--max-batches", "2")
    assert "6 re-encrypted under key version 2" in out
    assert "10 left on other keys (stopped by --max-batches: run again to go on)" in out
    halfway = await versions(database)
    assert sum(v == {"format": 1, "key_version": 2} for v in halfway.values()) == 6
    assert len(await rekey_events(database)) == 6

    out = await labor_credit("rotate-data-key", "--batch-size", "3")
    assert (
        out.splitlines()[-1]
        == "10 re-encrypted under key version 2, 0 unreadable; 0 left on other keys"
    )
    assert "employers.contact_phone_enc: 3 re-encrypted" in out  # progress, batch by batch
    assert all(v == {"format": 1, "key_version": 2} for v in (await versions(database)).values())
    only_key_2 = personal_data.Keyring(2, {2: KEY_2})  # key 1 is no longer needed for anything
    assert await read_all(database, only_key_2) == plain

    events = await rekey_events(database)
    assert len(events) == len(plain)
    assert {(e["actor_type"], e["actor_name"]) for e in events} == {("system", "rotate-data-key")}
    legacy_phone = [
        e for e in events if e["changes"].get("contact_phone", {}).get("old", {}).get("format") == 0
    ]
    assert len(legacy_phone) == 3
    assert legacy_phone[0]["changes"]["contact_phone"]["new"] == {"format": 1, "key_version": 2}
    assert {e["resource_type"] for e in events} == {"employer", "blacklist_person"}
    assert "141121" not in str([e["changes"] for e in events])  # no number in the trail

    again = await labor_credit("rotate-data-key")
    assert again.splitlines() == [
        "0 re-encrypted under key version 2, 0 unreadable; 0 left on other keys"
    ]
    assert len(await rekey_events(database)) == len(plain)
    verified = await labor_credit("audit", "verify")
    assert '"intact": true' in verified


async def test_rotate_data_key_leaves_what_it_cannot_read_and_says_so(
    labor_credit, database, monkeypatch
):
    await labor_credit("migrate")
    plain = await seed_under_key_1(database, employers_count=2)
    use_keys(monkeypatch, 2, retired={})  # key 1 forgotten: nothing old can be read
    with pytest.raises(SystemExit) as exit_:
        await labor_credit("rotate-data-key")
    printed = exit_.value.printed  # type: ignore[attr-defined]
    assert f"0 re-encrypted under key version 2, {len(plain)} unreadable" in printed
    assert "do not decrypt" in str(exit_.value.code)
    assert {v["key_version"] for v in (await versions(database)).values()} == {1}


# --- refused settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["migrate"], ["serve"], ["scheduler"], ["rotate-data-key"], ["demo-seed"]]
)
async def test_the_cli_refuses_placeholder_secrets_on_a_server_with_a_message(
    labor_credit, monkeypatch, argv
):
    monkeypatch.delenv("LABOR_CREDIT_SECRET_KEY")
    monkeypatch.setenv("LABOR_CREDIT_ENVIRONMENT", "development")
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as exit_:
        await labor_credit(*argv)
    message = str(exit_.value.code)
    assert message.startswith("error: the settings are refused:\n")
    assert "LABOR_CREDIT_SECRET_KEY is the development placeholder" in message
    assert "Traceback" not in message and SECRET_KEY not in message
