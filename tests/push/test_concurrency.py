"""Two pushers at once, each on its own connections (a database of this module's own, committed
for real): no message is sent twice, and each employer's messages go in sequence."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import migrations
from app.core.db import create_engine, session_factory
from app.models.employer import Employer
from app.models.event import EventSubject as S
from app.push import sender
from tests.conftest import new_uscc, server_settings, throwaway_database
from tests.push.support import RecordingTransport, consume, emit

EMPLOYERS, EACH = 12, 4


@pytest.fixture(scope="module")
async def pushed_url(database_url: str) -> AsyncIterator[str]:
    async with throwaway_database(database_url, "push") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        yield url


async def _queued(factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    async with factory() as session, session.begin():
        for n in range(EMPLOYERS):
            employer = Employer(
                uscc=new_uscc(),
                name=f"并发测试{n}有限公司",
                subject_type="enterprise",
                legal_representative="张三",
                town="凤城镇",
                industry_code="C1311",
            )  # type: ignore[arg-type]
            session.add(employer)
            await session.flush()
            for k in range(EACH):
                await emit(
                    session,
                    "disclosure.updated",
                    subject=S.disclosure,
                    employer_id=employer.id,
                    payload={"k": k, "id": str(uuid.uuid4())},
                )
        await consume(session, clock)


async def test_two_pushers_at_once_never_send_a_message_twice(pushed_url, clock):  # type: ignore[no-untyped-def]
    settings = server_settings(pushed_url, push_batch=5, push_jitter=0.0)
    engines = [create_engine(pushed_url, pool_size=2) for _ in range(3)]
    try:
        await _queued(session_factory(engines[0]), clock)
        log: list = []  # type: ignore[type-arg]
        transports = [
            RecordingTransport(delay=0.01, log=log),
            RecordingTransport(delay=0.013, log=log),
        ]
        counts = await asyncio.gather(
            *(
                sender.drain(
                    factory=session_factory(engine),
                    transport=transport,
                    settings=settings,
                    clock=clock,
                )
                for engine, transport in zip(engines[1:], transports, strict=True)
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    sent = [m for t in transports for m in t.sent]
    assert sum(counts) == len(sent) == EMPLOYERS * EACH
    assert len({m.message_id for m in sent}) == len(sent)  # none twice
    assert all(t.sent for t in transports)  # both took part
    # in order per employer, across both pushers, as the platform saw them arrive
    arrived: dict[str, list[int]] = defaultdict(list)
    for message in log:
        arrived[message.employer.uscc].append(message.sequence)
    assert len(arrived) == EMPLOYERS
    assert all(seqs == list(range(1, EACH + 1)) for seqs in arrived.values())
