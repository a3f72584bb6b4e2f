"""Objections (Art 15, 16): filing, acceptance with its working-day deadline, the decision and its
cascade, closing one without a decision (withdrawn, lapsed), evidence files, and the deadlines at
a glance."""

from __future__ import annotations

import uuid
from datetime import date
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
    TodayDep,
    evidence_file,
    require,
)
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.grading.errors import NoRuleSetInForce
from app.models.base import Page
from app.models.objection import (
    AcceptanceCreate,
    ObjectionAttachmentPublic,
    ObjectionClosureCreate,
    ObjectionCreate,
    ObjectionDeadlines,
    ObjectionDecisionCreate,
    ObjectionPublic,
    ObjectionStatus,
)
from app.objections import cascade, closure, deadlines, evidence, reads
from app.objections import service as objections
from app.objections.problems import (
    AcceptanceDepartments,
    DeciderCollectedTarget,
    DecisionRemedy,
    ObjectionAlreadyOpen,
    ObjectionAttachmentNotFound,
    ObjectionClosed,
    ObjectionFileMissing,
    ObjectionNotAccepted,
    ObjectionNotFiled,
    ObjectionReceiptRequired,
    ObjectionStaffField,
    ObjectionTargetChanged,
    ObjectionTargetNotCurrent,
    ObjectionTargetUnchanged,
)
from app.records.errors import (
    AttachmentContentMismatch,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    CorrectionChangesEmployer,
    RecordInvalid,
)

router = api_router(prefix="/objections", tags=["objections"], responses=problems(*GUARDED))
stats_router = api_router(prefix="/stats", tags=["objections"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.objections_read))]
Filer = Annotated[Actor, Depends(require(Permission.objections_file))]
Reviewer = Annotated[Actor, Depends(require(Permission.objections_decide))]


