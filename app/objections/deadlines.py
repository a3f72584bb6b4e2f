"""Objections' deadlines (Art 16): those due today, due soon (within a setting's number of
working days), overdue, still waiting for the calendar, and not yet accepted, and the upheld
decisions whose push date waits for the calendar; and the job that gives a deadline that waited
for the calendar its date once the year is loaded (an acceptance's is told to the employer by
`objection.accepted` again, `dated_later`). Only open objections have deadlines: a decided,
withdrawn or lapsed one is in none of the groups but the push's."""

from __future__ import annotations

import uuid
from datetime import date

from prometheus_client import Gauge
from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.calendar import service as working_days
from app.core import access
from app.core.actors import Actor
from app.core.observability import REGISTRY
from app.models.event import CreditEventType
from app.models.objection import (
    DeadlineGroup,
    DeadlineItem,
    Objection,
    ObjectionDeadlines,
    ObjectionHandling,
    ObjectionStatus,
)
from app.objections import rules, service

SHOWN = 100  # items listed per group (the counts are whole)
DEADLINES = Gauge(
    "objections_deadlines",
    "objections by deadline state (Art 16): open ones, and upheld decisions whose push date "
    "awaits the calendar",
    ["state"],
    registry=REGISTRY,
)


async def summary(
    *, session: AsyncSession, today: date, soon_days: int, actor: Actor
) -> ObjectionDeadlines:
    """Every group: an employer account's own objections, everyone else's all."""
    employer_id = access.own_employer(actor, None)
    soon_until = await working_days.due_date(session=session, start=today, days=soon_days)
    accepted = col(Objection.status) == ObjectionStatus.accepted
    due = col(Objection.due_date)
    soon = due > today if soon_until is None else (due > today) & (due <= soon_until)
    groups = {
        "due_today": accepted & (due == today),
        "due_soon": accepted & soon,
        "overdue": accepted & (due < today),
        "awaiting_calendar": accepted & due.is_(None),
        "awaiting_acceptance": col(Objection.status) == ObjectionStatus.filed,
    }
    found = {name: await _group(session, where, employer_id) for name, where in groups.items()}
    upheld = col(Objection.outcome).in_(rules.UPHOLDING)
    push_waits = upheld & col(Objection.push_due_date).is_(None)
    found["push_awaiting_calendar"] = await _group(session, push_waits, employer_id, push=True)
    return ObjectionDeadlines(today=today, soon_until=soon_until, **found)


async def _group(
    session: AsyncSession,
    where: ColumnElement[bool],
    employer_id: uuid.UUID | None,
    push: bool = False,
) -> DeadlineGroup:
    """`push`: the push's due date is the group's deadline (the decision's day orders it)."""
    if employer_id is not None:
        where = where & (col(Objection.employer_id) == employer_id)
    count = await session.scalar(select(func.count()).select_from(Objection).where(where))
    first = col(Objection.decided_on) if push else col(Objection.due_date).nulls_last()
    rows = await session.scalars(
        select(Objection)
        .where(where)
        .order_by(first, col(Objection.receipt_date), col(Objection.id))
        .limit(SHOWN)
    )
    items = [
        DeadlineItem(objection_id=o.id, employer_id=o.employer_id, receipt_date=o.receipt_date,
                     due_date=o.push_due_date if push else o.due_date, decided_on=o.decided_on)
        for o in rows
    ]  # fmt: skip
    return DeadlineGroup(count=int(count or 0), items=items)


def measure(found: ObjectionDeadlines) -> dict[str, int]:
    """The counts, also as the `objections_deadlines` gauge."""
    counts = {
        "due_today": found.due_today.count,
        "due_soon": found.due_soon.count,
        "overdue": found.overdue.count,
        "awaiting_calendar": found.awaiting_calendar.count,
        "awaiting_acceptance": found.awaiting_acceptance.count,
        "push_awaiting_calendar": found.push_awaiting_calendar.count,
    }
    for state, count in counts.items():
        DEADLINES.labels(state=state).set(count)
    return counts


async def fill_awaiting(*, session: AsyncSession) -> int:
    """Deadlines that waited for the calendar, dated once it covers their year: an accepted
    objection's (from its receipt), told to the employer by `objection.accepted` again with the
    date and `dated_later`, and an upholding decision's push (from the decision; the push reads
    it from the objection). Idempotent: a dated one is left alone; one the calendar still lacks
    waits on."""
    waiting = list(
        (
            await session.scalars(
                select(Objection)
                .where(
                    (
                        (col(Objection.status) == ObjectionStatus.accepted)
                        & col(Objection.due_date).is_(None)
                    )
                    | (
                        col(Objection.outcome).in_(rules.UPHOLDING)
                        & col(Objection.push_due_date).is_(None)
                    )
                )
                .order_by(col(Objection.id))
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    dated = []
    for objection in waiting:
        if objection.status == ObjectionStatus.accepted:
            assert objection.handling is not None
            days = rules.HANDLING_DAYS[ObjectionHandling(objection.handling)]
            due = await working_days.due_date(
                session=session, start=objection.receipt_date, days=days
            )
            if due is not None:
                objection.due_date = due
                dated.append((objection.id, {"due_date": due.isoformat()}))
                payload = {
                    "objection_id": str(objection.id), "handling": str(objection.handling),
                    "departments": list(objection.departments),
                    "receipt_date": objection.receipt_date.isoformat(),
                    "due_date": due.isoformat(), "dated_later": True,
                }  # fmt: skip
                await service.emit(session, objection, CreditEventType.objection_accepted, payload)
        elif objection.decided_on is not None:
            push = await working_days.due_date(
                session=session, start=objection.decided_on, days=rules.PUSH_DAYS
            )
            if push is not None:
                objection.push_due_date = push
                dated.append((objection.id, {"push_due_date": push.isoformat()}))
    await session.flush()
    await audit.record_many(
        session=session,
        actor=Actor(kind="system", name="objection_deadlines"),
        action="objection.deadline_dated",
        resource_type="objection",
        entries=[(i, audit.created(values)) for i, values in dated],
    )
    return len(dated)
