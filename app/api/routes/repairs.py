"""Credit repair (信用修复, 国家发展改革委令第36号): apply, file evidence, accept, decide, read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, File, Query, Response, UploadFile
from fastapi.responses import FileResponse

from app.api.deps import (
    EVIDENCE_FILE,
    GUARDED,
    WITH_BODY,
    ClockDep,
    SessionDep,
    SettingsDep,
    evidence_file,
    require,
)
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.disclosure import repair_evidence, repairs
from app.disclosure.errors import (
    DisclosureWithdrawn,
    RepairAlreadyOpen,
    RepairClosed,
    RepairConditionsUnmet,
    RepairItemNotFound,
    RepairItemNotPublished,
    RepairTooEarly,
    RepairWrongState,
)
from app.models.base import Page
from app.models.repair import (
    RepairAcceptanceCreate,
    RepairAttachmentPublic,
    RepairCreate,
    RepairDecisionCreate,
    RepairOptions,
    RepairPublic,
    RepairStatus,
)
from app.records.errors import (
    AttachmentContentMismatch,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    EvidenceFileMissing,
)

router = api_router(tags=["credit repair"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.repairs_read))]
Applicant = Annotated[Actor, Depends(require(Permission.repairs_apply))]
Reviewer = Annotated[Actor, Depends(require(Permission.repairs_decide))]


async def _one(session: SessionDep, repair: repairs.RepairApplication) -> RepairPublic:
    [public] = await repairs.public(session=session, repairs=[repair])
    return public


@router.post(
    "/disclosures/{disclosure_id}/repairs",
    status_code=201,
    summary="申请信用修复 / Apply for credit repair",
    description="The employer's account asks for one disclosed item's publication to end "
    "early (国家发展改革委令第36号): from `repair_available_from` (decision date + 3 months for "
    "a general item, + 1 year for a serious one), with how the violation was corrected "
    "(`rectified_date`), the penalty performed (`penalty_performed_date`), evidence "
    "(`evidence_references`: document numbers, receipts; the files: POST "
    "/repairs/{id}/attachments while the application is open) and a written credit "
    "commitment (`credit_commitment`, `commitment_text`). 409 "
    "`repair-too-early` naming `available_from`, `repair-item-not-published` for an ended "
    "item, `repair-already-open` with `existing_id`; 410 for a withdrawn disclosure; another "
    "employer's disclosure is a 404. `acceptance_due_date`: 2 working days (null while the "
    "calendar lacks the year).",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        DisclosureWithdrawn,
        RepairItemNotFound,
        RepairItemNotPublished,
        RepairTooEarly,
        RepairAlreadyOpen,
    ),
)
async def apply_for_repair(
    disclosure_id: uuid.UUID,
    data: RepairCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Applicant,
) -> RepairPublic:
    """用人单位对已公示的失信信息申请信用修复：满最短公示期（一般3个月、严重1年，自处罚决定之日起）、
    已纠正失信行为、已履行处罚并作出书面信用承诺。"""
    repair = await repairs.apply(
        session=session, disclosure_id=disclosure_id, data=data, actor=actor,
        settings=settings, clock=clock,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/repairs/{repair.id}"
    return await _one(session, repair)


@router.get(
    "/disclosures/{disclosure_id}/repairs",
    summary="信用修复告知 / When and how the items may be repaired",
    description="两书同达: for each item of the employer's disclosure still shown, the date "
    "its repair may be applied for (`repair_available_from`), how to apply, and the open "
    "application if any. An employer account sees only its own (another's is a 404).",
    responses=problems(*GUARDED, DoesNotExist),
)
async def repair_options(
    disclosure_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Reader
) -> RepairOptions:
    """两书同达：公示的每项失信信息可申请信用修复的日期和方式。"""
    return await repairs.options(
        session=session, disclosure_id=disclosure_id, actor=actor, clock=clock
    )


@router.get(
    "/repairs",
    summary="查询信用修复申请 / List repair applications",
    response_model=Page[RepairPublic],
    description="Newest first; pass `next_cursor` back as `cursor`. Staff see all; an employer "
    "account only its own (another employer's `employer_id` is a 404).",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_repairs(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    status: RepairStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[RepairPublic]:
    """按申请时间倒序。用人单位账号只能看到本单位的申请。"""
    rows, next_cursor = await repairs.list_(
        session=session, actor=actor, employer_id=employer_id, status=status, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    return Page(items=await repairs.public(session=session, repairs=rows), next_cursor=next_cursor)


@router.get(
    "/repairs/{repair_id}",
    summary="查看信用修复申请 / Read a repair application",
    description="With its due dates (null while the calendar lacks the year).",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_repair(repair_id: uuid.UUID, session: SessionDep, actor: Reader) -> RepairPublic:
    """信用修复申请及其受理、决定期限。"""
    return await _one(session, await repairs.get(session=session, repair_id=repair_id, actor=actor))


@router.post(
    "/repairs/{repair_id}/acceptance",
    summary="受理信用修复申请 / Accept a repair application",
    description="A reviewer accepts an application awaiting acceptance (409 "
    "`repair-wrong-state` otherwise); the decision is due within 5 working days "
    "(`decision_due_date`, setting `repair_decision_working_days`; null while the calendar "
    "lacks the year). A `note` is kept in the audit trail.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, RepairWrongState),
)
async def accept_repair(
    repair_id: uuid.UUID,
    data: RepairAcceptanceCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> RepairPublic:
    """审核员受理信用修复申请，受理后5个工作日内作出决定。"""
    repair = await repairs.accept(
        session=session, repair_id=repair_id, note=data.note, actor=actor, settings=settings,
        clock=clock,
    )  # fmt: skip
    return await _one(session, repair)


@router.post(
    "/repairs/{repair_id}/decision",
    summary="决定信用修复 / Decide a repair application",
    description="`approved` ends the item's publication (`repaired`) and withdraws the "
    "disclosure if nothing remains; it needs every condition met (409 "
    "`repair-conditions-unmet` naming `failing`). `refused` names the failing conditions "
    "(`minimum_period`, `not_corrected`, `penalty_not_performed`, `no_commitment`). Only an "
    "accepted application (409 `repair-wrong-state`). A repair never changes the grade: the "
    "penalty stays a fact of its cycle.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, RepairWrongState, RepairConditionsUnmet),
)
async def decide_repair(
    repair_id: uuid.UUID,
    data: RepairDecisionCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> RepairPublic:
    """准予修复即结束该项公示（全部结束则撤销公示）；不予修复须列明不满足的条件。修复不改变信用等级。"""
    repair = await repairs.decide(
        session=session, repair_id=repair_id, data=data, actor=actor, settings=settings,
        clock=clock,
    )  # fmt: skip
    return await _one(session, repair)


@router.post(
    "/repairs/{repair_id}/attachments",
    status_code=201,
    summary="上传信用修复证据材料 / File evidence with a repair application",
    description="Multipart upload (`file`) by the employer's account, while the application "
    "awaits acceptance or a decision (409 `repair-closed` once decided); another employer's "
    "application is a 404. Stored outside the database under its sha256 and never changed; "
    "the same file on the same application is kept once (200 with the existing one). Too "
    "large (LABOR_CREDIT_ATTACHMENT_MAX_BYTES): 413 `attachment-too-large`; a type not allowed "
    "(LABOR_CREDIT_ATTACHMENT_CONTENT_TYPES) or content that is not what it claims: 415 "
    "`attachment-type-refused`, `attachment-content-mismatch`. Audited.",
    responses={
        200: {"model": RepairAttachmentPublic, "description": "the same file, stored before"},
        **problems(
            *GUARDED,
            *WITH_BODY,
            DoesNotExist,
            RepairClosed,
            AttachmentTooLarge,
            AttachmentTypeRefused,
            AttachmentContentMismatch,
        ),
    },
)
async def add_repair_attachment(
    repair_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="the evidence file")],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Applicant,
) -> RepairAttachmentPublic:
    """决定作出前，用人单位上传纠正失信行为、履行处罚的证据材料；同一申请的相同文件只存一次。"""
    attachment, created = await repair_evidence.add(
        session=session, repair_id=repair_id, file_name=file.filename,
        content_type=file.content_type, data=await file.read(settings.attachment_max_bytes + 1),
        actor=actor, settings=settings, clock=clock,
    )  # fmt: skip
    if not created:
        response.status_code = 200
    return RepairAttachmentPublic.model_validate(attachment)


@router.get(
    "/repairs/{repair_id}/attachments",
    summary="信用修复证据材料列表 / List a repair application's evidence",
    response_model=Page[RepairAttachmentPublic],
    description="Staff and the employer itself (another employer's application is a 404), in "
    "the order filed. Pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, DoesNotExist, CursorInvalid),
)
async def list_repair_attachments(
    repair_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[RepairAttachmentPublic]:
    """工作人员和申请单位本身可查看。"""
    rows, next_cursor = await repair_evidence.list_(
        session=session, repair_id=repair_id, actor=actor, limit=limit, cursor=cursor
    )
    items = [RepairAttachmentPublic.model_validate(a) for a in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/repairs/{repair_id}/attachments/{attachment_id}",
    summary="下载信用修复证据材料 / Download a repair application's evidence file",
    description="The stored file with its original name and type; staff and the employer "
    "itself (another employer's is a 404).",
    response_class=FileResponse,
    responses={200: EVIDENCE_FILE, **problems(*GUARDED, DoesNotExist, EvidenceFileMissing)},
)
async def download_repair_attachment(
    repair_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
) -> FileResponse:
    """按原文件名和类型返回所存文件。"""
    attachment, path = await repair_evidence.get(
        session=session, repair_id=repair_id, attachment_id=attachment_id, actor=actor,
        settings=settings,
    )  # fmt: skip
    return evidence_file(attachment, path)
