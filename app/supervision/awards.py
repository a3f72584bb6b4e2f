"""May the unit be put forward for an HR-and-social-security award (评先评优), and why.

A: yes, with priority (Art 11(2)). B: only with the statement of Art 12(3), issued after
reviewing its past year's credit (what it must cover, and the verified records of the past 12
months the review starts from). C: no (Art 13(3)). On the wage-arrears list: no (joint
punishment, 人社部令第45号), whatever the grade. No grade in force yet (never graded, or only a
first proposed C pending): the law is silent; the default reading (docs/law.md §4) is that such a
unit is not refused (no C) but has no A's priority, and, like a B, is put forward only with the
Art 12(3) statement on its past year, since no grade vouches for it.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.actors import Actor
from app.core.clock import add_months
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.measure import AwardEligibility, AwardReason, CreditStatement
from app.models.rule_set import Grade
from app.supervision import measures

LOCAL = "文人社字〔2022〕46号"
ART_11 = AwardReason(
    citation=f"{LOCAL} 第十一条第（二）项",
    detail_zh="A级：优先取得与人力资源和社会保障工作有关的评先、评优资格",
    detail_en="grade A: priority for HR-and-social-security awards",
)
ART_12 = AwardReason(
    citation=f"{LOCAL} 第十二条第（三）项",
    detail_zh="B级：参加评比表彰活动时，对近1年内信用情况评审后出具说明",
    detail_en="grade B: put forward only with a statement issued after reviewing its credit "
    "of the past year",
)
ART_13 = AwardReason(
    citation=f"{LOCAL} 第十三条第（三）项",
    detail_zh="C级：在与人力资源和社会保障工作有关的评先、评优资格评价时，不予通过",
    detail_en="grade C: fails the review for HR-and-social-security awards",
)
LISTED = AwardReason(
    citation=f"{LOCAL} 第十三条第二款; 人社部令第45号",
    detail_zh="列入拖欠农民工工资失信联合惩戒对象名单：联合惩戒，评优评先依法依规予以限制",
    detail_en="on the wage-arrears joint-punishment list: joint punishment restricts awards",
)
UNGRADED = AwardReason(
    citation=f"{LOCAL} 第十二条第（三）项（参照）; docs/law.md §4",
    detail_zh="暂无生效的信用等级：不属C级，不予否决，但无A级的优先资格；参照第十二条第（三）项，"
    "对近1年内信用情况评审后出具说明方可推荐",
    detail_en="no grade in force: not a C, so not refused, but without an A's priority; by "
    "analogy with Art 12(3), put forward only with a statement reviewing its past year",
)
COVERS = [
    "近1年内的信用记录（基础、良好、失信信息）及其核实情况 / the past year's credit records "
    "(basic, good, dishonesty) and their verification",
    "被查处的劳动保障违法行为及其纠正、处罚决定履行情况 / labour violations investigated and "
    "punished, their correction and the penalties' performance",
    "是否列入拖欠农民工工资失信联合惩戒对象名单 / whether listed on the wage-arrears "
    "joint-punishment list",
    "现行信用等级及其依据 / the grade in force and its grounds",
]


async def _statement(session: AsyncSession, employer_id: uuid.UUID, today: date) -> CreditStatement:
    """What the Art 12(3) review covers: the past 12 months, today included."""
    start = add_months(today, -12) + timedelta(days=1)
    rows = await session.execute(
        select(col(CreditRecord.category), func.count())
        .where(
            CreditRecord.employer_id == employer_id,
            CreditRecord.status == RecordStatus.verified,
            col(CreditRecord.occurred_date).between(start, today),
        )
        .group_by(col(CreditRecord.category))
    )
    counts = {str(category): count for category, count in rows.all()}
    return CreditStatement(
        covers=COVERS, period_from=start, period_to=today,
        verified_records=sum(counts.values()), verified_by_category=counts,
    )  # fmt: skip


async def eligibility(
    *, session: AsyncSession, employer_id: uuid.UUID, actor: Actor, today: date
) -> AwardEligibility:
    evaluation, listed = await measures.standing(
        session=session, employer_id=employer_id, actor=actor
    )
    grade = evaluation.grade if evaluation else None
    by_grade = {Grade.A: ART_11, Grade.B: ART_12, Grade.C: ART_13}
    reasons = [by_grade[grade] if grade is not None else UNGRADED]
    if listed:
        reasons = [LISTED, *reasons]
    eligible = not listed and grade != Grade.C
    needs_statement = eligible and grade in (Grade.B, None)
    return AwardEligibility(
        employer_id=employer_id,
        grade=grade,
        wage_arrears_listed=listed,
        eligible=eligible,
        priority=eligible and grade == Grade.A,
        statement_required=needs_statement,
        statement=await _statement(session, employer_id, today) if needs_statement else None,
        reasons=reasons,
    )
