"""A representation against a proposed C (陈述申辩): its statements and evidence files, filed
while the notice's window is open and before a reviewer decides, by the employer's own account
or by staff for it — neither locks out the other — each kept with its filer and time; read by
whoever may read the evaluation. An employer account reading what bureau staff filed for it sees
that the bureau filed it, not which staff member (their names are not the employer's to know)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.i18n import Text
from app.evaluations import reads as evaluation_reads
from app.evaluations import service as evaluations
from app.evaluations.problems import (
    RepresentationAttachmentNotFound,
    RepresentationChannelRequired,
    RepresentationFileMissing,
    RepresentationStaffField,
)
from app.models.evaluation import EvaluationStatus, RepresentationPublic
from app.models.representation import (
    STAFF_CHANNELS,
    Filer,
    FilerSide,
    RepresentationChannel,
    RepresentationCreate,
    RepresentationStatement,
    RepresentationStatementPublic,
)
from app.models.representation_attachment import (
    RepresentationAttachment,
    RepresentationAttachmentPublic,
)
from app.models.user import Role, User
from app.records import evidence as evidence_files

# --- statements -------------------------------------------------------------------------------


async def file(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    data: RepresentationCreate,
    actor: Actor,
    clock: Clock,
) -> RepresentationStatementPublic:
    """One more statement of the representation, numbered after those filed before it (the
    notice's row lock orders concurrent filings); the first one is the evaluation's
    `represented_at`."""
    now = clock.now()
    evaluation = await evaluations.open_notice(
        session=session, evaluation_id=evaluation_id, actor=actor, today=clock.local(now).date()
    )
    assert actor.id is not None and actor.role is not None  # evaluations:represent: users only
    channel = _channel(actor.role, data)
    last = await session.scalar(
        select(func.max(RepresentationStatement.seq)).where(
            RepresentationStatement.evaluation_id == evaluation.id
        )
    )
    statement = RepresentationStatement(
        evaluation_id=evaluation.id, seq=(last or 0) + 1, text=data.text, filed_by=actor.id,
        filer_role=actor.role, channel=channel, presented_by=data.presented_by, filed_at=now,
    )  # fmt: skip
    session.add(statement)
    if evaluation.represented_at is None:
        evaluation.represented_at, evaluation.represented_by = now, actor.id
    evaluation.updated_at = now
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="evaluation.represent", resource_type="evaluation",
        resource_id=evaluation.id,
        changes=audit.created(
            {"statement_id": statement.id, "seq": statement.seq, "text": data.text,
             "filer_role": actor.role.value, "channel": channel.value,
             "presented_by": data.presented_by}
        ),
    )  # fmt: skip
    [shown] = await _statements_public(session, [statement], actor)
    return shown


def _channel(role: Role, data: RepresentationCreate) -> RepresentationChannel:
    """An employer account files online, itself; staff say how the employer made its case."""
    if role == Role.employer:
        if data.channel not in (None, RepresentationChannel.online):
            raise RepresentationStaffField(
                ["body", "channel"],
                Text(
                    zh=f"单位账户自己提交的陈述申辩即网上提交（online）；{data.channel}由代为录入"
                    "的工作人员填写",
                    en=f"an employer account's own statement is filed online; channel "
                    f"{data.channel} is for staff entering a statement for the employer",
                ),
            )
        if data.presented_by is not None:
            raise RepresentationStaffField(
                ["body", "presented_by"],
                Text(
                    zh="presented_by（代单位陈述的人）由代为录入的工作人员填写；单位账户自己提交"
                    "时省略",
                    en="presented_by (who presented the case for the employer) is for staff "
                    "entering a statement; an employer account leaves it out",
                ),
            )
        return RepresentationChannel.online
    if data.channel is None or data.channel not in STAFF_CHANNELS:
        given = data.channel or "未填写 / missing"
        raise RepresentationChannelRequired(
            ["body", "channel"],
            Text(
                zh=f"工作人员代单位录入陈述申辩，须说明单位提出的方式 channel：in_person、letter"
                f"或phone（现为{given}）",
                en=f"staff filing a statement for the employer say how it made its case: channel "
                f"in_person, letter or phone (given: {given})",
            ),
        )
    return data.channel


async def read(
    *, session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor, today: date
) -> RepresentationPublic:
    """The whole representation: every statement and file in the order filed, with filers."""
    evaluation = await evaluation_reads.get(
        session=session, evaluation_id=evaluation_id, actor=actor
    )
    statements = await session.scalars(
        select(RepresentationStatement)
        .where(RepresentationStatement.evaluation_id == evaluation_id)
        .order_by(col(RepresentationStatement.seq))
    )
    deadline = evaluation.representation_deadline
    is_open = (
        evaluation.status == EvaluationStatus.notice and deadline is not None and today <= deadline
    )
    return RepresentationPublic(
        evaluation_id=evaluation.id,
        status=evaluation.status,
        representation_deadline=deadline,
        open=is_open,
        statements=await _statements_public(session, list(statements), actor),
        attachments=await to_public(
            session=session, attachments=await _attachments(session, evaluation_id), actor=actor
        ),
    )


async def _statements_public(
    session: AsyncSession, statements: Sequence[RepresentationStatement], actor: Actor
) -> list[RepresentationStatementPublic]:
    names = await _names(session, (s.filed_by for s in statements))
    return [
        RepresentationStatementPublic.model_validate(
            s, update={"filed_by": _filer(actor, s.filed_by, s.filer_role, names)}
        )
        for s in statements
    ]


# --- filers ------------------------------------------------------------------------------------


async def _names(
    session: AsyncSession, user_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(col(User.id).in_(ids)))
    return {user_id: name for user_id, name in rows}


def _filer(
    reader: Actor, user_id: uuid.UUID | None, role: Role | None, names: dict[uuid.UUID, str]
) -> Filer:
    side = FilerSide.employer if role == Role.employer else FilerSide.bureau
    if reader.role == Role.employer and side == FilerSide.bureau:
        return Filer(side=side, user_id=None, name=None, role=None)
    name = names.get(user_id) if user_id is not None else None
    return Filer(side=side, user_id=user_id, name=name, role=role)


# --- evidence files ----------------------------------------------------------------------------


async def add(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    file_name: str | None,
    content_type: str | None,
    data: bytes,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> tuple[RepresentationAttachmentPublic, bool]:
    """The attachment and whether it is new (the same file on the same notice is kept once,
    with whoever filed it first)."""
    now = clock.now()
    evaluation = await evaluations.open_notice(
        session=session, evaluation_id=evaluation_id, actor=actor, today=clock.local(now).date()
    )
    attachment, created = await evidence_files.attach(
        session=session, model=RepresentationAttachment, owner={"evaluation_id": evaluation.id},
        audited_as=("evaluation.representation_attachment_add", "evaluation"),
        file_name=file_name, content_type=content_type, data=data, actor=actor, settings=settings,
        fields={"uploader_role": actor.role, "uploaded_at": now},
    )  # fmt: skip
    [shown] = await to_public(session=session, attachments=[attachment], actor=actor)
    return shown, created


async def _attachments(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> list[RepresentationAttachment]:
    rows = await session.scalars(
        select(RepresentationAttachment)
        .where(RepresentationAttachment.evaluation_id == evaluation_id)
        .order_by(col(RepresentationAttachment.uploaded_at), col(RepresentationAttachment.id))
    )
    return list(rows)


async def list_(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    actor: Actor,
    limit: int,
    cursor: str | None,
) -> tuple[list[RepresentationAttachment], str | None]:
    """In the order filed, a keyset page of `limit`."""
    await evaluation_reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    return await evidence_files.page(
        session=session, model=RepresentationAttachment, owner={"evaluation_id": evaluation_id},
        limit=limit, cursor=cursor,
    )  # fmt: skip


async def to_public(
    *, session: AsyncSession, attachments: Sequence[RepresentationAttachment], actor: Actor
) -> list[RepresentationAttachmentPublic]:
    """As `actor` may see them: each with its filer (bureau staff unnamed to an employer)."""
    names = await _names(session, (a.uploaded_by for a in attachments))
    shown = []
    for attachment in attachments:
        filer = _filer(actor, attachment.uploaded_by, attachment.uploader_role, names)
        shown.append(
            RepresentationAttachmentPublic.model_validate(
                attachment, update={"filed_by": filer, "uploaded_by": filer.user_id}
            )
        )
    return shown


async def get(
    *,
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    attachment_id: uuid.UUID,
    actor: Actor,
    settings: Settings,
) -> tuple[RepresentationAttachment, Path]:
    await evaluation_reads.get(session=session, evaluation_id=evaluation_id, actor=actor)
    return await evidence_files.stored(
        session=session, model=RepresentationAttachment, owner={"evaluation_id": evaluation_id},
        attachment_id=attachment_id, settings=settings,
        of=Text(f"评价 {evaluation_id}", f"evaluation {evaluation_id}"),
        not_found=RepresentationAttachmentNotFound, file_missing=RepresentationFileMissing,
    )  # fmt: skip
