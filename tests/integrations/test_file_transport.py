"""The file transport: one dated, signed package per send, written atomically; receipts read
back from their folder and moved to done/."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from app.core.clock import Clock
from app.integrations.platform import files, signing
from app.integrations.platform.client import FileTransport
from app.integrations.platform.payloads import Message
from tests.integrations.factories import USCC_B, message, messages

SECRET = signing.new_secret()
# 2026-11-26 01:30 in Shanghai is still the 25th in UTC: the package is named by the legal day
NOW = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)


def _transport(root: Path, clock: Clock | None = None) -> FileTransport:
    return FileTransport(
        files_dir=root / "outbox",
        receipts_dir=root / "receipts",
        secrets=[SECRET],
        clock=clock or Clock.pinned(NOW),
    )


async def test_a_package_of_json_lines_with_a_signed_manifest(tmp_path: Path) -> None:
    transport = _transport(tmp_path)
    sent = [*messages(2), message(uscc=USCC_B)]
    outcomes = await transport.send(sent)
    assert [o.kind for o in outcomes] == ["awaiting_receipt"] * 3
    (package,) = (tmp_path / "outbox").iterdir()  # no temporary folder left behind
    assert package.name == "20261126-000001"
    assert sorted(p.name for p in package.iterdir()) == ["manifest.json", "manifest.sig",
                                                         "messages.jsonl"]  # fmt: skip
    lines = (package / "messages.jsonl").read_bytes()
    assert [Message.model_validate_json(line) for line in lines.splitlines()] == sent
    manifest = json.loads((package / "manifest.json").read_bytes())
    assert manifest["package"] == "20261126-000001"
    assert manifest["count"] == 3
    assert manifest["counts"] == {"type": {"upsert": 3}, "subject": {"evaluation": 3},
                                  "employers": 2}  # fmt: skip
    assert manifest["files"]["messages.jsonl"] == {
        "sha256": hashlib.sha256(lines).hexdigest(),
        "bytes": len(lines),
    }
    assert manifest["message_ids"] == [str(m.message_id) for m in sent]
    checked = files.verify_package(package, secrets=[SECRET], now=0)
    assert checked == manifest


async def test_the_manifest_signature_verifies_with_standardwebhooks(tmp_path: Path) -> None:
    transport = _transport(tmp_path, Clock("Asia/Shanghai"))  # the package checks the wall clock
    await transport.send(messages(1))
    (package,) = (tmp_path / "outbox").iterdir()
    headers = json.loads((package / "manifest.sig").read_bytes())
    assert headers["webhook-id"] == package.name
    Webhook(SECRET).verify((package / "manifest.json").read_bytes(), headers)


async def test_a_tampered_package_does_not_verify(tmp_path: Path) -> None:
    transport = _transport(tmp_path)
    await transport.send(messages(2))
    (package,) = (tmp_path / "outbox").iterdir()
    with pytest.raises(signing.SignatureInvalid):
        files.verify_package(package, secrets=[signing.new_secret()], now=0)
    with (package / "messages.jsonl").open("ab") as jsonl:
        jsonl.write(b"{}\n")
    with pytest.raises(ValueError, match="sha256"):
        files.verify_package(package, secrets=[SECRET], now=0)


async def test_packages_of_a_day_are_numbered_on_and_an_empty_send_writes_none(
    tmp_path: Path,
) -> None:
    transport = _transport(tmp_path)
    assert await transport.send([]) == []
    assert not (tmp_path / "outbox").exists()
    for _ in range(3):
        await transport.send(messages(1))
    # a package another writer renamed into place meanwhile is not replaced
    (tmp_path / "outbox" / "20261126-000005").mkdir()
    (tmp_path / "outbox" / "20261126-000005" / "messages.jsonl").write_text("theirs")
    await transport.send(messages(1))
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert names == [f"20261126-00000{n}" for n in (1, 2, 3, 5, 6)]
    assert (tmp_path / "outbox" / "20261126-000005" / "messages.jsonl").read_text() == "theirs"


async def test_a_package_that_cannot_be_written_is_a_retry_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "outbox").write_text("a file where the folder should be")
    outcomes = await _transport(tmp_path).send(messages(2))
    assert [o.kind for o in outcomes] == ["retry", "retry"]
    assert "package not written" in outcomes[0].reason


async def test_a_failure_midway_removes_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = _transport(tmp_path)
    await transport.send(messages(1))
    monkeypatch.setattr(files, "MAX_PACKAGES_A_DAY", 1)  # the day's numbers run out
    outcomes = await transport.send(messages(1))
    assert outcomes[0].kind == "retry" and "more than 1 packages" in outcomes[0].reason
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["20261126-000001"]


def _receipt(message_id: uuid.UUID, status: str = "accepted") -> dict[str, object]:
    return {
        "message_id": str(message_id),
        "status": status,
        "acceptance_number": "LL1" if status == "accepted" else None,
        "reasons": [] if status == "accepted" else ["字段缺失"],
        "received_at": "2026-11-26T03:00:00Z",
    }


def test_receipts_are_read_once_and_moved_to_done(tmp_path: Path) -> None:
    transport = _transport(tmp_path)
    assert transport.read_receipts() == []  # no folder yet
    folder = tmp_path / "receipts"
    folder.mkdir()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    (folder / "a.json").write_text(json.dumps(_receipt(first)))
    (folder / "b.json").write_text(json.dumps([_receipt(second, "rejected"), _receipt(third)]))
    (folder / "c.json").write_text("{not json")
    (folder / "d.json.part").write_text("being written")  # not a receipt file (yet)
    receipts = transport.read_receipts()
    assert [(r.message_id, r.status) for r in receipts] == [
        (first, "accepted"),
        (second, "rejected"),
        (third, "accepted"),
    ]
    assert receipts[1].reasons == ["字段缺失"]
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["a.json", "b.json"]
    assert [p.name for p in (folder / "invalid").iterdir()] == ["c.json"]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["d.json.part"]
    assert transport.read_receipts() == []  # nothing read twice
