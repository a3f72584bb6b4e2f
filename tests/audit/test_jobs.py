"""The daily audit job: verifies the trail against the checkpoints kept, then signs a new one
into the checkpoints file and the log; a trail that does not hold fails the job, naming why."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.audit import checkpoints
from app.audit.jobs import audit_chain_check
from app.core.jobs import Context
from app.models.audit import Checkpoint
from app.models.user import Role
from tests.api.test_audit import register


async def test_the_daily_check_signs_a_checkpoint_and_names_a_deleted_tail(  # type: ignore[no-untyped-def]
    client, headers_for, connection, settings, clock, tmp_path, caplog
):
    kept = settings.model_copy(update={"audit_checkpoints_file": tmp_path / "checkpoints.jsonl"})
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    context = Context(factory=factory, settings=kept, clock=clock)
    inspector = await headers_for(Role.inspector)
    for _ in range(3):
        await register(client, inspector)
    head = (await connection.execute(text("SELECT max(seq) FROM audit_events"))).scalar_one()

    with caplog.at_level(logging.INFO, logger="app.audit.checkpoints"):
        said = await audit_chain_check(context)
    assert said is not None and said.startswith("audit trail intact: ")
    assert said.endswith(f"checkpoint at seq {head}")
    (first,) = checkpoints.read(kept)
    assert isinstance(first, Checkpoint) and first.seq == head
    (logged,) = [r for r in caplog.records if r.getMessage() == "audit checkpoint"]
    assert logged.checkpoint == first.model_dump(mode="json")  # type: ignore[attr-defined]

    await connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
    await connection.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": head})
    await connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER ALL"))
    with pytest.raises(RuntimeError, match="events deleted from the end") as failed:
        await audit_chain_check(context)
    print(f"audit_chain_check: {failed.value}")
    assert len(checkpoints.read(kept)) == 2  # the head as it is now is anchored all the same
