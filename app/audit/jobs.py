"""The audit stage's job: the daily check of the trail (Art 8: no tampering) and its signed
checkpoint, exported to the checkpoints file and the log."""

from __future__ import annotations

import asyncio

from app.audit import checkpoints, verification
from app.core.config import Settings
from app.core.jobs import Context, Job, daily


async def audit_chain_check(context: Context) -> str | None:
    """Verify the trail against every checkpoint kept, then sign its head now. The checkpoint
    is written even when the trail is not intact: it anchors what follows, and the checkpoints
    before it keep naming what was done."""
    settings = context.settings
    kept = await asyncio.to_thread(checkpoints.read, settings)
    async with context.factory() as session, session.begin():
        result = await verification.verify(session=session, settings=settings, checkpoints=kept)
        checkpoint = await checkpoints.take(
            session=session, settings=settings, now=context.clock.now()
        )
    await asyncio.to_thread(checkpoints.export, checkpoint, settings)
    if not result.intact:
        raise RuntimeError(
            f"audit trail not intact ({len(result.findings) + result.findings_left_out} "
            f"findings): seq {result.first_broken_seq}: {result.reason}"
        )
    return (
        f"audit trail intact: {result.checked} events, {result.checkpoints_checked} "
        f"checkpoints, {result.grade_batches_checked} grading batches, "
        f"{result.record_batches_checked} intake batches; checkpoint at seq "
        f"{checkpoint.seq}"
    )


def jobs(settings: Settings) -> list[Job]:
    return [daily("audit_chain_check", settings.audit_check_cron, audit_chain_check, settings)]
