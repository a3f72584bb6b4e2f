"""Verifying the audit trail (Art 8: nothing changed or deleted unseen), in three parts.

1. The chain: every event, in order, hashes to its stored hash under the digest it was written
   with, and links to the event before it. Catches an edit, a deletion inside the trail and a
   reordering; not a deleted tail, nor a chain recomputed from an edited event onwards.
2. The checkpoints (`checkpoints`): signed with a key the database does not hold, each states
   the head's seq and hash and the count of events up to it. A trail ending before a checkpoint's
   seq lost its tail; a hash at that seq other than the signed one means the chain was
   recomputed; another count means events were deleted or inserted before it.
3. The grades: each grading statement's event names its evaluations (a range of ids, a count
   and a digest); they are recomputed from the evaluations table.
4. The intake batches: each batch event of a trusted source names the credit records it created
   the same way (`records_written`); they are recomputed from the credit_records table, so a
   record changed or deleted behind the service's back is named by the batch that wrote it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import checkpoints as signed
from app.audit.service import RECORDS_WRITTEN, WRITTEN
from app.core.config import Settings
from app.models.audit import (
    GENESIS_HASH,
    ChainVerification,
    Checkpoint,
    EvaluationsWritten,
    Finding,
    FindingKind,
    RecordsWritten,
    UnreadableCheckpoint,
)

MAX_FINDINGS = 100
LATEST_DIGEST = 2

WALK_BATCH = 10_000  # events read per query: memory stays flat however long the trail is
_WALK = text(
    """
    SELECT seq, id, prev_hash, hash, digest_version, audit_event_hash(prev_hash, e) AS recomputed
    FROM audit_events e
    WHERE seq > :after
    ORDER BY seq
    LIMIT :batch
    """
)
_BY_HASH = text("SELECT seq, hash FROM audit_events WHERE hash = ANY(CAST(:hashes AS text[]))")
_BATCHES = text(
    f"""
    SELECT seq, id, action, changes->'{WRITTEN}'->'new' AS written
    FROM audit_events WHERE changes ? '{WRITTEN}' ORDER BY seq
    """
)
_RECOMPUTED = text(
    """
    SELECT b.seq, d.written, d.strays, d.digest
    FROM unnest(CAST(:seqs AS bigint[]), CAST(:firsts AS uuid[]), CAST(:lasts AS uuid[]),
                CAST(:cycles AS int[]), CAST(:origins AS text[]), CAST(:versions AS int[]),
                CAST(:runs AS uuid[]))
         AS b(seq, first_id, last_id, cycle, origin, rule_set_version, grading_run_id)
    CROSS JOIN LATERAL evaluations_digest(
        b.first_id, b.last_id, b.cycle, b.origin, b.rule_set_version, b.grading_run_id) d
    """
)


_RECORD_BATCHES = text(
    f"""
    SELECT seq, id, action, changes->'{RECORDS_WRITTEN}'->'new' AS written
    FROM audit_events WHERE changes ? '{RECORDS_WRITTEN}' ORDER BY seq
    """
)
_RECORDS_RECOMPUTED = text(
    """
    SELECT b.seq, d.written, d.digest
    FROM unnest(CAST(:seqs AS bigint[]), CAST(:firsts AS uuid[]), CAST(:lasts AS uuid[]))
         AS b(seq, first_id, last_id)
    CROSS JOIN LATERAL credit_records_digest(b.first_id, b.last_id) d
    """
)


@dataclass
class _Walk:
    """What walking the chain found, and what the checkpoints need from it."""

    checked: int = 0
    head_seq: int | None = None
    breaks: list[tuple[Any, FindingKind]] = field(default_factory=list)  # event row, kind
    broken: int = 0
    # for each checkpoint's seq: (events up to it, the stored hash at it or None)
    at_seq: dict[int, tuple[int, str | None]] = field(default_factory=dict)


async def verify(
    *,
    session: AsyncSession,
    settings: Settings,
    checkpoints: list[signed.Kept],
) -> ChainVerification:
    """Walk the chain, hold it against every checkpoint, recompute every grading batch."""
    readable = _distinct([c for c in checkpoints if isinstance(c, Checkpoint)])
    walk = await _walk(session, sorted({c.seq for c in readable}))
    findings = await _chain_findings(session, walk)
    findings += [_unreadable(c) for c in checkpoints if isinstance(c, UnreadableCheckpoint)]
    findings += [f for c in readable if (f := _held_against(c, walk, settings)) is not None]
    batches, grade_findings = await _grade_findings(session)
    findings += grade_findings
    record_batches, record_findings = await _record_findings(session)
    findings += record_findings
    first = findings[0] if findings else None
    left_out = max(0, walk.broken - len(walk.breaks))
    return ChainVerification(
        intact=not findings,
        checked=walk.checked,
        head_seq=walk.head_seq,
        checkpoints_checked=len(readable),
        grade_batches_checked=batches,
        record_batches_checked=record_batches,
        first_broken_seq=first.seq if first else None,
        first_broken_id=first.event_id if first else None,
        reason=first.reason if first else None,
        findings=findings[:MAX_FINDINGS],
        findings_left_out=left_out + max(0, len(findings) - MAX_FINDINGS),
    )


def _distinct(found: list[Checkpoint]) -> list[Checkpoint]:
    """Each checkpoint once (the file's and an auditor's copy of it are one)."""
    return list({c.signature: c for c in found}.values())


async def _walk(session: AsyncSession, targets: list[int]) -> _Walk:
    walk, pending = _Walk(), iter(targets)
    target: int | None = next(pending, None)
    newest_version, before = 0, GENESIS_HASH  # the hash of the event before
    while True:
        params = {"after": walk.head_seq or 0, "batch": WALK_BATCH}
        rows = (await session.execute(_WALK, params)).all()
        for row in rows:
            while target is not None and target < row.seq:  # no event at the checkpoint's seq
                walk.at_seq[target] = (walk.checked, None)
                target = next(pending, None)
            walk.checked += 1
            walk.head_seq = row.seq
            if target is not None and target == row.seq:
                walk.at_seq[target] = (walk.checked, row.hash)
                target = next(pending, None)
            kind = _broken(row, before, newest_version)
            newest_version, before = max(newest_version, row.digest_version), row.hash
            if kind is not None:
                walk.broken += 1
                if len(walk.breaks) < MAX_FINDINGS:
                    walk.breaks.append((row, kind))
        if len(rows) < WALK_BATCH:
            break
    while target is not None:  # beyond the head
        walk.at_seq[target] = (walk.checked, None)
        target = next(pending, None)
    return walk


def _broken(row: Any, before: str, newest_version: int) -> FindingKind | None:
    """None when the event holds; a broken link is named after the walk (`_chain_finding`)."""
    if row.recomputed is None:
        return FindingKind.unknown_version
    if row.digest_version < newest_version:
        return FindingKind.version_downgraded
    if row.prev_hash != before:
        return FindingKind.link_broken
    if row.hash != row.recomputed:
        return FindingKind.content_changed
    return None


async def _chain_findings(session: AsyncSession, walk: _Walk) -> list[Finding]:
    """Each break named; a broken link by where the event it was chained after is now."""
    links = [row.prev_hash for row, kind in walk.breaks if kind == FindingKind.link_broken]
    where = {}
    if links:
        rows = await session.execute(_BY_HASH, {"hashes": links})
        where = {r.hash: r.seq for r in rows}
    return [_chain_finding(row, kind, where) for row, kind in walk.breaks]


def _chain_finding(row: Any, kind: FindingKind, where: dict[str, int]) -> Finding:
    link = "previous-hash link does not match the event before it"
    if kind == FindingKind.link_broken:
        now_at = where.get(row.prev_hash)
        if now_at is not None:
            kind = FindingKind.out_of_order
            reason = f"{link}: out of order, it was chained after the event now at seq {now_at}"
        elif row.prev_hash == GENESIS_HASH:
            kind, reason = FindingKind.link_broken, f"{link}: it claims to be the first event"
        else:
            kind = FindingKind.predecessor_missing
            reason = (
                f"{link}: the event it was chained after (hash {row.prev_hash[:12]}…) is no "
                "longer in the trail: deleted"
            )
    elif kind == FindingKind.content_changed:
        reason = "stored hash does not match the event's content: the event was changed"
    elif kind == FindingKind.version_downgraded:
        reason = (
            f"digest version {row.digest_version} after events of a later version: its "
            "version was rewritten"
        )
    else:
        reason = f"digest version {row.digest_version} is not one the service writes"
    return Finding(kind=kind, seq=row.seq, event_id=row.id, reason=reason)


def _unreadable(line: UnreadableCheckpoint) -> Finding:
    return Finding(
        kind=FindingKind.checkpoint_unreadable,
        reason=f"line {line.line} of {line.source} is not a checkpoint: {line.problem}",
    )


def _held_against(checkpoint: Checkpoint, walk: _Walk, settings: Settings) -> Finding | None:
    """What the trail says against one checkpoint, if anything."""
    of = f"the checkpoint of {checkpoint.at.isoformat()} (seq {checkpoint.seq})"
    if not signed.signed_by(checkpoint, settings):
        return _about(
            checkpoint,
            FindingKind.checkpoint_forged,
            f"{of} is forged: its signature does not match this service's audit key",
        )
    count, stored = walk.at_seq.get(checkpoint.seq, (0, None))
    if checkpoint.seq == 0:  # the trail was empty then
        stored = GENESIS_HASH
    if (walk.head_seq or 0) < checkpoint.seq:
        return _about(
            checkpoint,
            FindingKind.tail_deleted,
            f"events deleted from the end: the trail ends at seq {walk.head_seq or 0}, but "
            f"{of} signed {checkpoint.count} events up to seq {checkpoint.seq}",
        )
    if stored is None:
        return _about(
            checkpoint,
            FindingKind.checkpoint_event_missing,
            f"the event at seq {checkpoint.seq} that {of} signed is no longer in the trail",
        )
    if stored != checkpoint.hash:
        return _about(
            checkpoint,
            FindingKind.chain_rewritten,
            f"the chain was rewritten: the hash at seq {checkpoint.seq} is not the one {of} signed",
        )
    if count != checkpoint.count:
        missing = count < checkpoint.count
        return _about(
            checkpoint,
            FindingKind.events_missing if missing else FindingKind.events_added,
            f"{count} events up to seq {checkpoint.seq}, {of} counted {checkpoint.count}: "
            f"{abs(checkpoint.count - count)} {'deleted' if missing else 'inserted'}",
        )
    return None


def _about(checkpoint: Checkpoint, kind: FindingKind, reason: str) -> Finding:
    return Finding(kind=kind, seq=checkpoint.seq, checkpoint=checkpoint, reason=reason)


async def _grade_findings(session: AsyncSession) -> tuple[int, list[Finding]]:
    """Every grading batch's evaluations recomputed: (batches checked, findings)."""
    batches = [
        (row, named)
        for row in (await session.execute(_BATCHES)).all()
        if (named := _named(row.written)) is not None
    ]
    if not batches:
        return 0, []
    params = {
        "seqs": [row.seq for row, _ in batches],
        "firsts": [named.first_id for _, named in batches],
        "lasts": [named.last_id for _, named in batches],
        "cycles": [named.cycle for _, named in batches],
        "origins": [named.origin for _, named in batches],
        "versions": [named.rule_set_version for _, named in batches],
        "runs": [named.grading_run_id for _, named in batches],
    }
    found = {r.seq: r for r in await session.execute(_RECOMPUTED, params)}
    findings = [
        finding
        for row, named in batches
        if (finding := _grades_held(row, named, found[row.seq])) is not None
    ]
    return len(batches), findings


