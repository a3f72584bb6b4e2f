"""Personal data (ID numbers, phones): AES-GCM at rest, masked unless the caller's role needs it."""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _cipher(key_b64: str) -> AESGCM:
    key = base64.b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("LABOR_CREDIT_DATA_KEY must be base64 of exactly 32 bytes")
    return AESGCM(key)


def encrypt(plain: str, key_b64: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _cipher(key_b64).encrypt(nonce, plain.encode(), None)


def decrypt(blob: bytes, key_b64: str) -> str:
    return _cipher(key_b64).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None).decode()


def mask(value: str, *, head: int, tail: int) -> str:
    """`141121199001011234` -> `1411**********1234` (head 4, tail 4)."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    return mask(value, head=4, tail=4)


def mask_phone(value: str) -> str:
    return mask(value, head=3, tail=4)
