"""An open objection closed without a decision, in one transaction: withdrawn (撤回异议) by the
employer's own account or by staff entering its request, or closed by a reviewer as lapsed when
its target changed since filing (a decision on what was contested can then no longer be made,
DOMAIN §6). Either way it is audited, emitted (`objection.withdrawn` / `objection.lapsed`), no
longer flags the disclosure as disputed, leaves the deadlines and frees its target for a new
objection. Nothing here commits.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.disclosure import service as disclosure
from app.models.event import CreditEventType
from app.models.objection import (
    OPEN,
    Objection,
    ObjectionClosureCreate,
    ObjectionStatus,
    ObjectionTarget,
)
from app.models.representation import FilerSide
from app.models.user import Role
from app.objections import service
from app.objections.problems import ObjectionClosed, ObjectionTargetUnchanged


async def withdraw(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    data: ObjectionClosureCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> Objection:
    """Withdrawn while filed or accepted (409 `objection-closed` once closed)."""
    objection = await service.locked(session, objection_id, actor)
    still_open(objection, Text("撤回", "withdrawn"))
    by = FilerSide.employer if actor.role == Role.employer else FilerSide.bureau
    return await _close(
        session, objection, ObjectionStatus.withdrawn, data, actor, settings, clock,
        {"withdrawn_on": clock.today().isoformat(), "by": by.value},
    )  # fmt: skip


async def lapse(
    *,
    session: AsyncSession,
    objection_id: uuid.UUID,
    data: ObjectionClosureCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> Objection:
    """Closed as lapsed, while filed or accepted, only if its target changed since filing (409
    `objection-target-unchanged` otherwise: a decision is due)."""
    objection = await service.locked(session, objection_id, actor)
    still_open(objection, Text("以对象已变更终止", "closed as lapsed"))
    _, change = await service.as_filed(session, objection)
    what = ObjectionTarget(objection.target_type)
    if change is None:
        raise ObjectionTargetUnchanged(
            Text(
                zh=f"异议 {objection.id} 的对象（{what.zh} {objection.target_id}）提出后未变更，"
                "不能以对象已变更终止：应依期限作出处理决定",
                en=f"the target of objection {objection.id} ({what.en} {objection.target_id}) "
                "has not changed since it was filed: it cannot lapse, a decision is due",
            ),
            objection_status=str(objection.status),
        )
    facts = {
        "lapsed_on": clock.today().isoformat(), "target_status": change.status,
        "current_id": str(change.current_id) if change.current_id else None,
    }  # fmt: skip
    return await _close(
        session, objection, ObjectionStatus.lapsed, data, actor, settings, clock, facts
    )


def still_open(objection: Objection, verb: Text) -> None:
    """409 `objection-closed` unless filed or accepted."""
    if objection.status in OPEN:
        return
    status = ObjectionStatus(objection.status)
    raise ObjectionClosed(
        Text(
            zh=f"异议 {objection.id} {status.zh}，已办结，不能再{verb.zh}",
            en=f"objection {objection.id} is {status.value}: closed, it can no longer be {verb.en}",
        ),
        objection_status=status.value,
    )


async def _close(
    session: AsyncSession,
    objection: Objection,
    status: ObjectionStatus,
    data: ObjectionClosureCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
    facts: dict[str, Any],
) -> Objection:
    now = clock.now()
    objection.status, objection.closure_reason = status, data.reason
    objection.closed_by, objection.closer_role, objection.closed_at = actor.id, actor.role, now
    objection.updated_at = now
    await session.flush()
    # no longer open: its items are no longer flagged as disputed (another open one keeps them)
    await disclosure.reflect(
        session=session, employer_id=objection.employer_id, clock=clock, settings=settings
    )
    payload = {
        "objection_id": str(objection.id), "target_type": str(objection.target_type),
        "target_id": str(objection.target_id), "reason": data.reason, **facts,
    }  # fmt: skip
    kind = (
        CreditEventType.objection_withdrawn
        if status == ObjectionStatus.withdrawn
        else CreditEventType.objection_lapsed
    )
    await service.emit(session, objection, kind, payload)
    action = "objection.withdraw" if status == ObjectionStatus.withdrawn else "objection.lapse"
    await service.audit_event(session, actor, action, objection.id, payload)
    return objection
