"""Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
`"{webhook-id}.{webhook-timestamp}.{body}"` with HMAC-SHA256 under each active secret and sends
`webhook-signature: v1,<base64> v1,<base64>` (one entry per secret, so a receiver holding either
the old or the new secret of a rotation verifies). Secrets are `whsec_<base64 of the key>`.

The timestamp is given by the caller (its clock), and so is `now` when verifying.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from app.core.config import WEBHOOK_SECRET_PREFIX as SECRET_PREFIX
from app.core.config import webhook_secret_key as secret_key

__all__ = [
    "SECRET_PREFIX",
    "SignatureInvalid",
    "headers",
    "new_secret",
    "secret_key",
    "sign",
    "signature_headers",
    "verify",
]

DEFAULT_TOLERANCE_SECONDS = 300  # the spec's five minutes


class SignatureInvalid(Exception):
    """A signed request that does not verify; `reason` says why (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_secret() -> str:
    """A fresh random `whsec_` secret of 32 bytes."""
    import secrets

    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _digest(key: bytes, message_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under `secret`."""
    digest = _digest(secret_key(secret), message_id, timestamp, body)
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(
    *, secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers, one `v1` entry per secret."""
    if not secrets:
        raise ValueError("no secret to sign with")
    entries = (
        sign(secret=s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(entries),
    }


def headers(
    *, secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """What a signed JSON POST carries: the signature headers, `Idempotency-Key` (the message
    id: the platform keeps one copy per key) and the content type."""
    return {
        **signature_headers(secrets=secrets, message_id=message_id, timestamp=timestamp, body=body),
        "Idempotency-Key": message_id,
        "Content-Type": "application/json",
    }


def verify(
    *,
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Nothing when one `v1` entry of `webhook-signature` is the signature under one of
    `secrets` and the timestamp is within `tolerance` seconds of `now`; SignatureInvalid else."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signature = lowered.get("webhook-signature", "")
    if not (message_id and stamp and signature):
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isascii() or not stamp.isdigit():
        raise SignatureInvalid("webhook-timestamp is not whole seconds since 1970")
    timestamp = int(stamp)
    if timestamp < now - tolerance:
        raise SignatureInvalid(f"webhook-timestamp is more than {tolerance} s old")
    if timestamp > now + tolerance:
        raise SignatureInvalid(f"webhook-timestamp is more than {tolerance} s ahead")
    offered = _offered(signature)
    if not offered:
        raise SignatureInvalid("webhook-signature holds no v1 entry")
    for secret in secrets:
        expected = _digest(secret_key(secret), message_id, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return
    raise SignatureInvalid("no v1 signature matches a secret of the receiver")


def _offered(signature: str) -> list[bytes]:
    """The decoded `v1` signatures of the header (other versions and garbage skipped)."""
    found = []
    for entry in signature.split():
        version, comma, encoded = entry.partition(",")
        if version != "v1" or not comma:
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found
