"""Statistics for staff dashboards and operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.deps import SessionDep, require
from app.errors import responses
from app.models.scheduler import SchedulerStatus
from app.routing import api_router
from app.services import job_runs
from app.services.access import Permission
from app.services.actors import Actor

router = api_router(prefix="/stats", tags=["stats"], responses=responses(401, 403))


@router.get(
    "/scheduler",
    summary="Scheduler health",
    description="The active scheduler instance, the last heartbeat of each instance and "
    "the outcome of recent job runs (yearly grading, deadlines, pushes, audit check).",
)
async def scheduler_status(
    session: SessionDep, actor: Annotated[Actor, Depends(require(Permission.stats_read))]
) -> SchedulerStatus:
    return await job_runs.status(session=session)
