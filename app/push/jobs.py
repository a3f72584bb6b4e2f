"""The pusher: one pass dates the deadlines that waited, reads the file transport's receipts and
drains what is due; `run_pusher` repeats it every `push_seconds` until stopped (`labor-credit
pusher`), and the scheduler runs one pass as a job. Both may run at once (`sender`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.core import actors
from app.core.clock import Clock
from app.core.config import Settings
from app.core.jobs import Context, Job, daily, every
from app.integrations.platform import client
from app.integrations.platform.client import FileTransport, Transport
from app.push import outbox, receipts, reconciliation, sender

log = logging.getLogger(__name__)

PUSHER = actors.system("pusher")


async def push_once(
    *, factory: sender.Factory, settings: Settings, clock: Clock, transport: Transport | None
) -> int:
    """One pass; the number of messages sent (none without a transport: they queue)."""
    async with factory() as session, session.begin():
        await outbox.schedule_deadlines(session=session, settings=settings)
    if transport is None:
        return 0
    if isinstance(transport, FileTransport):  # its receipts folder: done once stored
        pending = await asyncio.to_thread(transport.pending_receipts)
        if pending:
            found = [receipt for _, file_receipts in pending for receipt in file_receipts]
            async with factory() as session, session.begin():
                await receipts.ingest(session=session, receipts=found, actor=PUSHER, clock=clock)
            await asyncio.to_thread(transport.receipts_done, [path for path, _ in pending])
    return await sender.drain(factory=factory, transport=transport, settings=settings, clock=clock)


async def run_pusher(
    *,
    factory: sender.Factory,
    settings: Settings,
    clock: Clock,
    stop: asyncio.Event,
    transport: Transport | None = None,
) -> int:
    """Push every `push_seconds` until `stop` is set; the messages sent. A pass that fails (the
    database away) is logged and the next one tries again."""
    total = 0
    async with client.http_client(settings) as http:
        transport = transport or client.transport(settings, http, clock=clock)
        if transport is None:
            log.warning("no platform transport configured: messages queue, nothing is sent")
        while not stop.is_set():
            try:
                total += await push_once(
                    factory=factory, settings=settings, clock=clock, transport=transport
                )
            except Exception:
                log.exception("push pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.push_seconds)
    return total


async def deliver(context: Context) -> str | None:
    """One pass, through the scheduler's HTTP client (a client of its own when it has none)."""
    async with contextlib.AsyncExitStack() as stack:
        http = context.http
        if http is None:
            http = await stack.enter_async_context(client.http_client(context.settings))
        sent = await push_once(
            factory=context.factory,
            settings=context.settings,
            clock=context.clock,
            transport=client.transport(context.settings, http, clock=context.clock),
        )
    return f"{sent} message(s) sent" if sent else None


async def reconcile(context: Context) -> str | None:
    now = context.clock.now()
    lines = []
    for day in reconciliation.days_to_reconcile(context.clock.local(now).date()):
        async with context.factory() as session, session.begin():
            found = await reconciliation.reconcile(
                session=session, settings=context.settings, day=day, now=now
            )
        lines.append(f"{day}: {found.sent_count} sent, {found.acknowledged_count} acknowledged")
    return "; ".join(lines)


def jobs(settings: Settings) -> list[Job]:
    return [
        every("push_deliver", settings.push_seconds, deliver),
        daily("push_reconciliation", settings.push_reconciliation_cron, reconcile, settings),
    ]
