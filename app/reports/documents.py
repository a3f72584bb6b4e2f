"""Official documents (docs/law.md §12): templates, numbering, the PDF, and reads.

`issue` fills the kind's template (an admin's, else the built-in one: `templates`), takes the
next number of the template's series in the year of issue from `document_counters` (an
`INSERT … ON CONFLICT DO UPDATE … RETURNING`, which locks the counter's row until the
transaction ends: two issues in one series wait for each other, and a rolled-back issue gives
its number back, so numbers are gap-free), renders the PDF (`reports.pdf`) and stores it with
the SHA-256 of its bytes. A document is never changed; one per event and kind, so an event read
again issues nothing new. Writes use the caller's session and never commit.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import access, pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.i18n import Text
from app.models.document import (
    Document,
    DocumentKind,
    DocumentPublic,
    DocumentTemplate,
    DocumentTemplatePublic,
    DocumentTemplateUpdate,
)
from app.models.employer import Employer
from app.reports import pdf, templates
from app.reports.errors import DocumentTemplateInvalid

BUREAU = "文水县人力资源和社会保障局"


@dataclass(frozen=True)
class Template:
    kind: DocumentKind
    series: str
    title: str
    body: str
    version: int
    updated_at: datetime | None
    updated_by: uuid.UUID | None


def zh_date(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日"


# --- templates ---------------------------------------------------------------------------------


async def template(*, session: AsyncSession, kind: DocumentKind) -> Template:
    stored = await session.get(DocumentTemplate, kind)
    if stored is None:
        builtin = templates.BUILTIN[kind]
        return Template(kind, builtin.series, builtin.title, builtin.body, 0, None, None)
    return Template(
        kind, stored.series, stored.title, stored.body, stored.version, stored.updated_at,
        stored.updated_by,
    )  # fmt: skip


def template_public(found: Template) -> DocumentTemplatePublic:
    return DocumentTemplatePublic(
        kind=found.kind,
        series=found.series,
        title=found.title,
        body=found.body,
        version=found.version,
        updated_at=found.updated_at,
        updated_by=found.updated_by,
        placeholders=templates.placeholders(found.kind),
    )


async def put_template(
    *,
    session: AsyncSession,
    kind: DocumentKind,
    data: DocumentTemplateUpdate,
    actor: Actor,
    clock: Clock,
) -> Template:
    """A new version of the kind's template (the series too), audited with what changed."""
    wrong = templates.unknown(kind, data.body)
    if wrong:
        raise DocumentTemplateInvalid(
            ["body", "body"],
            Text(
                f"模板使用了不认识的占位符或写法：{'、'.join(wrong)}；可用的占位符："
                f"{'、'.join(templates.placeholders(kind))}",
                f"the template uses unknown placeholders or braces: {', '.join(wrong)}; "
                f"allowed: {', '.join(templates.placeholders(kind))}",
            ),
            kind="template.placeholder",
        )
    before = await template(session=session, kind=kind)
    stored = await session.get(DocumentTemplate, kind, with_for_update=True)
    if stored is None:
        stored = DocumentTemplate(kind=kind, series=data.series, title=data.title,
                                  body=data.body, version=1)  # fmt: skip
        session.add(stored)
    else:
        stored.series, stored.title, stored.body = data.series, data.title, data.body
        stored.version += 1
    stored.updated_at = clock.now()
    stored.updated_by = actor.id if actor.kind == "user" else None
    await session.flush()
    old = {"series": before.series, "title": before.title, "body": before.body,
           "version": before.version}  # fmt: skip
    new = {"series": stored.series, "title": stored.title, "body": stored.body,
           "version": stored.version}  # fmt: skip
    await audit.record(
        session=session, actor=actor, action="document_template.update",
        resource_type="document_template", resource_id=kind.value,
        changes=audit.diff(old, new),
    )  # fmt: skip
    return await template(session=session, kind=kind)


# --- issue -------------------------------------------------------------------------------------


