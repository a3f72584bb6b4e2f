"""Inspection plans (双随机、一公开, DOMAIN §4, §12): make, commit, draw, record outcomes,
close, publish.

- Made for a period that overlaps no other plan not yet closed: every active employer with a
  grade in force (app.employers.grades: a pending C notice is not in force) is listed as
  eligible with that grade, so the plan is reproducible whatever grades do later. The patrols
  per year by grade (settings `patrol_per_year_a/b/c`) and the exclusion setting
  (`plans_exclude_collectors`) are stored on the plan too.
- Committed: the inspectors (active accounts of role inspector, by username) and, per unit, the
  inspectors excluded from it (those who collected a credit record of it in the cycle: the
  calendar years the period lies in) are fixed; a seed is made with `secrets` and only its
  SHA-256 is shown.
- Drawn: the seed is revealed and app.supervision.draw selects the units and assigns two
  inspectors to each visit; the months of a unit's visits come from app.supervision.rules.
- A visit's outcome is recorded once by one of its two inspectors; a violation found creates
  its credit record (a draft the inspector collected, through app.records.service), linked.
- Closed once every visit has its outcome; then the results are public (`publication`).
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import extract, func, literal, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import pagination
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import Conflict, DoesNotExist, FieldProblem, Forbidden, InvalidField
from app.core.i18n import Text, say
from app.employers import grades
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.employer import Employer, EmployerStatus
from app.models.inspection_plan import (
    InspectionPlan,
    InspectionPlanCreate,
    InspectionPlanPublic,
    InspectionPlanUnit,
    InspectionVisit,
    PlanPublication,
    PlanStatus,
    PublishedUnit,
    PublishedVisit,
    VisitOutcome,
    VisitOutcomeCreate,
)
from app.models.rule_set import Grade
from app.models.user import Role, User
from app.records import service as credit_records
from app.records.rules import invalid
from app.supervision import draw, rules

# --- refusals ----------------------------------------------------------------------------------


class PlanInvalid(InvalidField):
    slug = "inspection-plan-invalid"
    title = Text("抽查计划不成立", "Inspection plan invalid")
    about = Text(
        "计划期间的结束日早于开始日，或期间超过12个自然月；errors[] 逐项说明。",
        "The plan's period ends before it starts, or spans more than 12 calendar months; "
        "errors[] names each.",
    )
    remedy = Text(
        "改正 period_from / period_to 后重新发送；一年以上的安排请分为几个计划。",
        "Correct period_from / period_to and send again; split more than a year into plans.",
    )


class PlanPeriodOverlaps(Conflict):
    slug = "inspection-plan-overlap"
    title = Text("计划期间与进行中的计划重叠", "The period overlaps an active plan")
    about = Text(
        "同一期间只能有一个尚未结束的抽查计划：新计划的期间与 plan_id 所指计划（尚未结束）重叠。",
        "Only one plan not yet closed may cover a day: the new plan's period overlaps that of "
        "the plan `plan_id` names, which is not closed.",
    )
    remedy = Text(
        "选择不重叠的期间，或待该计划结束后再制定。",
        "Choose a period that does not overlap, or wait until that plan is closed.",
    )


class CommitmentPublished(Conflict):
    slug = "plan-commitment-published"
    title = Text("种子承诺已公布", "The commitment is already published")
    about = Text(
        "每个计划只公布一次种子承诺（种子的SHA-256）；再公布一次就可以换种子，抽取便不可信。",
        "A plan publishes its seed's commitment (its SHA-256) once; a second one would let the "
        "seed be changed and the draw could not be trusted.",
    )
    remedy = Text(
        "用已公布的承诺进行抽取：POST /api/v1/inspection-plans/{id}/draw。",
        "Draw with the published commitment: POST /api/v1/inspection-plans/{id}/draw.",
    )


class DrawBeforeCommitment(Conflict):
    slug = "plan-draw-before-commitment"
    title = Text("尚未公布种子承诺", "No commitment published yet")
    about = Text(
        "随机抽取须在种子承诺（种子的SHA-256）公布之后进行，这样任何人都能核对抽取所用的种子就是"
        "事先承诺的那个。",
        "The draw comes after the seed's commitment (its SHA-256) is published, so anyone can "
        "check that the seed it uses is the one committed to beforehand.",
    )
    remedy = Text(
        "先公布承诺：POST /api/v1/inspection-plans/{id}/commitment，再抽取。",
        "Publish the commitment first (POST /api/v1/inspection-plans/{id}/commitment), then draw.",
    )


class PlanAlreadyDrawn(Conflict):
    slug = "plan-already-drawn"
    title = Text("计划已抽取", "The plan is already drawn")
    about = Text(
        "每个计划只抽取一次：再抽一次就能挑选结果。",
        "A plan is drawn once: drawing again would allow choosing among results.",
    )
    remedy = Text(
        "查看已抽取的检查：GET /api/v1/inspection-plans/{id}/visits。",
        "Read the visits drawn: GET /api/v1/inspection-plans/{id}/visits.",
    )


class InspectorsShort(Conflict):
    slug = "plan-inspectors-short"
    title = Text("可派检查人员不足", "Not enough inspectors")
    about = Text(
        "每次检查须随机派出两名检查人员；可派人员（在用的监察员账号，除去采集过该单位本周期信用"
        "记录的）少于两名的单位在 units 中列出。",
        "Each visit takes two inspectors drawn at random; the units with fewer than two who may "
        "go (active inspector accounts, less those who collected one of its records in the "
        "cycle) are listed in `units`.",
    )
    remedy = Text(
        "增加监察员账号，或将这些单位所在等级的抽取比例设为0后重新制定计划。",
        "Add inspector accounts, or make the plan again with a ratio of 0 for those units' grade.",
    )


class PlanNotDrawn(Conflict):
    slug = "plan-not-drawn"
    title = Text("计划尚未抽取", "The plan is not drawn yet")
    about = Text(
        "计划抽取之后才有检查可办、才能结束。",
        "A plan has visits to record, and can be closed, only once it is drawn.",
    )
    remedy = Text("先公布承诺并抽取。", "Publish the commitment and draw first.")


class PlanClosed(Conflict):
    slug = "plan-closed"
    title = Text("计划已结束", "The plan is closed")
    about = Text(
        "已结束的计划的结果已公开，不再登记检查结果，也不再结束一次。",
        "A closed plan's results are public: it takes no more outcomes and is not closed again.",
    )
    remedy = Text(
        "查看公开结果：GET /api/v1/inspection-plans/{id}/publication。",
        "Read its results: GET /api/v1/inspection-plans/{id}/publication.",
    )


class VisitsPending(Conflict):
    slug = "plan-visits-pending"
    title = Text("仍有检查未登记结果", "Visits await their outcome")
    about = Text(
        "每次检查都登记结果（包括“未检查”）之后，计划才能结束并公开结果；pending 为尚缺的数目。",
        "A plan is closed, and its results published, once every visit has an outcome "
        "(`not_inspected` too); `pending` counts those missing.",
    )
    remedy = Text(
        "由派出的检查人员登记结果：POST .../visits/{visit_id}/outcome。",
        "Have the assigned inspectors record them: POST .../visits/{visit_id}/outcome.",
    )


class PublicationNotYet(Conflict):
    slug = "plan-publication-not-yet"
    title = Text("结果尚未公开", "The results are not public yet")
    about = Text(
        "抽查结果在计划结束（全部检查登记结果）后公开；此前公开会让被抽中的单位事先知道。",
        "A plan's results are public once it is closed (every visit has its outcome); before, "
        "publishing would tell the units drawn in advance.",
    )
    remedy = Text("计划结束后再查看。", "Look again once the plan is closed.")


class VisitNotAssigned(Forbidden):
    slug = "visit-not-assigned"
    title = Text("不是这次检查的检查人员", "Not an inspector of this visit")
    about = Text(
        "检查结果只能由随机派出的两名检查人员之一登记。",
        "A visit's outcome is recorded by one of the two inspectors drawn for it.",
    )
    remedy = Text(
        "请被派出的检查人员登记（见该检查的 inspectors）。",
        "Ask one of the inspectors drawn (the visit's `inspectors`).",
    )


class VisitOutcomeRecorded(Conflict):
    slug = "visit-outcome-recorded"
    title = Text("检查结果已登记", "The outcome is already recorded")
    about = Text(
        "每次检查的结果只登记一次；发现的违法行为记入其信用记录，更正走信用记录的更正程序。",
        "A visit's outcome is recorded once; what it found is in its credit record, which is "
        "corrected the way any record is.",
    )
    remedy = Text(
        "查看检查及其关联的信用记录（credit_record_id）。",
        "Read the visit and its credit record (`credit_record_id`).",
    )


class VisitOutcomeInvalid(InvalidField):
    slug = "visit-outcome-invalid"
    title = Text("检查结果不成立", "Visit outcome invalid")
    about = Text(
        "发现违法行为须附所发现的信用记录（record），其他结果不附；记录的用人单位须是被检查单位；"
        "检查日期不能在将来或计划期间开始之前，未检查则不填日期；errors[] 逐项说明。",
        "A violation found comes with its credit record (`record`), other outcomes without "
        "one; the record's employer is the unit visited; `inspected_on` is neither in the "
        "future nor before the plan's period, and absent for `not_inspected`; errors[] "
        "names each.",
    )
    remedy = Text("按 errors[] 改正后重新发送。", "Correct what errors[] names and send again.")


# --- reading -----------------------------------------------------------------------------------


def _missing(plan_id: uuid.UUID) -> DoesNotExist:
    return DoesNotExist(
        Text(f"抽查计划 {plan_id} 不存在", f"inspection plan {plan_id} does not exist")
    )


async def get(*, session: AsyncSession, plan_id: uuid.UUID, lock: bool = False) -> InspectionPlan:
    plan = await session.get(InspectionPlan, plan_id, with_for_update=lock)
    if plan is None:
        raise _missing(plan_id)
    return plan


async def _counts(session: AsyncSession, plan_id: uuid.UUID) -> tuple[Counter[str], Counter[str]]:
    rows = await session.execute(
        select(InspectionPlanUnit.grade, InspectionPlanUnit.selected, func.count())
        .where(InspectionPlanUnit.plan_id == plan_id)
        .group_by(col(InspectionPlanUnit.grade), col(InspectionPlanUnit.selected))
    )
    eligible: Counter[str] = Counter(dict.fromkeys(draw.GRADES, 0))
    selected: Counter[str] = Counter(dict.fromkeys(draw.GRADES, 0))
    for grade, chosen, n in rows:
        eligible[str(grade)] += n
        if chosen:
            selected[str(grade)] += n
    return eligible, selected


def ratios_of(plan: InspectionPlan) -> dict[str, Any]:
    return {"A": plan.ratio_a, "B": plan.ratio_b, "C": plan.ratio_c}


def patrols_of(plan: InspectionPlan) -> dict[str, int]:
    return {"A": plan.patrols_a, "B": plan.patrols_b, "C": plan.patrols_c}


async def to_public(*, session: AsyncSession, plan: InspectionPlan) -> InspectionPlanPublic:
    eligible, selected = await _counts(session, plan.id)
    visits = await session.scalar(
        select(func.count()).select_from(InspectionVisit).where(InspectionVisit.plan_id == plan.id)
    )
    drawn = plan.status in (PlanStatus.drawn, PlanStatus.closed)
    return InspectionPlanPublic(
        id=plan.id,
        title=plan.title,
        period_from=plan.period_from,
        period_to=plan.period_to,
        status=plan.status,
        sampling_ratios=ratios_of(plan),
        patrols_per_year=patrols_of(plan),
        exclude_collectors=plan.exclude_collectors,
        algorithm=plan.algorithm,
        seed_sha256=plan.seed_sha256,
        seed=plan.seed if drawn else None,
        inspectors=[i["username"] for i in plan.inspectors],
        eligible_counts=dict(eligible),
        selected_counts=dict(selected),
        visit_count=visits or 0,
        created_by=plan.created_by,
        created_at=plan.created_at,
        committed_at=plan.committed_at,
        drawn_at=plan.drawn_at,
        closed_at=plan.closed_at,
    )


async def list_(
    *, session: AsyncSession, limit: int, cursor: str | None = None
) -> tuple[list[InspectionPlan], str | None]:
    """Newest first."""
    query = select(InspectionPlan)
    if cursor:
        at, after_id = pagination.decode_as(cursor, pagination.moment, uuid.UUID)
        key = func.row(InspectionPlan.created_at, InspectionPlan.id)
        query = query.where(key < func.row(at, after_id))
    order = (col(InspectionPlan.created_at).desc(), col(InspectionPlan.id).desc())
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda p: [p.created_at.isoformat(), str(p.id)])


async def units(
    *,
    session: AsyncSession,
    plan_id: uuid.UUID,
    limit: int | None = None,
    cursor: str | None = None,
) -> tuple[list[InspectionPlanUnit], str | None]:
    """The eligible list as published: sorted by USCC (all of it when `limit` is None)."""
    await get(session=session, plan_id=plan_id)
    query = select(InspectionPlanUnit).where(InspectionPlanUnit.plan_id == plan_id)
    if cursor:
        [after] = pagination.decode_as(cursor, str)
        query = query.where(col(InspectionPlanUnit.uscc) > after)
    query = query.order_by(col(InspectionPlanUnit.uscc))
    if limit is None:
        return list((await session.scalars(query)).all()), None
    rows = list((await session.scalars(query.limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda u: [u.uscc])


async def visits(
    *, session: AsyncSession, plan_id: uuid.UUID, limit: int, cursor: str | None = None
) -> tuple[list[InspectionVisit], str | None]:
    """By month, then USCC."""
    await get(session=session, plan_id=plan_id)
    query = select(InspectionVisit).where(InspectionVisit.plan_id == plan_id)
    if cursor:
        month, uscc, after_id = pagination.decode_as(cursor, date.fromisoformat, str, uuid.UUID)
        key = func.row(InspectionVisit.month, InspectionVisit.uscc, InspectionVisit.id)
        query = query.where(key > func.row(month, uscc, after_id))
    order = (col(InspectionVisit.month), col(InspectionVisit.uscc), col(InspectionVisit.id))
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    return pagination.page(rows, limit, lambda v: [v.month.isoformat(), v.uscc, str(v.id)])


# --- making a plan -----------------------------------------------------------------------------


def _period_problems(data: InspectionPlanCreate) -> list[FieldProblem]:
    if data.period_to < data.period_from:
        msg = say(
            Text(
                f"period_to {data.period_to} 早于 period_from {data.period_from}",
                f"period_to {data.period_to} is before period_from {data.period_from}",
            )
        )
        return [FieldProblem(loc=["body", "period_to"], msg=msg, type="date.order")]
    n = len(rules.months(data.period_from, data.period_to))
    if n > rules.MAX_MONTHS:
        msg = say(
            Text(
                f"计划期间跨 {n} 个自然月，最多 {rules.MAX_MONTHS} 个",
                f"the period spans {n} calendar months, at most {rules.MAX_MONTHS}",
            )
        )
        return [FieldProblem(loc=["body", "period_to"], msg=msg, type="period.too_long")]
    return []


async def create(
    *,
    session: AsyncSession,
    data: InspectionPlanCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> InspectionPlan:
    found = _period_problems(data)
    if found:
        raise invalid(found, PlanInvalid)
    # one maker at a time, so two overlapping plans cannot both pass the check
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('inspection_plans'))"))
    other = await session.scalar(
        select(InspectionPlan.id).where(
            col(InspectionPlan.status) != PlanStatus.closed,
            col(InspectionPlan.period_from) <= data.period_to,
            col(InspectionPlan.period_to) >= data.period_from,
        )
    )
    if other is not None:
        raise PlanPeriodOverlaps(
            Text(
                f"期间 {data.period_from}—{data.period_to} 与尚未结束的抽查计划 {other} 重叠",
                f"the period {data.period_from} to {data.period_to} overlaps inspection plan "
                f"{other}, which is not closed",
            ),
            plan_id=str(other),
        )
    ratios = data.sampling_ratios
    plan = InspectionPlan(
        title=data.title,
        period_from=data.period_from,
        period_to=data.period_to,
        ratio_a=ratios.A,
        ratio_b=ratios.B,
        ratio_c=ratios.C,
        patrols_a=settings.patrol_per_year_a,
        patrols_b=settings.patrol_per_year_b,
        patrols_c=settings.patrol_per_year_c,
        exclude_collectors=settings.plans_exclude_collectors,
        algorithm=draw.ALGORITHM,
        created_by=actor.id if actor.kind == "user" else None,
        created_at=clock.now(),
    )
    session.add(plan)
    await session.flush()
    grade = grades.in_force(Employer.id).label("grade")
    eligible = (
        select(Employer.id, Employer.uscc, Employer.name, grade)
        .where(Employer.status == EmployerStatus.active)
        .subquery()
    )
    await session.execute(
        InspectionPlanUnit.__table__.insert().from_select(  # type: ignore[attr-defined]
            [
                "id",
                "plan_id",
                "employer_id",
                "uscc",
                "name",
                "grade",
                "excluded_inspectors",
                "selected",
            ],
            sa.select(
                func.gen_random_uuid(),
                literal(plan.id),
                eligible.c.id,
                eligible.c.uscc,
                eligible.c.name,
                eligible.c.grade,
                text("'{}'::varchar[]"),
                literal(False),
            ).where(eligible.c.grade.is_not(None)),
        )
    )
    await audit.record(
        session=session,
        actor=actor,
        action="inspection_plan.create",
        resource_type="inspection_plan",
        resource_id=plan.id,
        changes=audit.created(
            {
                **data.model_dump(exclude={"sampling_ratios"}),
                "sampling_ratios": {k: str(v) for k, v in ratios_of(plan).items()},
                "patrols_per_year": patrols_of(plan),
                "exclude_collectors": plan.exclude_collectors,
            }
        ),
    )
    return plan


# --- commitment and draw -----------------------------------------------------------------------


async def _exclusions(session: AsyncSession, plan: InspectionPlan) -> dict[uuid.UUID, set[str]]:
    """Per employer of the plan, the inspectors who collected one of its credit records (any
    status but a withdrawn correction) that occurred in the cycle: the years of the period."""
    query = (
        select(CreditRecord.employer_id, User.username)
        .join(User, col(User.id) == col(CreditRecord.collected_by))
        .join(
            InspectionPlanUnit,
            (col(InspectionPlanUnit.employer_id) == col(CreditRecord.employer_id))
            & (col(InspectionPlanUnit.plan_id) == plan.id),
        )
        .where(
            col(CreditRecord.status) != RecordStatus.withdrawn,
            extract("year", col(CreditRecord.occurred_date)).between(
                plan.period_from.year, plan.period_to.year
            ),
            col(User.role) == Role.inspector,
        )
        .distinct()
    )
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    for employer_id, username in await session.execute(query):
        found[employer_id].add(username)
    return found


async def commit(
    *, session: AsyncSession, plan_id: uuid.UUID, actor: Actor, clock: Clock
) -> InspectionPlan:
    plan = await get(session=session, plan_id=plan_id, lock=True)
    if plan.status != PlanStatus.draft:
        raise CommitmentPublished(
            Text(
                f"抽查计划 {plan.id} 的种子承诺已于 {plan.committed_at} 公布",
                f"inspection plan {plan.id}'s commitment was published at {plan.committed_at}",
            ),
            seed_sha256=plan.seed_sha256,
        )
    inspectors = (
        await session.execute(
            select(User.id, User.username)
            .where(col(User.role) == Role.inspector, col(User.is_active).is_(True))
            .order_by(col(User.username))
        )
    ).all()
    names = [name for _, name in inspectors]
    excluded = await _exclusions(session, plan) if plan.exclude_collectors else {}
    ratios = ratios_of(plan)
    plan_units, _ = await units(session=session, plan_id=plan.id)
    short = [
        u.uscc
        for u in plan_units
        if ratios[u.grade] > 0 and len(set(names) - excluded.get(u.employer_id, set())) < 2
    ]
    if short:
        raise InspectorsShort(
            Text(
                f"{len(short)} 个可能被抽中的单位可派检查人员少于两名",
                f"{len(short)} units that may be drawn have fewer than two inspectors who may go",
            ),
            units=short[:100],
        )
    for unit in plan_units:
        if unit.employer_id in excluded:
            unit.excluded_inspectors = sorted(excluded[unit.employer_id])
    seed = secrets.token_bytes(draw.SEED_BYTES)
    plan.seed = seed.hex()
    plan.seed_sha256 = draw.commitment(seed)
    plan.inspectors = [{"id": str(i), "username": name} for i, name in inspectors]
    plan.status = PlanStatus.committed
    plan.committed_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="inspection_plan.commit",
        resource_type="inspection_plan",
        resource_id=plan.id,
        changes=audit.created(
            {"status": plan.status, "seed_sha256": plan.seed_sha256, "inspectors": names}
        ),
    )
    return plan


async def run_draw(
    *, session: AsyncSession, plan_id: uuid.UUID, actor: Actor, clock: Clock
) -> InspectionPlan:
    plan = await get(session=session, plan_id=plan_id, lock=True)
    if plan.status == PlanStatus.draft:
        raise DrawBeforeCommitment(
            Text(
                f"抽查计划 {plan.id} 尚未公布种子承诺",
                f"inspection plan {plan.id} has no commitment published yet",
            )
        )
    if plan.status != PlanStatus.committed:
        raise PlanAlreadyDrawn(
            Text(
                f"抽查计划 {plan.id} 已于 {plan.drawn_at} 抽取",
                f"inspection plan {plan.id} was drawn at {plan.drawn_at}",
            )
        )
    assert plan.seed is not None
    seed = bytes.fromhex(plan.seed)
    plan_units, _ = await units(session=session, plan_id=plan.id)
    eligible = [
        draw.Eligible(u.uscc, str(u.grade), frozenset(u.excluded_inspectors)) for u in plan_units
    ]
    chosen = draw.select(seed, eligible, ratios_of(plan))
    names = [i["username"] for i in plan.inspectors]
    ids = {i["username"]: uuid.UUID(i["id"]) for i in plan.inspectors}
    period = rules.months(plan.period_from, plan.period_to)
    patrols = patrols_of(plan)
    for unit, spec in zip(plan_units, eligible, strict=True):
        unit.draw_key = draw.unit_key(seed, unit.uscc)
        unit.selected = unit.uscc in chosen
        if not unit.selected:
            continue
        for month in rules.visit_months(patrols[unit.grade], period):
            assigned = draw.assign(seed, unit.uscc, month, names, spec.excluded)
            session.add(
                InspectionVisit(
                    plan_id=plan.id,
                    employer_id=unit.employer_id,
                    uscc=unit.uscc,
                    month=month,
                    inspectors=assigned,
                    inspector_ids=[ids[name] for name in assigned],
                )
            )
    plan.status = PlanStatus.drawn
    plan.drawn_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="inspection_plan.draw",
        resource_type="inspection_plan",
        resource_id=plan.id,
        changes=audit.created(
            {"status": plan.status, "seed": plan.seed, "selected": sorted(chosen)}
        ),
    )
    return plan


# --- outcomes, closing, publication ------------------------------------------------------------


def _open(plan: InspectionPlan) -> None:
    if plan.status == PlanStatus.closed:
        raise PlanClosed(Text(f"抽查计划 {plan.id} 已结束", f"inspection plan {plan.id} is closed"))
    if plan.status != PlanStatus.drawn:
        raise PlanNotDrawn(
            Text(f"抽查计划 {plan.id} 尚未抽取", f"inspection plan {plan.id} is not drawn yet")
        )


def _outcome_problems(
    plan: InspectionPlan, visit: InspectionVisit, data: VisitOutcomeCreate, today: date
) -> list[FieldProblem]:
    found = []

    def problem(loc: list[str | int], zh: str, en: str, kind: str) -> None:
        found.append(FieldProblem(loc=["body", *loc], msg=say(Text(zh, en)), type=kind))

    violation = data.outcome == VisitOutcome.violation_found
    if violation and data.record is None:
        problem(["record"], "发现违法行为须附信用记录", "a violation found needs its record",
                "missing")  # fmt: skip
    if not violation and data.record is not None:
        problem(["record"], f"结果 {data.outcome} 不附信用记录",
                f"outcome {data.outcome} takes no record", "extra")  # fmt: skip
    if data.record is not None and data.record.employer_id != visit.employer_id:
        problem(["record", "employer_id"],
                f"信用记录的用人单位须是被检查单位 {visit.employer_id}",
                f"the record's employer must be the unit visited, {visit.employer_id}",
                "other_employer")  # fmt: skip
    day = data.inspected_on
    if data.outcome == VisitOutcome.not_inspected:
        if day is not None:
            problem(["inspected_on"], "未检查不填检查日期",
                    "`not_inspected` takes no inspected_on", "extra")  # fmt: skip
    elif day is not None and day > today:
        problem(["inspected_on"], f"inspected_on {day} 在将来",
                f"inspected_on {day} is in the future", "date.future")  # fmt: skip
    elif day is not None and day < plan.period_from:
        problem(["inspected_on"], f"inspected_on {day} 早于计划期间 {plan.period_from}",
                f"inspected_on {day} is before the plan's period, {plan.period_from}",
                "date.before_period")  # fmt: skip
    return found


async def record_outcome(
    *,
    session: AsyncSession,
    plan_id: uuid.UUID,
    visit_id: uuid.UUID,
    data: VisitOutcomeCreate,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> InspectionVisit:
    plan = await get(session=session, plan_id=plan_id)
    visit = await session.get(InspectionVisit, visit_id, with_for_update=True)
    if visit is None or visit.plan_id != plan.id:
        raise DoesNotExist(
            Text(f"检查 {visit_id} 不存在", f"inspection visit {visit_id} does not exist")
        )
    _open(plan)
    if actor.id is None or actor.id not in visit.inspector_ids:
        raise VisitNotAssigned(
            Text(
                f"这次检查派出的是 {'、'.join(visit.inspectors)}，不是你",
                f"the inspectors drawn for this visit are {', '.join(visit.inspectors)}, not you",
            )
        )
    if visit.outcome is not None:
        raise VisitOutcomeRecorded(
            Text(
                f"检查 {visit.id} 的结果已于 {visit.outcome_at} 登记",
                f"visit {visit.id}'s outcome was recorded at {visit.outcome_at}",
            ),
            outcome=str(visit.outcome),
        )
    found = _outcome_problems(plan, visit, data, clock.today())
    if found:
        raise invalid(found, VisitOutcomeInvalid)
    if data.record is not None:
        record = await credit_records.create(
            session=session, data=data.record, actor=actor, settings=settings, clock=clock
        )
        visit.credit_record_id = record.id
    visit.outcome = data.outcome
    visit.notes = data.notes
    visit.inspected_on = (
        None if data.outcome == VisitOutcome.not_inspected else data.inspected_on or clock.today()
    )
    visit.outcome_by = actor.id
    visit.outcome_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="inspection_visit.outcome",
        resource_type="inspection_visit",
        resource_id=visit.id,
        changes=audit.created(
            {
                "outcome": visit.outcome,
                "inspected_on": visit.inspected_on,
                "notes": visit.notes,
                "credit_record_id": visit.credit_record_id,
            }
        ),
    )
    return visit


async def close(
    *, session: AsyncSession, plan_id: uuid.UUID, actor: Actor, clock: Clock
) -> InspectionPlan:
    plan = await get(session=session, plan_id=plan_id, lock=True)
    _open(plan)
    pending = await session.scalar(
        select(func.count())
        .select_from(InspectionVisit)
        .where(InspectionVisit.plan_id == plan.id, col(InspectionVisit.outcome).is_(None))
    )
    if pending:
        raise VisitsPending(
            Text(
                f"抽查计划 {plan.id} 还有 {pending} 次检查未登记结果",
                f"inspection plan {plan.id} has {pending} visits without an outcome",
            ),
            pending=pending,
        )
    plan.status = PlanStatus.closed
    plan.closed_at = clock.now()
    await session.flush()
    await audit.record(
        session=session,
        actor=actor,
        action="inspection_plan.close",
        resource_type="inspection_plan",
        resource_id=plan.id,
        changes=audit.created({"status": plan.status}),
    )
    return plan


async def publication(*, session: AsyncSession, plan_id: uuid.UUID) -> PlanPublication:
    """双随机、一公开, as far as the plan has gone: from the commitment the algorithm, the seed's
    SHA-256 and the eligible units; once closed the seed, the draw's counts and the units
    inspected, when and with what outcome. No inspector, no notes."""
    plan = await get(session=session, plan_id=plan_id)
    if plan.status == PlanStatus.draft:
        raise PublicationNotYet(
            Text(
                f"抽查计划 {plan.id} 尚未公布种子承诺，尚无公开内容",
                f"inspection plan {plan.id} has published no commitment: nothing is public yet",
            )
        )
    assert plan.seed_sha256 is not None and plan.committed_at is not None
    units = await session.execute(
        select(InspectionPlanUnit.uscc, InspectionPlanUnit.name, InspectionPlanUnit.grade)
        .where(InspectionPlanUnit.plan_id == plan.id)
        .order_by(col(InspectionPlanUnit.uscc))
    )
    eligible = [PublishedUnit(uscc=u, name=n, grade=Grade(g)) for u, n, g in units]
    counts, selected = await _counts(session, plan.id)
    closed = plan.status == PlanStatus.closed
    shown = []
    if closed:
        rows = await session.execute(
            select(InspectionVisit, Employer.name)
            .join(Employer, col(Employer.id) == col(InspectionVisit.employer_id))
            .where(InspectionVisit.plan_id == plan.id)
            .order_by(
                col(InspectionVisit.uscc), col(InspectionVisit.month), col(InspectionVisit.id)
            )
        )
        for visit, name in rows:
            assert visit.outcome is not None
            shown.append(
                PublishedVisit(
                    name=name, uscc=visit.uscc, month=visit.month,
                    inspected_on=visit.inspected_on, outcome=visit.outcome,
                )
            )  # fmt: skip
    return PlanPublication(
        id=plan.id,
        title=plan.title,
        status=plan.status,
        period_from=plan.period_from,
        period_to=plan.period_to,
        algorithm=plan.algorithm,
        seed_sha256=plan.seed_sha256,
        committed_at=plan.committed_at,
        eligible=eligible,
        eligible_counts=dict(counts),
        sampling_ratios=ratios_of(plan),
        patrols_per_year=patrols_of(plan),
        seed=plan.seed if closed else None,
        selected_counts=dict(selected) if closed else None,
        closed_at=plan.closed_at,
        visits=shown,
    )
