"""The rule engine over a scenario table: every C condition, the A/B boundary, the threshold
parameter, cycle boundaries, drafts/superseded/revoked records ignored, the wage-arrears list.
The Python path (`decide`) and the SQL path (`compile_sql` through the write path) must agree.
"""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.blacklist import service as blacklist
from app.core.config import Settings
from app.evaluations import reads as evaluation_reads
from app.grading import apply, facts, rule_sets
from app.grading.rules import Facts, Spec, compile_sql, decide, evidence_items, render
from app.models.blacklist import (
    BlacklistEntryCreate,
    BlacklistRemovalCreate,
    ListingGround,
    PartyRole,
    RemovalKind,
    ResponsiblePersonCreate,
)
from app.models.credit_record import RecordKind
from app.models.evaluation import Evaluation, EvaluationOrigin
from app.models.rule_set import Fact, Parameters, Rule, RuleSetCreate
from app.models.user import Role
from tests.grading.support import Spec as R
from tests.grading.support import actor_of, add_record

CYCLE = 2025

SCENARIOS: list[tuple[str, list[R], str, list[str]]] = [
    ("nothing", [], "A", ["A.no_punishment"]),
    ("one punishment", [R()], "B", ["B.punished"]),
    ("two punishments", [R(), R()], "B", ["B.punished"]),
    ("three punishments", [R(), R(), R()], "C", ["C.punished_threshold"]),
    ("not punished", [R(punished=False, decided=None)], "A", ["A.no_punishment"]),
    ("group incident", [R(serious=["group_incident"])], "C", ["C.group_incident"]),
    (
        "child labour",
        [R(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)],
        "C",
        ["C.child_or_forced_labour"],
    ),
    ("refused", [R(serious=["refused_to_perform"])], "C", ["C.refused_to_perform"]),
    (
        "child labour and a punishment: the B rule held but does not decide",
        [R(serious=["child_or_forced_labour"], kind=RecordKind.child_labour), R(cited=False)],
        "C",
        ["C.child_or_forced_labour"],
    ),
    (
        "three punishments, one a group incident: both C rules",
        [R(), R(), R(serious=["group_incident"])],
        "C",
        ["C.punished_threshold", "C.group_incident"],
    ),
    (
        "listed, and punished twice",
        [
            R(
                kind=RecordKind.wage_arrears_listing,
                decided=date(2024, 5, 1),
                occurred=date(2024, 5, 1),
            ),
            R(cited=False),
            R(cited=False),
        ],
        "C",
        ["C.wage_arrears_list"],
    ),
    (
        "obstructed, no decision",
        [R(punished=False, decided=None, serious=["obstructed_inspection"])],
        "C",
        ["C.obstructed_inspection"],
    ),
    (
        "criminal",
        [R(serious=["criminal_liability"])],
        "C",
        ["C.criminal_liability"],
    ),
    (
        "listed on the black list in 2024",
        [
            R(
                kind=RecordKind.wage_arrears_listing,
                decided=date(2024, 5, 1),
                occurred=date(2024, 5, 1),
            )
        ],
        "C",
        ["C.wage_arrears_list"],
    ),
    (
        "listed after the cycle",
        [
            R(
                kind=RecordKind.wage_arrears_listing,
                decided=date(2026, 1, 1),
                occurred=date(2026, 1, 1),
            )
        ],
        "A",
        ["A.no_punishment"],
    ),
    ("decided 31 Dec", [R(decided=date(2025, 12, 31))], "B", ["B.punished"]),
    ("decided 1 Jan after", [R(decided=date(2026, 1, 1))], "A", ["A.no_punishment"]),
    ("decided 31 Dec before", [R(decided=date(2024, 12, 31))], "A", ["A.no_punishment"]),
    ("decided 1 Jan", [R(decided=date(2025, 1, 1))], "B", ["B.punished"]),
    (
        "serious decided next year",
        [R(serious=["criminal_liability"], decided=date(2026, 1, 1), occurred=date(2025, 12, 1))],
        "A",
        ["A.no_punishment"],
    ),
    ("draft ignored", [R(state="draft", serious=["criminal_liability"])], "A", ["A.no_punishment"]),
    ("revoked ignored", [R(state="revoked", serious=["group_incident"])], "A", ["A.no_punishment"]),
    (
        "superseded ignored",
        [R(state="superseded", serious=["group_incident"])],
        "B",
        ["B.punished"],
    ),
    (
        "three with a draft and a revoked",
        [R(), R(state="draft"), R(state="revoked"), R()],
        "B",
        ["B.punished"],
    ),
]


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    return actor_of(await make_user(Role.inspector)), actor_of(await make_user(Role.reviewer))


