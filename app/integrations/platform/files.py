"""The file transport (GB/T 39443 file mode), for a platform that takes files only.

Each `send()` writes one dated package into `files_dir`:

    <files_dir>/<YYYYMMDD>-<NNNNNN>/messages.jsonl   one Message per line, as sent over HTTP
                                    manifest.json    counts, sha256 of messages.jsonl, message ids
                                    manifest.sig     Standard Webhooks headers signing manifest.json

The package is written into a hidden temporary folder beside it (same file system), every file
and the folder fsynced, then renamed into place: the platform sees a whole package or none.
Receipts come back as JSON files in `receipts_dir` (one Receipt, or a list of them, per file);
`read_receipts` moves each file it read to `receipts_dir/done/` (one it cannot read to
`receipts_dir/invalid/`), so nothing is read twice and nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.core.clock import Clock
from app.integrations.platform import signing
from app.integrations.platform.outcome import Outcome
from app.integrations.platform.payloads import Message, Receipt

log = logging.getLogger(__name__)

MESSAGES = "messages.jsonl"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = "labor-credit-platform-package/1"
MAX_PACKAGES_A_DAY = 999_999
_RECEIPTS = TypeAdapter(Receipt | list[Receipt])


class FileTransport:
    def __init__(
        self, *, files_dir: Path, receipts_dir: Path, secrets: Sequence[str], clock: Clock
    ) -> None:
        if not secrets:
            raise ValueError("the file transport signs every manifest: give at least one secret")
        for secret in secrets:
            signing.secret_key(secret)
        self.files_dir = files_dir
        self.receipts_dir = receipts_dir
        self._secrets = tuple(secrets)
        self._clock = clock

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """One package holding `messages`; `awaiting_receipt` for each (`retry` for each when
        the package could not be written)."""
        if not messages:
            return []
        try:
            package = await asyncio.to_thread(self.write_package, messages)
        except OSError as exc:
            reason = f"package not written to {self.files_dir}: {exc}"
            return [Outcome("retry", reason=reason) for _ in messages]
        log.info("platform package written", extra={"package": str(package)})
        return [Outcome("awaiting_receipt") for _ in messages]

    def write_package(self, messages: Sequence[Message]) -> Path:
        """The package's folder, once renamed into place."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.files_dir / f".writing-{uuid.uuid4().hex}"
        temporary.mkdir()
        try:
            lines = b"".join(message.model_dump_json().encode() + b"\n" for message in messages)
            now = self._clock.now()
            day = self._clock.today().strftime("%Y%m%d")
            manifest = _manifest(messages, lines, created_at=now.isoformat())
            _write(temporary / MESSAGES, lines)
            return self._rename(temporary, day, manifest, int(now.timestamp()))
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    def _rename(self, temporary: Path, day: str, manifest: dict[str, Any], stamp: int) -> Path:
        """Into the day's next free number; a name another writer took meanwhile is skipped."""
        number = _last_number(self.files_dir, day)
        while number < MAX_PACKAGES_A_DAY:
            number += 1
            name = f"{day}-{number:06d}"
            content = json.dumps({**manifest, "package": name}, ensure_ascii=False, indent=2)
            _write(temporary / MANIFEST, content.encode())
            signed = signing.signature_headers(
                secrets=self._secrets, message_id=name, timestamp=stamp, body=content.encode()
            )
            _write(temporary / SIGNATURE, json.dumps(signed, indent=2).encode())
            _fsync_dir(temporary)
            target = self.files_dir / name
            try:
                os.rename(temporary, target)  # fails on an existing folder: never replaces it
            except OSError:
                if not target.exists():
                    raise
                continue
            _fsync_dir(self.files_dir)
            return target
        raise OSError(f"more than {MAX_PACKAGES_A_DAY} packages on {day}")

    def read_receipts(self) -> list[Receipt]:
        """The receipts of every `*.json` file in `receipts_dir`, in file-name order; each file
        read is moved to `done/`, an unreadable one to `invalid/` (logged)."""
        pending = self.pending_receipts()
        self.receipts_done([path for path, _ in pending])
        return [receipt for _, found in pending for receipt in found]

    def pending_receipts(self) -> list[tuple[Path, list[Receipt]]]:
        """Each readable receipt file not yet done, with its receipts, in file-name order, left
        in place until `receipts_done` (the caller stored them first: a failure re-reads them);
        an unreadable one is moved to `invalid/` (logged)."""
        if not self.receipts_dir.is_dir():
            return []
        pending: list[tuple[Path, list[Receipt]]] = []
        for path in sorted(self.receipts_dir.glob("*.json")):
            try:
                parsed = _RECEIPTS.validate_json(path.read_bytes())
            except ValidationError as exc:
                log.warning(
                    "unreadable platform receipt file moved to invalid/",
                    extra={"file": path.name, "errors": exc.error_count()},
                )
                _move(path, self.receipts_dir / "invalid")
                continue
            pending.append((path, parsed if isinstance(parsed, list) else [parsed]))
        return pending

    def receipts_done(self, paths: Sequence[Path]) -> None:
        """The files whose receipts were stored, moved to `done/`."""
        for path in paths:
            _move(path, self.receipts_dir / "done")


def _manifest(messages: Sequence[Message], lines: bytes, *, created_at: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created_at": created_at,
        "count": len(messages),
        "counts": {
            "type": dict(sorted(Counter(m.type.value for m in messages).items())),
            "subject": dict(sorted(Counter(m.subject.value for m in messages).items())),
            "employers": len({m.employer.uscc for m in messages}),
        },
        "files": {MESSAGES: {"sha256": hashlib.sha256(lines).hexdigest(), "bytes": len(lines)}},
        "message_ids": [str(m.message_id) for m in messages],
    }


def verify_package(
    package: Path, *, secrets: Sequence[str], now: int, tolerance: int | None = None
) -> dict[str, Any]:
    """The manifest of a package whose signature, counts and hash check (what the platform
    does); SignatureInvalid or ValueError otherwise. `tolerance` None: any age."""
    content = (package / MANIFEST).read_bytes()
    signed = json.loads((package / SIGNATURE).read_bytes())
    stamp = int(signed.get("webhook-timestamp", "0") or 0)
    signing.verify(
        secrets=secrets,
        headers=signed,
        body=content,
        now=now if tolerance is not None else stamp,
        tolerance=tolerance or 0,
    )
    manifest: dict[str, Any] = json.loads(content)
    lines = (package / MESSAGES).read_bytes()
    if hashlib.sha256(lines).hexdigest() != manifest["files"][MESSAGES]["sha256"]:
        raise ValueError(f"{MESSAGES} does not match the manifest's sha256")
    if len(lines.splitlines()) != manifest["count"]:
        raise ValueError(f"{MESSAGES} does not hold the manifest's count of messages")
    return manifest


def _last_number(folder: Path, day: str) -> int:
    numbers = [
        int(suffix)
        for path in folder.glob(f"{day}-*")
        if (suffix := path.name.removeprefix(f"{day}-")).isdigit()
    ]
    return max(numbers, default=0)


def _write(path: Path, content: bytes) -> None:
    with path.open("wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    os.replace(path, folder / path.name)
