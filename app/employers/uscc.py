"""Unified social credit code (统一社会信用代码, GB 32100-2015): normalise, check."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}


class UsccError(ValueError):
    """Names the rule a code broke: `rule` is length, character or check."""

    def __init__(self, rule: str, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.expected = expected


def normalise(raw: str) -> str:
    """Trim, drop spaces and hyphens, full-width to half-width (NFKC), upper-case."""
    folded = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in folded if ch not in " \t-\u00a0").upper()


def check_character(first17: str) -> str:
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str, *, allow_checksum_exception: bool = False) -> str:
    """Return the normalised code or raise UsccError naming the broken rule."""
    code = normalise(code)
    if len(code) != 18:
        raise UsccError("length", f"a USCC has 18 characters, this one has {len(code)}")
    for position, ch in enumerate(code, start=1):
        if ch not in VALUES:
            raise UsccError(
                "character",
                f"character {ch!r} at position {position} is not allowed "
                f"(allowed: {ALPHABET}; I, O, Z, S and V are never used)",
            )
    expected = check_character(code[:17])
    if code[17] != expected and not allow_checksum_exception:
        raise UsccError(
            "check",
            f"check character is {code[17]!r} but the first 17 characters require {expected!r}",
            expected=expected,
        )
    return code


def make(prefix17: str) -> str:
    """Complete 17 characters with their check character (used by demo data and tests)."""
    return prefix17 + check_character(prefix17)
