"""Rule sets (Art 9, 18): add a version, edit one nobody used yet, find the one in force.

A version that produced an evaluation is frozen (the database refuses it too); a newer version
supersedes it: adding a version that starts after an open-ended one closes that one the day
before. Two versions never apply on the same day (an exclusion constraint guards it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.errors import DoesNotExist, FieldProblem, check_if_match
from app.core.i18n import Text, say
from app.grading import policies
from app.grading.errors import (
    NoRuleSetInForce,
    RuleSetInUse,
    RuleSetInvalid,
    RuleSetOverlap,
)
from app.models.evaluation import Evaluation
from app.models.rule_set import (
    Parameters,
    Rule,
    RuleSet,
    RuleSetCreate,
    RuleSetPublic,
    RuleSetUpdate,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _problems(parameters: Parameters, rules: list[Rule]) -> list[FieldProblem]:
    """What the schema cannot say: rule ids unique, one default rule, thresholds known."""
    found = []
    values = parameters.model_dump()
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool):
            msg = say(Text(f"参数 {name} 应为整数", f"parameter {name} must be an integer"))
            found.append(FieldProblem(loc=["body", "parameters", name], msg=msg, type="value"))
    ids = [rule.rule_id for rule in rules]
    for index, rule in enumerate(rules):
        loc: list[str | int] = ["body", "rules", index]
        if ids.count(rule.rule_id) > 1:
            msg = say(
                Text(
                    f"rule_id {rule.rule_id} 出现了不止一次",
                    f"rule_id {rule.rule_id} appears more than once",
                )
            )
            found.append(FieldProblem(loc=[*loc, "rule_id"], msg=msg, type="duplicate"))
        limit = rule.when.at_least if rule.when else None
        if isinstance(limit, str) and not isinstance(values.get(limit), int):
            msg = say(
                Text(
                    f"at_least 引用的参数 {limit!r} 不在规则集中",
                    f"at_least names parameter {limit!r}, which the rule set does not have",
                )
            )
            found.append(FieldProblem(loc=[*loc, "when", "at_least"], msg=msg, type="unknown"))
        if isinstance(limit, int) and limit < 1:
            msg = say(Text("at_least 至少为 1", "at_least must be at least 1"))
            found.append(FieldProblem(loc=[*loc, "when", "at_least"], msg=msg, type="value"))
    if sum(1 for rule in rules if rule.when is None) != 1:
        msg = say(
            Text(
                "必须恰好有一条没有条件的规则（默认规则，例如 A：没有处罚）",
                "exactly one rule must have no condition (the default, e.g. A: no punishment)",
            )
        )
        found.append(FieldProblem(loc=["body", "rules"], msg=msg, type="default_rule"))
    return found


def _check(data: RuleSetCreate, today: date) -> None:
    found = _problems(data.parameters, data.rules)
    if data.effective_to is not None and data.effective_to < data.effective_from:
        msg = say(Text("effective_to 早于 effective_from", "effective_to is before effective_from"))
        found.append(FieldProblem(loc=["body", "effective_to"], msg=msg, type="value"))
    if data.effective_from < today:
        msg = say(
            Text(
                f"新版本只能从今天（{today}）或以后生效；已评定的等级保留原来的规则",
                f"a new version takes effect today ({today}) or later; grades already made keep "
                "theirs",
            )
        )
        found.append(FieldProblem(loc=["body", "effective_from"], msg=msg, type="past"))
    if found:
        # the messages are in the request's language already
        detail = Text("；".join(p.msg for p in found), "; ".join(p.msg for p in found))
        error = RuleSetInvalid(found[0].loc, detail, found[0].type)
        error.errors = found
        raise error


async def in_use(*, session: AsyncSession, version: int) -> bool:
    return bool(
        await session.scalar(select(exists().where(col(Evaluation.rule_set_version) == version)))
    )


async def to_public(*, session: AsyncSession, rule_set: RuleSet) -> RuleSetPublic:
    used = await in_use(session=session, version=rule_set.version)
    return RuleSetPublic.model_validate(rule_set, update={"in_use": used})


def etag(rule_set: RuleSet) -> str:
    """The version as last changed: an edit, or its closing by a newer version, sets
    `updated_at` (to the microsecond)."""
    return f'"{(rule_set.updated_at - _EPOCH) // timedelta(microseconds=1)}"'


async def get(*, session: AsyncSession, version: int, for_update: bool = False) -> RuleSet:
    query = select(RuleSet).where(RuleSet.version == version)
    found = await session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise version_missing(version)
    return found


def version_missing(version: int) -> DoesNotExist:
    return DoesNotExist(
        Text(f"评价规则第{version}版不存在", f"rule set version {version} does not exist")
    )


async def list_(
    *, session: AsyncSession, limit: int, cursor: str | None
) -> tuple[list[RuleSet], str | None]:
    """Oldest version first, a keyset page of `limit`."""
    query = select(RuleSet)
    if cursor:
        (after,) = pagination.decode_as(cursor, int)
        query = query.where(col(RuleSet.version) > after)
    query = query.order_by(col(RuleSet.version)).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    return pagination.page(rows, limit, lambda r: [r.version])


async def first_effective(*, session: AsyncSession) -> date | None:
    """The day the first version took effect: no rule set existed before it."""
    return await session.scalar(select(func.min(RuleSet.effective_from)))


async def in_force(*, session: AsyncSession, on: date) -> RuleSet:
    found = await session.scalar(
        select(RuleSet).where(
            col(RuleSet.effective_from) <= on,
            or_(col(RuleSet.effective_to).is_(None), col(RuleSet.effective_to) >= on),
        )
    )
    if found is None:
        raise NoRuleSetInForce(
            Text(
                f"{on} 没有适用的评价规则：需要管理员新增一个版本",
                f"no grading rule set is in force on {on}: an admin must add one",
            )
        )
    return found


async def _overlapping(
    session: AsyncSession, start: date, end: date | None, skip: int | None = None
) -> list[RuleSet]:
    query = select(RuleSet).where(
        or_(col(RuleSet.effective_to).is_(None), col(RuleSet.effective_to) >= start)
    )
    if end is not None:
        query = query.where(col(RuleSet.effective_from) <= end)
    if skip is not None:
        query = query.where(col(RuleSet.version) != skip)
    return list((await session.scalars(query.with_for_update())).all())


async def create(
    *, session: AsyncSession, data: RuleSetCreate, actor: Actor, clock: Clock
) -> RuleSet:
    now = clock.now()
    _check(data, clock.local(now).date())
    policy_id = await policies.resolve(
        session=session, policy_id=data.policy_id, day=data.effective_from
    )
    for other in await _overlapping(session, data.effective_from, data.effective_to):
        if other.effective_to is None and other.effective_from < data.effective_from:
            other.effective_to = data.effective_from - timedelta(days=1)  # superseded
            other.updated_at = now
            continue
        until = other.effective_to
        raise RuleSetOverlap(
            Text(
                f"第{other.version}版从 {other.effective_from} 适用到 {until or '无结束日期'}："
                "适用期重叠",
                f"version {other.version} applies from {other.effective_from} to "
                f"{until or 'open end'}: the dates overlap",
            ),
            "effective_from",
            version=other.version,
        )
    await session.flush()
    latest = await session.scalar(select(func.max(RuleSet.version)))
    rule_set = RuleSet(
        version=(latest or 0) + 1,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        description=data.description,
        policy_id=policy_id,
        parameters=data.parameters.model_dump(),
        rules=[rule.model_dump(mode="json") for rule in data.rules],
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(rule_set)
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="rule_set.create",
        resource_type="rule_set",
        resource_id=str(rule_set.version),
        changes=audit.created(data.model_dump(mode="json")),
    )
    return rule_set


async def update(
    *,
    session: AsyncSession,
    version: int,
    data: RuleSetUpdate,
    if_match: str | None,
    actor: Actor,
    clock: Clock,
) -> RuleSet:
    """Only with the ETag of the version as it was read (If-Match)."""
    now = clock.now()
    rule_set = await get(session=session, version=version, for_update=True)
    check_if_match(
        if_match, etag(rule_set), Text(f"评价规则第{version}版", f"rule set version {version}"),
        version=version,
    )  # fmt: skip
    if await in_use(session=session, version=version):
        raise RuleSetInUse(
            Text(
                f"评价规则第{version}版已评定过用人单位，不能修改；请新增一个版本取代它"
                "（POST /api/v1/rule-sets）",
                f"rule set version {version} graded employers already: it cannot change; add "
                "a new version to supersede it (POST /api/v1/rule-sets)",
            ),
            version=version,
        )
    content = rule_set.model_dump(include=set(RuleSetCreate.model_fields))  # not its id, version
    current = RuleSetCreate.model_validate(
        {**content, **data.model_dump(exclude_unset=True, mode="json")}
    )
    _check(current, clock.local(now).date())
    policy_id = await policies.resolve(
        session=session, policy_id=current.policy_id, day=current.effective_from
    )
    for other in await _overlapping(session, current.effective_from, current.effective_to, version):
        raise RuleSetOverlap(
            Text(
                f"第{other.version}版从 {other.effective_from} 起适用：适用期重叠",
                f"version {other.version} applies from {other.effective_from}: the dates overlap",
            ),
            "effective_from",
            version=other.version,
        )
    before = {
        k: v for k, v in rule_set.model_dump(mode="json").items() if k in RuleSetCreate.model_fields
    }
    rule_set.effective_from, rule_set.effective_to = current.effective_from, current.effective_to
    rule_set.description, rule_set.policy_id = current.description, policy_id
    rule_set.parameters = current.parameters.model_dump()
    rule_set.rules = [rule.model_dump(mode="json") for rule in current.rules]
    rule_set.updated_at = now
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="rule_set.update",
        resource_type="rule_set",
        resource_id=str(version),
        changes=audit.diff(before, current.model_dump(mode="json")),
    )
    return rule_set