@router.post(
    "",
    status_code=201,
    summary="提出异议 / File an objection",
    description="Art 15: against a credit record (the verified version in force), an evaluation "
    "(current) or a published disclosure item (decided on the record it shows), "
    "for an error, an omission, a trade secret or privacy. The employer's own account files "
    "its own (received today, online; `receipt_date` and `channel` are refused, 422 "
    "`objection-staff-field`); staff enter a walk-in or a letter with `receipt_date` (not after "
    "today) and `channel`. Another employer's target is a 404. One open objection per target "
    "(a record: all its versions): a second is 409 `objection-already-open` naming the open "
    "one (a decided, withdrawn or lapsed one holds it no more). The target is flagged as "
    "disputed on the public list while it is open; `objection.filed` is emitted. "
    "Evidence files: POST /objections/{id}/attachments.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        ObjectionAlreadyOpen,
        ObjectionTargetNotCurrent,
        ObjectionStaffField,
        ObjectionReceiptRequired,
    ),
)
async def file_objection(
    data: ObjectionCreate, session: SessionDep, clock: ClockDep, actor: Filer
) -> ObjectionPublic:
    """用人单位（本单位账户）或工作人员（代为录入当面或书面异议，须写明收到日期）对信用记录、
    评价或公示事项提出异议。同一对象同时只能有一件未办结的异议。"""
    objection = await objections.file(session=session, data=data, actor=actor, clock=clock)
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.get(
    "",
    summary="查询异议 / List objections",
    response_model=Page[ObjectionPublic],
    description="Newest first. Filters: `status` (filed, accepted, decided, withdrawn, "
    "lapsed), `employer_id`, `due_before` (accepted ones "
    "whose deadline is before that day). An employer account sees only its own; another "
    "employer's `employer_id` is a 404. Pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_objections(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    status: ObjectionStatus | None = None,
    due_before: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ObjectionPublic]:
    """按提出时间倒序列出异议。用人单位账号只能看到本单位的。"""
    rows, next_cursor = await reads.list_(
        session=session, actor=actor, employer_id=employer_id, status=status,
        due_before=due_before, limit=limit, cursor=cursor,
    )  # fmt: skip
    items = await reads.to_public(session=session, objections=rows, actor=actor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{objection_id}",
    summary="查看异议 / Read an objection",
    description="Its target, statement, receipt date, acceptance and deadline (`due_date`; "
    "null with `awaiting_calendar` while the calendar lacks the year), the decision and the "
    "push's due date, or its withdrawal or lapse (`closed_by`, `closed_at`, `closure_reason`). "
    "Employers: their own only.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_objection(
    objection_id: uuid.UUID, session: SessionDep, actor: Reader
) -> ObjectionPublic:
    """异议的对象、陈述、收到日期、受理与期限、处理决定及推送期限。"""
    objection = await reads.get(session=session, objection_id=objection_id, actor=actor)
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.post(
    "/{objection_id}/acceptance",
    summary="受理异议 / Accept an objection",
    description="Art 16: `in_house` (due 3 working days after receipt) or `departments` (due "
    "10 working days after receipt; name them in `departments`), counted on the working-day "
    "calendar; while the calendar lacks the year the deadline falls in, `due_date` is null "
    "and `awaiting_calendar` true until an admin loads it. Once only (409 "
    "`objection-not-awaiting-acceptance`). Emits `objection.accepted`.",
    responses=problems(
        *GUARDED, *WITH_BODY, DoesNotExist, ObjectionNotFiled, AcceptanceDepartments
    ),
)
async def accept_objection(
    objection_id: uuid.UUID,
    data: AcceptanceCreate,
    session: SessionDep,
    clock: ClockDep,
    actor: Reviewer,
) -> ObjectionPublic:
    """受理异议：本局核查的，自收到之日起3个工作日内办结；需其他部门核查的，10个工作日内。"""
    objection = await objections.accept(
        session=session, objection_id=objection_id, data=data, actor=actor, clock=clock
    )
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.post(
    "/{objection_id}/decision",
    summary="作出异议处理决定 / Decide an objection",
    description="By a reviewer who did not collect the record contested (403 "
    "`objection-decider-collected`), on an accepted objection whose target has not changed "
    "since it was filed (409 `objection-target-changed`: close it as lapsed instead, POST "
    "/objections/{id}/lapse). `upheld` or `partly_upheld` on a "
    "record carries `correction` (the whole new content: a new version verified by this "
    "decision, citing it) or `revocation`; on an evaluation it is the re-grade alone; "
    "`rejected` carries neither. In one transaction: the record corrected or revoked, the "
    "employer re-graded (an upgrade allowed), the disclosure brought in line and unflagged, "
    "and the events emitted (`record.corrected`/`record.revoked`, grade events, "
    "`objection.decided` with `push_due_date`, 5 working days after the decision). A failure "
    "anywhere changes nothing.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        ObjectionNotAccepted,
        ObjectionTargetChanged,
        DeciderCollectedTarget,
        DecisionRemedy,
        RecordInvalid,
        CorrectionChangesEmployer,
        NoRuleSetInForce,
    ),
)
async def decide_objection(
    objection_id: uuid.UUID,
    data: ObjectionDecisionCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> ObjectionPublic:
    """异议成立（或部分成立）的，在同一事务中更正或撤销信用记录、重新评价、更新或撤销公示，
    并在决定后5个工作日内推送；不成立的，只记录决定。"""
    objection = await cascade.decide(
        session=session, objection_id=objection_id, data=data, actor=actor, settings=settings,
        clock=clock,
    )  # fmt: skip
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.post(
    "/{objection_id}/withdrawal",
    summary="撤回异议 / Withdraw an objection",
    description="By the employer's own account, or staff entering its request, while the "
    "objection is filed or accepted (once decided, withdrawn or lapsed: 409 "
    "`objection-closed`); another employer's is a 404. `reason` says why. The objection is "
    "`withdrawn`: audited, `objection.withdrawn` emitted (the employer is told), no longer "
    "flagged as disputed on the public list, off the deadlines, and its target takes a new "
    "objection.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, ObjectionClosed),
)
async def withdraw_objection(
    objection_id: uuid.UUID,
    data: ObjectionClosureCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Filer,
) -> ObjectionPublic:
    """用人单位（本单位账户）或工作人员（依单位申请代为办理）在处理决定作出前撤回异议。"""
    objection = await closure.withdraw(
        session=session, objection_id=objection_id, data=data, actor=actor, settings=settings,
        clock=clock,
    )  # fmt: skip
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.post(
    "/{objection_id}/lapse",
    summary="终止异议（对象已变更） / Close an objection as lapsed",
    description="By a reviewer, on a filed or accepted objection whose target changed since it "
    "was filed (the record corrected or revoked, the evaluation superseded, the item ended): "
    "no decision on it can be made (`/decision` is 409 `objection-target-changed`), so it "
    "closes as `lapsed` with `reason`. On an unchanged target a decision is due: 409 "
    "`objection-target-unchanged`; once decided, withdrawn or lapsed: 409 `objection-closed`. "
    "Audited, `objection.lapsed` emitted (with the target's status and the version in force; "
    "the employer is told), no longer flagged as disputed, off the deadlines, and the target "
    "(the record: all its versions) takes a new objection.",
    responses=problems(
        *GUARDED, *WITH_BODY, DoesNotExist, ObjectionClosed, ObjectionTargetUnchanged
    ),
)
async def lapse_objection(
    objection_id: uuid.UUID,
    data: ObjectionClosureCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> ObjectionPublic:
    """异议提出后其对象已变更（记录已更正或撤销、评价已被取代、公示已结束）的，审核人员终止该异议，
    不再作出处理决定；对象未变更的，应作出处理决定。"""
    objection = await closure.lapse(
        session=session, objection_id=objection_id, data=data, actor=actor, settings=settings,
        clock=clock,
    )  # fmt: skip
    return await reads.to_public_one(session=session, objection=objection, actor=actor)


@router.post(
    "/{objection_id}/attachments",
    status_code=201,
    summary="上传异议证据材料 / File evidence with an objection",
    description="Multipart upload (`file`) by the employer's own account or staff for it, "
    "while the objection is open (decided, withdrawn or lapsed: 409 `objection-closed`). "
    "Stored outside the database "
    "under its sha256; the same file on the same objection is kept once (200 with the "
    "existing one). Too large: 413; a type not allowed, or content that is not what it "
    "claims: 415.",
    responses={
        200: {"model": ObjectionAttachmentPublic, "description": "the same file, stored before"},
        **problems(
            *GUARDED,
            *WITH_BODY,
            DoesNotExist,
            ObjectionClosed,
            AttachmentTooLarge,
            AttachmentTypeRefused,
            AttachmentContentMismatch,
        ),
    },
)
async def add_objection_attachment(
    objection_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="the evidence file")],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Filer,
) -> ObjectionAttachmentPublic:
    """异议办结（处理、撤回或终止）前，由用人单位（或工作人员代为）上传证据材料；同一异议的相同
    文件只存一次。"""
    attachment, created = await evidence.add(
        session=session, objection_id=objection_id, file_name=file.filename,
        content_type=file.content_type, data=await file.read(settings.attachment_max_bytes + 1),
        actor=actor, settings=settings, clock=clock,
    )  # fmt: skip
    if not created:
        response.status_code = 200
    return attachment


