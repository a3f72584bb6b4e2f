"""Intake from other agencies' systems (Art 5): batches keyed by (source, external id).

Each item is checked on its own, so one bad item rejects only itself. A repeat of the same
content is `unchanged`; changed content becomes a new version (`corrected`, "updated by
source"). Writes are set-based: one statement per step for the whole batch, not one per item.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import idempotency
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import AppError, InvalidField
from app.core.i18n import Text
from app.core.problem_json import problem_body
from app.intake import checks as record_checks
from app.intake import digests
from app.intake.checks import CheckedRow
from app.models.credit_record import RecordSource
from app.models.intake import IntakeOutcomeKind, IntakeRecord, IntakeResult
from app.records import corrections
from app.records import service as credit_records

SOURCE_REASON = "updated by source"
Outcome = IntakeOutcomeKind


class IntakeItemRejected(InvalidField):
    """Never raised: the problem of one rejected item of a batch, in the batch's answer."""

    slug = "intake-item-rejected"
    title = Text("这条记录未被接收", "Record rejected")
    about = Text(
        "批次中的一条记录有问题而未被接收（其他记录照常处理）：字段缺失或不对、用人单位未登记、"
        "内容违反业务规则、同一 external_id 在批次中出现多次，"
        "或来源的更正不能进行；errors[] 逐项说明。",
        "One record of a batch has problems and was not taken (the others were): a field "
        "missing or wrong, an unregistered employer, content that breaks a business rule, an "
        "external_id twice in the batch, or a source's correction that cannot be made; "
        "errors[] names each.",
    )
    remedy = Text(
        "按 errors[] 改正这条记录，用新的 Idempotency-Key 再次发送。",
        "Correct the record as errors[] says and send it again under a new Idempotency-Key.",
    )


async def receive_once(
    *,
    session: AsyncSession,
    idempotency_key: str,
    body: bytes,
    records: list[Any],
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> bytes:
    """`receive`, answered from storage when the client repeats an Idempotency-Key with the
    same body (`body` as sent; `records` what it holds).

    The answer is an `IntakeResult` as JSON, serialised once: the same text is stored for a
    repeat and sent as the response body."""
    assert actor.id is not None
    stored = await idempotency.replay(
        session=session, client_id=actor.id, key=idempotency_key, body=body, parsed=records
    )
    if stored is not None:
        return IntakeResult.model_validate(stored.response).model_dump_json().encode()
    answer = await receive(
        session=session,
        records=records,
        actor=actor,
        settings=settings,
        clock=clock,
        idempotency_key=idempotency_key,
    )
    await idempotency.remember(
        session=session, client_id=actor.id, key=idempotency_key, status_code=200, response=answer
    )
    return answer.encode()


async def receive(
    *,
    session: AsyncSession,
    records: list[Any],
    actor: Actor,
    settings: Settings,
    clock: Clock,
    idempotency_key: str | None = None,
) -> str:
    """The batch's answer: an `IntakeResult` as JSON text."""
    assert actor.source is not None, "intake is for machine clients"
    source = RecordSource(actor.source)
    rows = await record_checks.check(
        session=session, raws=records, schema=IntakeRecord, source=source, clock=clock
    )
    external_ids = [_external_id(raw) for raw in records]
    _reject_duplicate_ids(rows, external_ids)
    outcomes = await _classify(session, rows, external_ids, source)
    batch = _audited_batch(actor, source, idempotency_key, len(records))
    created = await _write(
        session, rows, external_ids, outcomes, source, batch, actor, settings, clock
    )
    items = [_answer(row, external_ids[row.index], outcomes[row.index]) for row in rows]
    answer = json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))
    if batch is not None:  # last: the audit chain stays locked from here to commit
        await credit_records.audit_batch(session=session, actor=actor, batch=batch, ids=created)
    return answer


BATCH_ACTION = "intake.batch_received"


def _audited_batch(
    actor: Actor, source: RecordSource, idempotency_key: str | None, items: int
) -> credit_records.AuditedBatch | None:
    """A trusted source's records arrive verified: one audit event names all that the batch
    created (a draft from an untrusted one may be edited in place later: an event each). The
    batch is its Idempotency-Key (in `changes` whole; the resource id when it fits)."""
    if not actor.trusted:
        return None
    key = idempotency_key if idempotency_key and len(idempotency_key) <= 64 else None
    return credit_records.AuditedBatch(
        action=BATCH_ACTION,
        resource_type="intake_batch",
        resource_id=key,
        details={"source": source.value, "idempotency_key": idempotency_key, "items": items},
    )


def _external_id(raw: Any) -> str | None:
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _reject_duplicate_ids(rows: list[CheckedRow], external_ids: list[str | None]) -> None:
    """One external id twice in a batch: which is right is unknowable, so neither is taken."""
    counts: dict[str, int] = {}
    for external_id in external_ids:
        if external_id is not None:
            counts[external_id] = counts.get(external_id, 0) + 1
    for row, external_id in zip(rows, external_ids, strict=True):
        if external_id is not None and counts[external_id] > 1:
            row.reject(
                "external_id",
                Text(
                    f"external_id“{external_id}”在本批中出现{counts[external_id]}次；"
                    "每条记录只发送一次",
                    f"external_id {external_id!r} appears "
                    f"{counts[external_id]} times in this batch; send each record once",
                ),
                "duplicate",
            )


