"""The demo county's story, decided before anything is written: which employer did what in which
year, which inspector entered it and which reviewer verified it, and on which day.

Pure and deterministic: one seeded random generator walks the employers in USCC order, and every
day is placed relative to the seed day `today`, so the county is coherent as of whatever day it
is seeded: the last three years are whole cycles, graded on 1 January after each (the yearly
run's day), and the current year runs up to `today`. Nothing is dated after `today`.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from app.demo import names
from app.demo.records import HONOUR, PLAIN, PUNISHED, SERIOUS, Template, content
from app.models.blacklist import (
    BlacklistEntryCreate,
    ListingGround,
    PartyRole,
    ResponsiblePersonCreate,
)
from app.models.credit_record import CreditRecordCreate, SeriousCondition
from app.models.evaluation import DecisionOutcome

SEED = 141121
PAST_CYCLES = 3
# Units of each grade per year besides the stories below; the current year has run part way.
PER_PAST_YEAR = {"B": 30, "C": 10}
PER_CURRENT_YEAR = {"B": 15, "C": 4}
C_KINDS_PAST = ["threshold"] * 6 + [
    SeriousCondition.child_or_forced_labour,
    SeriousCondition.refused_to_perform,
    SeriousCondition.obstructed_inspection,
    SeriousCondition.group_incident,
]
C_KINDS_CURRENT = ["threshold", SeriousCondition.child_or_forced_labour, "threshold",
                   SeriousCondition.refused_to_perform]  # fmt: skip
DRAFTS = 6  # current-year records left for a reviewer to verify


@dataclass(frozen=True)
class Unit:
    id: uuid.UUID
    name: str
    legal_representative: str
    subject_type: str


@dataclass
class Entry:
    """A credit record: entered by an inspector, verified by a reviewer (never the same one)."""

    content: CreditRecordCreate
    entered_on: date
    verified_on: date | None  # None: a draft waiting for a reviewer
    inspector: int  # 0: demo-inspector, 1: demo-inspector-2
    reviewer: int  # 0: demo-reviewer, 1: demo-reviewer-2
    revoked_on: date | None = None  # then revoked (the decision was withdrawn)
    corrected_on: date | None = None  # then corrected (the fine was keyed wrongly)


@dataclass
class Listing:
    """A wage-arrears listing decided by a reviewer; later facts of the early removal."""

    data: BlacklistEntryCreate
    reviewer: int
    paid_on: date | None = None
    commitment_on: date | None = None


@dataclass
class Cycle:
    year: int
    graded_on: date | None  # the yearly run's day; None for the current year
    entries: list[Entry] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    # the notices answered by a representation, and what the reviewer decided
    represented: dict[uuid.UUID, DecisionOutcome] = field(default_factory=dict)
    interviewed_b: list[uuid.UUID] = field(default_factory=list)  # B units interviewed too


@dataclass
class Plan:
    today: date
    cycles: list[Cycle]
    late: list[Entry]  # a past cycle's decision reported only now (it re-grades that cycle)


def plan(units: list[Unit], target: uuid.UUID, today: date) -> Plan:
    """`units` in USCC order; `target` is the demo employer account's unit, which answers a C
    notice of the current cycle."""
    rng = random.Random(SEED)
    current = today.year
    others = [u for u in units if u.id != target]
    enterprises = [u for u in others if u.subject_type == "enterprise"]
    builders = [_Year(rng, year, today) for year in range(current - PAST_CYCLES, current + 1)]
    story = _Stories(rng, builders, target, enterprises[:5])
    late = story.tell()
    taken = {target, *(u.id for u in enterprises[:5])}
    free = [u for u in others if u.id not in taken]
    for year in builders:
        year.random_units(free)
    builders[-1].leave_drafts(protected=taken)
    return Plan(today=today, cycles=[y.cycle for y in builders], late=late)


class _Year:
    """One year's records, dated within it and never after `today`."""

    def __init__(self, rng: random.Random, year: int, today: date) -> None:
        self.rng, self.year, self.today = rng, year, today
        self.first = date(year, 1, 1)
        self.last = min(date(year, 12, 31), today)
        graded = date(year + 1, 1, 1) if year < today.year else None
        self.cycle = Cycle(year=year, graded_on=graded)
        self.numbers: Counter[str] = Counter()

    def day(self, first: date | None = None, last: date | None = None) -> date:
        first, last = first or self.first, min(last or self.last, self.last)
        if last <= first:
            return min(first, self.last)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def later(self, day: date, low: int, high: int) -> date:
        return min(day + timedelta(days=self.rng.randint(low, high)), self.last)

    def add(self, unit: uuid.UUID, template: Template, *, rectified: bool = False,
            occurred: date | None = None) -> Entry:  # fmt: skip
        occurred = occurred or self.day(last=self.last - timedelta(days=45 if rectified else 20))
        decided = self.later(occurred, 5, 30) if template.punished else None
        done = None
        if rectified and decided:
            done = (self.later(decided, 10, 40), self.later(decided, 5, 30))
        entered = self.later(max([decided or occurred, *(done or ())]), 1, 15)
        self.numbers[template.series] += 1
        data = content(template, self.rng, employer_id=unit, occurred=occurred, decided=decided,
                       number=self.numbers[template.series] * 3 + 100, rectified=done)  # fmt: skip
        entry = Entry(
            content=data,
            entered_on=entered,
            verified_on=self.later(entered, 0, 5),
            inspector=self.rng.randrange(2),
            reviewer=self.rng.randrange(2),
        )
        self.cycle.entries.append(entry)
        return entry

    def punished(self, unit: uuid.UUID, count: int, *, rectified: bool = False) -> list[Entry]:
        return [
            self.add(unit, template, rectified=rectified)
            for template in self.rng.sample(PUNISHED, count)
        ]

    def plain(self, unit: uuid.UUID) -> None:
        self.add(unit, self.rng.choice(PLAIN))

    def random_units(self, free: list[Unit]) -> None:
        """Most units A, some B, a few C, each with its reasons; plain records for anyone."""
        past = self.year < self.today.year
        counts = PER_PAST_YEAR if past else PER_CURRENT_YEAR
        chosen = self.rng.sample(free, counts["B"] + counts["C"])
        b_units, c_units = chosen[: counts["B"]], chosen[counts["B"] :]
        for unit in b_units:
            self.punished(unit.id, self.rng.choice([1, 1, 2]))
        thresholds = 0
        for unit, kind in zip(c_units, C_KINDS_PAST if past else C_KINDS_CURRENT, strict=True):
            if kind == "threshold":
                # Art 17: the first two of a past cycle corrected everything and paid
                self.punished(unit.id, 3, rectified=past and thresholds < 2)
                if past and thresholds in (2, 3):
                    outcome = DecisionOutcome.confirm if thresholds == 2 else DecisionOutcome.change
                    self.cycle.represented[unit.id] = outcome
                thresholds += 1
            else:
                assert isinstance(kind, SeriousCondition)
                self.add(unit.id, SERIOUS[kind])
        if past:
            self.cycle.interviewed_b = [unit.id for unit in b_units[:2]]
        for unit in free:
            if self.rng.random() < 0.3:
                self.plain(unit.id)

    def leave_drafts(self, protected: set[uuid.UUID]) -> None:
        """The latest records of units whose grade hangs on nothing else wait for a reviewer."""
        punished = Counter(e.content.employer_id for e in self.cycle.entries if e.content.punished)
        candidates = [
            e for e in self.cycle.entries
            if e.content.employer_id not in protected and not e.content.serious_conditions
            and punished[e.content.employer_id] < 3  # a C stays a C
        ]  # fmt: skip
        for entry in sorted(candidates, key=lambda e: e.entered_on)[-DRAFTS:]:
            entry.verified_on = None


