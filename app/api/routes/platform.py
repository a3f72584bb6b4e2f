"""The push to the city credit-sharing platform (issue 14): the outbox's deliveries, their
replay, the platform's receipts, the daily reconciliations and the push's health."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.push import (
    DeliveryPublic,
    PushStats,
    PushStatus,
    ReceiptIn,
    ReceiptRecorded,
    ReconciliationPublic,
    Replayed,
    ReplayRange,
)
from app.push import reads, receipts, service
from app.push.problems import DeliveryNotReplayable, ReceiptConflicts, ReceiptSignatureInvalid

router = api_router(prefix="/platform", tags=["platform"], responses=problems(*GUARDED))
stats_router = api_router(prefix="/stats", tags=["stats"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.platform_deliveries_read))]
Replayer = Annotated[Actor, Depends(require(Permission.platform_deliveries_replay))]
Platform = Annotated[Actor, Depends(require(Permission.platform_receipts_write))]
MessageType = Literal["upsert", "correct", "withdraw"]


@router.get(
    "/deliveries",
    summary="查询推送消息 / Search deliveries to the city platform",
    response_model=Page[DeliveryPublic],
    description="The outbox, newest first; pass `next_cursor` back as `cursor`. Each message "
    "is one change the city credit-sharing platform must learn of (Art 7, 16), numbered per "
    "employer (`sequence`) and delivered in that order. `status`: pending, sending, "
    "awaiting_receipt (a 2xx without receipt), accepted, rejected, dead (an operator may replay "
    "it). An employer's messages behind a dead one wait, pending, until it is replayed (the "
    "platform would refuse them as out of order): such a message carries `blocked_by`, the id "
    "of the dead letter to replay; `blocked=true` lists only those (`false`: all others); "
    "rejected messages (the platform answered with a receipt) hold nothing back. "
    "`overdue=true`: not delivered by its `due_date` (5 working days after an objection or "
    "repair decision, LABOR_CREDIT_PUSH_DUE_WORKING_DAYS for the others), or delivered without "
    "a receipt for LABOR_CREDIT_PUSH_RECEIPT_OVERDUE_HOURS. A `due_date` of null waits for the "
    "working-day calendar (`awaiting_calendar`). The message bodies are in the OpenAPI "
    "document's `webhooks`.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_deliveries(
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
    status: PushStatus | None = None,
    type: MessageType | None = None,
    employer_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    blocked: Annotated[
        bool | None,
        Query(description="true: only pending messages waiting behind a dead letter"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[DeliveryPublic]:
    """推送到市信用信息共享平台的消息，按生成时间倒序；可按状态、类型、用人单位、是否逾期和是否
    被死信阻塞筛选。"""
    now = clock.now()
    today = clock.local(now).date()
    rows, next_cursor = await reads.list_(
        session=session, settings=settings, now=now, today=today, status=status, type_=type,
        employer_id=employer_id, overdue=overdue, blocked=blocked, limit=limit, cursor=cursor,
    )  # fmt: skip
    items = [
        reads.public(m, now=now, today=today, settings=settings, blocked_by=b) for m, b in rows
    ]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/deliveries/{message_id}",
    summary="查看推送消息 / Read a delivery",
    description="One message with its `body`, the Message exactly as sent (see `webhooks`), "
    "its attempts, last error and receipt; `blocked_by` when it waits behind a dead letter.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_delivery(
    message_id: uuid.UUID, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    actor: Reader,
) -> DeliveryPublic:  # fmt: skip
    """一条推送消息及其消息体、发送次数、最近错误和平台回执。"""
    message = await reads.get(session=session, message_id=message_id)
    now = clock.now()
    return reads.public(message, now=now, today=clock.local(now).date(), settings=settings,
                        body=True, blocked_by=await reads.blocked_by(session, message))  # fmt: skip


@router.post(
    "/deliveries/{message_id}/replay",
    summary="重发推送消息 / Replay a delivery",
    description="A dead or rejected message back to pending, its attempts reset, with the same "
    "message id and sequence (the platform de-duplicates by id); audited. The employer's "
    "messages that waited behind it follow it in order. Any other status is a 409 "
    "`delivery-not-replayable`. Admins only.",
    responses=problems(*GUARDED, DoesNotExist, DeliveryNotReplayable),
)
async def replay_delivery(
    message_id: uuid.UUID, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    actor: Replayer,
) -> DeliveryPublic:  # fmt: skip
    """将死信或被拒收的消息重置为待发送（发送次数清零，消息编号不变），记入审计。仅限管理员。"""
    message = await service.replay(session=session, message_id=message_id, actor=actor, clock=clock)
    now = clock.now()
    return reads.public(message, now=now, today=clock.local(now).date(), settings=settings,
                        blocked_by=await reads.blocked_by(session, message))  # fmt: skip


@router.post(
    "/deliveries/replay",
    summary="批量重发推送消息 / Replay a range of deliveries",
    description="Every dead (and rejected, unless `status` names one) message created in "
    "[`from`, `to`), of one employer if `employer_id` is given, back to pending with its "
    "attempts reset; each audited. Admins only.",
    responses=problems(*GUARDED, *WITH_BODY),
)
async def replay_deliveries(
    data: ReplayRange, session: SessionDep, clock: ClockDep, actor: Replayer
) -> Replayed:
    """将某时间段内生成的死信（及被拒收的）消息重置为待发送，逐条记入审计。仅限管理员。"""
    ids = await service.replay_range(session=session, data=data, actor=actor, clock=clock)
    return Replayed(replayed=len(ids), ids=ids[:1000])


@router.post(
    "/receipts",
    summary="平台回执 / The platform's receipt of a message",
    description="The city platform's answer to one message: `accepted` with its "
    "`acceptance_number`, or `rejected` with its `reasons`. For the platform's machine client "
    "(source city_platform, scope receipts, X-API-Key), the callback signed in the Standard "
    "Webhooks layout with LABOR_CREDIT_PLATFORM_CALLBACK_SECRETS. Idempotent: the same receipt "
    "again answers `repeated: true` and changes nothing; a different one for a message with a "
    "receipt is a 409 `receipt-conflicts`.",
    responses=problems(
        *GUARDED, *WITH_BODY, DoesNotExist, ReceiptConflicts, ReceiptSignatureInvalid
    ),
)
async def record_receipt(
    data: ReceiptIn, request: Request, session: SessionDep, settings: SettingsDep,
    clock: ClockDep, actor: Platform,
) -> ReceiptRecorded:  # fmt: skip
    """市平台对一条消息的回执：接收（附受理编号）或拒收（附原因）。重复发送同一回执不改变结果。"""
    receipts.verify_callback(request, await request.body(), settings)
    return await receipts.record(session=session, receipt=data, actor=actor, clock=clock)


@router.get(
    "/reconciliations",
    summary="推送对账 / Daily reconciliations of the push",
    response_model=Page[ReconciliationPublic],
    description="Newest day first. Per day: the messages delivered (first 2xx or receipt that "
    "day) and those of them the platform acknowledged with a receipt, as counts and a SHA-256 "
    "over the sorted message ids (one per line), the ids still without receipt (the first 100) "
    "and the audit trail's signed checkpoint at the time.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_reconciliations(
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=366)] = 30,
    cursor: str | None = None,
) -> Page[ReconciliationPublic]:
    """每日推送对账：已送达和已回执的消息数及其编号的 SHA-256，未回执的消息，审计检查点。"""
    rows, next_cursor = await reads.reconciliations(session=session, limit=limit, cursor=cursor)
    items = [ReconciliationPublic.model_validate(r) for r in rows]
    return Page(items=items, next_cursor=next_cursor)


@stats_router.get(
    "/push",
    summary="推送运行状况 / Push health",
    description="The outbox's backlog (pending or being sent) and its oldest message, messages "
    "failing (pending after a failed attempt), dead letters, `blocked` (pending messages "
    "waiting behind a dead letter of their employer until it is replayed) and "
    "`blocked_employers`, rejected ones, those awaiting a "
    "receipt and overdue receipts, messages past their deadline or waiting for the calendar, "
    "the circuit breaker's state, and the last reconciliation — also the `push_*` gauges in "
    "/metrics.",
)
async def push_stats(
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Annotated[Actor, Depends(require(Permission.stats_read))],
) -> PushStats:
    """推送积压、最早待发消息、失败、死信及被其阻塞的消息、待回执及回执逾期、期限逾期、熔断器状态和
    最近对账。"""
    now = clock.now()
    return await reads.stats(
        session=session, settings=settings, now=now, today=clock.local(now).date()
    )
