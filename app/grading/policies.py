"""The policies rule sets and measure sets implement (Art 18), and whether one still covers a day.

文人社字〔2022〕46号 was valid for two years from 2022-12-26. Past a policy's validity grading still
works (the bureau may have extended it without the service knowing), but it is flagged: in an
evaluation (derived when it is read, from its rule set version's policy and the day it was made),
in /readyz's warnings and in the `policy_lapsed` gauge, until an admin records an extension or a
new policy that succeeds it. A day is covered by a policy when it falls in the policy's validity
(as last extended) or in that of a policy that succeeds it, and so on down the succession.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import Select, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core.actors import Actor
from app.core.db import DriverStatement
from app.core.errors import DoesNotExist, FieldProblem
from app.core.i18n import Text, say
from app.core.observability import REGISTRY
from app.grading.errors import PolicyExists, PolicyInvalid
from app.models.measure import MeasureSet
from app.models.policy import (
    Policy,
    PolicyCreate,
    PolicyExtension,
    PolicyExtensionCreate,
    PolicyExtensionPublic,
    PolicyPublic,
)
from app.models.rule_set import RuleSet

LAPSED = Gauge(
    "policy_lapsed",
    "1 when the rule set or the measure set in force today implements a policy past its "
    "validity (Art 18) with no extension or successor recorded, else 0",
    registry=REGISTRY,
)


@dataclass(frozen=True)
class Validity:
    """What `Standing` reads of a policy."""

    name: str
    document_number: str
    valid_from: date
    succeeds_id: uuid.UUID | None


@dataclass(frozen=True)
class Standing:
    """Every policy with its validity as last extended: few rows, read once per request."""

    policies: dict[uuid.UUID, Validity]
    until: dict[uuid.UUID, date | None]

    def covers(
        self, policy_id: uuid.UUID, day: date, seen: frozenset[uuid.UUID] = frozenset()
    ) -> bool:
        policy = self.policies.get(policy_id)
        if policy is None or policy_id in seen:
            return False
        end = self.until[policy_id]
        if policy.valid_from <= day and (end is None or day <= end):
            return True
        successors = (i for i, p in self.policies.items() if p.succeeds_id == policy_id)
        return any(self.covers(s, day, seen | {policy_id}) for s in successors)

    def note(self, policy_id: uuid.UUID, day: date) -> Text | None:
        """Why `day` is not covered, or None when it is."""
        if self.covers(policy_id, day):
            return None
        policy = self.policies[policy_id]
        end = self.until[policy_id]
        span = f"{policy.valid_from}—{end or ''}"
        return Text(
            f"所依据的{policy.name}（{policy.document_number}）有效期为{span}，{day}不在有效期内，"
            "也没有登记延期或接续的政策（第十八条）；请管理员登记延期（POST /api/v1/policies/"
            f"{policy_id}/extension）或新的政策（POST /api/v1/policies）",
            f"the policy it implements, {policy.document_number}, was valid {span}; {day} is "
            "past it and no extension or succeeding policy is recorded (Art 18): an admin "
            f"records the extension (POST /api/v1/policies/{policy_id}/extension) or a new "
            "policy (POST /api/v1/policies)",
        )


def standing_query() -> Select[Any]:
    """Each policy's few columns with its latest extension's end, if any (the latest counts,
    an open end included): built once, as plain table columns (no ORM entity to load)."""
    policy = Policy.__table__.c  # type: ignore[attr-defined]
    extension = PolicyExtension.__table__.c  # type: ignore[attr-defined]
    latest = (
        sa_select(extension.valid_until.label("until"), true().label("extended"))
        .where(extension.policy_id == policy.id)
        .order_by(extension.created_at.desc(), extension.id.desc())
        .limit(1)
        .lateral("latest")
    )
    return sa_select(
        policy.id, policy.name, policy.document_number, policy.valid_from, policy.succeeds_id,
        policy.valid_until, latest.c.until, latest.c.extended,
    ).outerjoin(latest, true())  # fmt: skip


_STANDING = DriverStatement(standing_query())


async def standing(*, session: AsyncSession) -> Standing:
    """One query of few rows (sent to the driver as it is; showing evaluations reads it with the
    rule set versions' keys, `specs.with_standing`)."""
    return standing_of(await _STANDING.fetch(session))


def standing_of(rows: Iterable[Sequence[Any]]) -> Standing:
    """The standing from the rows of `standing_query`."""
    policies: dict[uuid.UUID, Validity] = {}
    until: dict[uuid.UUID, date | None] = {}
    for row in rows:
        policies[row[0]] = Validity(row[1], row[2], row[3], row[4])
        until[row[0]] = row[6] if row[7] else row[5]
    return Standing(policies, until)


async def get(*, session: AsyncSession, policy_id: uuid.UUID) -> Policy:
    found = await session.get(Policy, policy_id)
    if found is None:
        raise DoesNotExist(Text(f"政策 {policy_id} 不存在", f"policy {policy_id} does not exist"))
    return found


async def list_(*, session: AsyncSession) -> list[Policy]:
    """Oldest first (there are a handful)."""
    query = select(Policy).order_by(col(Policy.valid_from), col(Policy.id))
    return list((await session.scalars(query)).all())


async def to_public(*, session: AsyncSession, policy: Policy) -> PolicyPublic:
    extensions = (
        await session.scalars(
            select(PolicyExtension)
            .where(PolicyExtension.policy_id == policy.id)
            .order_by(col(PolicyExtension.created_at), col(PolicyExtension.id))
        )
    ).all()
    shown = [PolicyExtensionPublic.model_validate(e) for e in extensions]
    until = extensions[-1].valid_until if extensions else policy.valid_until
    return PolicyPublic.model_validate(
        policy, update={"extensions": shown, "valid_until_now": until}
    )


def _reversed(start: date, end: date | None, field: str) -> FieldProblem | None:
    if end is None or end >= start:
        return None
    msg = say(Text(f"{field} {end} 早于施行日期 {start}", f"{field} {end} is before {start}"))
    return FieldProblem(loc=["body", field], msg=msg, type="date.order")


def _refuse(found: list[FieldProblem]) -> PolicyInvalid:
    detail = Text("；".join(p.msg for p in found), "; ".join(p.msg for p in found))
    error = PolicyInvalid(found[0].loc, detail, found[0].type)
    error.errors = found
    return error


async def create(*, session: AsyncSession, data: PolicyCreate, actor: Actor) -> Policy:
    found = [p for p in [_reversed(data.valid_from, data.valid_until, "valid_until")] if p]
    if data.succeeds_id is not None and await session.get(Policy, data.succeeds_id) is None:
        msg = say(
            Text(f"政策 {data.succeeds_id} 不存在", f"policy {data.succeeds_id} does not exist")
        )
        found.append(FieldProblem(loc=["body", "succeeds_id"], msg=msg, type="unknown"))
    if found:
        raise _refuse(found)
    taken = await session.scalar(
        select(Policy.id).where(Policy.document_number == data.document_number)
    )
    if taken is not None:
        raise PolicyExists(
            Text(f"文号 {data.document_number} 已登记", f"{data.document_number} is recorded"),
            policy_id=str(taken),
        )
    policy = Policy(**data.model_dump(), created_by=actor.id if actor.kind == "user" else None)
    session.add(policy)
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="policy.create", resource_type="policy",
        resource_id=policy.id, changes=audit.created(data.model_dump(mode="json")),
    )  # fmt: skip
    return policy


