"""Grading rule sets (Art 9, 18): versions with effective dates, parameters and rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, StaleEtag, problems
from app.core.pagination import CursorInvalid
from app.grading import rule_sets
from app.grading.errors import (
    PolicyInvalid,
    RuleSetInUse,
    RuleSetInvalid,
    RuleSetOverlap,
)
from app.models.base import Page
from app.models.rule_set import RuleSetCreate, RuleSetPublic, RuleSetUpdate

router = api_router(prefix="/rule-sets", tags=["grading"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.rule_sets_read))]
# A version is an int4 in the database: a larger number is a 422 here, not a database error.
Version = Annotated[int, Path(ge=1, le=2_147_483_647, description="the rule set's version")]
Admin = Annotated[Actor, Depends(require(Permission.rule_sets_write))]


@router.get(
    "",
    summary="评价规则集版本列表 / List rule set versions",
    response_model=Page[RuleSetPublic],
    description="Oldest version first; pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_rule_sets(
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[RuleSetPublic]:
    """按版本从旧到新。"""
    found, next_cursor = await rule_sets.list_(session=session, limit=limit, cursor=cursor)
    items = [await rule_sets.to_public(session=session, rule_set=r) for r in found]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="新增评价规则集版本 / Add a rule set version",
    description="An admin adds version N+1. Each rule: `rule_id`, `grade` (A/B/C), legal "
    "`citation`, `description` (the explanation's detail; `{cycle}`, `{count}`, `{threshold}` "
    'are filled in) and `when`: `{"fact": ..., "at_least": <number or parameter name>}` '
    "(without `at_least`: at least 1), or null for the one default rule that fires when no "
    "other does. Facts: `punished_count`, `group_incident`, `child_or_forced_labour`, "
    "`refused_to_perform`, `obstructed_inspection`, `criminal_liability`, `wage_arrears_list`, "
    "`rectified_count` (Art 17 re-grades only). It takes effect on `effective_from` (today or "
    "later, 422 otherwise); an open-ended earlier version is closed the day before; any other "
    "overlap is a 409 naming `effective_from`. `policy_id`: the policy it implements (Art 18; "
    "default: the newest that began by `effective_from`; an unknown one is a 422 "
    "`policy-invalid`).",
    responses=problems(*GUARDED, *WITH_BODY, RuleSetInvalid, RuleSetOverlap, PolicyInvalid),
)
async def create_rule_set(
    data: RuleSetCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Admin,
) -> RuleSetPublic:
    """管理员新增第 N+1 版（第九条）：每条规则有编号、所得等级（A/B/C）、法律依据、说明和条件；
    自 `effective_from`（不早于今日）起施行。"""
    rule_set = await rule_sets.create(session=session, data=data, actor=actor, clock=clock)
    response.headers["Location"] = f"/api/v1/rule-sets/{rule_set.version}"
    response.headers["ETag"] = rule_sets.etag(rule_set)
    return await rule_sets.to_public(session=session, rule_set=rule_set)


@router.get(
    "/{version}",
    summary="查看评价规则集版本 / Read a rule set version",
    description="Its parameters and rules, and `in_use`: once an evaluation was made with it, "
    "it is frozen (only superseded by a newer version). The `ETag` header is what PATCH needs "
    "in `If-Match`.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_rule_set(
    version: Version, response: Response, session: SessionDep, actor: Reader
) -> RuleSetPublic:
    """参数和规则，及 `in_use`：一经用于评价即冻结，只能由新版本取代。"""
    rule_set = await rule_sets.get(session=session, version=version)
    response.headers["ETag"] = rule_sets.etag(rule_set)
    return await rule_sets.to_public(session=session, rule_set=rule_set)


@router.patch(
    "/{version}",
    summary="修改未使用的评价规则集版本 / Edit an unused rule set version",
    description="Only while no evaluation was made with it (409 once `in_use`: add a new "
    "version instead). Same checks as creating one. With `If-Match: <ETag>` of `GET "
    "/rule-sets/{version}` (428 `if-match-required` without it, 412 "
    "`stale-etag` when stale: edited, or closed by a newer version, since it was read). "
    "The answer's `ETag` is the version's new one.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        RuleSetInUse,
        RuleSetInvalid,
        RuleSetOverlap,
        PolicyInvalid,
        IfMatchRequired,
        StaleEtag,
    ),
)
async def update_rule_set(
    version: Version,
    data: RuleSetUpdate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Admin,
    if_match: IfMatch = None,
) -> RuleSetPublic:
    """仅在尚无评价使用该版本时可改（否则 409，请新增版本）。"""
    rule_set = await rule_sets.update(
        session=session, version=version, data=data, if_match=if_match, actor=actor, clock=clock
    )
    response.headers["ETag"] = rule_sets.etag(rule_set)
    return await rule_sets.to_public(session=session, rule_set=rule_set)
