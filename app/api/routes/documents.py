"""Official documents (docs/law.md §12): the bureau's letters as PDFs, numbered in their series,
read by staff and by the employer each concerns; their templates, adjusted by an admin."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.document import (
    DocumentKind,
    DocumentPublic,
    DocumentTemplatePublic,
    DocumentTemplateUpdate,
    InterviewDocumentCreate,
)
from app.reports import consumer, documents
from app.reports.errors import DocumentTemplateInvalid

router = api_router(prefix="/documents", tags=["documents"], responses=problems(*GUARDED))
templates_router = api_router(
    prefix="/document-templates", tags=["documents"], responses=problems(*GUARDED)
)
Reader = Annotated[Actor, Depends(require(Permission.documents_read))]
Interviewer = Annotated[Actor, Depends(require(Permission.interviews_write))]
Admin = Annotated[Actor, Depends(require(Permission.document_templates_write))]
PDF = {"description": "the document as issued (its sha256 is `sha256`)",
       "content": {"application/pdf": {}}}  # fmt: skip


@router.get(
    "",
    summary="查询文书 / Search documents",
    response_model=Page[DocumentPublic],
    description="The letters issued, newest first: 拟评C级告知书 (`grade_notice`), grade "
    "decisions, objection acceptances and decisions, repair decisions and interview records, "
    "each numbered in its series per year (文人社信告〔2026〕12号) and linked to the credit "
    "event it records (`event_id`). Letters are issued from the event log as the events "
    "happen. An employer account sees only its own; another employer's `employer_id` is a "
    "404, as for one that does not exist.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_documents(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    kind: DocumentKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[DocumentPublic]:
    """按出具时间倒序。用人单位账号只能看到本单位的文书。"""
    rows, next_cursor = await documents.list_(
        session=session, actor=actor, employer_id=employer_id, kind=kind, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    return Page(items=[documents.to_public(d) for d in rows], next_cursor=next_cursor)


@router.post(
    "/interview-records",
    status_code=201,
    summary="出具约谈记录 / Issue an interview record",
    description="Art 13(2): the record of an interview (约谈记录) as a numbered document. An "
    "interview writes no event, so its record is issued on demand; asked again, the same "
    "document answers (201 the first time, 200 after).",
    responses={
        200: {"model": DocumentPublic, "description": "issued before: the same document"},
        **problems(*GUARDED, *WITH_BODY, DoesNotExist),
    },
)
async def issue_interview_record(
    data: InterviewDocumentCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Interviewer,
) -> DocumentPublic:
    """出具约谈记录文书；已出具的，返回原文书。"""
    document, issued = await consumer.interview_record(
        session=session, interview_id=data.interview_id, actor=actor, clock=clock
    )
    if not issued:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/documents/{document.id}"
    return documents.to_public(document)


@router.get(
    "/{document_id}",
    summary="查看文书 / Read a document",
    description="One document's number, kind, event and the SHA-256 of its PDF. Staff, or the "
    "employer it concerns.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_document(
    document_id: uuid.UUID, session: SessionDep, actor: Reader
) -> DocumentPublic:
    """文书编号、种类、所记录的事件和 PDF 的摘要。"""
    return documents.to_public(
        await documents.get(session=session, document_id=document_id, actor=actor)
    )


@router.get(
    "/{document_id}/pdf",
    summary="下载文书 / Download a document",
    response_class=Response,
    responses={200: PDF, **problems(*GUARDED, DoesNotExist)},
    description="The PDF as issued, byte for byte (`ETag` its SHA-256). Staff, or the "
    "employer it concerns.",
)
async def document_pdf(document_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    """下载文书 PDF（与出具时完全一致）。"""
    document = await documents.get(session=session, document_id=document_id, actor=actor)
    return Response(
        content=document.pdf,
        media_type="application/pdf",
        headers={
            "ETag": f'"{document.sha256}"',
            "Content-Disposition": f'attachment; filename="document-{document.id}.pdf"',
        },
    )


@templates_router.get(
    "/{kind}",
    summary="查看文书模板 / Read a document template",
    description="The template letters of `kind` are issued from: the series of their number, "
    "the title and the body with its `{{name}}` placeholders (`placeholders` lists those the "
    "kind may use). Version 0 is the built-in template; each change makes a new version. "
    "Admins.",
    responses=problems(*GUARDED),
)
async def get_template(
    kind: DocumentKind, session: SessionDep, actor: Admin
) -> DocumentTemplatePublic:
    """文书模板：文号字头、标题和带 {{占位符}} 的正文。"""
    return documents.template_public(await documents.template(session=session, kind=kind))


@templates_router.put(
    "/{kind}",
    summary="修改文书模板 / Change a document template",
    description="A new version of the template (audited, old and new). The body is plain text: "
    "`{{name}}` is replaced by the value of one of the kind's placeholders, a blank line "
    "starts a paragraph; nothing else is interpreted. An unknown placeholder or stray braces "
    "are a 422 `document-template-invalid`. Documents already issued keep their text.",
    responses=problems(*GUARDED, *WITH_BODY, DocumentTemplateInvalid),
)
async def put_template(
    kind: DocumentKind,
    data: DocumentTemplateUpdate,
    session: SessionDep,
    clock: ClockDep,
    actor: Admin,
) -> DocumentTemplatePublic:
    """修改文书模板（生成新版本并记入审计记录）；已出具的文书不变。"""
    found = await documents.put_template(
        session=session, kind=kind, data=data, actor=actor, clock=clock
    )
    return documents.template_public(found)
