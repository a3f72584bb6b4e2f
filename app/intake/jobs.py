"""The intake stage's job: imports whose worker died (a restart mid-file) continue after their
last committed chunk."""

from __future__ import annotations

from app.core.config import Settings
from app.core.jobs import Context, Job, every
from app.intake import imports


async def resume_imports(context: Context) -> str | None:
    async with context.factory() as session:
        waiting = await imports.resumable(session=session)
    for job_id in waiting:
        await imports.run(
            factory=context.factory, job_id=job_id, settings=context.settings, clock=context.clock
        )
    return f"resumed {len(waiting)} import(s)" if waiting else None


def jobs(settings: Settings) -> list[Job]:
    return [every("resume_imports", 60, resume_imports)]
