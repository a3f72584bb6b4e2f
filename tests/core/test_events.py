"""The event log kit: a consumer handles each event of its types once, whatever else the log
holds, and its watermark passes only what it handled long enough ago."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import events
from app.core.clock import Clock
from app.core.events import Consumer, Event
from app.core.jobs import Context

HORIZON = timedelta(minutes=15)


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.seen: list[Event] = []
        self.fail = fail

    async def __call__(
        self, *, session: AsyncSession, events: Sequence[Event], clock: Clock
    ) -> None:
        if self.fail:
            raise RuntimeError("the stage broke")
        self.seen.extend(events)


def _consumer(recorder: Recorder, *types: str) -> Consumer:
    return Consumer(name=f"test-{uuid.uuid4().hex[:8]}", types=frozenset(types), handle=recorder)


async def _emit(session: AsyncSession, employer_id: uuid.UUID, *types: str) -> None:
    """Events about a subject other than a record (the log is no longer records only)."""
    rows = [
        {
            "event_type": event_type,
            "subject_type": "test_subject",
            "subject_id": uuid.uuid4(),
            "record_id": None,
            "employer_id": employer_id,
            "payload": {"n": n, "名称": "文水"},
        }
        for n, event_type in enumerate(types)
    ]
    await events.emit(session=session, events=rows)


async def _consume(
    session: AsyncSession, consumer: Consumer, clock: Clock, batch: int = 100
) -> int:
    return await events.consume(
        session=session, consumer=consumer, clock=clock, batch=batch, horizon=HORIZON
    )


async def _watermark(session: AsyncSession, consumer: Consumer) -> int:
    found = await session.scalar(
        text("SELECT last_event_id FROM event_consumers WHERE name = :n"), {"n": consumer.name}
    )
    return int(found or 0)


async def _age_receipts(session: AsyncSession, consumer: Consumer) -> None:
    """As if the receipts were written longer ago than any transaction lasts."""
    await session.execute(
        text(
            "UPDATE consumed_events SET consumed_at = consumed_at - interval '1 hour' "
            "WHERE consumer = :n"
        ),
        {"n": consumer.name},
    )


@pytest.fixture
async def employer_id(make_employer) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return (await make_employer()).id


async def test_a_consumer_handles_its_types_once(session, employer_id, clock) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    consumer = _consumer(recorder, "listing.created")
    await _emit(session, employer_id, "listing.created", "grade.final", "listing.created")
    assert await _consume(session, consumer, clock) == 2
    assert [e.event_type for e in recorder.seen] == ["listing.created", "listing.created"]
    assert recorder.seen[0].payload == {"n": 0, "名称": "文水"}
    assert recorder.seen[0].subject_type == "test_subject"
    assert recorder.seen[0].record_id is None
    assert await _consume(session, consumer, clock) == 0  # the receipts hold
    assert len(recorder.seen) == 2


async def test_batches_are_bounded_and_in_log_order(session, employer_id, clock) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    consumer = _consumer(recorder, "t")
    await _emit(session, employer_id, *["t"] * 150)  # over the COPY threshold
    assert await _consume(session, consumer, clock, batch=100) == 100
    assert await _consume(session, consumer, clock, batch=100) == 50
    ids = [e.id for e in recorder.seen]
    assert ids == sorted(ids) and len(set(ids)) == 150


async def test_the_watermark_passes_old_receipts_not_fresh_ones(
    session, employer_id, clock
) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    consumer = _consumer(recorder, "mine")
    # another stage's events, before and after: they must not hold this watermark back
    await _emit(session, employer_id, "theirs", "mine", "theirs", "mine", "theirs")
    await _consume(session, consumer, clock)
    assert await _watermark(session, consumer) == 0  # handled just now: a smaller id may commit
    await _age_receipts(session, consumer)
    assert await _consume(session, consumer, clock) == 0
    assert await _watermark(session, consumer) == max(e.id for e in recorder.seen)
    receipts = await session.scalar(
        text("SELECT count(*) FROM consumed_events WHERE consumer = :n"), {"n": consumer.name}
    )
    assert receipts == 0  # below the watermark they are no longer needed


async def test_a_failed_handler_leaves_its_events_pending(session, employer_id, clock) -> None:  # type: ignore[no-untyped-def]
    failing = Recorder(fail=True)
    consumer = _consumer(failing, "e")
    await _emit(session, employer_id, "e", "e")
    with pytest.raises(RuntimeError):
        async with session.begin_nested():  # the batch's transaction
            await _consume(session, consumer, clock)
    healed = Consumer(name=consumer.name, types=consumer.types, handle=Recorder())
    assert await _consume(session, healed, clock) == 2


async def test_consumers_keep_their_own_progress(session, employer_id, clock) -> None:  # type: ignore[no-untyped-def]
    first, second = Recorder(), Recorder()
    a, b = _consumer(first, "e"), _consumer(second, "e")
    await _emit(session, employer_id, "e")
    assert await _consume(session, a, clock) == 1
    assert await _consume(session, b, clock) == 1
    assert first.seen[0].id == second.seen[0].id


async def test_the_consumer_job_drains_everything_in_batches(
    connection, session, settings, employer_id, clock
) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    consumer = _consumer(recorder, "e")
    await _emit(session, employer_id, *["e"] * 25)
    await session.commit()  # into the test's transaction, where the job's sessions join it
    factory = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    context = Context(
        factory=factory, settings=settings.model_copy(update={"events_batch": 10}), clock=clock
    )
    job = events.job(consumer, seconds=5)
    assert job.name == f"{consumer.name}_events" and job.run_key is None
    assert await job.work(context) == f"{consumer.name}: 25 event(s) handled"
    assert len({e.id for e in recorder.seen}) == 25
    assert await job.work(context) is None  # nothing left
