"""The measures catalogue (Art 11-13; 人社部令第45号): add a version, read one, find the one in
force, and the measures in force for one employer.

Versioned like rule sets: two versions never apply on the same day (an exclusion constraint), a
new version takes effect today or later and closes an open-ended earlier one the day before,
and a version is never edited or deleted (the database refuses it): once in force it is what
units were told their grade meant. The measures of an employer are those of its grade in force
(the credit profile's: a proposed C is not in force until final), plus the joint punishment's
while it is on the wage-arrears list.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, or_, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import access, pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.db import DriverStatement
from app.core.errors import Conflict, DoesNotExist, FieldProblem, InvalidField
from app.core.i18n import Text, say
from app.employers import grades
from app.grading import policies
from app.models.blacklist import BlacklistEntry, ListingStatus
from app.models.employer import Employer
from app.models.evaluation import Evaluation
from app.models.measure import (
    EmployerMeasures,
    Measure,
    MeasureSet,
    MeasureSetCreate,
    MeasureSetPublic,
    MeasureTarget,
)
from app.models.rule_set import Grade


class MeasureSetOverlap(Conflict):
    slug = "measure-set-overlap"
    title = Text("监管措施目录的适用期重叠", "Measure sets overlap")
    about = Text(
        "两个版本的监管措施目录不能在同一天适用：新版本的适用期与已有版本重叠（新版本晚于一个无结束"
        "日期的版本开始时，后者自动在前一天结束）。",
        "Two versions of the measures catalogue never apply on the same day: the version's "
        "dates overlap another's (a version starting after an open-ended one closes that one "
        "the day before, by itself).",
    )
    remedy = Text(
        "调整 effective_from / effective_to，使它与 extra 中 version 指出的版本不重叠。",
        "Move effective_from / effective_to clear of the version the answer names.",
    )

    def __init__(self, detail: Text, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = [
            FieldProblem(loc=["body", "effective_from"], msg=say(detail), type="conflict")
        ]


class MeasureSetInvalid(InvalidField):
    slug = "measure-set-invalid"
    title = Text("监管措施目录不成立", "Measure set invalid")
    about = Text(
        "措施目录本身不成立：措施编号重复、适用期倒置或从过去开始；errors[] 逐项说明。",
        "The measures catalogue does not hold together: a measure id twice, dates reversed "
        "or starting in the past; errors[] names each.",
    )
    remedy = Text("按 errors[] 改正后重新发送。", "Correct what errors[] names and send it again.")


class NoMeasureSetInForce(Conflict):
    slug = "no-measure-set-in-force"
    title = Text("没有适用的监管措施目录", "No measure set in force")
    about = Text(
        "当天没有任何版本的监管措施目录适用。", "No version of the measures catalogue applies."
    )
    remedy = Text(
        "请管理员新增一个从当天起适用的版本（POST /api/v1/measure-sets）。",
        "Ask an admin to add a version in force on the day (POST /api/v1/measure-sets).",
    )


def _check(data: MeasureSetCreate, today: date) -> None:
    found = []
    ids = [m.measure_id for m in data.measures]
    for index, measure in enumerate(data.measures):
        if ids.count(measure.measure_id) > 1:
            msg = say(
                Text(
                    f"measure_id {measure.measure_id} 出现了不止一次",
                    f"measure_id {measure.measure_id} appears more than once",
                )
            )
            loc: list[str | int] = ["body", "measures", index, "measure_id"]
            found.append(FieldProblem(loc=loc, msg=msg, type="duplicate"))
    if data.effective_to is not None and data.effective_to < data.effective_from:
        msg = say(Text("effective_to 早于 effective_from", "effective_to is before effective_from"))
        found.append(FieldProblem(loc=["body", "effective_to"], msg=msg, type="value"))
    if data.effective_from < today:
        msg = say(
            Text(
                f"新版本只能从今天（{today}）或以后生效",
                f"a new version takes effect today ({today}) or later",
            )
        )
        found.append(FieldProblem(loc=["body", "effective_from"], msg=msg, type="past"))
    if found:
        detail = Text("；".join(p.msg for p in found), "; ".join(p.msg for p in found))
        error = MeasureSetInvalid(found[0].loc, detail, found[0].type)
        error.errors = found
        raise error


def to_public(measure_set: MeasureSet, today: date) -> MeasureSetPublic:
    return MeasureSetPublic.model_validate(
        measure_set, update={"in_use": measure_set.effective_from <= today}
    )


async def get(*, session: AsyncSession, version: int) -> MeasureSet:
    found = await session.scalar(select(MeasureSet).where(MeasureSet.version == version))
    if found is None:
        raise DoesNotExist(
            Text(
                f"监管措施目录第{version}版不存在", f"measure set version {version} does not exist"
            )
        )
    return found


async def list_(
    *, session: AsyncSession, limit: int, cursor: str | None
) -> tuple[list[MeasureSet], str | None]:
    """Oldest version first, a keyset page of `limit`."""
    query = select(MeasureSet)
    if cursor:
        (after,) = pagination.decode_as(cursor, int)
        query = query.where(col(MeasureSet.version) > after)
    query = query.order_by(col(MeasureSet.version)).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    return pagination.page(rows, limit, lambda m: [m.version])


async def in_force(*, session: AsyncSession, on: date) -> MeasureSet:
    found = await session.scalar(
        select(MeasureSet).where(
            col(MeasureSet.effective_from) <= on,
            or_(col(MeasureSet.effective_to).is_(None), col(MeasureSet.effective_to) >= on),
        )
    )
    if found is None:
        raise none_in_force(on)
    return found


def none_in_force(on: date) -> NoMeasureSetInForce:
    return NoMeasureSetInForce(
        Text(f"{on} 没有适用的监管措施目录", f"no measure set is in force on {on}")
    )


async def create(
    *, session: AsyncSession, data: MeasureSetCreate, actor: Actor, clock: Clock
) -> MeasureSet:
    now = clock.now()
    _check(data, clock.local(now).date())
    policy_id = await policies.resolve(
        session=session, policy_id=data.policy_id, day=data.effective_from
    )
    # one new version at a time: a second reads the first's once it committed (not a 500 from
    # the exclusion constraint, which stays the invariant)
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('measure_sets'))"))
    query = select(MeasureSet).where(
        or_(
            col(MeasureSet.effective_to).is_(None),
            col(MeasureSet.effective_to) >= data.effective_from,
        )
    )
    if data.effective_to is not None:
        query = query.where(col(MeasureSet.effective_from) <= data.effective_to)
    for other in (await session.scalars(query.with_for_update())).all():
        if other.effective_to is None and other.effective_from < data.effective_from:
            other.effective_to = data.effective_from - timedelta(days=1)  # superseded
            other.updated_at = now
            continue
        until = other.effective_to
        raise MeasureSetOverlap(
            Text(
                f"第{other.version}版从 {other.effective_from} 适用到 {until or '无结束日期'}："
                "适用期重叠",
                f"version {other.version} applies from {other.effective_from} to "
                f"{until or 'open end'}: the dates overlap",
            ),
            version=other.version,
        )
    await session.flush()
    latest = await session.scalar(select(func.max(MeasureSet.version)))
    measure_set = MeasureSet(
        version=(latest or 0) + 1,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        description=data.description,
        policy_id=policy_id,
        measures=[m.model_dump(mode="json") for m in data.measures],
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(measure_set)
    await session.flush()
    await audit.record(
        session=session, actor=actor, action="measure_set.create", resource_type="measure_set",
        resource_id=str(measure_set.version), changes=audit.created(data.model_dump(mode="json")),
    )  # fmt: skip
    return measure_set


def measures_for(measure_set: MeasureSet, grade: Grade | None, *, listed: bool) -> list[Measure]:
    """The grade's measures in catalogue order, then the joint punishment's when listed."""
    return pick([Measure.model_validate(m) for m in measure_set.measures], grade, listed=listed)


def pick(items: Sequence[Measure], grade: Grade | None, *, listed: bool) -> list[Measure]:
    """Of a catalogue's parsed measures, the grade's in catalogue order, then the joint
    punishment's when listed."""
    wanted = [MeasureTarget(str(grade))] if grade is not None else []
    if listed:
        wanted.append(MeasureTarget.wage_arrears_list)
    return [m for target in wanted for m in items if m.applies_to == target]


