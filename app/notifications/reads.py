"""Notifications as they are read: one, a page (newest first), and the public shape, in the
request's language; staff also see who read it and each channel's delivery."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core import access, pagination
from app.core.actors import Actor
from app.core.i18n import Text, current
from app.models.notification import (
    DeliveryPublic,
    Notification,
    NotificationDelivery,
    NotificationKind,
    NotificationPublic,
)
from app.models.user import Role


async def get(*, session: AsyncSession, notification_id: uuid.UUID, actor: Actor) -> Notification:
    found = await session.get(Notification, notification_id)
    missing = Text(f"通知 {notification_id}", f"notification {notification_id}")
    return access.visible(actor, found, missing=missing)


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    kind: NotificationKind | None = None,
    unread: bool | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Notification], str | None]:
    """Newest first; an employer account's own only."""
    query = select(Notification)
    if (employer_id := access.own_employer(actor, employer_id)) is not None:
        query = query.where(Notification.employer_id == employer_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if unread is True:
        query = query.where(col(Notification.read_at).is_(None))
    elif unread is False:
        query = query.where(col(Notification.read_at).is_not(None))
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        key = func.row(Notification.created_at, Notification.id)
        query = query.where(key < func.row(at, after_id))
    order = (col(Notification.created_at).desc(), col(Notification.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda n: [n.created_at.isoformat(), str(n.id)])


async def public(
    *, session: AsyncSession, notifications: Sequence[Notification], actor: Actor
) -> list[NotificationPublic]:
    """In the request's language; staff see the reader and the deliveries."""
    staff = actor.role != Role.employer
    deliveries: dict[uuid.UUID, list[DeliveryPublic]] = defaultdict(list)
    if staff and notifications:
        ids = [n.id for n in notifications]
        query = (
            select(NotificationDelivery)
            .where(col(NotificationDelivery.notification_id).in_(ids))
            .order_by(col(NotificationDelivery.channel))
        )
        for delivery in await session.scalars(query):
            deliveries[delivery.notification_id].append(DeliveryPublic.model_validate(delivery))
    english = current() == "en"
    return [
        NotificationPublic(
            id=n.id,
            employer_id=n.employer_id,
            kind=n.kind,
            subject_type=n.subject_type,
            subject_id=n.subject_id,
            title=n.title_en if english else n.title,
            body=n.body_en if english else n.body,
            facts=n.facts,
            deadline=n.deadline,
            created_at=n.created_at,
            read_at=n.read_at,
            read_by=n.read_by if staff else None,
            deliveries=deliveries[n.id] if staff else None,
        )
        for n in notifications
    ]
