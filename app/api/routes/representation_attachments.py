"""Evidence filed with a representation against a proposed C: upload, list, download."""

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
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.evaluations import representations as representation_attachments
from app.evaluations.problems import (
    EvaluationNotANotice,
    NoticeAwaitingCalendar,
    NoticeWindowClosed,
    RepresentationAttachmentNotFound,
    RepresentationFileMissing,
)
from app.models.base import Page
from app.models.representation_attachment import RepresentationAttachmentPublic
from app.records.errors import AttachmentContentMismatch, AttachmentTooLarge, AttachmentTypeRefused

router = api_router(
    prefix="/evaluations", tags=["evaluations"], responses=problems(*GUARDED, DoesNotExist)
)
Reader = Annotated[Actor, Depends(require(Permission.evaluations_read))]
Representer = Annotated[Actor, Depends(require(Permission.evaluations_represent))]


@router.post(
    "/{evaluation_id}/representations/attachments",
    status_code=201,
    summary="上传陈述申辩的证据材料 / File evidence with a representation",
    description="Multipart upload (`file`) by the employer's own account or by staff for it, "
    "while the evaluation is a `notice`, on or before `representation_deadline` and before a "
    "reviewer decides (409 `notice-window-closed` otherwise, naming the deadline), before or "
    "after any statement; staff filing never locks out the employer. Kept with its filer "
    "(`filed_by`) and time; stored outside the database under its sha256; the same file on "
    "the same notice is kept once, with whoever filed it first (200 with the existing one). "
    "Too large: 413; a type not allowed, or content that is not what it claims: 415.",
    responses={
        200: {
            "model": RepresentationAttachmentPublic,
            "description": "the same file, stored before",
        },
        **problems(
            *GUARDED,
            *WITH_BODY,
            DoesNotExist,
            EvaluationNotANotice,
            NoticeAwaitingCalendar,
            NoticeWindowClosed,
            AttachmentTooLarge,
            AttachmentTypeRefused,
            AttachmentContentMismatch,
        ),
    },
)
async def add_representation_attachment(
    evaluation_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="the evidence file")],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Representer,
) -> RepresentationAttachmentPublic:
    """拟评C级告知期间、陈述申辩期限届满前，由用人单位（或工作人员代为）上传证据文件；同一告知
    的相同文件只存一次。"""
    attachment, created = await representation_attachments.add(
        session=session,
        evaluation_id=evaluation_id,
        file_name=file.filename,
        content_type=file.content_type,
        data=await file.read(settings.attachment_max_bytes + 1),
        actor=actor,
        settings=settings,
        clock=clock,
    )
    if not created:
        response.status_code = 200
    return attachment


@router.get(
    "/{evaluation_id}/representations/attachments",
    summary="陈述申辩的证据材料列表 / List a representation's evidence",
    response_model=Page[RepresentationAttachmentPublic],
    description="Whoever may read the evaluation (its employer, staff), in the order filed, "
    "each with its filer (`filed_by`; bureau staff unnamed to an employer account). Pass "
    "`next_cursor` back as `cursor`.",
)
async def list_representation_attachments(
    evaluation_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[RepresentationAttachmentPublic]:
    """可查看该评价的人（本用人单位、工作人员）均可查看。"""
    rows, next_cursor = await representation_attachments.list_(
        session=session, evaluation_id=evaluation_id, actor=actor, limit=limit, cursor=cursor
    )
    items = await representation_attachments.to_public(
        session=session, attachments=rows, actor=actor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{evaluation_id}/representations/attachments/{attachment_id}",
    summary="下载陈述申辩的证据材料 / Download a representation's evidence file",
    description="The stored file with its original name and type.",
    response_class=FileResponse,
    responses={
        200: EVIDENCE_FILE,
        **problems(
            *GUARDED, DoesNotExist, RepresentationAttachmentNotFound, RepresentationFileMissing
        ),
    },
)
async def download_representation_attachment(
    evaluation_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
) -> FileResponse:
    """按原文件名和类型返回所存文件。"""
    attachment, path = await representation_attachments.get(
        session=session,
        evaluation_id=evaluation_id,
        attachment_id=attachment_id,
        actor=actor,
        settings=settings,
    )
    return evidence_file(attachment, path)