class _Stories:
    """The units whose story a newcomer is pointed at (`app.demo.guide`)."""

    def __init__(self, rng: random.Random, years: list[_Year], target: uuid.UUID,
                 cast: list[Unit]) -> None:  # fmt: skip
        self.rng, self.years, self.target, self.cast = rng, years, target, cast

    def tell(self) -> list[Entry]:
        oldest, two_ago, last_year, this_year = self.years
        listed, listed_again, late, revoked, corrected = self.cast
        # the demo employer: an honour, a B, a clean year, then three decisions this year: a C
        # notice whose window is open on the seed day
        oldest.add(self.target, HONOUR)
        two_ago.punished(self.target, 1)
        last_year.plain(self.target)
        for template in (PUNISHED[0], PUNISHED[2], PUNISHED[6]):
            this_year.add(self.target, template)
        two_ago.cycle.listings.append(self._listing(two_ago, listed, paid=True))
        last_year.cycle.listings.append(self._listing(last_year, listed_again, paid=False))
        # a B of last year, then its third decision of last year reported today: a C notice of
        # last year's cycle, its window open
        last_year.punished(late.id, 2)
        third = last_year.add(late.id, PUNISHED[6], occurred=last_year.day(
            first=date(last_year.year, 11, 1)))  # fmt: skip
        last_year.cycle.entries.remove(third)
        third.entered_on = third.verified_on = this_year.last
        # a B of last year whose only decision was withdrawn on review: back to A
        [withdrawn] = last_year.punished(revoked.id, 1)
        withdrawn.revoked_on = max(this_year.last - timedelta(days=12), this_year.first)
        # this year's fine keyed ten times too high, corrected by a reviewer
        fined = this_year.add(corrected.id, PUNISHED[0])
        fined.corrected_on = this_year.later(fined.verified_on or fined.entered_on, 1, 5)
        return [third]

    def _listing(self, year: _Year, unit: Unit, *, paid: bool) -> Listing:
        listed_on = year.day(first=date(year.year, 6, 1), last=date(year.year, 9, 30))
        year.add(unit.id, PUNISHED[0], occurred=listed_on - timedelta(days=75))
        group = not paid
        rng = self.rng
        data = BlacklistEntryCreate(
            employer_id=unit.id,
            decision_number=f"文人社失惩字〔{listed_on.year}〕{rng.randint(1, 9)}号",
            listed_on=listed_on,
            payment_order_number=f"文人社监令字〔{listed_on.year}〕{rng.randint(10, 60)}号",
            payment_deadline=listed_on - timedelta(days=rng.randint(20, 40)),
            amount_owed=Decimal(rng.randrange(60_000, 400_000, 100)),
            workers_affected=rng.randint(12, 60),
            ground=ListingGround.group_or_extreme_incident
            if group
            else ListingGround.arrears_over_threshold,
            facts=f"{unit.name}拖欠农民工工资，经责令限期支付逾期仍未支付"
            + ("，引发群体性事件。" if group else "，数额达到拒不支付劳动报酬罪数额标准。"),
            responsible_persons=[
                ResponsiblePersonCreate(
                    name=unit.legal_representative,
                    role=PartyRole.legal_representative,
                    id_number=names.id_number(rng),
                ),
                ResponsiblePersonCreate(
                    name=names.person(rng),
                    role=PartyRole.directly_responsible,
                    id_number=names.id_number(rng),
                ),
            ],
        )
        listing = Listing(data=data, reviewer=rng.randrange(2))
        if paid:  # paid in full a few months on, a written commitment after: early removal open
            listing.paid_on = min(listed_on + timedelta(days=rng.randint(90, 150)), year.today)
            listing.commitment_on = min(listing.paid_on + timedelta(days=20), year.today)
        return listing
