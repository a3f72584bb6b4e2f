"""The demo county's story (`plan`), told through the services, day by day as it would have
happened: every record entered by an inspector and verified by a reviewer, every listing,
grading run, representation, decision, closing window, Art 17 re-grade and interview written by
the code that writes them in real use, each on a clock pinned to its day (audited, with its
credit events). The scheduler's work is done on its days too: the yearly run on 1 January, the
notice windows closing, Art 17; and on the seed day, grading's consumer of the event log
(dynamic adjustment, Art 10) reads every event, so the county is settled as of that day.

All of it runs in the caller's transaction: the grading runs' own sessions are savepoints on
the same connection, so a failure leaves nothing behind.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from app.blacklist import service as blacklist
from app.core import events
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.demo import names
from app.demo.plan import Cycle, Entry, Listing, Plan
from app.evaluations import representations
from app.evaluations import service as evaluations
from app.grading import adjustment, rectification, runs
from app.models.blacklist import BlacklistEntryUpdate, PartyRole
from app.models.credit_record import CorrectionCreate, RevocationCreate
from app.models.evaluation import (
    DecisionCreate,
    DecisionOutcome,
    Evaluation,
    EvaluationStatus,
)
from app.models.interview import InterviewCreate, InterviewedPerson
from app.models.representation import RepresentationChannel, RepresentationCreate
from app.models.rule_set import Grade
from app.records import corrections
from app.records import service as records
from app.supervision import interviews

REPRESENTATION = (
    "我单位对拟评C级告知无异议部分已全部整改，涉及劳动者工资已足额支付、罚款已缴纳。其中一起违法行为"
    "系劳务分包单位所为，现提交分包合同及工资支付凭证，请求不评为C级。（书面陈述申辩，由监察员代为录入）"
)
_PLANNER_DEFAULTS = """
    SELECT set_config(name, reset_val, true) FROM pg_settings
    WHERE name IN ('enable_nestloop', 'enable_seqscan', 'work_mem', 'synchronous_commit')
