"""Consuming the event log as the scheduler's documents consumer does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import events
from app.core.clock import Clock
from app.reports.consumer import CONSUMER


async def consume(session: AsyncSession, clock: Clock) -> int:
    return await events.consume(
        session=session, consumer=CONSUMER, clock=clock, batch=1000, horizon=timedelta(hours=1)
    )
