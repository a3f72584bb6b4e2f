"""Grading at a glance: grades of a cycle, open notices, Art 17 deadlines due and overdue
(the endpoint and Prometheus gauges, refreshed by the notice job too)."""

from __future__ import annotations

from datetime import date

from prometheus_client import Gauge
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col, select

from app.core.observability import REGISTRY
from app.grading import rectification as art17
from app.models.evaluation import Evaluation, EvaluationStatus

ART17_DEADLINES = Gauge(
    "grading_art17_deadlines",
    "rectified C units waiting for their Art 17 re-grade, by deadline state",
    ["state"],
    registry=REGISTRY,
)
OPEN_NOTICES = Gauge("grading_open_notices", "proposed C grades (notices) open", registry=REGISTRY)


class Art17Item(SQLModel):
    evaluation_id: str
    employer_id: str
    cycle: int
    deadline: date | None = Field(
        description="Art 17's deadline; null until the calendar covers the year it falls in"
    )


class GradingStats(SQLModel):
    cycle: int
    counts: dict[str, int]
    open_notices: int
    art17_due: int
    art17_overdue: int
    art17: list[Art17Item]


async def get(*, session: AsyncSession, cycle: int, today: date) -> GradingStats:
    current = col(Evaluation.status).in_([EvaluationStatus.notice, EvaluationStatus.final])
    rows = await session.execute(
        select(col(Evaluation.grade), func.count())
        .where(Evaluation.cycle == cycle, current)
        .group_by(col(Evaluation.grade))
    )
    counts = {"A": 0, "B": 0, "C": 0} | {str(g): n for g, n in rows.all()}
    notices = await session.scalar(
        select(func.count()).where(Evaluation.status == EvaluationStatus.notice)
    )
    waiting = await art17.eligible(session=session, today=today)
    stats = GradingStats(
        cycle=cycle,
        counts=counts,
        open_notices=notices or 0,
        art17_due=sum(1 for d in waiting if d.deadline is None or d.deadline >= today),
        art17_overdue=sum(1 for d in waiting if d.deadline is not None and d.deadline < today),
        art17=[
            Art17Item(
                evaluation_id=str(d.evaluation_id),
                employer_id=str(d.employer_id),
                cycle=d.cycle,
                deadline=d.deadline,
            )
            for d in waiting[:100]
        ],
    )
    ART17_DEADLINES.labels("due").set(stats.art17_due)
    ART17_DEADLINES.labels("overdue").set(stats.art17_overdue)
    OPEN_NOTICES.set(stats.open_notices)
    return stats
