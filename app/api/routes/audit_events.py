"""The audit trail and its integrity check (Art 8: nothing changed or deleted unseen)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import GUARDED, WITH_BODY, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.audit import checkpoints, verification
from app.audit import service as audit
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import problems
from app.core.pagination import CursorInvalid
from app.models.audit import AuditEventPublic, ChainVerification, CheckpointsGiven
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


_VERIFIES = (
    "Recomputes every event's hash in order, under the digest it was written with (Art 8: no "
    "tampering), and reports what does not hold: an event whose content or link to its "
    "predecessor changed (an edit, a deletion, a reordering); against every signed checkpoint "
    "(the trail's head seq, hash and count, signed with a key the database does not hold), a "
    "trail ending before a checkpoint (its tail deleted), a hash other than the signed one (the "
    "chain recomputed after an edit) or another count of events; a checkpoint whose signature "
    "fails (forged); and, for every grading statement's event, evaluations changed, deleted or "
    "inserted since (their digest recomputed). `intact` is true when nothing was found."
)


@router.get(
    "/verification",
    summary="校验审计日志 / Verify the audit trail",
    description=_VERIFIES + " Checks the checkpoints in the service's checkpoints file.",
)
async def verify_audit_chain(
    session: SessionDep, settings: SettingsDep, actor: Auditor
) -> ChainVerification:
    """按顺序以各事件写入时的摘要算法重算其哈希（第八条：不得篡改），并对照服务的检查点文件中的每个签名
    检查点：报告被改、被删、被重排的事件，末尾被删或哈希链被重算，伪造的检查点，以及评价批次中被改动
    的评价结果。"""
    kept = await asyncio.to_thread(checkpoints.read, settings)
    return await verification.verify(session=session, settings=settings, checkpoints=kept)


@router.post(
    "/verification",
    summary="对照审计员保存的检查点校验 / Verify against checkpoints an auditor kept",
    description=_VERIFIES
    + " Checks the checkpoints sent, as they were exported (one JSON object each), and those "
    "in the service's checkpoints file. Reads only: nothing is written.",
    responses=problems(*GUARDED, *WITH_BODY),
)
async def verify_audit_chain_against(
    body: CheckpointsGiven, session: SessionDep, settings: SettingsDep, actor: Auditor
) -> ChainVerification:
    """同上，并对照请求中审计员自行保存的检查点（与导出的格式相同）。只读，不写入任何内容。"""
    kept = await asyncio.to_thread(checkpoints.read, settings)
    given: list[checkpoints.Kept] = [*kept, *body.checkpoints]
    return await verification.verify(session=session, settings=settings, checkpoints=given)
