"""Idempotency-Key for machine clients' writes: a repeat returns the first answer, once stored."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.errors import InvalidField
from app.core.i18n import Text
from app.models.intake import IdempotentRequest


def request_hash(body: bytes) -> str:
    """A request's fingerprint: the SHA-256 of its body as sent. A repeat sends the same bytes
    (sorting and writing out a parsed batch of 1,000 records again cost more than a tenth of
    its handling)."""
    return hashlib.sha256(body).hexdigest()


def _canonical_hash(parsed: Any) -> str:
    """The fingerprint of keys stored before 2026-12-02: the hash of the parsed body as JSON with
    sorted keys. Asked only when the bytes' hash differs from the stored one."""
    canonical = json.dumps(parsed, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeyReused(InvalidField):
    slug = "idempotency-key-reused"
    title = Text("Idempotency-Key 已用于别的请求", "Idempotency-Key reused")
    about = Text(
        "同一个 Idempotency-Key 再次发送时请求体不同："
        "重复发送必须一字不差，服务才能原样回答上次的结果。",
        "An Idempotency-Key came again with a different body: a repeat must be the same request "
        "for the service to answer it with the stored result.",
    )
    remedy = Text(
        "新的一批数据用新的键（例如新的 UUID）；重发上一批时用原来的键和原来的请求体。",
        "Use a new key (a new UUID, say) for a new batch; resend a batch with its own key and "
        "its own body.",
    )


async def replay(
    *, session: AsyncSession, client_id: uuid.UUID, key: str, body: bytes, parsed: Any
) -> IdempotentRequest | None:
    """The stored answer for this key, or None: then this request owns the key. `body` as sent,
    `parsed` what it says (for a key stored before its bytes were hashed).

    The placeholder row is inserted first, so a concurrent repeat blocks on it until the first
    request commits (and then finds its answer) or rolls back (and then goes ahead itself).
    """
    body_hash = request_hash(body)
    claimed = await session.execute(
        insert(IdempotentRequest)
        .values(client_id=client_id, key=key, request_hash=body_hash, status_code=0, response={})
        .on_conflict_do_nothing()
        .returning(col(IdempotentRequest.key))
    )
    if claimed.first() is not None:
        return None
    stored = await session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.client_id == client_id, IdempotentRequest.key == key
        )
    )
    assert stored is not None
    if stored.request_hash != body_hash and stored.request_hash != _canonical_hash(parsed):
        raise IdempotencyKeyReused(
            ["header", "idempotency-key"],
            Text(
                "这个 Idempotency-Key 已用于另一个请求体；请换一个新的键",
                "this Idempotency-Key was used for a different request body; use a new key",
            ),
            kind="idempotency.reused",
        )
    return stored


_REMEMBER = text(
    "UPDATE idempotent_requests SET status_code = :status_code, response = CAST(:response AS jsonb)"
    " WHERE client_id = :client_id AND key = :key"
)


async def remember(
    *, session: AsyncSession, client_id: uuid.UUID, key: str, status_code: int, response: str
) -> None:
    """The answer to replay for this key, already serialised: its JSON text is stored as it is."""
    await session.execute(
        _REMEMBER,
        {"client_id": client_id, "key": key, "status_code": status_code, "response": response},
    )
