"""Interviews (约谈, Art 13(2)): enter one, and its entry in the employer's credit record.

The credit record is a draft collected by the officer who enters the interview, verified later by
a second person like every record (see app.models.interview for why).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import access, pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import FieldProblem, InvalidField
from app.core.i18n import Text, say
from app.models.credit_record import CreditRecordCreate, RecordCategory, RecordKind, RecordSource
from app.models.employer import Employer
from app.models.evaluation import Evaluation
from app.models.interview import Interview, InterviewCreate
from app.records import service as credit_records
from app.records.rules import invalid


class InterviewInvalid(InvalidField):
    slug = "interview-invalid"
    title = Text("约谈记录不成立", "Interview invalid")
    about = Text(
        "约谈的用人单位不存在、所引的评价不存在或是另一用人单位的、"
        "约谈日期在将来；errors[] 逐项说明。",
        "The interviewed employer does not exist, the evaluation it refers to does not exist or "
        "is another employer's, or the interview date is in the future; errors[] names each.",
    )
    remedy = Text(
        "按 errors[] 改正后重新发送；"
        "evaluation_id 只能是被约谈单位自己的评价（第13条第（二）项）。",
        "Correct what errors[] names and send again; evaluation_id must be the interviewed "
        "employer's own evaluation (Art 13(2)).",
    )


LEGAL_BASIS = "《文水县用人单位劳动保障信用分级分类监管办法（试行）》第十三条第（二）项"


def _record_content(data: InterviewCreate) -> CreditRecordCreate:
    persons = "、".join(f"{p.name}（{p.position or p.role.zh}）" for p in data.persons)
    description = f"约谈对象：{persons}\n约谈情况：{data.summary}"
    if data.commitments:
        description += f"\n承诺事项：{data.commitments}"
    return CreditRecordCreate(
        employer_id=data.employer_id,
        category=RecordCategory.basic,
        source=RecordSource.inspection,
        kind=RecordKind.interview,
        occurred_date=data.interviewed_on,
        title=f"约谈: {data.subject}",
        description=description[:4000],
        legal_basis=LEGAL_BASIS,
    )


async def create(
    *,
    session: AsyncSession,
    data: InterviewCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> Interview:
    found: list[FieldProblem] = []
    if await session.get(Employer, data.employer_id) is None:
        msg = say(
            Text(
                f"用人单位 {data.employer_id} 不存在", f"employer {data.employer_id} does not exist"
            )
        )
        found.append(FieldProblem(loc=["body", "employer_id"], msg=msg, type="unknown"))
    if data.evaluation_id is not None:
        found += await _same_employer_evaluation(session, data)
    if data.interviewed_on > clock.today():
        day = data.interviewed_on
        msg = say(Text(f"interviewed_on {day} 在将来", f"interviewed_on {day} is in the future"))
        found.append(FieldProblem(loc=["body", "interviewed_on"], msg=msg, type="date.future"))
    if found:
        raise invalid(found, InterviewInvalid)
    record = await credit_records.create(
        session=session, data=_record_content(data), actor=actor, settings=settings, clock=clock
    )
    interview = Interview(
        **data.model_dump(),
        credit_record_id=record.id,
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(interview)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="interview.create",
        resource_type="interview",
        resource_id=interview.id,
        changes=audit.created(_audited(data, record.id)),
    )
    return interview


async def _same_employer_evaluation(
    session: AsyncSession, data: InterviewCreate
) -> list[FieldProblem]:
    """The grade that led to the interview must be this employer's (Art 13(2))."""
    evaluation = await session.get(Evaluation, data.evaluation_id)
    if evaluation is None:
        msg = say(
            Text(
                f"信用评价 {data.evaluation_id} 不存在",
                f"evaluation {data.evaluation_id} does not exist",
            )
        )
        return [FieldProblem(loc=["body", "evaluation_id"], msg=msg, type="unknown")]
    if evaluation.employer_id != data.employer_id:
        msg = say(
            Text(
                f"信用评价 {data.evaluation_id} 是另一用人单位的等级："
                "约谈只能引用被约谈单位自己的评价",
                f"evaluation {data.evaluation_id} is another employer's grade: an interview can "
                "only refer to the interviewed employer's own evaluation",
            )
        )
        return [FieldProblem(loc=["body", "evaluation_id"], msg=msg, type="other_employer")]
    return []


def _audited(data: InterviewCreate, record_id: uuid.UUID) -> dict[str, Any]:
    values = data.model_dump(exclude={"persons"})
    values["persons"] = [f"{p.name} ({p.role}, {p.position or '-'})" for p in data.persons]
    values["credit_record_id"] = record_id
    return values


async def get(*, session: AsyncSession, interview_id: uuid.UUID, actor: Actor) -> Interview:
    """An employer sees only its own interviews; anything else is simply not there."""
    interview = await session.get(Interview, interview_id)
    return access.visible(
        actor, interview, missing=Text(f"约谈 {interview_id}", f"interview {interview_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    interviewed_from: date | None = None,
    interviewed_to: date | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Interview], str | None]:
    """Newest first; `interviewed_from` and `interviewed_to` are both inclusive."""
    query = select(Interview)
    if (employer_id := access.own_employer(actor, employer_id)) is not None:
        query = query.where(Interview.employer_id == employer_id)
    if interviewed_from:
        query = query.where(Interview.interviewed_on >= interviewed_from)
    if interviewed_to:
        query = query.where(Interview.interviewed_on <= interviewed_to)
    if cursor:
        day, after_id = pagination.decode_as(cursor, date.fromisoformat, uuid.UUID)
        key = func.row(Interview.interviewed_on, Interview.id)
        query = query.where(key < func.row(day, after_id))
    order = (col(Interview.interviewed_on).desc(), col(Interview.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda i: [i.interviewed_on.isoformat(), str(i.id)])
