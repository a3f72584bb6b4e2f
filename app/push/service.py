"""An operator's replay of dead-lettered or rejected messages: back to pending with their
attempts reset, the same message id and sequence (the platform de-duplicates by id), audited.
The employer's messages that waited behind a dead letter (`sender`) then follow it in order."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.models.push import PushMessage, PushStatus, ReplayRange
from app.push.problems import DeliveryNotReplayable

REPLAYABLE = (PushStatus.dead.value, PushStatus.rejected.value)
_RESET = """
status = 'pending', attempts = 0, next_attempt_at = :now, last_error = NULL,
acceptance_number = NULL, receipt_reasons = NULL, receipt_received_at = NULL,
acknowledged_at = NULL, updated_at = :now
"""


async def replay(
    *, session: AsyncSession, message_id: uuid.UUID, actor: Actor, clock: Clock
) -> PushMessage:
    message = await session.get(PushMessage, message_id, with_for_update=True)
    if message is None:
        raise DoesNotExist(
            Text(f"消息 {message_id} 不存在", f"message {message_id} does not exist")
        )
    if message.status not in REPLAYABLE:
        status = PushStatus(message.status)
        raise DeliveryNotReplayable(
            Text(
                f"消息 {message_id} {status.zh}：只重发死信和被拒收的消息",
                f"message {message_id} is {status.value}: only dead or rejected messages are "
                "replayed",
            ),
            delivery_status=status.value,
        )
    await _audit(session, actor, [(message.id, str(message.status), message.last_error)])
    now = clock.now()
    await session.execute(
        text(f"UPDATE push_messages SET {_RESET} WHERE id = :id"),
        {"id": message_id, "now": now},
    )
    await session.refresh(message)
    return message


async def replay_range(
    *, session: AsyncSession, data: ReplayRange, actor: Actor, clock: Clock
) -> list[uuid.UUID]:
    """Every dead (and rejected, or only `status`) message created in [from, to)."""
    statuses = [data.status.value] if data.status else list(REPLAYABLE)
    found = (
        await session.execute(
            text(
                f"UPDATE push_messages m SET {_RESET} "
                "FROM (SELECT id, status, last_error FROM push_messages "
                "      WHERE status = ANY(:statuses) AND created_at >= :from_ "
                "        AND created_at < :to "
                "        AND (CAST(:employer_id AS uuid) IS NULL OR employer_id = :employer_id) "
                "      FOR UPDATE) old "
                "WHERE m.id = old.id RETURNING m.id, old.status, old.last_error"
            ),
            {"statuses": statuses, "from_": data.from_, "to": data.to,
             "employer_id": data.employer_id, "now": clock.now()},
        )
    ).all()  # fmt: skip
    await _audit(session, actor, [(row.id, row.status, row.last_error) for row in found])
    return [row.id for row in found]


async def _audit(
    session: AsyncSession, actor: Actor, replayed: list[tuple[uuid.UUID, str, str | None]]
) -> None:
    if not replayed:
        return
    await audit.record_many(
        session=session, actor=actor, action="platform_delivery.replay",
        resource_type="push_message",
        entries=[(i, {"status": {"old": status, "new": "pending"},
                      "last_error": {"old": error, "new": None}}) for i, status, error in replayed],
    )  # fmt: skip