"""
CHANGED = "经复核，其中一起违法行为系劳务分包单位所为，陈述申辩理由部分成立，改定为B级。"


@dataclass(frozen=True)
class Staff:
    inspectors: tuple[Actor, Actor]
    reviewers: tuple[Actor, Actor]
    inspector_names: tuple[str, str]


class County:
    def __init__(
        self, session: AsyncSession, settings: Settings, clock: Clock, staff: Staff
    ) -> None:
        self.session, self.settings, self.clock, self.staff = session, settings, clock, staff
        self.today = clock.today()
        self.zone = ZoneInfo(settings.timezone)
        self.legal_representatives: dict[uuid.UUID, str] = {}
        self._record_ids: dict[int, uuid.UUID] = {}  # by id() of the plan's entries

    def at(self, day: date, hour: int = 10) -> Clock:
        """The clock of a day of the story; the seed day's is the real one."""
        if day >= self.today:
            return self.clock
        start = datetime.combine(day, time(hour), tzinfo=self.zone)
        return Clock.pinned(start, self.settings.timezone)

    async def tell(self, plan: Plan) -> None:
        for cycle in plan.cycles:
            for listing in cycle.listings:
                await self._list(listing)
            await self._enter(cycle.entries)
            if cycle.graded_on is not None:
                await self._grade(cycle, cycle.graded_on)
        await self._enter(plan.late)
        every = [entry for cycle in plan.cycles for entry in cycle.entries]
        await self._withdraw_and_correct(every)
        await self._settle()

    # -- the credit file ------------------------------------------------------------------

    async def _enter(self, entries: list[Entry]) -> None:
        """Each record on its day by its inspector; then verified on its day by a reviewer."""
        written: list[tuple[Entry, uuid.UUID]] = []
        for entry in sorted(entries, key=lambda e: e.entered_on):
            record = await records.create(
                session=self.session,
                data=entry.content,
                actor=self.staff.inspectors[entry.inspector],
                settings=self.settings,
                clock=self.at(entry.entered_on),
            )
            written.append((entry, record.id))
        verified = [(e, i) for e, i in written if e.verified_on is not None]
        for entry, record_id in sorted(verified, key=lambda w: w[0].verified_on or self.today):
            assert entry.verified_on is not None
            await self._verify(record_id, entry.reviewer, entry.verified_on)
        self._record_ids.update({id(entry): record_id for entry, record_id in written})

    async def _verify(self, record_id: uuid.UUID, reviewer: int, day: date) -> None:
        await records.verify(
            session=self.session,
            record_id=record_id,
            actor=self.staff.reviewers[reviewer],
            clock=self.at(day),
        )

    async def _withdraw_and_correct(self, entries: list[Entry]) -> None:
        for entry in entries:
            record_id = self._record_ids[id(entry)]
            if entry.revoked_on is not None:
                await records.revoke(
                    session=self.session,
                    record_id=record_id,
                    data=RevocationCreate(
                        reason="行政复议决定撤销该行政处罚决定",
                        revoking_document=f"文政复决字〔{entry.revoked_on.year}〕3号",
                    ),
                    actor=self.staff.reviewers[1 - entry.reviewer],
                    clock=self.at(entry.revoked_on),
                )
            if entry.corrected_on is not None and entry.content.fine_amount is not None:
                fine = (entry.content.fine_amount / 10).quantize(Decimal("1"))
                fixed = entry.content.model_dump() | {
                    "fine_amount": fine,
                    "penalty_content": f"责令改正，罚款{fine:,.0f}元",
                    "reason": "罚款金额录入错误（多录一位），按处罚决定书更正",
                }
                draft = await corrections.correct(
                    session=self.session,
                    record_id=record_id,
                    data=CorrectionCreate.model_validate(fixed),
                    actor=self.staff.reviewers[1 - entry.reviewer],
                    settings=self.settings,
                    clock=self.at(entry.corrected_on),
                )
                # a correction is a draft until a second person verifies it
                await corrections.verify(
                    session=self.session,
                    record_id=draft.id,
                    actor=self.staff.reviewers[entry.reviewer],
                    clock=self.at(entry.corrected_on),
                )

    async def _list(self, listing: Listing) -> None:
        """A reviewer enters the listing decision and the other reviewer verifies it (four
        eyes), which lists the unit and writes its verified dishonesty record."""
        reviewer = self.staff.reviewers[listing.reviewer]
        entry = await blacklist.create(
            session=self.session,
            data=listing.data,
            actor=reviewer,
            settings=self.settings,
            clock=self.at(listing.data.listed_on),
        )
        entry = await blacklist.verify(
            session=self.session,
            entry_id=entry.id,
            actor=self.staff.reviewers[1 - listing.reviewer],
            settings=self.settings,
            clock=self.at(listing.data.listed_on),
        )
        for day, field in ((listing.paid_on, "arrears_paid_on"),
                           (listing.commitment_on, "commitment_received_on")):  # fmt: skip
            if day is None:
                continue
            entry = await blacklist.update(
                session=self.session,
                entry_id=entry.id,
                data=BlacklistEntryUpdate.model_validate({field: day}),
                if_match=blacklist.etag(entry),
                actor=reviewer,
                settings=self.settings,
                clock=self.at(day),
            )

    # -- grades ---------------------------------------------------------------------------

    async def _grade(self, cycle: Cycle, graded_on: date) -> None:
        """The yearly run on 1 January at 02:00, as the scheduler runs it; then the notices'
        representations and decisions, the windows closing, Art 17, the interviews."""
        await self.session.flush()
        connection = await self.session.connection()
        factory = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        one_worker = self.settings.model_copy(update={"grading_workers": 1})  # one connection
        await runs.run_yearly(
            factory=factory, settings=one_worker, clock=self.at(graded_on, 2), cycle=cycle.year
        )
        # A slice's planner settings last to the end of the transaction, which here goes on: put
        # them back, or every later query of the seed is planned without them (seconds lost).
        await self.session.execute(text(_PLANNER_DEFAULTS))
        notices = await self._current(cycle.year, EvaluationStatus.notice)
        deadlines = [n.representation_deadline for n in notices if n.representation_deadline]
        if not deadlines:
            return
        deadline = max(deadlines)
        for notice in notices:
            outcome = cycle.represented.get(notice.employer_id)
            if outcome is not None and notice.representation_deadline is not None:
                await self._answer(notice, outcome, graded_on)
        closing = deadline + timedelta(days=1)
        if closing <= self.today:
            await evaluations.close_notices(session=self.session, today=closing)
            await rectification.regrade_rectified(session=self.session, today=closing)
            await self._interview(cycle, closing)

    async def _answer(self, notice: Evaluation, outcome: DecisionOutcome, served: date) -> None:
        assert notice.representation_deadline is not None
        filed = min(served + timedelta(days=3), notice.representation_deadline)
        decided = filed + timedelta(days=2)
        if decided > self.today:
            return
        await representations.file(
            session=self.session,
            evaluation_id=notice.id,
            data=RepresentationCreate(text=REPRESENTATION, channel=RepresentationChannel.letter),
            actor=self.staff.inspectors[0],
            clock=self.at(filed),
        )
        change = outcome == DecisionOutcome.change
        await evaluations.decide_notice(
            session=self.session,
            evaluation_id=notice.id,
            data=DecisionCreate(
                outcome=outcome,
                grade=Grade.B if change else None,
                reason=CHANGED if change else None,
            ),
            actor=self.staff.reviewers[0],
            clock=self.at(decided),
        )

    async def _interview(self, cycle: Cycle, after: date) -> None:
        """Art 13(2): every unit left at C is interviewed, and a few B units for guidance."""
        rng = random.Random(f"demo-interviews-{cycle.year}")
        final = await self._current(cycle.year, EvaluationStatus.final)
        chosen = [e for e in final if e.grade == Grade.C or e.employer_id in cycle.interviewed_b]
        for evaluation in sorted(chosen, key=lambda e: str(e.employer_id)):
            day = min(after + timedelta(days=rng.randint(10, 40)), self.today)
            c_grade = evaluation.grade == Grade.C
            data = InterviewCreate(
                employer_id=evaluation.employer_id,
                interviewed_on=day,
                subject=f"{cycle.year}年度劳动保障信用评为C级"
                if c_grade
                else "劳动保障违法行为整改",
                location="文水县人力资源和社会保障局约谈室",
                summary="通报该单位评价周期内的劳动保障违法行为及信用等级评价结果，"
                "告知C级单位将被列为重点监管对象，责令限期整改。"
                if c_grade
                else "通报该单位评价周期内被查处的劳动保障违法行为，进行法律法规指导。",
                commitments="一个月内完成整改，按月足额支付工资，依法为职工缴纳社会保险费。",
                evaluation_id=evaluation.id,
                persons=[
                    InterviewedPerson(
                        name=self.legal_representatives.get(evaluation.employer_id, "王建国"),
                        role=PartyRole.legal_representative,
                        position="法定代表人",
                    ),
                    InterviewedPerson(
                        name=names.person(rng),
                        role=PartyRole.directly_responsible,
                        position=rng.choice(names.POSITIONS),
                    ),
                ],
                officers=list(self.staff.inspector_names),
            )
            inspector = rng.randrange(2)
            interview = await interviews.create(
                session=self.session,
                data=data,
                actor=self.staff.inspectors[inspector],
                settings=self.settings,
                clock=self.at(day),
            )
            verified = min(day + timedelta(days=rng.randint(1, 4)), self.today)
            await self._verify(interview.credit_record_id, rng.randrange(2), verified)

    async def _current(self, cycle: int, status: EvaluationStatus) -> list[Evaluation]:
        found = await self.session.scalars(
            select(Evaluation)
            .where(Evaluation.cycle == cycle, Evaluation.status == status)
            .order_by(col(Evaluation.employer_id))
            .execution_options(populate_existing=True)
        )
        return list(found.all())

    async def _settle(self) -> None:
        """The seed day's scheduled work: dynamic adjustment reads every event (Art 10), then
        windows that closed by today close and rectified C units are re-graded (Art 17)."""
        await self.session.flush()
        horizon = timedelta(seconds=self.settings.events_horizon_seconds)
        batch = self.settings.events_batch
        while (
            await events.consume(
                session=self.session,
                consumer=adjustment.CONSUMER,
                clock=self.clock,
                batch=batch,
                horizon=horizon,
            )
            == batch
        ):
            pass
        await evaluations.close_notices(session=self.session, today=self.today)
        await rectification.regrade_rectified(session=self.session, today=self.today)
