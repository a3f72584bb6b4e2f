"""The ids new records are written under (a record's key is its first id): random, or a batch's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.records.service import batch_ids, random_ids


def test_random_ids_are_distinct_uuid4() -> None:
    ids = random_ids(5000)
    assert len(set(ids)) == 5000
    assert all(isinstance(i, uuid.UUID) for i in ids)
    assert {(i.version, i.variant) for i in ids} == {(4, uuid.RFC_4122)}
    assert all(uuid.UUID(str(i)) == i and hash(uuid.UUID(str(i))) == hash(i) for i in ids[:50])


def test_a_batch_shares_its_prefix_and_counts_up_from_its_time() -> None:
    at = datetime(2026, 12, 2, 3, 4, 5, 678000, tzinfo=UTC)
    ids = batch_ids(1000, at)
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert {i.int >> 32 for i in ids} == {ids[0].int >> 32}  # one 96-bit prefix
    assert [i.int & 0xFFFF_FFFF for i in ids] == list(range(0x1000_0000, 0x1000_0000 + 1000))
    assert ids[0].int >> 80 == int(at.timestamp() * 1000)
    other = batch_ids(1000, at)  # the same millisecond: another random tail, no overlap
    assert other[0] > ids[-1] or other[-1] < ids[0]
