"""Signed checkpoints of the audit trail (Art 8): its head, anchored outside the database.

A checkpoint states the sequence number and hash of the newest event and how many events the
trail held up to it, at a time, signed with HMAC-SHA256 under `LABOR_CREDIT_AUDIT_KEY`, a key
the database never sees. Whoever can rewrite the database can recompute the hash chain, but
not a checkpoint: an events table shortened below a checkpoint, or rewritten before one, no
longer agrees with it (`verification`). Each is appended as one JSON line to the checkpoints
file, where an auditor copies it from, and logged as one line.

HMAC rather than Ed25519: the verifier is this service (its API, the daily job, the command
line), which holds the key anyway; a checkpoint sent to a party that must check it without the
key (the city platform, later) would want a public-key signature.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.models.audit import GENESIS_HASH, Checkpoint, UnreadableCheckpoint

log = logging.getLogger(__name__)

Kept = Checkpoint | UnreadableCheckpoint  # a line of a checkpoints file, read

VERSION = 1  # of the signed message's layout (`_message`)

_HEAD = text(
    """
    SELECT e.seq, e.hash, (SELECT count(*) FROM audit_events) AS events
    FROM audit_events e ORDER BY e.seq DESC LIMIT 1
    """
)


def _message(seq: int, hash_: str, count: int, at: datetime) -> bytes:
    """What is signed: canonical JSON of the checkpoint's fields (sorted keys, no spaces)."""
    fields = {"v": VERSION, "seq": seq, "hash": hash_, "count": count, "at": _instant(at)}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _signature(key: str, seq: int, hash_: str, count: int, at: datetime) -> str:
    return hmac.new(key.encode(), _message(seq, hash_, count, at), hashlib.sha256).hexdigest()


def sign(*, settings: Settings, seq: int, hash_: str, count: int, at: datetime) -> Checkpoint:
    key = settings.audit_key.get_secret_value()
    at = datetime.fromisoformat(_instant(at))  # the precision the signature covers
    signature = _signature(key, seq, hash_, count, at)
    return Checkpoint(seq=seq, hash=hash_, count=count, at=at, signature=signature)


def signed_by(checkpoint: Checkpoint, settings: Settings) -> bool:
    """Whether the checkpoint was signed with this service's audit key, as it stands."""
    expected = _signature(
        settings.audit_key.get_secret_value(),
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.count,
        checkpoint.at,
    )
    return hmac.compare_digest(expected, checkpoint.signature)


async def take(*, session: AsyncSession, settings: Settings, now: datetime) -> Checkpoint:
    """A signed checkpoint of the trail's head now (seq 0 and the genesis hash when empty)."""
    head = (await session.execute(_HEAD)).one_or_none()
    if head is None:
        return sign(settings=settings, seq=0, hash_=GENESIS_HASH, count=0, at=now)
    return sign(settings=settings, seq=head.seq, hash_=head.hash, count=head.events, at=now)


def line(checkpoint: Checkpoint) -> str:
    return json.dumps(checkpoint.model_dump(mode="json"), separators=(",", ":"))


def export(checkpoint: Checkpoint, settings: Settings) -> Path:
    """Append the checkpoint to the checkpoints file (locked, flushed to disk) and log it."""
    path = settings.audit_checkpoints_path
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time (the job, the command line)
        ends_open = os.fstat(fd).st_size > 0 and not _ends_with_newline(path)
        # one write of the whole line; a line cut short by a crash is closed first
        os.write(fd, (("\n" if ends_open else "") + line(checkpoint) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the file's entry in its folder is on disk too
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    log.info("audit checkpoint", extra={"checkpoint": checkpoint.model_dump(mode="json")})
    return path


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def parse(content: str, source: str) -> list[Kept]:
    """The checkpoints of a JSON-lines text; a line that is not one is kept as unreadable."""
    found: list[Kept] = []
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            found.append(Checkpoint.model_validate_json(raw))
        except ValidationError as exc:
            problem = exc.errors()[0]
            found.append(
                UnreadableCheckpoint(source=source, line=number, problem=problem["msg"][:200])
            )
    return found


def read(settings: Settings) -> list[Kept]:
    """The checkpoints file's checkpoints (none while it does not exist)."""
    path = settings.audit_checkpoints_path
    try:
        content = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return parse(content, str(path))
