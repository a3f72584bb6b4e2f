"""The events' digest (Art 8): version 2 hashes canonical JSON, so text cannot move across a
field boundary; events written before migration 0020 keep verifying under version 1."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text

from app.audit import verification
from app.core import migrations
from app.core.db import create_engine, session_factory

BEFORE = "0018_import_row_results"
EVENT = {
    "seq": 7, "id": "00000000-0000-0000-0000-000000000007",
    "occurred_at": "2026-11-26T02:00:00+00:00", "actor_type": "user", "actor_id": "u-1",
    "actor_name": "王五", "action": "employer.update", "resource_type": "employer",
    "resource_id": "e-1", "changes": {"name": {"old": "甲", "new": "乙"}}, "request_id": None,
}  # fmt: skip
_DIGESTS = text(
    "SELECT audit_event_digest(:prev, e) AS v1, audit_event_digest_v2(:prev, e) AS v2 "
    "FROM jsonb_populate_record(NULL::audit_events, CAST(:event AS jsonb)) e"
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # the '|' moves from one field into the next
        ({"actor_name": "王|五", "action": "employer.update"},
         {"actor_name": "王", "action": "五|employer.update"}),
        ({"resource_type": "employer|e", "resource_id": "1"},
         {"resource_type": "employer", "resource_id": "e|1"}),
        # a missing value and an empty one
        ({"actor_id": None}, {"actor_id": ""}),
    ],
)  # fmt: skip
async def test_events_that_collide_under_version_1_differ_under_version_2(
    connection, one: dict[str, object], other: dict[str, object]
) -> None:
    digests = []
    for fields in (one, other):
        event = json.dumps({**EVENT, **fields}, ensure_ascii=False)
        digests.append(
            (await connection.execute(_DIGESTS, {"prev": "0" * 64, "event": event})).one()
        )
    assert digests[0].v1 == digests[1].v1  # the old digest could not tell them apart
    assert digests[0].v2 != digests[1].v2


_INSERT = (
    "INSERT INTO audit_events (id, actor_type, actor_name, action, resource_type, changes) "
    "VALUES (gen_random_uuid(), 'system', 'test', 'test.write', 'test', "
    """'{"n": {"old": null, "new": "a|b"}}')"""
)


async def test_events_written_before_the_new_digest_keep_verifying(fresh_database_url, settings):  # type: ignore[no-untyped-def]
    url = fresh_database_url
    await asyncio.to_thread(migrations.upgrade, url, BEFORE)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for _ in range(2):
                await conn.execute(text(_INSERT))
        await asyncio.to_thread(migrations.upgrade, url)
        async with engine.begin() as conn:
            await conn.execute(text(_INSERT))
            rows = await conn.execute(text("SELECT digest_version FROM audit_events ORDER BY seq"))
            assert [r.digest_version for r in rows] == [1, 1, 2]
        async with session_factory(engine)() as session:
            result = await verification.verify(session=session, settings=settings, checkpoints=[])
        assert (result.intact, result.checked, result.findings) == (True, 3, [])
    finally:
        await engine.dispose()
    # below 0020 the version-2 events could not be verified: the downgrade refuses
    with pytest.raises(Exception, match="digest version 2 exist"):
        await asyncio.to_thread(migrations.downgrade, url, BEFORE)


async def test_a_version_lowered_after_the_new_digest_is_named(connection, session, settings):  # type: ignore[no-untyped-def]
    for _ in range(2):
        await connection.execute(text(_INSERT))
    newest = (await connection.execute(text("SELECT max(seq) FROM audit_events"))).scalar_one()
    await connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
    await connection.execute(  # hashed again under version 1, where '|' is ambiguous
        text(
            "UPDATE audit_events e SET digest_version = 1, "
            "hash = audit_event_digest(prev_hash, e) WHERE seq = :s"
        ),
        {"s": newest},
    )
    result = await verification.verify(session=session, settings=settings, checkpoints=[])
    assert [(f.kind, f.seq) for f in result.findings] == [("version_downgraded", newest)]
