"""The audit stage's job: the daily check of the hash chain (Art 8: no tampering)."""

from __future__ import annotations

from app.audit import service as audit
from app.core.config import Settings
from app.core.jobs import Context, Job, daily


async def audit_chain_check(context: Context) -> str | None:
    async with context.factory() as session:
        result = await audit.verify_chain(session=session)
    if not result.intact:
        raise RuntimeError(f"audit chain broken at seq {result.first_broken_seq}: {result.reason}")
    return f"audit chain intact, {result.checked} events"


def jobs(settings: Settings) -> list[Job]:
    return [daily("audit_chain_check", settings.audit_check_cron, audit_chain_check, settings)]