async def next_number(session: AsyncSession, series: str, year: int) -> int:
    """The next number of the series in the year; the counter's row stays locked until the
    transaction ends, so numbers are given in order and none is lost."""
    number = await session.scalar(
        text(
            "INSERT INTO document_counters (series, year, last_number) VALUES (:s, :y, 1) "
            "ON CONFLICT (series, year) DO UPDATE "
            "SET last_number = document_counters.last_number + 1 RETURNING last_number"
        ),
        {"s": series, "y": year},
    )
    return int(number or 0)


async def issue(
    *,
    session: AsyncSession,
    kind: DocumentKind,
    employer_id: uuid.UUID,
    subject_type: str,
    subject_id: uuid.UUID,
    fields: dict[str, Any],
    clock: Clock,
    actor: Actor,
    event_id: int | None = None,
) -> Document:
    """The document of `kind` for the employer; with `event_id`, the one already issued for that
    event if there is one."""
    if event_id is not None:
        existing = await session.scalar(
            select(Document).where(Document.event_id == event_id, Document.kind == kind)
        )
        if existing is not None:
            return existing
    employer = await session.get_one(Employer, employer_id)
    found = await template(session=session, kind=kind)
    now, today = clock.now(), clock.today()
    number = await next_number(session, found.series, today.year)
    document_number = f"{found.series}〔{today.year}〕{number}号"
    values = {
        "employer_name": employer.name,
        "uscc": employer.uscc,
        "legal_representative": employer.legal_representative,
        "document_number": document_number,
        "issued_on": zh_date(today),
        "bureau": BUREAU,
        **fields,
    }
    values = {k: v for k, v in values.items() if v is not None}
    data = render(found, values, document_number)
    document = Document(
        employer_id=employer_id,
        kind=kind,
        series=found.series,
        year=today.year,
        number=number,
        document_number=document_number,
        event_id=event_id,
        subject_type=subject_type,
        subject_id=subject_id,
        template_version=found.version,
        title=found.title,
        fields=values,
        pdf=data,
        sha256=hashlib.sha256(data).hexdigest(),
        issued_at=now,
        issued_by=actor.id if actor.kind == "user" else None,
    )
    session.add(document)
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="document.issue", resource_type="document",
        resource_id=document.id,
        changes=audit.created({"kind": kind.value, "document_number": document_number,
                               "sha256": document.sha256, "event_id": event_id,
                               "employer_id": str(employer_id)}),
    )  # fmt: skip
    return document


def render(found: Template, values: dict[str, Any], document_number: str) -> bytes:
    document = pdf.Document(found.title, number=document_number)
    document.paragraph(templates.fill(found.body, values))
    document.signature(BUREAU, str(values.get("issued_on") or ""))
    return document.render()


# --- reads -------------------------------------------------------------------------------------


async def get(*, session: AsyncSession, document_id: uuid.UUID, actor: Actor) -> Document:
    found = await session.get(Document, document_id)
    return access.visible(
        actor, found, missing=Text(f"文书 {document_id}", f"document {document_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None,
    kind: DocumentKind | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """Newest first."""
    query = select(Document)
    if (employer_id := access.own_employer(actor, employer_id)) is not None:
        query = query.where(Document.employer_id == employer_id)
    if kind is not None:
        query = query.where(Document.kind == kind)
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        query = query.where(func.row(Document.issued_at, Document.id) < func.row(at, after_id))
    order = (col(Document.issued_at).desc(), col(Document.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda d: [d.issued_at.isoformat(), str(d.id)])


def to_public(document: Document) -> DocumentPublic:
    return DocumentPublic(
        id=document.id,
        employer_id=document.employer_id,
        kind=document.kind,
        document_number=document.document_number,
        title=document.title,
        event_id=document.event_id,
        subject_type=document.subject_type,
        subject_id=document.subject_id,
        template_version=document.template_version,
        sha256=document.sha256,
        issued_at=document.issued_at,
        issued_by=document.issued_by,
        pdf_url=f"/api/v1/documents/{document.id}/pdf",
    )
