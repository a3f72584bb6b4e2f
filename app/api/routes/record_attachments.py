"""Evidence attachments of credit records: upload, list, download."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, File, Query, Response, UploadFile
from fastapi.responses import FileResponse

from app.api.deps import (
    EVIDENCE_FILE,
    GUARDED,
    WITH_BODY,
    SessionDep,
    SettingsDep,
    evidence_file,
    require,
)
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.models.base import Page
from app.models.record_attachment import RecordAttachmentPublic
from app.records import attachments as record_attachments
from app.records.errors import (
    AttachmentContentMismatch,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    EvidenceCollectorOnly,
    EvidenceFileMissing,
    EvidenceStaffOnly,
    RecordNotCurrent,
)

router = api_router(
    prefix="/credit-records",
    tags=["credit records"],
    responses=problems(*GUARDED, DoesNotExist, EvidenceStaffOnly),
)
Reader = Annotated[Actor, Depends(require(Permission.credit_records_read))]
Collector = Annotated[Actor, Depends(require(Permission.credit_records_write))]


@router.post(
    "/{record_id}/attachments",
    status_code=201,
    summary="上传信用记录的证据材料 / Attach evidence",
    description="Multipart upload (`file`). Stored outside the database under its sha256; the "
    "same file on the same record is kept once (200 with the existing attachment). Allowed on a "
    "draft (its collector or a reviewer) and on a verified record (any inspector or reviewer) — "
    "evidence never changes the record's content; superseded or revoked versions take none "
    "(409). Too large: 413; a type not in the allowed list, or content that is not what it "
    "claims (every type is checked: signatures, the OLE2 or ZIP package's parts): 415.",
    responses={
        200: {"model": RecordAttachmentPublic, "description": "the same file, stored before"},
        **problems(
            *GUARDED,
            *WITH_BODY,
            DoesNotExist,
            RecordNotCurrent,
            EvidenceCollectorOnly,
            AttachmentTooLarge,
            AttachmentTypeRefused,
            AttachmentContentMismatch,
        ),
    },
)
async def add_attachment(
    record_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="the evidence file")],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    actor: Collector,
) -> RecordAttachmentPublic:
    """上传证据文件（multipart `file`），按 SHA-256 存于数据库之外，同一记录的相同文件只存一
    次。已被取代或已撤销的版本不能再添加。"""
    data = await file.read(settings.attachment_max_bytes + 1)
    attachment, created = await record_attachments.add(
        session=session,
        record_id=record_id,
        file_name=file.filename,
        content_type=file.content_type,
        data=data,
        actor=actor,
        settings=settings,
    )
    if not created:
        response.status_code = 200
    return RecordAttachmentPublic.model_validate(attachment)


@router.get(
    "/{record_id}/attachments",
    summary="信用记录的证据材料列表 / List evidence",
    response_model=Page[RecordAttachmentPublic],
    description="Bureau staff only: evidence can name complainants and workers (Art 8). In "
    "the order uploaded; pass `next_cursor` back as `cursor`.",
)
async def list_attachments(
    record_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[RecordAttachmentPublic]:
    """仅限本局工作人员：证据材料可能涉及投诉人和劳动者（第八条）。"""
    rows, next_cursor = await record_attachments.list_(
        session=session, record_id=record_id, actor=actor, limit=limit, cursor=cursor
    )
    items = [RecordAttachmentPublic.model_validate(a) for a in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{record_id}/attachments/{attachment_id}",
    summary="下载信用记录的证据材料 / Download evidence",
    description="The file as uploaded, with its content type; `ETag` is its sha256.",
    response_class=FileResponse,
    responses={
        200: EVIDENCE_FILE,
        **problems(*GUARDED, DoesNotExist, EvidenceStaffOnly, EvidenceFileMissing),
    },
)
async def download_attachment(
    record_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
) -> FileResponse:
    """按上传时的原样和类型返回文件；`ETag` 为其 SHA-256。"""
    attachment, path = await record_attachments.get(
        session=session,
        record_id=record_id,
        attachment_id=attachment_id,
        actor=actor,
        settings=settings,
    )
    return evidence_file(attachment, path)