def is_listed(employer_id: Any) -> ColumnElement[bool]:
    """Whether the employer `employer_id` (a column or a value) is on the wage-arrears
    joint-punishment list now (verified, not removed or expired): an EXISTS (the credit profile
    reads it beside the employer's row)."""
    return exists(
        select(BlacklistEntry.id)
        .where(BlacklistEntry.employer_id == employer_id)
        .where(BlacklistEntry.status == ListingStatus.listed)
    )


_LISTED = DriverStatement(select(is_listed(bindparam("employer_id"))))  # sent as it is


async def listed(*, session: AsyncSession, employer_id: uuid.UUID) -> bool:
    """On the wage-arrears joint-punishment list now (`is_listed`)."""
    [(found,)] = await _LISTED.fetch(session, employer_id=employer_id)
    return bool(found)


async def standing(
    *, session: AsyncSession, employer_id: uuid.UUID, actor: Actor
) -> tuple[Evaluation | None, bool]:
    """The employer's evaluation in force and whether it is listed; 404 for an unknown employer
    (or another employer's, to an employer account)."""
    employer = await session.get(Employer, employer_id)
    access.visible(
        actor, employer, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}")
    )
    evaluation_id = await session.scalar(select(grades.in_force(employer_id, Evaluation.id)))
    evaluation = await session.get(Evaluation, evaluation_id) if evaluation_id else None
    return evaluation, await listed(session=session, employer_id=employer_id)


async def of_employer(
    *, session: AsyncSession, employer_id: uuid.UUID, actor: Actor, today: date
) -> EmployerMeasures:
    evaluation, on_list = await standing(session=session, employer_id=employer_id, actor=actor)
    measure_set = await in_force(session=session, on=today)
    grade = evaluation.grade if evaluation else None
    note = None
    if grade is None:
        note = "暂无生效的信用等级，无按等级的措施。 / No grade is in force: no measures by grade."
    return EmployerMeasures(
        employer_id=employer_id,
        grade=grade,
        evaluation_id=evaluation.id if evaluation else None,
        wage_arrears_listed=on_list,
        measure_set_version=measure_set.version,
        measures=measures_for(measure_set, grade, listed=on_list),
        note=note,
    )
