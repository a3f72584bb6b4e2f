"""Statistics for staff dashboards and operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import GUARDED, SessionDep, SettingsDep, TodayDep, require
from app.api.routing import api_router
from app.calendar import coverage
from app.core import jobs
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import problems
from app.grading import stats as grading_stats
from app.grading.errors import NoRuleSetInForce
from app.models.calendar import CalendarCoverage
from app.models.scheduler import SchedulerStatus

router = api_router(prefix="/stats", tags=["stats"], responses=problems(*GUARDED))


@router.get(
    "/scheduler",
    summary="定时任务运行状况 / Scheduler health",
    description="The active scheduler instance, the last heartbeat of each instance and "
    "the outcome of recent job runs (yearly grading, deadlines, pushes, audit check). An "
    "instance silent for `stale_after_seconds` (three beats) is `stale` — killed, or cut off "
    "from the database — and a stale leader is no `leader`; an instance silent for an hour is "
    "left out (and its row deleted by the leader).",
)
async def scheduler_status(
    session: SessionDep,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require(Permission.stats_read))],
) -> SchedulerStatus:
    """当前主调度实例、各实例的最后心跳和近期任务运行结果。超过三次心跳没有消息的实例标为
    stale（已停止或与数据库断开），不算主实例；超过一小时没有消息的不再列出。"""
    return await jobs.status(session=session, settings=settings)


@router.get(
    "/grading",
    summary="信用等级评价概况 / Grading at a glance",
    description="Current evaluations of `cycle` by grade (default: the last ended cycle), open "
    "notices, and rectified C units waiting for their Art 17 re-grade: due (deadline ahead) "
    "and overdue (deadline passed) — also the `grading_art17_deadlines` gauge in /metrics.",
    responses=problems(*GUARDED, NoRuleSetInForce),
)
async def grading(
    session: SessionDep,
    today: TodayDep,
    actor: Annotated[Actor, Depends(require(Permission.stats_read))],
    cycle: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> grading_stats.GradingStats:
    """某评价周期各等级的现行评价数、未结的拟评C级告知，以及已整改、待按第十七条调整信用等级的C
    级单位（未到期和已逾期）。"""
    return await grading_stats.get(session=session, cycle=cycle or today.year - 1, today=today)


@router.get(
    "/calendar",
    summary="工作日历覆盖情况 / Working-day calendar coverage",
    description="The first and last years the working-day calendar covers and whether it covers "
    "next year (docs/law.md §8: the State Council publishes year N's notice around November of "
    "N−1; a deadline in a year not covered is refused). From `warn_from` "
    "(LABOR_CREDIT_CALENDAR_WARNING_FROM of this year) a missing next year carries a `warning` "
    "saying what to load — also in /readyz and the `calendar_next_year_missing` gauge in "
    "/metrics. If even this year is missing, `year` is this year and the warning is immediate.",
)
async def calendar_coverage(
    session: SessionDep,
    today: TodayDep,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require(Permission.stats_read))],
) -> CalendarCoverage:
    """工作日历覆盖的首末年份及是否已覆盖次年；自每年设定的日期起，次年尚未载入即给出警告。"""
    return await coverage.next_year_status(session=session, today=today, settings=settings)
