"""Personal data (ID numbers, phones): AES-GCM at rest under a versioned key, each ciphertext bound
to its row and column; masked unless the caller's role needs it.

A ciphertext (format 1) is `01`, the key's version (2 bytes, big-endian), a 12-byte nonce, then
AES-GCM's ciphertext and tag. Its associated data is that header and the place it belongs (table,
column, row id): a ciphertext copied to another row or column does not decrypt, nor does one
whose header was altered. Format 0 is what was stored before keys had versions (migration 0019
marked it with a `00` byte): nonce and ciphertext under key version 1, bound to nothing; it is
read until `labor-credit rotate-data-key` rewrites it (core.rekeying).
"""

from __future__ import annotations

import logging
import os
import struct
import uuid
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.config import Settings

log = logging.getLogger(__name__)

NONCE_BYTES = 12
LEGACY, BOUND = 0, 1  # formats: the first byte of a ciphertext
LEGACY_KEY_VERSION = 1  # the key format 0 was written with
_HEADER = struct.Struct(">BH")  # format, key version


@dataclass(frozen=True)
class Column:
    """A column holding personal data, and what the API and the audit trail call it."""

    table: str
    column: str
    resource_type: str  # as the audit trail names the row
    field: str  # as the API names the value

    def place(self, row_id: uuid.UUID) -> bytes:
        return f"{self.table}\0{self.column}\0{row_id}".encode()


EMPLOYER_ID_NUMBER = Column(
    "employers",
    "legal_representative_id_number_enc",
    "employer",
    "legal_representative_id_number",
)
EMPLOYER_PHONE = Column("employers", "contact_phone_enc", "employer", "contact_phone")
LISTED_PERSON_ID_NUMBER = Column(
    "blacklist_persons", "id_number_enc", "blacklist_person", "id_number"
)
# Every column of personal data: what `labor-credit rotate-data-key` re-encrypts.
COLUMNS = (EMPLOYER_ID_NUMBER, EMPLOYER_PHONE, LISTED_PERSON_ID_NUMBER)


class Unreadable(Exception):
    """A ciphertext that does not decrypt here: moved from another row or column, altered, of an
    unknown format, or under a key no longer configured."""


class Keyring:
    """The current data key (new ciphertexts) and every key still read, by version."""

    def __init__(self, current: int, keys: dict[int, bytes]) -> None:
        self.current = current
        self._ciphers = {version: AESGCM(key) for version, key in keys.items()}
        self.header = _HEADER.pack(BOUND, current)

    def cipher(self, version: int) -> AESGCM:
        try:
            return self._ciphers[version]
        except KeyError:
            raise Unreadable(f"key version {version} is not configured") from None


def keyring(settings: Settings) -> Keyring:
    current, keys = settings.data_keys()
    return _keyring(current, tuple(sorted(keys.items())))


@lru_cache(maxsize=4)
def _keyring(current: int, keys: tuple[tuple[int, bytes], ...]) -> Keyring:
    return Keyring(current, dict(keys))


def encrypt(plain: str, *, keys: Keyring, column: Column, row_id: uuid.UUID) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys.cipher(keys.current).encrypt(
        nonce, plain.encode(), keys.header + column.place(row_id)
    )
    return keys.header + nonce + sealed


def decrypt(blob: bytes, *, keys: Keyring, column: Column, row_id: uuid.UUID) -> str:
    """The plain text; Unreadable when `blob` is not this row's and column's under a known key."""
    blob = bytes(blob)
    try:
        if blob[:1] == bytes([LEGACY]):
            body, associated = blob[1:], None
            cipher = keys.cipher(LEGACY_KEY_VERSION)
        elif blob[:1] == bytes([BOUND]) and len(blob) > _HEADER.size + NONCE_BYTES:
            header, body = blob[: _HEADER.size], blob[_HEADER.size :]
            associated = header + column.place(row_id)
            cipher = keys.cipher(_HEADER.unpack(header)[1])
        else:
            raise Unreadable("not a ciphertext of a known format")
        return cipher.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated).decode()
    except InvalidTag:
        raise Unreadable("does not decrypt for its row and column") from None
    except UnicodeDecodeError:
        raise Unreadable("decrypts to no text") from None


def reveal(blob: bytes, *, keys: Keyring, column: Column, row_id: uuid.UUID) -> str | None:
    """The plain text, or None when it cannot be read (logged: the row, column and why)."""
    try:
        return decrypt(blob, keys=keys, column=column, row_id=row_id)
    except Unreadable as exc:
        log.error(
            "personal data unreadable",
            extra={"table": column.table, "column": column.column, "row_id": str(row_id),
                   "reason": str(exc)},
        )  # fmt: skip
        return None


def version(blob: bytes) -> dict[str, int]:
    """A ciphertext's format and key version, as the audit trail records a re-encryption."""
    if blob[:1] == bytes([BOUND]):
        return {"format": BOUND, "key_version": _HEADER.unpack(bytes(blob[: _HEADER.size]))[1]}
    return {"format": LEGACY, "key_version": LEGACY_KEY_VERSION}


def mask(value: str, *, head: int, tail: int) -> str:
    """`141121199001011234` -> `1411**********1234` (head 4, tail 4)."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    return mask(value, head=4, tail=4)


def mask_phone(value: str) -> str:
    return mask(value, head=3, tail=4)
