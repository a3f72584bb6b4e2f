"""Messages for the platform tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.integrations.platform.payloads import Employer, Message, MessageType, Subject

USCC_A = "91141121MA0K1234X5"
USCC_B = "91141121MA0K5678Y1"


def message(
    sequence: int = 1, *, uscc: str = USCC_A, subject_id: uuid.UUID | None = None
) -> Message:
    return Message(
        message_id=uuid.uuid4(),
        type=MessageType.upsert,
        sequence=sequence,
        occurred_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        subject=Subject.evaluation,
        subject_id=subject_id or uuid.uuid4(),
        employer=Employer(uscc=uscc, name="文水县宏达建筑工程有限公司"),
        data={"grade": "B"},
    )


def messages(count: int, *, uscc: str = USCC_A, first: int = 1) -> list[Message]:
    return [message(first + n, uscc=uscc) for n in range(count)]
