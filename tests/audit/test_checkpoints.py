"""Signed checkpoints (Art 8): only the audit key signs one, each is one JSON line of the
checkpoints file, and the placeholder key never signs for a database of its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from app.audit import checkpoints
from app.core.config import DEVELOPMENT_AUDIT_KEY, Settings
from app.models.audit import Checkpoint, UnreadableCheckpoint
from tests.conftest import DATA_KEY, SECRET_KEY

AT = datetime(2026, 11, 26, 2, 0, 0, 123456, tzinfo=UTC)
HEAD = "ab" * 32


@pytest.fixture
def keyed(settings: Settings, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"audit_checkpoints_file": tmp_path / "kept.jsonl"})


def test_a_checkpoint_holds_only_as_signed(keyed: Settings) -> None:
    checkpoint = checkpoints.sign(settings=keyed, seq=41, hash_=HEAD, count=40, at=AT)
    assert checkpoints.signed_by(checkpoint, keyed)
    for change in ({"seq": 42}, {"count": 41}, {"hash": "cd" * 32}, {"at": AT.replace(second=1)}):
        assert not checkpoints.signed_by(checkpoint.model_copy(update=change), keyed), change
    other_key = keyed.model_copy(
        update={"audit_key": SecretStr("another-key-of-at-least-32-characters")}
    )
    assert not checkpoints.signed_by(checkpoint, other_key)


def test_export_appends_one_json_line_that_reads_back(keyed: Settings) -> None:
    first = checkpoints.sign(settings=keyed, seq=1, hash_=HEAD, count=1, at=AT)
    second = checkpoints.sign(settings=keyed, seq=2, hash_="cd" * 32, count=2, at=AT)
    checkpoints.export(first, keyed)
    checkpoints.export(second, keyed)
    lines = keyed.audit_checkpoints_path.read_text().splitlines()
    assert lines == [checkpoints.line(first), checkpoints.line(second)]
    assert checkpoints.read(keyed) == [first, second]
    assert all(checkpoints.signed_by(c, keyed) for c in checkpoints.read(keyed))  # type: ignore[arg-type]


def test_a_line_cut_short_is_closed_and_reported_not_glued(keyed: Settings) -> None:
    path = keyed.audit_checkpoints_path
    path.write_text('{"seq": 3, "hash": "ab')  # a crash in the middle of a write
    checkpoint = checkpoints.sign(settings=keyed, seq=4, hash_=HEAD, count=4, at=AT)
    checkpoints.export(checkpoint, keyed)
    (torn, kept) = checkpoints.read(keyed)
    assert isinstance(torn, UnreadableCheckpoint) and torn.line == 1
    assert kept == checkpoint


def test_a_missing_file_holds_no_checkpoint(keyed: Settings) -> None:
    assert checkpoints.read(keyed) == []


@pytest.mark.parametrize(
    "line",
    [
        '{"seq": 1}',
        '{"seq": -1, "hash": "' + HEAD + '", "count": 0, "at": "2026-11-26T02:00:00Z", '
        '"signature": "' + HEAD + '"}',
        '{"seq": 1, "hash": "' + HEAD + '", "count": 0, "at": "2026-11-26T02:00:00", '
        '"signature": "' + HEAD + '"}',  # no offset: not an instant
        "not json",
    ],
)
def test_a_line_that_is_not_a_checkpoint_is_unreadable(line: str) -> None:
    (found,) = checkpoints.parse(line + "\n", "kept.jsonl")
    assert isinstance(found, UnreadableCheckpoint) and found.source == "kept.jsonl"


def test_the_placeholder_key_is_refused_outside_the_embedded_database() -> None:
    own = {"secret_key": SECRET_KEY, "data_key": DATA_KEY}  # only the audit key a placeholder
    with pytest.raises(ValidationError, match="LABOR_CREDIT_AUDIT_KEY"):
        Settings(environment="development", database_url="postgresql://db/labor_credit", **own)
    with pytest.raises(ValidationError, match="LABOR_CREDIT_AUDIT_KEY"):
        Settings(environment="test", database_url="postgresql://db/labor_credit", **own)
    with pytest.raises(ValidationError, match="LABOR_CREDIT_AUDIT_KEY"):
        Settings(environment="production", **own)
    embedded = Settings(environment="development")
    assert embedded.audit_key.get_secret_value() == DEVELOPMENT_AUDIT_KEY
    with pytest.raises(ValidationError, match="audit_key"):
        Settings(environment="test", audit_key="short")


def test_a_checkpoint_is_refused_with_fields_it_does_not_have() -> None:
    with pytest.raises(ValidationError):
        Checkpoint.model_validate(
            {"seq": 1, "hash": HEAD, "count": 1, "at": AT, "signature": HEAD, "note": "x"}
        )
