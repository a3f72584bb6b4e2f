"""What the demo county holds, and what to try first (printed by `serve` when the demo is loaded),
in Chinese and English."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEvent
from app.models.blacklist import BlacklistEntry
from app.models.credit_record import CreditRecord, RecordStatus
from app.models.evaluation import Evaluation, EvaluationStatus
from app.models.interview import Interview
from app.models.user import User

MARKER = "demo.county"  # the audit event that says the county is loaded


@dataclass(frozen=True)
class Tour:
    as_of: date
    records: int
    drafts: int
    cycles: list[int]
    listings: int
    interviews: int
    open_notices: int
    employer_notice: uuid.UUID | None  # the demo employer's open C notice
    employer_deadline: date | None

    def describe(self) -> str:
        cycles = f"{self.cycles[0]}–{self.cycles[-1]}" if self.cycles else "none"
        return (
            f"{self.records} credit records ({self.drafts} drafts to verify), graded cycles "
            f"{cycles}, {self.listings} wage-arrears listings, {self.interviews} interviews, "
            f"{self.open_notices} open C notices"
        )


async def as_of(*, session: AsyncSession) -> date | None:
    """The day the county was loaded "as of", or None if it was not."""
    changes = await session.scalar(
        select(AuditEvent.changes).where(AuditEvent.action == MARKER).limit(1)
    )
    if changes is None:
        return None
    return date.fromisoformat(str(changes["as_of"]["new"]))


async def tour(*, session: AsyncSession, as_of: date) -> Tour:
    async def count(query: object) -> int:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]

    current = col(CreditRecord.status).in_([RecordStatus.draft, RecordStatus.verified])
    cycles = await session.scalars(
        select(Evaluation.cycle).where(Evaluation.origin == "batch").distinct()
    )
    employer_id = await session.scalar(
        select(User.employer_id).where(User.username == "demo-employer")
    )
    notice = (
        await session.execute(
            select(col(Evaluation.id), col(Evaluation.representation_deadline))
            .where(Evaluation.employer_id == employer_id)
            .where(Evaluation.status == EvaluationStatus.notice)
            .order_by(col(Evaluation.cycle).desc())
            .limit(1)
        )
    ).first()
    return Tour(
        as_of=as_of,
        records=await count(select(func.count()).select_from(CreditRecord).where(current)),
        drafts=await count(select(func.count()).where(CreditRecord.status == RecordStatus.draft)),
        cycles=sorted(cycles.all()),
        listings=await count(select(func.count()).select_from(BlacklistEntry)),
        interviews=await count(select(func.count()).select_from(Interview)),
        open_notices=await count(
            select(func.count()).where(Evaluation.status == EvaluationStatus.notice)
        ),
        employer_notice=notice[0] if notice else None,
        employer_deadline=notice[1] if notice else None,
    )


def text(base: str, tour: Tour) -> str:
    """What to try first, for a newcomer at `base` (http://127.0.0.1:8000)."""
    api = f"{base}/api/v1"
    notice = str(tour.employer_notice) if tour.employer_notice else "<evaluation id>"
    due = f"截止 {tour.employer_deadline} / due {tour.employer_deadline}" if (
        tour.employer_deadline) else "等待日历 / awaiting the calendar"  # fmt: skip
    token = (
        f"TOKEN=$(curl -s {api}/auth/token -d username=demo-employer -d password=$PW"
        " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    return "\n".join(
        [
            f"先试试 / Try first (演示县 as of {tour.as_of}; password 密码 demo-password-2026):",
            f"  1. 打开 {base}/docs，点 Authorize 用 demo-reviewer 登录，查看待决的拟评C级告知",
            f"     Open {base}/docs, Authorize as demo-reviewer, list the open C notices:",
            "     GET /api/v1/evaluations?status=notice ; drafts to verify: "
            "GET /api/v1/credit-records?status=draft",
            "  2. 用 demo-employer 登录，阅读本单位的告知并陈述申辩",
            f"     As demo-employer, read your notice ({due}) and state your case:",
            f"     PW=demo-password-2026; {token}",
            f'     curl -s -H "Authorization: Bearer $TOKEN" {api}/evaluations/{notice}',
            f'     curl -s -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" '
            f"""-d '{{"text": "我单位已整改……"}}' {api}/evaluations/{notice}/representations""",
            "  3. 再用 demo-reviewer-2 裁决：POST /api/v1/evaluations/{id}/decision "
            '{"outcome": "confirm"}  (decide it as demo-reviewer-2)',
        ]
    )