def _named(written: Any) -> EvaluationsWritten | None:
    """What an event names as written (None if not in that form: the chain check reports an
    event whose content changed)."""
    try:
        run = written["grading_run_id"]
        return EvaluationsWritten(
            first_id=uuid.UUID(str(written["first_id"])),
            last_id=uuid.UUID(str(written["last_id"])),
            cycle=int(written["cycle"]),
            origin=str(written["origin"]),
            rule_set_version=int(written["rule_set_version"]),
            grading_run_id=uuid.UUID(str(run)) if run is not None else None,
            count=int(written["count"]),
            digest=str(written["digest"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _grades_held(row: Any, named: EvaluationsWritten, now: Any) -> Finding | None:
    kinds = (FindingKind.grades_missing, FindingKind.grades_added, FindingKind.grades_changed)
    found = _range_held(row, named, now, "evaluations", kinds)
    if found is None and now.strays:
        found = (
            FindingKind.grades_changed,
            f"{_wrote(row, named, 'evaluations')} were changed since: {now.strays} no longer "
            "carry its cycle, origin, rule set version or grading run",
        )
    return Finding(kind=found[0], seq=row.seq, event_id=row.id, reason=found[1]) if found else None


def _wrote(row: Any, named: EvaluationsWritten | RecordsWritten, noun: str) -> str:
    return (
        f"the {named.count} {noun} that event seq {row.seq} ({row.action}) wrote "
        f"({named.first_id}..{named.last_id})"
    )


def _range_held(
    row: Any,
    named: EvaluationsWritten | RecordsWritten,
    now: Any,
    noun: str,
    kinds: tuple[FindingKind, FindingKind, FindingKind],
) -> tuple[FindingKind, str] | None:
    """What a batch event's range of rows shows now against what it names: rows gone, rows
    added among them, or their digest changed (the kinds in that order); None when it holds."""
    missing, added, changed = kinds
    count, wrote = named.count, _wrote(row, named, noun)
    if now.written < count:
        return missing, f"{count - now.written} of {wrote} are gone"
    if now.written > count:
        return added, f"{now.written - count} {noun} were inserted among {wrote}"
    if now.digest != named.digest:
        return changed, f"{wrote} were changed since: their digest no longer matches"
    return None


async def _record_findings(session: AsyncSession) -> tuple[int, list[Finding]]:
    """Every intake batch's credit records recomputed: (batches checked, findings)."""
    batches = [
        (row, named)
        for row in (await session.execute(_RECORD_BATCHES)).all()
        if (named := _records_named(row.written)) is not None
    ]
    if not batches:
        return 0, []
    params = {
        "seqs": [row.seq for row, _ in batches],
        "firsts": [named.first_id for _, named in batches],
        "lasts": [named.last_id for _, named in batches],
    }
    found = {r.seq: r for r in await session.execute(_RECORDS_RECOMPUTED, params)}
    findings = [
        finding
        for row, named in batches
        if (finding := _records_held(row, named, found[row.seq])) is not None
    ]
    return len(batches), findings


def _records_named(written: Any) -> RecordsWritten | None:
    """What a batch event names as written (None if not in that form: the chain check reports
    an event whose content changed)."""
    try:
        return RecordsWritten(
            first_id=uuid.UUID(str(written["first_id"])),
            last_id=uuid.UUID(str(written["last_id"])),
            count=int(written["count"]),
            digest=str(written["digest"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _records_held(row: Any, named: RecordsWritten, now: Any) -> Finding | None:
    kinds = (FindingKind.records_missing, FindingKind.records_added, FindingKind.records_changed)
    found = _range_held(row, named, now, "credit records", kinds)
    return Finding(kind=found[0], seq=row.seq, event_id=row.id, reason=found[1]) if found else None