async def extend(
    *, session: AsyncSession, policy_id: uuid.UUID, data: PolicyExtensionCreate, actor: Actor
) -> Policy:
    policy = await get(session=session, policy_id=policy_id)
    problem = _reversed(policy.valid_from, data.valid_until, "valid_until")
    if problem is not None:
        raise _refuse([problem])
    extension = PolicyExtension(
        policy_id=policy_id, **data.model_dump(),
        created_by=actor.id if actor.kind == "user" else None,
    )  # fmt: skip
    session.add(extension)
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="policy.extend", resource_type="policy",
        resource_id=policy_id, changes=audit.created(data.model_dump(mode="json")),
    )  # fmt: skip
    return policy


async def default_for(*, session: AsyncSession, day: date) -> uuid.UUID | None:
    """The policy a new version implements unless told: the newest that began by `day`."""
    return await session.scalar(
        select(Policy.id)
        .where(col(Policy.valid_from) <= day)
        .order_by(col(Policy.valid_from).desc(), col(Policy.created_at).desc())
        .limit(1)
    )


async def resolve(*, session: AsyncSession, policy_id: uuid.UUID | None, day: date) -> uuid.UUID:
    """`policy_id` if it exists, else the default for `day`; a 422 naming `policy_id` if none."""
    if policy_id is not None and await session.get(Policy, policy_id) is not None:
        return policy_id
    if policy_id is None and (found := await default_for(session=session, day=day)) is not None:
        return found
    text = (
        Text(f"政策 {policy_id} 不存在", f"policy {policy_id} does not exist")
        if policy_id is not None
        else Text(f"{day} 之前没有开始施行的政策：请指明 policy_id", f"no policy began by {day}: "
                  "name policy_id")
    )  # fmt: skip
    raise PolicyInvalid(["body", "policy_id"], text, "unknown")


async def _in_force(
    session: AsyncSession, table: type[RuleSet] | type[MeasureSet], today: date
) -> tuple[int, uuid.UUID] | None:
    """The version in force today and its policy."""
    row = (
        await session.execute(
            select(col(table.version), col(table.policy_id)).where(
                col(table.effective_from) <= today,
                or_(col(table.effective_to).is_(None), col(table.effective_to) >= today),
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def warnings(*, session: AsyncSession, today: date) -> list[str]:
    """What /readyz warns of: the rule set or measure set in force today rests on a lapsed
    policy. Sets the gauge."""
    found = []
    state = await standing(session=session)
    tables: list[tuple[Text, type[RuleSet] | type[MeasureSet]]] = [
        (Text("评价规则", "the rule set"), RuleSet),
        (Text("监管措施目录", "the measures catalogue"), MeasureSet),
    ]
    for label, table in tables:
        row = await _in_force(session, table, today)
        note = state.note(row[1], today) if row is not None else None
        if row is not None and note is not None:
            found.append(f"现行{label.zh}（第{row[0]}版）{note.zh} / In force, {label.en} "
                         f"(version {row[0]}): {note.en}")  # fmt: skip
    LAPSED.set(1 if found else 0)
    return found
