"""The random draw of an inspection plan (双随机、一公开): a published algorithm over a
published seed.

Pure: no database, no clock, no Python `random`. Anyone holding what the plan publishes (the seed
once revealed, the eligible list and the inspectors list, GET /api/v1/inspection-plans/{id} and
.../eligible) re-runs it with HMAC-SHA256 alone and gets the same draw.

Algorithm `hmac-sha256-v1` (docs/law.md §12):

1. The seed is 32 random bytes (`secrets.token_bytes`), written as 64 lowercase hex digits. The
   commitment, published before the draw, is `SHA-256(seed bytes)` in lowercase hex.
2. Each eligible unit's draw key is `HMAC-SHA256(key=seed bytes, msg="unit:" + uscc)` (UTF-8),
   in lowercase hex. Per grade (A, B, C) of the `n` eligible units of that grade, the
   `ceil(ratio × n)` with the lowest keys are selected (keys compared as hex strings, i.e. as
   bytes; ties, which do not happen, would fall to the lower USCC).
3. Each selected unit gets its visits by the patrol schedule (app.supervision.rules.visit_months).
   For a visit in month `YYYY-MM`, every inspector of the published list is given the key
   `HMAC-SHA256(seed bytes, "inspector:" + uscc + ":" + YYYY-MM + ":" + username)`; the inspectors
   excluded for that unit (they collected one of its credit records in the cycle) are skipped,
   and the two with the lowest keys are assigned (ties to the lower username).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ALGORITHM = "hmac-sha256-v1"
SEED_BYTES = 32
INSPECTORS_PER_VISIT = 2
GRADES = ("A", "B", "C")


def commitment(seed: bytes) -> str:
    """What is published before the draw: SHA-256 of the seed's bytes, lowercase hex."""
    return hashlib.sha256(seed).hexdigest()


def _key(seed: bytes, message: str) -> str:
    return hmac.new(seed, message.encode(), hashlib.sha256).hexdigest()


def unit_key(seed: bytes, uscc: str) -> str:
    return _key(seed, "unit:" + uscc)


def inspector_key(seed: bytes, uscc: str, month: date, username: str) -> str:
    return _key(seed, f"inspector:{uscc}:{month:%Y-%m}:{username}")


@dataclass(frozen=True)
class Eligible:
    uscc: str
    grade: str
    excluded: frozenset[str] = frozenset()  # usernames that may not inspect this unit


def selected_count(ratio: Decimal, n: int) -> int:
    """ceil(ratio × n), in decimal arithmetic (0.1 × 30 is 3, never 3.0000000000000004 → 4)."""
    return min(n, math.ceil(ratio * n))


def select(seed: bytes, units: Iterable[Eligible], ratios: dict[str, Decimal]) -> dict[str, str]:
    """The selected units' USCCs, each with its draw key."""
    by_grade: dict[str, list[tuple[str, str]]] = {g: [] for g in GRADES}
    for unit in units:
        by_grade[unit.grade].append((unit_key(seed, unit.uscc), unit.uscc))
    chosen: dict[str, str] = {}
    for grade, keyed in by_grade.items():
        keyed.sort()
        for key, uscc in keyed[: selected_count(ratios[grade], len(keyed))]:
            chosen[uscc] = key
    return chosen


def assign(
    seed: bytes, uscc: str, month: date, inspectors: Sequence[str], excluded: frozenset[str]
) -> list[str]:
    """The two inspectors of one visit (fewer only when fewer are not excluded)."""
    keyed = sorted(
        (inspector_key(seed, uscc, month, name), name)
        for name in inspectors
        if name not in excluded
    )
    return [name for _, name in keyed[:INSPECTORS_PER_VISIT]]
