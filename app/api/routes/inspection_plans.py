"""Inspection plans (双随机、一公开, DOMAIN §4, §12): patrols by grade, a verifiable random
draw of units and inspectors from a published seed, the visits' outcomes and the public results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.public_rate import PublicRate
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, InvalidRequest, problems
from app.core.pagination import CursorInvalid
from app.disclosure.errors import TooManyPublicRequests
from app.models.base import Page
from app.models.inspection_plan import (
    InspectionPlanCreate,
    InspectionPlanPublic,
    InspectionVisitPublic,
    PlanPublication,
    PlanUnitPublic,
    VisitOutcomeCreate,
)
from app.records.errors import RecordInvalid
from app.supervision import plans
from app.supervision.plans import (
    CommitmentPublished,
    DrawBeforeCommitment,
    InspectorsShort,
    PlanAlreadyDrawn,
    PlanClosed,
    PlanInvalid,
    PlanNotDrawn,
    PlanPeriodOverlaps,
    PublicationNotYet,
    VisitNotAssigned,
    VisitOutcomeInvalid,
    VisitOutcomeRecorded,
    VisitsPending,
)

router = api_router(prefix="/inspection-plans", tags=["inspection-plans"])
Reader = Annotated[Actor, Depends(require(Permission.plans_read))]
Writer = Annotated[Actor, Depends(require(Permission.plans_write))]
Inspector = Annotated[Actor, Depends(require(Permission.plan_visits_record))]
ALGORITHM = (
    "Algorithm `hmac-sha256-v1` (docs/law.md §12): the seed is 32 bytes (64 hex digits), the "
    'commitment SHA-256 of those bytes. A unit\'s draw key is HMAC-SHA256(seed, "unit:" + '
    "uscc); per grade the ceil(ratio × n) lowest keys are drawn. A visit in month YYYY-MM gets "
    'the two inspectors with the lowest HMAC-SHA256(seed, "inspector:" + uscc + ":" + '
    'YYYY-MM + ":" + username), skipping those excluded from that unit.'
)


@router.post(
    "",
    status_code=201,
    summary="制定抽查计划 / Make an inspection plan",
    description="双随机、一公开 for a period of at most 12 calendar months. Every active employer "
    "with a grade in force (a pending C notice is not in force) is listed as eligible with that "
    "grade, stored with the plan. The patrols per year by grade (settings "
    "`patrol_per_year_a/b/c`, default A 0, B 2, C 4) and the collector-exclusion setting "
    "(`plans_exclude_collectors`) are stored too. `sampling_ratios` (0-1 per grade; outside is "
    "a 422 naming the field) say what share of each grade is drawn. A period overlapping a "
    "plan not yet closed: 409 `inspection-plan-overlap` with its `plan_id`.",
    responses=problems(*GUARDED, *WITH_BODY, PlanInvalid, PlanPeriodOverlaps),
)
async def create_plan(
    data: InspectionPlanCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Writer,
) -> InspectionPlanPublic:
    """制定某一期间的双随机抽查计划：列出有生效等级的用人单位及其等级，按等级设定抽取比例。"""
    plan = await plans.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/inspection-plans/{plan.id}"
    return await plans.to_public(session=session, plan=plan)


@router.get(
    "",
    summary="查询抽查计划 / List inspection plans",
    response_model=Page[InspectionPlanPublic],
    description="Newest first; pass `next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_plans(
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> Page[InspectionPlanPublic]:
    """按制定时间倒序。"""
    rows, next_cursor = await plans.list_(session=session, limit=limit, cursor=cursor)
    items = [await plans.to_public(session=session, plan=p) for p in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{plan_id}",
    summary="查看抽查计划 / Read an inspection plan",
    description="Its status (draft, committed, drawn, closed), ratios, patrols, the commitment "
    "`seed_sha256` (once published), the `seed` (once drawn), the inspectors list (usernames, "
    "sorted, fixed at the commitment) and counts. " + ALGORITHM,
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_plan(plan_id: uuid.UUID, session: SessionDep, actor: Reader) -> InspectionPlanPublic:
    """抽查计划：状态、比例、巡查频次、种子承诺（公布后）、种子（抽取后）和检查人员名单。"""
    plan = await plans.get(session=session, plan_id=plan_id)
    return await plans.to_public(session=session, plan=plan)


@router.get(
    "/{plan_id}/eligible",
    summary="抽查对象名录 / The eligible list",
    response_model=Page[PlanUnitPublic],
    description="The published eligible list, sorted by USCC: each unit's grade when the plan "
    "was made, the inspectors excluded from it (fixed at the commitment: they collected one "
    "of its credit records in the cycle), and once drawn its `draw_key` and whether it was "
    "`selected`. With the plan's `seed` and `inspectors`, enough to re-run the draw; pass "
    "`next_cursor` back as `cursor`. " + ALGORITHM,
    responses=problems(*GUARDED, DoesNotExist, CursorInvalid),
)
async def get_eligible(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    cursor: str | None = None,
) -> Page[PlanUnitPublic]:
    """抽查对象名录（按统一社会信用代码排序），含等级、回避人员和抽取结果。"""
    rows, next_cursor = await plans.units(
        session=session, plan_id=plan_id, limit=limit, cursor=cursor
    )
    items = [PlanUnitPublic.model_validate(u) for u in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{plan_id}/visits",
    summary="抽查的检查 / The plan's visits",
    response_model=Page[InspectionVisitPublic],
    description="Once drawn: each visit (unit, month, its two inspectors) by month then USCC, "
    "with its outcome once recorded and the credit record a violation found created; pass "
    "`next_cursor` back as `cursor`.",
    responses=problems(*GUARDED, DoesNotExist, CursorInvalid),
)
async def list_visits(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    cursor: str | None = None,
) -> Page[InspectionVisitPublic]:
    """抽取后的每次检查：单位、月份、两名检查人员，以及登记的结果。"""
    rows, next_cursor = await plans.visits(
        session=session, plan_id=plan_id, limit=limit, cursor=cursor
    )
    items = [InspectionVisitPublic.model_validate(v) for v in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/{plan_id}/commitment",
    summary="公布种子承诺 / Publish the seed's commitment",
    description="Fixes the inspectors list (active inspector accounts) and each unit's "
    "excluded inspectors, makes a 32-byte seed with `secrets` and publishes only its SHA-256 "
    "(`seed_sha256`); the seed is revealed by the draw. Once only (409 "
    "`plan-commitment-published`); 409 `plan-inspectors-short` when a unit that may be drawn "
    "has fewer than two inspectors who may go.",
    responses=problems(*GUARDED, DoesNotExist, CommitmentPublished, InspectorsShort),
)
async def publish_commitment(
    plan_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Writer
) -> InspectionPlanPublic:
    """生成随机种子，只公布其SHA-256（承诺），并固定检查人员名单和回避人员。"""
    plan = await plans.commit(session=session, plan_id=plan_id, actor=actor, clock=clock)
    return await plans.to_public(session=session, plan=plan)


@router.post(
    "/{plan_id}/draw",
    summary="随机抽取 / Draw",
    description="Reveals the committed seed and draws: the units per grade and, per visit, two "
    "inspectors. Before a commitment: 409 `plan-draw-before-commitment`; a second draw: 409 "
    "`plan-already-drawn`. " + ALGORITHM,
    responses=problems(*GUARDED, DoesNotExist, DrawBeforeCommitment, PlanAlreadyDrawn),
)
async def draw_plan(
    plan_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Writer
) -> InspectionPlanPublic:
    """公开种子并随机抽取检查对象和检查人员。"""
    plan = await plans.run_draw(session=session, plan_id=plan_id, actor=actor, clock=clock)
    return await plans.to_public(session=session, plan=plan)


@router.post(
    "/{plan_id}/visits/{visit_id}/outcome",
    summary="登记检查结果 / Record a visit's outcome",
    description="By one of the visit's two inspectors (else 403 `visit-not-assigned`), once "
    "(409 `visit-outcome-recorded`): `no_violation`, `violation_found` or `not_inspected`, "
    "with notes. A violation found comes with `record`, the credit record of what was found "
    "(its `employer_id` the unit visited): it is created as a draft you collected, for a "
    "second person to verify, and linked as the visit's `credit_record_id`.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        PlanClosed,
        PlanNotDrawn,
        VisitNotAssigned,
        VisitOutcomeRecorded,
        VisitOutcomeInvalid,
        RecordInvalid,
    ),
)
async def record_outcome(
    plan_id: uuid.UUID,
    visit_id: uuid.UUID,
    data: VisitOutcomeCreate,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Inspector,
) -> InspectionVisitPublic:
    """由派出的检查人员登记结果；发现违法行为的，同时生成一条由其采集的待审核信用记录。"""
    visit = await plans.record_outcome(
        session=session, plan_id=plan_id, visit_id=visit_id, data=data, actor=actor,
        settings=settings, clock=clock,
    )  # fmt: skip
    return InspectionVisitPublic.model_validate(visit)


@router.post(
    "/{plan_id}/close",
    summary="结束计划并公开结果 / Close the plan and publish its results",
    description="Once every visit has its outcome (else 409 `plan-visits-pending`); then "
    "`/publication` answers anyone.",
    responses=problems(*GUARDED, DoesNotExist, PlanClosed, PlanNotDrawn, VisitsPending),
)
async def close_plan(
    plan_id: uuid.UUID, session: SessionDep, clock: ClockDep, actor: Writer
) -> InspectionPlanPublic:
    """全部检查登记结果后结束计划，公开抽查结果。"""
    plan = await plans.close(session=session, plan_id=plan_id, actor=actor, clock=clock)
    return await plans.to_public(session=session, plan=plan)


@router.get(
    "/{plan_id}/publication",
    summary="抽查结果公开 / The plan's public results",
    description="双随机、一公开, no sign-in (like the public C list, with its per-address rate "
    "limit), as far as the plan has gone. From the commitment: the algorithm, the seed's "
    "SHA-256 and the eligible units (USCC, name, grade) with the sampling ratios — with the "
    "seed, anyone re-runs the draw of units. Once the plan is closed: the seed, the counts "
    "drawn, and the units inspected with each visit's month, day and outcome (the seed stays "
    "unpublished until then: it tells who is drawn). No inspector and no notes. Before the "
    "commitment: 409 `plan-publication-not-yet`.",
    responses=problems(InvalidRequest, TooManyPublicRequests, DoesNotExist, PublicationNotYet),
)
async def get_publication(
    plan_id: uuid.UUID, session: SessionDep, _rate: PublicRate
) -> PlanPublication:
    """公布种子承诺后公开抽取算法、种子摘要和可抽取单位名录；计划结束后公开种子和抽查结果：被检查单位
    名称、统一社会信用代码、检查日期和结果。无需登录。"""
    return await plans.publication(session=session, plan_id=plan_id)
