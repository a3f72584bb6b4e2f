"""Notifications (issue 13 §4): the employer's inbox of what it must be told of, in Chinese with
the facts and the deadline; staff see what was sent, each channel's delivery, and when it was
read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import GUARDED, ClockDep, SessionDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.notification import NotificationKind, NotificationPublic
from app.notifications import reads, service

router = api_router(prefix="/notifications", tags=["notifications"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.notifications_read))]
Marker = Annotated[Actor, Depends(require(Permission.notifications_mark_read))]


@router.get(
    "",
    summary="查询通知 / Search notifications",
    response_model=Page[NotificationPublic],
    description="Newest first; pass `next_cursor` back as `cursor`. Each notification tells "
    "one event the employer must be told of (a proposed C with its representation deadline, "
    "a grade in force, a disclosure with its repair conditions, an objection or a repair "
    "application and its decision), its `title` and `body` in Chinese, or in English on "
    "`Accept-Language: en`, with its `facts` and `deadline`. An employer account sees only its "
    "own; another employer's `employer_id` is a 404, as for one that does not exist. Staff see "
    "every employer's, with `read_by` and each channel's delivery. `unread=true`: not yet read.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_notifications(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    kind: NotificationKind | None = None,
    unread: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[NotificationPublic]:
    """按发送时间倒序。用人单位账号只能看到本单位的通知；工作人员可看到阅读时间和各渠道发送情况。"""
    rows, next_cursor = await reads.list_(
        session=session,
        actor=actor,
        employer_id=employer_id,
        kind=kind,
        unread=unread,
        limit=limit,
        cursor=cursor,
    )
    items = await reads.public(session=session, notifications=rows, actor=actor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{notification_id}",
    summary="查看通知 / Read a notification",
    description="One notification. Reading it does not mark it read (`POST .../read` does). "
    "An employer account reads only its own.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_notification(
    notification_id: uuid.UUID, session: SessionDep, actor: Reader
) -> NotificationPublic:
    """一条通知的内容、事实和期限。用人单位只能查看本单位的。"""
    notification = await reads.get(session=session, notification_id=notification_id, actor=actor)
    [shown] = await reads.public(session=session, notifications=[notification], actor=actor)
    return shown


@router.post(
    "/{notification_id}/read",
    summary="标为已读 / Mark a notification read",
    description="The employer's own account marks its notification read (`read_at`); marking "
    "it again changes nothing (the first reading stays). Staff may not mark an employer's "
    "notice read (403 `forbidden-role`): they see whether and when the employer read it.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def mark_read(
    notification_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Marker
) -> NotificationPublic:
    """用人单位账号将本单位的通知标为已读；重复标记不改变首次阅读时间。工作人员不能代为标记。"""
    notification = await service.mark_read(
        session=session, notification_id=notification_id, actor=actor, clock=clock
    )
    [shown] = await reads.public(session=session, notifications=[notification], actor=actor)
    return shown
