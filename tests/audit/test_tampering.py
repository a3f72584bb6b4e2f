"""Tampering through SQL with the table's triggers disabled, as an insider with the owner's
rights would (Art 8): each case is named by the verification, with its reason. The chain alone
misses a deleted tail and a chain recomputed after an edit: the signed checkpoints name them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.audit import checkpoints, verification
from app.core.config import Settings
from app.grading import apply
from app.grading import service as grading
from app.models.audit import Checkpoint
from app.models.evaluation import EvaluationOrigin
from app.models.user import Role
from tests.api.test_audit import register

VERIFY = "/api/v1/audit-events/verification"
FORGE = """UPDATE audit_events SET changes = '{"name": "forged"}' WHERE seq = :s"""


@pytest.fixture
async def auditor(headers_for):  # type: ignore[no-untyped-def]
    return await headers_for(Role.auditor)


async def _events(client, headers_for, count: int) -> None:  # type: ignore[no-untyped-def]
    inspector = await headers_for(Role.inspector)
    for _ in range(count):
        await register(client, inspector)


async def _seqs(connection: AsyncConnection) -> list[int]:
    rows = await connection.execute(text("SELECT seq FROM audit_events ORDER BY seq"))
    return [row.seq for row in rows]


async def _checkpoint(session: AsyncSession, settings: Settings, clock) -> Checkpoint:  # type: ignore[no-untyped-def]
    return await checkpoints.take(session=session, settings=settings, now=clock.now())


async def _verified(client, auditor, *kept: Checkpoint) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"checkpoints": [c.model_dump(mode="json") for c in kept]}
    response = await client.post(VERIFY, json=body, headers=auditor)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    print(f"verification: {result}")  # what the note quotes (pytest -s shows it)
    return result


def _found(result: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(f["kind"], f["seq"]) for f in result["findings"]]


async def _untriggered(connection: AsyncConnection, *statements: tuple[str, dict[str, Any]]):  # type: ignore[no-untyped-def]
    await connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
    for statement, params in statements:
        await connection.execute(text(statement), params)
    await connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER ALL"))


@pytest.fixture
async def trail(client, headers_for, connection, session, settings, clock):  # type: ignore[no-untyped-def]
    """Five events and a checkpoint of the head, then two more events."""
    await _events(client, headers_for, 5)
    signed = await _checkpoint(session, settings, clock)
    await _events(client, headers_for, 2)
    return await _seqs(connection), signed


async def test_an_intact_trail_holds_against_its_checkpoint(client, auditor, trail):  # type: ignore[no-untyped-def]
    seqs, signed = trail
    result = await _verified(client, auditor, signed)
    assert result["intact"] is True and result["findings"] == []
    assert (result["checkpoints_checked"], result["head_seq"]) == (1, seqs[-1])


async def test_an_edited_event(client, auditor, connection, trail):  # type: ignore[no-untyped-def]
    seqs, signed = trail
    victim = seqs[2]
    await _untriggered(
        connection,
        (FORGE, {"s": victim}),
    )
    result = await _verified(client, auditor, signed)
    assert result["intact"] is False
    assert _found(result) == [("content_changed", victim)]
    assert result["reason"] == (
        "stored hash does not match the event's content: the event was changed"
    )


async def test_a_deleted_event_inside_the_trail(client, auditor, connection, trail):  # type: ignore[no-untyped-def]
    seqs, signed = trail
    await _untriggered(connection, ("DELETE FROM audit_events WHERE seq = :s", {"s": seqs[1]}))
    result = await _verified(client, auditor, signed)
    assert _found(result) == [("predecessor_missing", seqs[2]), ("events_missing", signed.seq)]
    assert "no longer in the trail: deleted" in result["findings"][0]["reason"]
    assert "1 deleted" in result["findings"][1]["reason"]


async def test_the_walk_reads_the_trail_in_batches(client, auditor, connection, trail, monkeypatch):  # type: ignore[no-untyped-def]
    seqs, signed = trail
    monkeypatch.setattr(verification, "WALK_BATCH", 2)  # every link crosses a batch or not
    assert (await _verified(client, auditor, signed))["intact"] is True
    await _untriggered(connection, ("DELETE FROM audit_events WHERE seq = :s", {"s": seqs[1]}))
    result = await _verified(client, auditor, signed)
    assert _found(result) == [("predecessor_missing", seqs[2]), ("events_missing", signed.seq)]
    assert result["checked"] == len(seqs) - 1


async def test_a_deleted_tail(client, auditor, connection, trail):  # type: ignore[no-untyped-def]
    _, signed = trail
    await _untriggered(
        connection, ("DELETE FROM audit_events WHERE seq >= :s", {"s": signed.seq - 1})
    )
    result = await _verified(client, auditor, signed)
    # the chain that is left is intact: only the checkpoint tells
    assert _found(result) == [("tail_deleted", signed.seq)]
    assert result["reason"].startswith(
        f"events deleted from the end: the trail ends at seq {signed.seq - 2}, but the "
        f"checkpoint of {signed.at.isoformat()} (seq {signed.seq}) signed"
    )


async def test_an_event_rewritten_and_every_hash_after_it_recomputed(  # type: ignore[no-untyped-def]
    client, auditor, connection, trail
):
    seqs, signed = trail
    victim = seqs[2]
    statements = [(FORGE, {"s": victim})]
    for seq in seqs[2:]:  # each link and hash recomputed in order, as the trigger would
        statements.append(
            (
                "UPDATE audit_events e SET prev_hash = p.hash, "
                "hash = audit_event_hash(p.hash, e) "
                "FROM (SELECT hash FROM audit_events WHERE seq < :s ORDER BY seq DESC LIMIT 1) p "
                "WHERE e.seq = :s",
                {"s": seq},
            )
        )
    await _untriggered(connection, *statements)
    result = await _verified(client, auditor, signed)
    assert _found(result) == [("chain_rewritten", signed.seq)]  # the chain alone holds
    assert result["reason"] == (
        f"the chain was rewritten: the hash at seq {signed.seq} is not the one the checkpoint "
        f"of {signed.at.isoformat()} (seq {signed.seq}) signed"
    )


async def test_two_events_swapped(client, auditor, connection, trail):  # type: ignore[no-untyped-def]
    seqs, signed = trail
    first, second = seqs[1], seqs[2]
    await _untriggered(
        connection,
        ("UPDATE audit_events SET seq = -1 WHERE seq = :s", {"s": first}),
        ("UPDATE audit_events SET seq = :a WHERE seq = :b", {"a": first, "b": second}),
        ("UPDATE audit_events SET seq = :b WHERE seq = -1", {"b": second}),
    )
    result = await _verified(client, auditor, signed)
    assert _found(result) == [
        ("out_of_order", first), ("out_of_order", second), ("out_of_order", seqs[3]),
    ]  # fmt: skip
    assert result["findings"][0]["reason"] == (
        "previous-hash link does not match the event before it: out of order, it was chained "
        f"after the event now at seq {second}"
    )


async def test_a_forged_checkpoint(client, auditor, trail, settings):  # type: ignore[no-untyped-def]
    _, signed = trail
    raised = signed.model_copy(update={"count": signed.count + 1})
    other = settings.model_copy(
        update={"audit_key": SecretStr("a-key-this-service-does-not-hold-32")}
    )
    foreign = checkpoints.sign(
        settings=other, seq=signed.seq, hash_=signed.hash, count=signed.count, at=signed.at
    )
    result = await _verified(client, auditor, raised, foreign)
    assert _found(result) == [("checkpoint_forged", signed.seq)] * 2
    assert "is forged: its signature does not match this service's audit key" in result["reason"]


async def test_the_checkpoints_file_is_checked_too(  # type: ignore[no-untyped-def]
    client, auditor, connection, trail, app, tmp_path
):
    seqs, signed = trail
    settings = app.state.settings.model_copy(
        update={"audit_checkpoints_file": tmp_path / "checkpoints.jsonl"}
    )
    app.state.settings = settings
    checkpoints.export(signed, settings)
    await _untriggered(connection, ("DELETE FROM audit_events WHERE seq >= :s", {"s": seqs[0]}))
    result = (await client.get(VERIFY, headers=auditor)).json()
    assert _found(result) == [("tail_deleted", signed.seq)]
    assert result["checkpoints_checked"] == 1


async def test_an_evaluation_edited_after_its_batch_event(  # type: ignore[no-untyped-def]
    client, auditor, connection, session, make_employer, today
):
    employers = [(await make_employer()).id for _ in range(3)]
    policy = apply.Policy(origin=EvaluationOrigin.batch)
    applied = await grading.regrade(
        session=session, employer_ids=employers, cycle=2025, policy=policy, today=today
    )
    assert applied.written is not None and applied.written.count == 3
    (batch,) = await connection.execute(
        text("SELECT seq, action FROM audit_events WHERE changes ? 'evaluations_written'")
    )
    assert batch.action == "evaluation.regrade"
    assert (await _verified(client, auditor))["grade_batches_checked"] == 1

    await connection.execute(text("ALTER TABLE evaluations DISABLE TRIGGER ALL"))
    await connection.execute(  # what the whole batch shares, changed for one of them
        text("UPDATE evaluations SET cycle = 2024 WHERE employer_id = :e"), {"e": employers[0]}
    )
    result = await _verified(client, auditor)
    assert _found(result) == [("grades_changed", batch.seq)]
    assert result["reason"].endswith(
        "were changed since: 1 no longer carry its cycle, origin, rule set version or grading run"
    )
    await connection.execute(
        text("UPDATE evaluations SET grade = 'C', computed_grade = 'C' WHERE employer_id = :e"),
        {"e": employers[1]},
    )
    result = await _verified(client, auditor)
    assert _found(result) == [("grades_changed", batch.seq)]
    assert result["reason"] == (
        f"the 3 evaluations that event seq {batch.seq} (evaluation.regrade) wrote "
        f"({applied.written.first_id}..{applied.written.last_id}) were changed since: their "
        "digest no longer matches"
    )
    await connection.execute(
        text("DELETE FROM evaluations WHERE employer_id = :e"), {"e": employers[2]}
    )
    result = await _verified(client, auditor)
    assert _found(result) == [("grades_missing", batch.seq)]
    assert result["reason"].startswith(f"1 of the 3 evaluations that event seq {batch.seq}")
