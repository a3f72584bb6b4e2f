"""The audit trail and its integrity check (Art 8: nothing changed or deleted unseen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import GUARDED, SessionDep, require
from app.api.routing import api_router
from app.audit import service as audit
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import problems
from app.core.pagination import CursorInvalid
from app.models.audit import AuditEventPublic, ChainVerification
from app.models.base import Instant, Page

router = api_router(prefix="/audit-events", tags=["audit"], responses=problems(*GUARDED))
Auditor = Annotated[Actor, Depends(require(Permission.audit_read))]


@router.get(
    "",
    summary="查询审计日志 / Read the audit trail",
    response_model=Page[AuditEventPublic],
    description="Newest first. Filter by resource, actor and time (`since` inclusive, "
    "`until` exclusive). Personal data in `changes` is masked.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_audit_events(
    session: SessionDep,
    actor: Auditor,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> Page[AuditEventPublic]:
    """审计日志按时间倒序，可按资源、操作人和时间筛选（`since` 含、`until` 不含）；`changes` 中
    的个人信息已脱敏（第八条）。管理员和审计员可查。"""
    rows, next_cursor = await audit.list_(
        session=session,
        resource_type=resource_type,
        resource_id=resource_id,
        actor_id=actor_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AuditEventPublic.model_validate(e) for e in rows], next_cursor=next_cursor)


@router.get(
    "/verification",
    summary="校验审计日志哈希链 / Verify the hash chain",
    description="Recomputes every event's hash in order (Art 8: no tampering) and "
    "reports the first event whose content or link to its predecessor does not hold.",
)
async def verify_audit_chain(session: SessionDep, actor: Auditor) -> ChainVerification:
    """按顺序重新计算每条审计事件的哈希（第八条：不得篡改），报告第一条内容或与前一条的链接不符
    的事件。"""
    return await audit.verify_chain(session=session)
