"""The policies the rules and measures implement (Art 18), their validity and extensions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response

from app.api.deps import GUARDED, WITH_BODY, SessionDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.grading import policies
from app.grading.errors import PolicyExists, PolicyInvalid
from app.models.base import Page
from app.models.policy import PolicyCreate, PolicyExtensionCreate, PolicyPublic

router = api_router(prefix="/policies", tags=["grading"], responses=problems(*GUARDED))
Reader = Annotated[Actor, Depends(require(Permission.policies_read))]
Admin = Annotated[Actor, Depends(require(Permission.policies_write))]


@router.get(
    "",
    summary="政策文件列表 / List policies",
    response_model=Page[PolicyPublic],
    description="Oldest first, each with its validity as issued, its extensions and "
    "`valid_until_now` (the latest extension's end, else as issued); a handful, all on one page "
    "(`next_cursor` is null).",
)
async def list_policies(session: SessionDep, actor: Reader) -> Page[PolicyPublic]:
    """按施行日期从早到晚，各附有效期、延期记录（数量很少，一页列完）。"""
    found = await policies.list_(session=session)
    items = [await policies.to_public(session=session, policy=p) for p in found]
    return Page(items=items, next_cursor=None)


@router.post(
    "",
    status_code=201,
    summary="登记新的政策文件 / Record a new policy",
    description="Name, document number, validity. With `succeeds_id`, it continues that "
    "policy: the rule sets and measure sets implementing the older one are covered by this "
    "one's validity too, so grading under them is no longer flagged (Art 18). The same "
    "document number twice is a 409 `policy-exists`.",
    responses=problems(*GUARDED, *WITH_BODY, PolicyInvalid, PolicyExists),
)
async def create_policy(
    data: PolicyCreate, response: Response, session: SessionDep, actor: Admin
) -> PolicyPublic:
    """登记政策文件；`succeeds_id` 指明它接续的政策（第十八条）。"""
    policy = await policies.create(session=session, data=data, actor=actor)
    response.headers["Location"] = f"/api/v1/policies/{policy.id}"
    return await policies.to_public(session=session, policy=policy)


@router.get(
    "/{policy_id}",
    summary="查看政策文件 / Read a policy",
    description="Its validity as issued, its extensions and `valid_until_now`.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_policy(policy_id: uuid.UUID, session: SessionDep, actor: Reader) -> PolicyPublic:
    """有效期及延期记录。"""
    policy = await policies.get(session=session, policy_id=policy_id)
    return await policies.to_public(session=session, policy=policy)


@router.post(
    "/{policy_id}/extension",
    summary="登记政策有效期延期 / Record a policy's extension",
    description="The bureau extended the policy: `valid_until` (inclusive; null: no end) by "
    "`document`. The latest extension counts; grading on days it covers is no longer flagged.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, PolicyInvalid),
)
async def extend_policy(
    policy_id: uuid.UUID, data: PolicyExtensionCreate, session: SessionDep, actor: Admin
) -> PolicyPublic:
    """登记延期文件及新的有效期截止日（以最近一次为准）。"""
    policy = await policies.extend(session=session, policy_id=policy_id, data=data, actor=actor)
    return await policies.to_public(session=session, policy=policy)
