"""Objections as they are read: one, a page, and the public shape. An employer account sees and
follows only its own; another employer's objection is as absent as one that does not exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import access, pagination
from app.core.actors import Actor
from app.core.i18n import Text
from app.models.objection import OPEN, Objection, ObjectionPublic, ObjectionStatus
from app.models.representation import Filer, FilerSide
from app.models.user import Role, User


async def get(*, session: AsyncSession, objection_id: uuid.UUID, actor: Actor) -> Objection:
    objection = await session.get(Objection, objection_id)
    return access.visible(
        actor, objection, missing=Text(f"异议 {objection_id}", f"objection {objection_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    status: ObjectionStatus | None = None,
    due_before: date | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Objection], str | None]:
    """Newest first; `due_before`: accepted ones whose deadline is before that day."""
    query = select(Objection)
    if (employer_id := access.own_employer(actor, employer_id)) is not None:
        query = query.where(Objection.employer_id == employer_id)
    if status is not None:
        query = query.where(Objection.status == status)
    if due_before is not None:
        query = query.where(
            Objection.status == ObjectionStatus.accepted, col(Objection.due_date) < due_before
        )
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        key = func.row(Objection.created_at, Objection.id)
        query = query.where(key < func.row(at, after_id))
    order = (col(Objection.created_at).desc(), col(Objection.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda o: [o.created_at.isoformat(), str(o.id)])


async def names(
    session: AsyncSession, user_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(col(User.id).in_(ids)))
    return {user_id: name for user_id, name in rows}


def filer(
    reader: Actor, user_id: uuid.UUID | None, role: Role | None, known: dict[uuid.UUID, str]
) -> Filer:
    """Who filed, as `reader` may see it: bureau staff unnamed to an employer account."""
    side = FilerSide.employer if role == Role.employer else FilerSide.bureau
    if reader.role == Role.employer and side == FilerSide.bureau:
        return Filer(side=side, user_id=None, name=None, role=None)
    name = known.get(user_id) if user_id is not None else None
    return Filer(side=side, user_id=user_id, name=name, role=role)


async def to_public(
    *, session: AsyncSession, objections: Sequence[Objection], actor: Actor
) -> list[ObjectionPublic]:
    known = await names(session, (u for o in objections for u in (o.filed_by, o.closed_by)))
    return [
        ObjectionPublic.model_validate(
            o,
            update={
                "filed_by": filer(actor, o.filed_by, o.filer_role, known),
                "closed_by": (
                    filer(actor, o.closed_by, o.closer_role, known) if o.closed_at else None
                ),
            },
        )
        for o in objections
    ]


async def to_public_one(
    *, session: AsyncSession, objection: Objection, actor: Actor
) -> ObjectionPublic:
    [shown] = await to_public(session=session, objections=[objection], actor=actor)
    return shown


async def open_on(
    session: AsyncSession, target_type: str, target_key: uuid.UUID
) -> Objection | None:
    """The open (filed or accepted) objection on a target, if any (at most one: an index)."""
    found = await session.scalars(
        select(Objection).where(
            Objection.target_type == target_type,
            Objection.target_key == target_key,
            col(Objection.status).in_(OPEN),
        )
    )
    return found.first()