async def _scenario_employers(session, settings, clock, make_employer, people):  # type: ignore[no-untyped-def]
    collector, reviewer = people
    built: dict[uuid.UUID, tuple[str, set[str], str, list[str]]] = {}
    for name, specs, grade, fired in SCENARIOS:
        employer = await make_employer()
        evidence: set[str] = set()
        for spec in specs:
            counted = await add_record(
                session,
                settings,
                employer.id,
                spec,
                clock=clock,
                collector=collector,
                reviewer=reviewer,
            )
            if counted and spec.cited:
                evidence.add(str(counted))
        built[employer.id] = (name, evidence, grade, fired)
    return built


async def _sql_path(
    session: AsyncSession, spec: Spec, employer_ids: list[uuid.UUID], today: date
) -> dict[uuid.UUID, tuple[str, list[dict[str, Any]]]]:
    await apply.apply(
        session=session,
        employers="SELECT unnest(CAST(:ids AS uuid[])) AS id",
        employer_params={"ids": employer_ids},
        spec=spec,
        cycle=CYCLE,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=today,
    )
    rows = await session.scalars(
        select(Evaluation).where(
            col(Evaluation.employer_id).in_(employer_ids),
            Evaluation.cycle == CYCLE,
            col(Evaluation.status).in_(["notice", "final"]),
        )
    )
    shown = await evaluation_reads.to_public(session=session, evaluations=list(rows))
    return {e.employer_id: (e.grade, [i.model_dump(mode="json") for i in e.explanation])
            for e in shown}  # fmt: skip


