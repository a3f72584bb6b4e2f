"""Evidence filed with a representation against a proposed C: upload, list, download."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, File, Response, UploadFile
from fastapi.responses import FileResponse

from app.api.deps import GUARDED, WITH_BODY, SessionDep, SettingsDep, TodayDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.evaluations import representations as representation_attachments
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
    summary="File evidence with a representation (陈述申辩)",
    description="Multipart upload (`file`) by the employer (or staff for it) while the "
    "evaluation is a `notice` and on or before `representation_deadline` (409 otherwise), "
    "before or after the representation's text. Stored outside the database under its sha256; "
    "the same file on the same notice is kept once (200 with the existing one). Too large: 413; "
    "a type not allowed, or content that is not what it claims: 415.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        AttachmentTooLarge,
        AttachmentTypeRefused,
        AttachmentContentMismatch,
    ),
)
async def add_representation_attachment(
    evaluation_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="the evidence file")],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    actor: Representer,
) -> RepresentationAttachmentPublic:
    attachment, created = await representation_attachments.add(
        session=session,
        evaluation_id=evaluation_id,
        file_name=file.filename,
        content_type=file.content_type,
        data=await file.read(settings.attachment_max_bytes + 1),
        actor=actor,
        settings=settings,
        today=today,
    )
    if not created:
        response.status_code = 200
    return RepresentationAttachmentPublic.model_validate(attachment)


@router.get(
    "/{evaluation_id}/representations/attachments",
    summary="List a representation's evidence",
    description="Whoever may read the evaluation (its employer, staff).",
)
async def list_representation_attachments(
    evaluation_id: uuid.UUID, session: SessionDep, actor: Reader
) -> list[RepresentationAttachmentPublic]:
    rows = await representation_attachments.list_(
        session=session, evaluation_id=evaluation_id, actor=actor
    )
    return [RepresentationAttachmentPublic.model_validate(row) for row in rows]


@router.get(
    "/{evaluation_id}/representations/attachments/{attachment_id}",
    summary="Download a representation's evidence file",
    description="The stored file with its original name and type.",
    response_class=FileResponse,
    responses=problems(*GUARDED, DoesNotExist),
)
async def download_representation_attachment(
    evaluation_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: Reader,
) -> FileResponse:
    attachment, path = await representation_attachments.get(
        session=session,
        evaluation_id=evaluation_id,
        attachment_id=attachment_id,
        actor=actor,
        settings=settings,
    )
    return FileResponse(path, media_type=attachment.content_type, filename=attachment.file_name,
                        headers={"ETag": f'"{attachment.sha256}"'})  # fmt: skip
