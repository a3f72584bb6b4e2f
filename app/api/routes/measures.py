"""Measures by grade (Art 11-13, 人社部令第45号): the catalogue's versions, an employer's
measures in force and its award eligibility."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, TodayDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.grading.errors import PolicyInvalid
from app.models.base import Page
from app.models.measure import (
    AwardEligibility,
    EmployerMeasures,
    MeasureSetCreate,
    MeasureSetPublic,
)
from app.supervision import awards, measures
from app.supervision.measures import MeasureSetInvalid, MeasureSetOverlap, NoMeasureSetInForce

router = api_router(prefix="/measure-sets", tags=["measures"], responses=problems(*GUARDED))
employer_router = api_router(prefix="/employers", tags=["measures"], responses=problems(*GUARDED))
CatalogueReader = Annotated[Actor, Depends(require(Permission.measure_sets_read))]
Admin = Annotated[Actor, Depends(require(Permission.measures_write))]
Reader = Annotated[Actor, Depends(require(Permission.measures_read))]
Version = Annotated[int, Path(ge=1, le=2_147_483_647, description="the measure set's version")]


@router.get(
    "",
    summary="监管措施目录版本列表 / List measure set versions",
    response_model=Page[MeasureSetPublic],
    description="Oldest version first, each with its measures; pass `next_cursor` back as "
    "`cursor`.",
    responses=problems(*GUARDED, CursorInvalid),
)
async def list_measure_sets(
    session: SessionDep,
    today: TodayDep,
    actor: CatalogueReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[MeasureSetPublic]:
    """按版本从旧到新，各附其措施。"""
    found, next_cursor = await measures.list_(session=session, limit=limit, cursor=cursor)
    return Page(items=[measures.to_public(m, today) for m in found], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="新增监管措施目录版本 / Add a measure set version",
    description="An admin adds version N+1, the whole catalogue: each measure has "
    "`measure_id`, `applies_to` (`A`, `B`, `C`, or `wage_arrears_list` for the joint "
    "punishment of listed units, 人社部令第45号), `kind` (`restricts`, `rewards`, `guides`), its "
    "legal `citation`, its `scope` (e.g. 就相关联的事项, Art 13) and `text_zh` / `text_en`; "
    "`policy_id` is the policy it implements (default: the newest that began by "
    "`effective_from`; an unknown one is a 422 `policy-invalid`). It takes effect on "
    "`effective_from` (today or later, 422 otherwise); an open-ended earlier version is closed "
    "the day before; any other overlap is a 409 `measure-set-overlap`. Versions are never "
    "edited (one in force is what units were told): supersede one by a newer version.",
    responses=problems(*GUARDED, *WITH_BODY, MeasureSetInvalid, MeasureSetOverlap, PolicyInvalid),
)
async def create_measure_set(
    data: MeasureSetCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Admin,
) -> MeasureSetPublic:
    """管理员新增第 N+1 版措施目录（第十一条至第十三条）：每项措施有编号、适用对象（A/B/C 或列入
    拖欠农民工工资失信名单）、性质（惩戒、激励、指导）、法律依据、适用范围和中英文内容；自
    `effective_from`（不早于今日）起施行。"""
    measure_set = await measures.create(session=session, data=data, actor=actor, clock=clock)
    response.headers["Location"] = f"/api/v1/measure-sets/{measure_set.version}"
    return measures.to_public(measure_set, clock.today())


@router.get(
    "/{version}",
    summary="查看监管措施目录版本 / Read a measure set version",
    description="Its dates, its policy and its measures; `in_use`: it has taken effect (frozen).",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_measure_set(
    version: Version, session: SessionDep, today: TodayDep, actor: CatalogueReader
) -> MeasureSetPublic:
    """适用期、所依据的政策和各项措施；`in_use`：已施行（冻结）。"""
    return measures.to_public(await measures.get(session=session, version=version), today)


@employer_router.get(
    "/{employer_id}/measures",
    summary="用人单位适用的监管措施 / The measures in force for an employer",
    description="The measures of its grade in force (the credit profile's: a proposed C is "
    "not in force until final), by today's catalogue version, then the joint punishment's "
    "while it is on the wage-arrears list. No grade in force: no measures by grade (`note`). "
    "Employers: their own only (another's is a 404).",
    responses=problems(*GUARDED, DoesNotExist, NoMeasureSetInForce),
)
async def employer_measures(
    employer_id: uuid.UUID, session: SessionDep, today: TodayDep, actor: Reader
) -> EmployerMeasures:
    """按现行信用等级（拟评C级生效前不算）适用的措施，列入拖欠农民工工资失信名单的另加联合惩戒
    措施。用人单位只能查看本单位的。"""
    return await measures.of_employer(
        session=session, employer_id=employer_id, actor=actor, today=today
    )


@employer_router.get(
    "/{employer_id}/award-eligibility",
    summary="可否推荐人社评先评优 / May the unit be put forward for an award",
    description="For HR-and-social-security awards, by the grade in force: A yes, with "
    "priority (Art 11(2)); B only with the statement of Art 12(3) — `statement` says what it "
    "must cover and counts the verified records of the past 12 months; C no (Art 13(3)); on "
    "the wage-arrears list no (joint punishment, 人社部令第45号); no grade in force yet: not "
    "refused, without priority, and only with the Art 12(3) statement (docs/law.md §4). "
    "`reasons` cite each. Employers: their own only.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def award_eligibility(
    employer_id: uuid.UUID, session: SessionDep, today: TodayDep, actor: Reader
) -> AwardEligibility:
    """A级优先（第十一条第（二）项）；B级须对近1年信用情况评审后出具说明（第十二条第（三）项）；
    C级不予通过（第十三条第（三）项）；列入拖欠农民工工资失信名单的不予推荐；暂无等级的不否决、
    不优先，须出具说明。"""
    return await awards.eligibility(
        session=session, employer_id=employer_id, actor=actor, today=today
    )