async def test_scenarios_python_and_sql_agree(
    session: AsyncSession, settings: Settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    built = await _scenario_employers(session, settings, clock, make_employer, people)
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    found = await facts.compute(session=session, employer_ids=list(built), cycle=CYCLE)
    by_sql = await _sql_path(session, spec, list(built), today)
    for employer_id, (name, evidence, grade, fired) in built.items():
        decision = decide(found[employer_id], spec)
        assert (name, decision.grade.value) == (name, grade)
        assert (name, decision.fired_rules) == (name, fired)
        cited = {rid for item in decision.explanation for rid in item["record_ids"]}
        # an A rests on no record; a B or C cites every record behind a rule of its grade
        assert (name, cited) == (name, evidence if grade != "A" else set())
        assert all(item["citation"] and item["detail"] for item in decision.explanation)
        assert (name, by_sql[employer_id]) == (name, (grade, decision.explanation))


def _unusual_spec() -> Spec:
    """Two rules of each grade, one of them a conditional A, and a threshold of 2."""
    rules = [
        ("C.two", "C", {"fact": "punished_count", "at_least": "punished_threshold"}),
        ("C.listed", "C", {"fact": "wage_arrears_list"}),
        ("B.punished", "B", {"fact": "punished_count"}),
        ("B.group", "B", {"fact": "group_incident"}),
        ("A.rectified", "A", {"fact": "rectified_count"}),
        ("A.default", "A", None),
    ]
    return Spec(version=1, parameters={"punished_threshold": 2}, rules=[
        Rule.model_validate({"rule_id": rule_id, "grade": grade, "when": when,
                             "citation": "c", "description": "d {count}"})
        for rule_id, grade, when in rules
    ])  # fmt: skip


def _combinations() -> list[Facts]:
    """Every combination of the facts (a count of 0-3 punishments, each other fact 0 or 1), each
    with records of its own."""
    others = [fact for fact in Fact if fact != Fact.punished_count]
    found = []
    for punished, *flags in itertools.product(range(4), *([(0, 1)] * len(others))):
        counts = {Fact.punished_count: punished, **dict(zip(others, flags, strict=True))}
        found.append(
            Facts(
                employer_id=uuid.uuid4(),
                cycle=CYCLE,
                counts=counts,
                record_ids={fact: [uuid.uuid4() for _ in range(n)] for fact, n in counts.items()},
            )
        )
    return found


@pytest.mark.parametrize("which", ["version 1", "unusual"])
async def test_compiled_sql_records_what_decide_records_for_every_combination(
    session: AsyncSession, which: str
) -> None:
    """The two evaluators over every combination of facts (not only the scenarios): the same
    grade, the same rules (only the decided grade's) and the same records behind each."""
    if which == "version 1":
        spec = Spec.of(await rule_sets.get(session=session, version=1))
    else:
        spec = _unusual_spec()
    compiled = compile_sql(spec, CYCLE)
    columns = ", ".join(f"{fact.value} int, {fact.value}_ids uuid[]" for fact in Fact)
    query = f"""
        SELECT f.employer_id, {compiled.grade} AS grade, {compiled.fired_rules} AS fired,
               {compiled.evidence_counts} AS evidence_counts,
               {compiled.evidence_ids} AS evidence_ids
        FROM (SELECT f.*, {compiled.holds}
              FROM jsonb_to_recordset(CAST(:facts AS jsonb))
                   AS f(employer_id uuid, {columns}) OFFSET 0) f
    """
    combinations = _combinations()
    rows = [
        {"employer_id": str(combination.employer_id),
         **{fact.value: n for fact, n in combination.counts.items()},
         **{f"{fact.value}_ids": [str(i) for i in ids] or None
            for fact, ids in combination.record_ids.items()}}
        for combination in combinations
    ]  # fmt: skip
    result = await session.execute(text(query), {**compiled.params, "facts": json.dumps(rows)})
    by_sql = {row.employer_id: row for row in result}
    seen = set()
    for combination in combinations:
        decision = decide(combination, spec)
        row = by_sql[combination.employer_id]
        assert (row.grade, row.fired) == (decision.grade.value, decision.fired_rules)
        assert {r.grade.value for r in spec.rules if r.rule_id in row.fired} == {row.grade}
        if row.evidence_counts is None:  # only the default rule: rendered, not stored
            assert decision.fired_rules == compiled.params["empty_fired"]
        else:
            items = evidence_items(spec, row.fired, row.evidence_counts, row.evidence_ids)
            assert items == decision.evidence
        seen.add((row.grade, tuple(row.fired)))
    assert {grade for grade, _ in seen} == {"A", "B", "C"}


async def test_an_a_explains_itself_with_the_cycle(session, make_employer):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    found = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    [item] = decide(found[employer.id], spec).explanation
    assert item["detail"] == "2025年度未因劳动保障违法行为被查处"
    assert item["record_ids"] == []


async def test_threshold_is_a_parameter_of_the_version(
    session, settings, make_employer, make_user, people, clock, today
):  # type: ignore[no-untyped-def]
    collector, reviewer = people
    employer = await make_employer()
    for _ in range(2):
        await add_record(
            session, settings, employer.id, R(), clock=clock, collector=collector, reviewer=reviewer
        )
    first = await rule_sets.get(session=session, version=1)
    data = RuleSetCreate(
        effective_from=today,
        parameters=Parameters(punished_threshold=2),
        rules=[Rule.model_validate(r) for r in first.rules],
    )
    admin = actor_of(await make_user(Role.admin))
    second = await rule_sets.create(session=session, data=data, actor=admin, clock=clock)
    found = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    assert decide(found[employer.id], Spec.of(first)).grade == "B"
    strict = decide(found[employer.id], Spec.of(second))
    assert strict.grade == "C"
    assert (
        strict.explanation[0]["detail"] == "2025年度因劳动保障违法行为被查处2次（2次以上评为C级）"
    )
    by_sql = await _sql_path(session, Spec.of(second), [employer.id], today)
    assert by_sql[employer.id] == ("C", strict.explanation)


async def test_art17_mode_leaves_out_rectified_records(
    session, settings, make_employer, people, clock
):  # type: ignore[no-untyped-def]
    collector, reviewer = people
    employer = await make_employer()
    spec_c = R(serious=["child_or_forced_labour"], kind=RecordKind.child_labour, rectified=True)
    await add_record(
        session, settings, employer.id, spec_c, clock=clock, collector=collector, reviewer=reviewer
    )
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    ids = [employer.id]
    normal = await facts.compute(session=session, employer_ids=ids, cycle=CYCLE)
    art17 = await facts.compute(
        session=session, employer_ids=ids, cycle=CYCLE, mode=facts.Mode.art17
    )
    assert decide(normal[employer.id], spec).grade == "C"
    after = decide(art17[employer.id], spec)
    assert (after.grade, after.fired_rules) == ("B", ["B.art17_rectified"])


async def test_blacklist_listing_makes_c_and_its_end_bounds_the_cycles_it_counts_in(
    session, settings, make_employer, make_user, clock
):  # type: ignore[no-untyped-def]
    """Art 13 through the blacklist service: the verified listing's record counts in each
    cycle the listing covered, and still does after it ended; a later cycle does not count it."""
    employer = await make_employer()
    enterer = actor_of(await make_user(Role.reviewer))
    reviewer = actor_of(await make_user(Role.reviewer))
    listed_on = date(2023, 1, 10)  # the 3-year term ended on 2026-01-10: removable at expiry
    data = BlacklistEntryCreate(
        employer_id=employer.id,
        decision_number="文人社失惩字〔2023〕1号",
        listed_on=listed_on,
        payment_order_number="文人社监令字〔2022〕9号",
        payment_deadline=listed_on - timedelta(days=30),
        amount_owed=Decimal("86000"),
        workers_affected=12,
        ground=ListingGround.arrears_over_threshold,
        responsible_persons=[
            ResponsiblePersonCreate(
                name="张建国", role=PartyRole.legal_representative, id_number="14112119800101123X"
            )
        ],
    )
    draft = await blacklist.create(
        session=session, data=data, actor=enterer, settings=settings, clock=clock
    )
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    found = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    assert decide(found[employer.id], spec).grade == "A"  # a draft is not in force
    entry = await blacklist.verify(
        session=session, entry_id=draft.id, actor=reviewer, settings=settings, clock=clock
    )
    found = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    listed = decide(found[employer.id], spec)
    assert (listed.grade, listed.fired_rules) == ("C", ["C.wage_arrears_list"])
    assert listed.explanation[0]["record_ids"] == [str(entry.credit_record_id)]
    removal = BlacklistRemovalCreate(
        kind=RemovalKind.expiry, reason="期满", document="文人社失移字〔2026〕1号"
    )
    await blacklist.remove(
        session=session,
        entry_id=entry.id,
        data=removal,
        actor=reviewer,
        settings=settings,
        clock=clock,
    )
    # listed [2023-01-10, 2026-01-10): 2023 to 2026 count it, 2027 does not
    for cycle, grade in ((2022, "A"), (2023, "C"), (CYCLE, "C"), (2026, "C"), (2027, "A")):
        found = await facts.compute(session=session, employer_ids=[employer.id], cycle=cycle)
        assert decide(found[employer.id], spec).grade == grade, cycle


async def test_a_default_explanation_is_rendered_not_stored(session, make_employer, today):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    shown = await _sql_path(session, spec, [employer.id], today)
    query = "SELECT evidence, evidence_counts, evidence_ids FROM evaluations WHERE employer_id = :e"
    stored = (await session.execute(text(query), {"e": employer.id})).one()
    assert tuple(stored) == (None, None, None)  # the same for every such employer: not stored
    empty = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    assert shown[employer.id] == ("A", decide(empty[employer.id], spec).explanation)


async def test_evidence_is_stored_and_its_text_rendered_from_the_rule_set(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    collector, reviewer = people
    employer = await make_employer()
    people_ = {"collector": collector, "reviewer": reviewer}
    records = [
        await add_record(session, settings, employer.id, R(), clock=clock, **people_)
        for _ in range(2)
    ]
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    shown = await _sql_path(session, spec, [employer.id], today)
    query = (
        "SELECT fired_rules, evidence_counts, evidence_ids, evidence FROM evaluations "
        "WHERE employer_id = :e"
    )
    stored = (await session.execute(text(query), {"e": employer.id})).one()
    # the records in binary columns; no citation, no text: those belong to the rule set version
    assert (stored.fired_rules, stored.evidence_counts) == (["B.punished"], [2])
    assert stored.evidence is None
    assert sorted(stored.evidence_ids) == sorted(records)
    [rendered] = shown[employer.id][1]
    rule = next(r for r in spec.rules if r.rule_id == "B.punished")
    assert rendered["citation"] == rule.citation
    assert rendered["detail"] == "2025年度因劳动保障违法行为被查处2次，无C级情形"


def test_evidence_columns_are_read_rule_after_rule() -> None:
    """Rule i rests on the next counts[i] ids; two rules on the same fact list the same records."""
    rules = [
        {"rule_id": "C.x", "grade": "C", "when": {"fact": "punished_count", "at_least": 3}},
        {"rule_id": "C.y", "grade": "C", "when": {"fact": "group_incident"}},
        {"rule_id": "B.z", "grade": "B", "when": {"fact": "punished_count"}},
    ]
    spec = Spec(version=1, parameters={}, rules=[
        Rule.model_validate({**rule, "citation": "c", "description": "d"}) for rule in rules
    ])  # fmt: skip
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    items = evidence_items(spec, ["C.x", "C.y", "B.z"], [3, 1, 3], [a, b, c, d, a, b, c])
    assert items == [
        {"rule_id": "C.x", "grade": "C", "record_ids": [str(a), str(b), str(c)]},
        {"rule_id": "C.y", "grade": "C", "record_ids": [str(d)]},
        {"rule_id": "B.z", "grade": "B", "record_ids": [str(a), str(b), str(c)]},
    ]


def test_an_item_stored_whole_is_shown_as_it_is() -> None:
    """A reviewer's change, or an item written before evidence was stored alone."""
    spec = Spec(version=1, parameters={}, rules=[])
    whole = {"rule_id": "review.change", "grade": "B", "citation": "c", "record_ids": [],
             "detail": "审核人员根据陈述申辩改定为B级：已整改"}  # fmt: skip
    assert render(spec, CYCLE, [whole]) == [whole]


def test_the_plain_explanation_is_the_default_rules_of_its_own_cycle() -> None:
    """Kept per parsed version and cycle: another cycle's is its own, and it is what deciding
    an employer without facts explains."""
    spec = Spec(version=1, parameters={}, rules=[
        Rule.model_validate({"rule_id": "A.default", "grade": "A", "when": None,
                             "citation": "c", "description": "{cycle}年度无失信记录"})
    ])  # fmt: skip
    this, last = spec.plain_explanation(CYCLE), spec.plain_explanation(CYCLE - 1)
    assert [item["detail"] for item in this] == [f"{CYCLE}年度无失信记录"]
    assert [item["detail"] for item in last] == [f"{CYCLE - 1}年度无失信记录"]
    assert this == decide(Facts(employer_id=uuid.uuid4(), cycle=CYCLE), spec).explanation
    assert spec.plain_explanation(CYCLE) is this  # rendered once


@pytest.mark.parametrize("column", ["decided_by", "represented_by", "supersedes_id"])
async def test_an_evaluations_references_are_checked_when_set(
    session, make_employer, column, clock, today
):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    await session.execute(text("SET CONSTRAINTS evaluations_references IMMEDIATE"))
    evaluation = Evaluation(
        employer_id=employer.id, cycle=CYCLE, grade="A", computed_grade="A", status="final",
        origin=EvaluationOrigin.batch, rule_set_version=1, effective_from=today,
    )  # fmt: skip
    setattr(evaluation, column, uuid.uuid4())
    if column == "decided_by":
        evaluation.decision, evaluation.decided_at = "confirm", clock.now()
    with pytest.raises(IntegrityError, match=f"{column} .* is not"):
        async with session.begin_nested():
            session.add(evaluation)
            await session.flush()


async def _legacy_c(session, settings, make_employer, people, clock, fired):  # type: ignore[no-untyped-def]
    """A final C stored the way the engine wrote it before it recorded only the deciding rules
    (every rule that held, worst first), on a child-labour record and another punishment:
    `fired` lists C rules resting on the child-labour record, then B.punished on both."""
    collector, reviewer = people
    employer = await make_employer()
    child = R(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)
    records = [
        await add_record(session, settings, employer.id, spec, clock=clock, collector=collector,
                         reviewer=reviewer)
        for spec in (child, R())
    ]  # fmt: skip
    behind = {rule: records if rule == "B.punished" else records[:1] for rule in fired}
    evaluation = Evaluation(
        employer_id=employer.id, cycle=CYCLE, grade="C", computed_grade="C", status="final",
        origin=EvaluationOrigin.batch, rule_set_version=1, fired_rules=fired,
        evidence_counts=[len(behind[rule]) for rule in fired],
        evidence_ids=[record for rule in fired for record in behind[rule]],
        effective_from=clock.today(),
    )  # fmt: skip
    session.add(evaluation)
    await session.flush()
    return employer, evaluation, records


async def _regrade(session, spec, employer_id, today):  # type: ignore[no-untyped-def]
    return await apply.apply(
        session=session,
        employers="SELECT unnest(CAST(:ids AS uuid[])) AS id",
        employer_params={"ids": [employer_id]},
        spec=spec,
        cycle=CYCLE,
        policy=apply.Policy(origin=EvaluationOrigin.batch),
        today=today,
    )


async def test_an_evaluation_stored_with_its_lesser_rules_reads_as_the_engine_writes_now(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    """History is kept as stored (the C with its B rule); it is read with only the rules that
    decided its grade, and a re-grade on the same facts leaves it as it is (a new evaluation
    would restart its notice or move its effective date for nothing)."""
    fired = ["C.child_or_forced_labour", "B.punished"]
    employer, stored, records = await _legacy_c(
        session, settings, make_employer, people, clock, fired
    )
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    [shown] = await evaluation_reads.to_public(session=session, evaluations=[stored])
    assert [item.rule_id for item in shown.explanation] == ["C.child_or_forced_labour"]
    assert shown.explanation[0].record_ids == [records[0]]
    found = await facts.compute(session=session, employer_ids=[employer.id], cycle=CYCLE)
    now = decide(found[employer.id], spec)
    assert [i.model_dump(mode="json") for i in shown.explanation] == now.explanation
    applied = await _regrade(session, spec, employer.id, today)
    assert (applied.graded, applied.changed) == (1, 0)
    query = "SELECT id, fired_rules FROM evaluations WHERE employer_id = :e AND status = 'final'"
    current = (await session.execute(text(query), {"e": employer.id})).one()
    assert (current.id, current.fired_rules) == (stored.id, fired)  # as it was stored


async def test_an_old_evaluation_whose_c_rules_no_longer_all_hold_is_regraded(
    session, settings, make_employer, people, clock, today
):  # type: ignore[no-untyped-def]
    """The stored list begins with what the engine records now, but a C rule of it no longer
    holds (its B rule is not what is left out): the outcome changed."""
    fired = ["C.child_or_forced_labour", "C.group_incident", "B.punished"]
    employer, stored, _ = await _legacy_c(session, settings, make_employer, people, clock, fired)
    spec = Spec.of(await rule_sets.get(session=session, version=1))
    applied = await _regrade(session, spec, employer.id, today)
    assert (applied.graded, applied.changed) == (1, 1)
    query = "SELECT fired_rules, supersedes_id FROM evaluations WHERE employer_id = :e " \
            "AND status = 'final'"  # fmt: skip
    current = (await session.execute(text(query), {"e": employer.id})).one()
    assert (current.fired_rules, current.supersedes_id) == (["C.child_or_forced_labour"], stored.id)
