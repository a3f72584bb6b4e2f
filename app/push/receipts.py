"""The platform's receipts: its answer per message — accepted with its acceptance number, or
rejected with its reasons — from the HTTP response (the sender records those), from a signed
callback to POST /api/v1/platform/receipts, or read back from the file transport's receipt
folder. Idempotent: the same receipt twice changes nothing; a different one is refused.

A 2xx without a receipt leaves the message `awaiting_receipt`; one still waiting
`push_receipt_overdue_hours` after delivery is overdue (the deliveries list and the stats).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.integrations.platform import signing
from app.integrations.platform.payloads import Receipt
from app.models.push import PushStatus, ReceiptIn, ReceiptRecorded
from app.push.problems import ReceiptConflicts, ReceiptSignatureInvalid

log = logging.getLogger(__name__)


def verify_callback(request: Request, body: bytes, settings: Settings) -> None:
    """The callback's Standard Webhooks signature, under one of the platform's callback secrets
    (two during a rotation), its timestamp within 5 minutes of the app's clock: besides the
    machine client's API key, so a leaked key alone cannot forge a receipt. No secret
    configured: every callback is refused (the receipts come in the answers then)."""
    if not settings.platform_callback_secrets:
        raise ReceiptSignatureInvalid(
            Text(
                "未配置平台回执回调的验签密钥（LABOR_CREDIT_PLATFORM_CALLBACK_SECRETS），不接收回调",
                "no secret to verify the platform's receipt callbacks is configured "
                "(LABOR_CREDIT_PLATFORM_CALLBACK_SECRETS): callbacks are refused",
            )
        )
    clock: Clock = request.app.state.clock
    try:
        signing.verify(
            secrets=settings.platform_callback_secrets, headers=dict(request.headers), body=body,
            now=int(clock.now().timestamp()),
        )  # fmt: skip
    except signing.SignatureInvalid as refused:
        raise ReceiptSignatureInvalid(
            Text(
                f"回执回调签名无效：{refused.reason}",
                f"the receipt callback's signature: {refused.reason}",
            )
        ) from None


_UPDATE = """
UPDATE push_messages SET status = :status, acceptance_number = :number,
       receipt_reasons = :reasons, receipt_received_at = :received_at,
       acknowledged_at = coalesce(acknowledged_at, :now), sent_on = coalesce(sent_on, :today),
       lease_until = NULL, claim_id = NULL, updated_at = :now
WHERE id = :id
"""


async def record(
    *, session: AsyncSession, receipt: ReceiptIn | Receipt, actor: Actor, clock: Clock
) -> ReceiptRecorded:
    """Store the receipt of one message (a dead or pending one too: the platform has it)."""
    row = (
        await session.execute(
            text("SELECT * FROM push_messages WHERE id = :id FOR UPDATE"),
            {"id": receipt.message_id},
        )
    ).one_or_none()
    if row is None:
        raise DoesNotExist(
            Text(
                f"消息 {receipt.message_id} 不存在", f"message {receipt.message_id} does not exist"
            )
        )
    # the platform's words as the columns hold them (a file's or an answer's may be longer)
    reasons = [r[:1000] for r in receipt.reasons[:50]] or None
    number = receipt.acceptance_number[:200] if receipt.acceptance_number else None
    if row.status in (PushStatus.accepted, PushStatus.rejected):
        same = (row.status, row.acceptance_number, row.receipt_reasons) == (
            receipt.status, number, reasons,
        )  # fmt: skip
        if not same:
            raise ReceiptConflicts(
                Text(
                    f"消息 {row.id} 已有回执（{row.status}，{row.acceptance_number or '无编号'}），"
                    "与这份不同",
                    f"message {row.id} has a receipt already ({row.status}, "
                    f"{row.acceptance_number or 'no number'}) that differs from this one",
                ),
                recorded_status=str(row.status),
            )
        return _recorded(row._mapping, repeated=True)
    now = clock.now()
    await session.execute(
        text(_UPDATE),
        {"id": row.id, "status": receipt.status, "number": number,
         "reasons": reasons, "received_at": receipt.received_at, "now": now,
         "today": clock.local(now).date()},
    )  # fmt: skip
    changes: dict[str, dict[str, Any]] = {"status": {"old": str(row.status), "new": receipt.status},
               "acceptance_number": {"old": None, "new": number}}  # fmt: skip
    await audit.record(
        session=session, actor=actor, action="platform_delivery.receipt",
        resource_type="push_message", resource_id=row.id, changes=changes,
    )  # fmt: skip
    return ReceiptRecorded(
        message_id=row.id, status=PushStatus(receipt.status),
        acceptance_number=number, receipt_reasons=reasons,
        receipt_received_at=receipt.received_at, repeated=False,
    )  # fmt: skip


def _recorded(row: Any, *, repeated: bool) -> ReceiptRecorded:
    return ReceiptRecorded(
        message_id=row["id"], status=PushStatus(row["status"]),
        acceptance_number=row["acceptance_number"], receipt_reasons=row["receipt_reasons"],
        receipt_received_at=row["receipt_received_at"], repeated=repeated,
    )  # fmt: skip


async def ingest(
    *, session: AsyncSession, receipts: Sequence[Receipt], actor: Actor, clock: Clock
) -> int:
    """Receipts read back from the file transport's folder; one for an unknown message or
    contradicting the recorded one is logged and left out. The number recorded."""
    recorded = 0
    for receipt in receipts:
        try:
            async with session.begin_nested():
                done = await record(session=session, receipt=receipt, actor=actor, clock=clock)
        except (DoesNotExist, ReceiptConflicts) as exc:
            log.warning("platform receipt left out", extra={"message_id": str(receipt.message_id),
                                                            "why": exc.detail.en})  # fmt: skip
            continue
        recorded += not done.repeated
    return recorded
