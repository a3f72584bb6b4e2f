"""The hash of an intake item's content: the one every stored `intake_items.content_hash` has.

A repeat is `unchanged` only while the hash of its content equals the stored one, so the text
hashed must stay what it was: sorted keys, `json.dumps`' separators, values as their strings,
decimals normalised. The expected text is spelt out here the way it was first computed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from asyncpg.pgproto import pgproto

from app.intake.checks import built_content
from app.intake.digests import content_hash, content_hashes
from app.models.credit_record import CreditRecordCreate

BASE: dict[str, Any] = {
    "employer_id": str(uuid.UUID(int=7)),
    "category": "dishonesty",
    "source": "social_insurance",
    "kind": "social_insurance",
    "occurred_date": "2025-03-01",
    "title": '未足额缴纳社会保险费 "引号" \\ é 😀',
    "decision_number": "文社保罚〔2025〕1号",
    "decision_date": "2025-03-10",
    "penalty_category": "fine",
    "fine_amount": "5000.00",
    "punished": True,
    "severity": "general",
}


def first_hash(content: CreditRecordCreate) -> str:
    def canonical(value: Any) -> str:
        return str(value.normalize()) if isinstance(value, Decimal) else str(value)

    text = json.dumps(content.model_dump(), sort_keys=True, ensure_ascii=False, default=canonical)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"fine_amount": "0", "punished": False},
        {"fine_amount": "12.30"},
        {"fine_amount": None, "penalty_category": None},
        {"description": "a\tb\nc\u2028", "remarks": "\x1f", "penalty_valid_until": "2026-01-01"},
        {
            "serious_conditions": ["refused_to_perform"],
            "severity": "serious",
            "rectification": {"ordered_date": "2025-03-10", "rectified_date": "2025-04-01"},
        },
    ],
)
def test_the_hash_is_the_one_stored_before(changes: dict[str, Any]) -> None:
    content = CreditRecordCreate.model_validate({**BASE, **changes})
    assert content_hash(content) == first_hash(content)


def test_equal_amounts_however_written_hash_equal() -> None:
    written = [
        CreditRecordCreate.model_validate({**BASE, "fine_amount": a}) for a in ("5000", "5000.00")
    ]
    assert content_hash(written[0]) == content_hash(written[1])
    other = CreditRecordCreate.model_validate({**BASE, "fine_amount": "5000.01"})
    assert content_hash(other) != content_hash(written[0])


@pytest.mark.parametrize("changes", [{}, {"rectification": {"ordered_date": "2025-03-10"}}])
def test_built_content_is_what_model_construct_makes(changes: dict[str, Any]) -> None:
    checked = CreditRecordCreate.model_validate({**BASE, **changes})
    values = dict(reversed(checked.__dict__.items()))  # any order in, the fields' order out
    built, constructed = built_content(values), CreditRecordCreate.model_construct(**values)
    assert built == constructed
    assert (
        list(built.__dict__) == list(constructed.__dict__) == list(CreditRecordCreate.model_fields)
    )
    assert built.model_fields_set == constructed.model_fields_set
    assert (built.__pydantic_extra__, built.__pydantic_private__) == (None, None)
    assert built.model_dump() == checked.model_dump()
    assert content_hash(built) == first_hash(checked)


def test_content_missing_a_field_gets_its_default() -> None:
    values = dict(CreditRecordCreate.model_validate(BASE).__dict__)
    del values["remarks"]
    built = built_content(values)
    assert built.remarks is None and "remarks" not in built.model_fields_set


def test_an_employer_id_read_by_asyncpg_hashes_as_any_uuid() -> None:
    """Intake takes the employer's id from the database: asyncpg's own UUID type."""
    content = CreditRecordCreate.model_validate(BASE)
    values = {**content.__dict__, "employer_id": pgproto.UUID(str(content.employer_id))}
    assert type(values["employer_id"]) is not uuid.UUID
    assert content_hash(built_content(values)) == content_hash(content) == first_hash(content)


def test_a_batch_hashes_each_content_as_it_would_alone() -> None:
    """Column by column for a batch: every content's hash is still the one first computed."""
    variants: list[dict[str, Any]] = [
        {},
        {"fine_amount": "12.30", "title": '引号"与\\反斜杠', "remarks": "\x1f\u2028"},
        {"fine_amount": None, "penalty_category": None, "severity": None},
        {"serious_conditions": ["refused_to_perform"], "severity": "serious"},
        {"rectification": {"ordered_date": "2025-03-10", "rectified_date": "2025-04-01"}},
    ]
    contents = [CreditRecordCreate.model_validate({**BASE, **v}) for v in variants]
    expected = [first_hash(c) for c in contents]
    assert content_hashes(contents) == expected
    short = dict(contents[0].__dict__)
    del short["remarks"]  # one content missing a field: the batch still hashes each right
    mixed = [*contents, built_content(short)]
    assert content_hashes(mixed) == [*expected, first_hash(built_content(short))]
    assert content_hashes([]) == []