# What this source sent before under these external ids, and the record's current version
# (a reviewer's correction may have made it newer than the one the item became): the verified
# version in force, or a first draft; never a person's draft correction, which is not in force
# yet. Correlated lookups by primary key, one per id sent: the cost follows the batch, not the
# table.
_SENT_BEFORE = text(
    """
    SELECT i.external_id, i.content_hash, i.record_id,
           (SELECT c.id FROM credit_records c
            WHERE c.record_key = (SELECT s.record_key FROM credit_records s
                                  WHERE s.id = i.record_id)
              AND (c.status = 'verified'
                   OR (c.status = 'draft' AND c.supersedes_id IS NULL))) AS current_id
    FROM unnest(CAST(:external_ids AS varchar[])) AS wanted(external_id)
    JOIN intake_items i ON i.source = :source AND i.external_id = wanted.external_id
    """
)


async def _classify(
    session: AsyncSession,
    rows: list[CheckedRow],
    external_ids: list[str | None],
    source: RecordSource,
) -> dict[int, tuple[Outcome, uuid.UUID | None]]:
    """created, or compared with what this source sent before under the same external id.

    The record is answered by its current version, which a reviewer's correction may have
    made newer than the one the source's last item became.
    """
    wanted = [external_ids[row.index] for row in rows if row.ok]
    found = await session.execute(_SENT_BEFORE, {"source": source.value, "external_ids": wanted})
    known = {row.external_id: (row.content_hash, row.current_id or row.record_id) for row in found}
    outcomes: dict[int, tuple[Outcome, uuid.UUID | None]] = {}
    for row in rows:
        sent_hash, record_id = known.get(external_ids[row.index] or "", (None, None))
        if not row.ok:
            outcomes[row.index] = (Outcome.rejected, None)
        elif sent_hash is None:
            outcomes[row.index] = (Outcome.created, None)
        elif row.content and sent_hash == digests.content_hash(row.content):
            outcomes[row.index] = (Outcome.unchanged, record_id)
        else:
            outcomes[row.index] = (Outcome.corrected, record_id)
    return outcomes


async def _write(
    session: AsyncSession,
    rows: list[CheckedRow],
    external_ids: list[str | None],
    outcomes: dict[int, tuple[Outcome, uuid.UUID | None]],
    source: RecordSource,
    batch: credit_records.AuditedBatch | None,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> list[uuid.UUID]:
    """Writes the batch but for its audit event; returns the ids of the records created."""
    new = [row for row in rows if outcomes[row.index][0] == Outcome.created]
    created = await credit_records.create_many(
        session=session,
        items=[row.content for row in new if row.content],
        actor=actor,
        settings=settings,
        clock=clock,
        verified=actor.trusted,
        prechecked=True,
        batch=batch,
    )
    for row, new_id in zip(new, created, strict=True):
        outcomes[row.index] = (Outcome.created, new_id)
    for row in rows:
        outcome, record_id = outcomes[row.index]
        if outcome == Outcome.corrected and row.content and record_id:
            try:  # checked before anything is written, so a refusal leaves nothing behind
                record = await corrections.replace_by_source(
                    session=session,
                    record_id=record_id,
                    content=row.content,
                    actor=actor,
                    settings=settings,
                    clock=clock,
                    verified=actor.trusted,
                    reason=SOURCE_REASON,
                )
            except AppError as refused:
                detail = refused.detail
                reason = detail if isinstance(detail, Text) else Text(detail, detail)
                row.reject("external_id", reason, refused.slug)
                outcomes[row.index] = (Outcome.rejected, None)
                continue
            outcomes[row.index] = (outcome, record.id)
    kept = [
        (r, r.content)
        for r in rows
        if r.content and outcomes[r.index][0] in (Outcome.created, Outcome.corrected)
    ]
    hashes = digests.content_hashes([content for _, content in kept])
    written = [
        (external_ids[r.index], outcomes[r.index][1], digest)
        for (r, _), digest in zip(kept, hashes, strict=True)
    ]
    await _remember(session, written, source)
    return created


_REMEMBER = text(
    """
    INSERT INTO intake_items (source, external_id, record_id, content_hash)
    SELECT :source, sent.external_id, sent.record_id, sent.content_hash
    FROM unnest(CAST(:external_ids AS varchar[]), CAST(:record_ids AS uuid[]),
                CAST(:hashes AS varchar[])) AS sent(external_id, record_id, content_hash)
    ON CONFLICT (source, external_id) DO UPDATE
    SET record_id = excluded.record_id, content_hash = excluded.content_hash, updated_at = now()
    """
)


async def _remember(
    session: AsyncSession,
    written: list[tuple[str | None, uuid.UUID | None, str]],
    source: RecordSource,
) -> None:
    """Which record each external id became, and the hash of what was sent (one statement)."""
    kept = [
        (external_id, record_id, digest)
        for external_id, record_id, digest in written
        if external_id and record_id
    ]
    if kept:
        external_ids, record_ids, hashes = (list(column) for column in zip(*kept, strict=True))
        await session.execute(
            _REMEMBER,
            {
                "source": source.value,
                "external_ids": external_ids,
                "record_ids": record_ids,
                "hashes": hashes,
            },
        )


def _answer(
    row: CheckedRow, external_id: str | None, outcome: tuple[Outcome, uuid.UUID | None]
) -> dict[str, Any]:
    """One `IntakeOutcome` as JSON values, built directly: an accepted item has no problem, and
    a model per item would cost more than the rest of its answer."""
    problem = None
    if row.problems:
        errors = [p.in_request_language("body", "records", row.index) for p in row.problems]
        fields = [".".join(str(part) for part in p.loc) for p in row.problems]
        detail = Text(f"记录未被接收：{'、'.join(fields)}", f"record rejected: {', '.join(fields)}")
        problem = problem_body(IntakeItemRejected, detail=detail, errors=errors).model_dump(
            mode="json"
        )
    kind, record_id = outcome
    return {
        "external_id": external_id,
        "outcome": kind.value,
        "record_id": str(record_id) if record_id is not None else None,
        "problem": problem,
    }
