"""Intake from other agencies' systems: social insurance, arbitration, labour relations (Art 5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import problems
from app.core.idempotency import IdempotencyKeyReused
from app.intake import service as intake
from app.models.intake import MAX_BATCH, IntakeBatch, IntakeResult

router = api_router(
    prefix="/intake",
    tags=["intake"],
    responses=problems(*GUARDED, *WITH_BODY, IdempotencyKeyReused),
)
Client = Annotated[Actor, Depends(require(Permission.intake_write))]


@router.post(
    "/records",
    response_model=IntakeResult,
    summary="批量报送信用记录 / Send credit records in a batch",
    description=f"Up to {MAX_BATCH} records, each keyed by `(source, external_id)`; the API "
    "key decides the source (Art 5: labour relations, arbitration and social insurance bodies). "
    "Each item is answered in the order sent: `created`, `unchanged` (the same content again), "
    '`corrected` (changed content becomes a new version, reason "updated by source") or '
    "`rejected` with a problem naming the fields. One bad item rejects only itself. A trusted "
    "client's records arrive verified, others as drafts for a reviewer. Repeating a request "
    "with the same `Idempotency-Key` and the same body, byte for byte, returns the first "
    "answer; the same key with another body is a 422. A body carrying a NUL character "
    "(\\u0000) anywhere is malformed: 422 for the whole request, naming where it is.",
)
async def receive_records(
    request: Request,
    batch: IntakeBatch,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Client,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> Response:
    """劳动关系、劳动争议仲裁、社会保险等机构的系统凭 API 密钥（`X-API-Key`）报送信用信息（第五
    条），每次至多1000条，须带 `Idempotency-Key`；逐条答复新建、未变、更正或拒绝，一条有误只拒
    绝该条。"""
    answer = await intake.receive_once(
        session=session,
        idempotency_key=idempotency_key,
        body=await request.body(),  # as read for `batch`: kept by the request, not read again
        records=batch.records,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    # Serialised once by the service (and stored as it is for a repeat); IntakeResult is its shape.
    return Response(content=answer, media_type="application/json")