@router.get(
    "/{objection_id}/attachments",
    summary="异议证据材料列表 / List an objection's evidence",
    response_model=Page[ObjectionAttachmentPublic],
    description="Whoever may read the objection, in the order filed, each with its filer "
    "(bureau staff unnamed to an employer account). Pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, DoesNotExist, CursorInvalid),
)
async def list_objection_attachments(
    objection_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ObjectionAttachmentPublic]:
    """可查看该异议的人均可查看。"""
    rows, next_cursor = await evidence.list_(
        session=session, objection_id=objection_id, actor=actor, limit=limit, cursor=cursor
    )
    items = await evidence.to_public(session=session, attachments=rows, actor=actor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{objection_id}/attachments/{attachment_id}",
    summary="下载异议证据材料 / Download an objection's evidence file",
    description="The stored file with its original name and type.",
    response_class=FileResponse,
    responses={
        200: EVIDENCE_FILE,
        **problems(*GUARDED, DoesNotExist, ObjectionAttachmentNotFound, ObjectionFileMissing),
    },
)
async def download_objection_attachment(
    objection_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
) -> FileResponse:
    """按原文件名和类型返回所存文件。"""
    attachment, path = await evidence.get(
        session=session, objection_id=objection_id, attachment_id=attachment_id, actor=actor,
        settings=settings,
    )  # fmt: skip
    return evidence_file(attachment, path)


@stats_router.get(
    "/deadlines",
    summary="异议办理期限 / Objection deadlines",
    description="Accepted objections due today, due soon (within "
    "LABOR_CREDIT_OBJECTIONS_DUE_SOON_WORKING_DAYS working days, default 2) and overdue, "
    "those whose deadline waits for the calendar, and those not yet accepted (open ones only: "
    "a withdrawn or lapsed objection has no deadline); and upheld decisions whose push date "
    "(5 working days after the decision) waits for the calendar. Counts, and the first 100 of "
    "each by due date (the push's group by decision date). An employer account sees only its "
    "own. Also the "
    "`objections_deadlines` gauge in /metrics (the daily job).",
    responses=problems(*GUARDED, EmployerAccountUnbound),
)
async def objection_deadlines(
    session: SessionDep, settings: SettingsDep, today: TodayDep, actor: Reader
) -> ObjectionDeadlines:
    """今天到期、即将到期（N个工作日内）和已逾期的异议，待载入工作日历和待受理的异议，以及推送
    期限待载入工作日历的处理决定。用人单位账号只看到本单位的。"""
    return await deadlines.summary(
        session=session, today=today, soon_days=settings.objections_due_soon_working_days,
        actor=actor,
    )  # fmt: skip
