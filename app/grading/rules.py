"""One rule definition, two evaluators: `decide` (Python, one employer) and `compile_sql` (SQL,
a batch). Both read the same `Rule` objects and record the same rules: those of the decided grade
whose condition held, in rule order (a C lists every C rule that held and no B rule: its notice
must not also say "no C condition"), so for the same facts they give the same grade and
evidence — the property tests run both over the scenario table.

An evaluation stores its evidence: for each fired rule the records that made it fire (as
columns, `evidence_items` reads them back as {rule_id, grade, record_ids}). The explanation shown
adds each rule's citation and detail text from the evaluation's rule set version (`render`): a
version in use never changes, so the text is the same whenever it is rendered, and a grading run
does not write the same citations a million times.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from app.models.rule_set import GRADE_ORDER, Condition, Fact, Grade, Parameters, Rule, RuleSet


@dataclass(frozen=True)
class Spec:
    """A rule set parsed once: what both evaluators read."""

    version: int
    parameters: dict[str, Any]
    rules: list[Rule]

    @classmethod
    def of(cls, rule_set: RuleSet) -> Spec:
        return cls.parse(rule_set.version, rule_set.parameters, rule_set.rules)

    @classmethod
    def parse(cls, version: int, parameters: dict[str, Any], rules: list[dict[str, Any]]) -> Spec:
        """From a version's stored columns (`app.grading.specs` reads only those)."""
        found = [Rule.model_validate(rule) for rule in rules]
        return cls(version, Parameters.model_validate(parameters).model_dump(), found)

    def ordered(self) -> list[Rule]:
        """Worst grade first, then the rule set's own order: the explanation's order."""
        return self._ordered

    @cached_property
    def _ordered(self) -> list[Rule]:
        """Sorted once per parsed rule set (by position: comparing pydantic rules for equality,
        as `list.index` does, cost a list page most of its time)."""
        rank = {grade: index for index, grade in enumerate(GRADE_ORDER)}
        by_position = sorted(enumerate(self.rules), key=lambda p: (rank[p[1].grade], p[0]))
        return [rule for _, rule in by_position]

    def plain_explanation(self, cycle: int) -> list[dict[str, Any]]:
        """`without_facts(self, cycle).explanation`, rendered once per parsed rule set and cycle:
        what most evaluations shown explain (none stored), a twentieth of reading one."""
        found = self._plain.get(cycle)
        if found is None:
            found = self._plain[cycle] = without_facts(self, cycle).explanation
        return found

    @cached_property
    def _plain(self) -> dict[int, list[dict[str, Any]]]:
        return {}


@dataclass
class Facts:
    employer_id: uuid.UUID
    cycle: int
    counts: dict[Fact, int] = field(default_factory=dict)
    record_ids: dict[Fact, list[uuid.UUID]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    grade: Grade
    fired_rules: list[str]
    evidence: list[dict[str, Any]]  # {rule_id, grade, record_ids} per fired rule (`evidence_items`)
    explanation: list[dict[str, Any]]  # as shown: {rule_id, grade, citation, record_ids, detail}


def threshold(condition: Condition, parameters: dict[str, Any]) -> int:
    if condition.at_least is None:
        return 1
    if isinstance(condition.at_least, int):
        return condition.at_least
    return int(parameters[condition.at_least])


def template(rule: Rule, parameters: dict[str, Any], cycle: int) -> str:
    """The detail with what is known before the facts; `{count}` is filled per employer."""
    limit = threshold(rule.when, parameters) if rule.when else 0
    text = rule.description.replace("{cycle}", str(cycle)).replace("{threshold}", str(limit))
    return text if rule.when else text.replace("{count}", "0")


def _holds(rule: Rule, facts: Facts, parameters: dict[str, Any]) -> bool:
    assert rule.when is not None
    return facts.counts.get(rule.when.fact, 0) >= threshold(rule.when, parameters)


def decide(facts: Facts, spec: Spec) -> Decision:
    """The worst grade of the rules that held wins, and only the rules of that grade are listed
    (they decide it; a lesser rule that held explains nothing). The default rule (no condition)
    fires when no other rule holds, so an A explains itself too."""
    held = [r for r in spec.ordered() if r.when and _holds(r, facts, spec.parameters)]
    if not held:
        held = [r for r in spec.ordered() if r.when is None]
    grade = next(g for g in GRADE_ORDER if any(r.grade == g for r in held))
    fired = [r for r in held if r.grade == grade]
    evidence = [
        {
            "rule_id": rule.rule_id,
            "grade": rule.grade.value,
            "record_ids": [str(i) for i in facts.record_ids.get(rule.when.fact, [])]
            if rule.when
            else [],
        }
        for rule in fired
    ]
    explanation = render(spec, facts.cycle, evidence)
    return Decision(grade, [r.rule_id for r in fired], evidence, explanation)


def evidence_items(
    spec: Spec, fired_rules: list[str], counts: list[int], ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Evidence stored as columns, as items: rule `fired_rules[i]` rests on the next `counts[i]`
    records of `ids` (what `compile_sql` writes); its grade is the rule's in the version."""
    grades = {rule.rule_id: rule.grade.value for rule in spec.rules}
    items, start = [], 0
    for rule_id, count in zip(fired_rules, counts, strict=True):
        record_ids = [str(record_id) for record_id in ids[start : start + count]]
        items.append({"rule_id": rule_id, "grade": grades[rule_id], "record_ids": record_ids})
        start += count
    return items


def decisive(spec: Spec, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items that decide the grade: of the rule set's rules, those of the worst grade among
    them (the computed grade); other items (a reviewer's change) stay. Evaluations written before
    the engine recorded only those still store every rule that held (a C with its B rule): they
    are kept as stored and read as the engine writes today."""
    rules = {rule.rule_id for rule in spec.rules}
    grades = {item.get("grade") for item in evidence if item["rule_id"] in rules}
    worst = next((g.value for g in GRADE_ORDER if g.value in grades), None)
    return [i for i in evidence if i["rule_id"] not in rules or i.get("grade") == worst]


def render(spec: Spec, cycle: int, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The explanation of stored evidence (its `decisive` items): each rule's citation and
    detail from the rule set, `{count}` being the number of records behind the rule (a fact
    counts the records it lists). An item stored whole (a reviewer's change, or written before
    evidence was stored alone) is shown as it is."""
    rules = {rule.rule_id: rule for rule in spec.rules}
    shown = []
    for item in decisive(spec, evidence):
        if "detail" in item:
            shown.append(item)
            continue
        rule = rules[item["rule_id"]]  # a version in use keeps its rules
        detail = template(rule, spec.parameters, cycle)
        shown.append(
            {
                "rule_id": rule.rule_id,
                "grade": item["grade"],
                "citation": rule.citation,
                "record_ids": item["record_ids"],
                "detail": detail.replace("{count}", str(len(item["record_ids"]))),
            }
        )
    return shown


def without_facts(spec: Spec, cycle: int) -> Decision:
    """The outcome of an employer with no record that counts: only the default rule fires. The
    same for every such employer of the cycle, so the SQL path binds its grade and fired rules
    as constants, and an evaluation stores its evidence as NULL (most of a run's rows)."""
    return decide(Facts(employer_id=uuid.UUID(int=0), cycle=cycle), spec)


@dataclass(frozen=True)
class CompiledRules:
    """SQL over a facts row aliased `f` (columns `<fact>` and `<fact>_ids`): `holds`, a select
    list of each condition's truth (`holds<n>`), to be computed once per row in a subquery
    below the one that selects `grade`, `fired_rules`, `evidence_counts` and `evidence_ids`,
    which read those columns; and the bind parameters :empty_grade and :empty_fired: the
    outcome of an employer without any record that matters, the same for all (what `decide`
    gives). The evidence columns are NULL when only the default rule fired (see
    `without_facts`). `same_rules`: whether the current evaluation `cur` records the rules
    `g.fired` of the grade `g.grade` (see `SAME_RULES`)."""

    holds: str
    grade: str
    fired_rules: str
    evidence_counts: str
    evidence_ids: str
    same_rules: str
    params: dict[str, Any]


def compile_sql(spec: Spec, cycle: int) -> CompiledRules:
    """The same rules as `decide`, as SQL. Rule text goes in as bind parameters; fact names are
    an enum, so they are safe as column names."""
    compiled = _compile(spec)
    empty = without_facts(spec, cycle)
    params = {
        **compiled.params,
        **_lesser_rules(spec),
        "empty_grade": empty.grade.value,
        "empty_fired": empty.fired_rules,
    }
    return replace(compiled, params=params)


# An evaluation written before only the deciding rules were recorded lists every rule that held,
# worst first: the rules of its grade, then lesser ones (a C's "B.punished"). It records the same
# outcome as `fired` when `fired` begins it and what follows is a lesser rule, so a re-grade on the
# same facts leaves it as it is (its notice, window and effective date with it). Only read for an
# evaluation whose stored rules differ from `fired` (such old ones): a plain array comparison else.
# The slice's `1:` stays tight: text() would read " :cardinality" as a bind parameter.
SAME_RULES = """coalesce(cur.fired_rules::text[] = g.fired OR (
    (cur.fired_rules::text[])[1:cardinality(g.fired)] = g.fired
    AND (cur.fired_rules::text[])[cardinality(g.fired) + 1] = ANY(CASE g.grade {lesser} END)),
    false)"""


def _lesser_rules(spec: Spec) -> dict[str, list[str]]:
    """For each grade, the rules of the version of a better grade (:lesser_than_<grade>)."""
    rank = {grade: index for index, grade in enumerate(GRADE_ORDER)}
    return {
        f"lesser_than_{grade.value}": [r.rule_id for r in spec.rules if rank[r.grade] > rank[grade]]
        for grade in GRADE_ORDER
    }


def _decided(ordered: list[Rule], conditions: dict[str, str]) -> dict[str, str]:
    """When each rule is recorded: it held and no rule of a worse grade did (the rule decides
    the grade). A few boolean column reads per row: the conditions are computed once below."""
    decided: dict[str, str] = {}
    worse: list[str] = []
    for grade in GRADE_ORDER:
        of_grade = [rule for rule in ordered if rule.grade == grade]
        for rule in of_grade:
            when = conditions[rule.rule_id]
            # the default rule fires only when nothing else held: nothing to exclude
            decided[rule.rule_id] = (
                f"({when} AND NOT ({' OR '.join(worse)}))" if rule.when and worse else when
            )
        worse += [conditions[rule.rule_id] for rule in of_grade if rule.when]
    return decided


def _compile(spec: Spec) -> CompiledRules:
    params: dict[str, Any] = {}
    holds, conditions = ["NULL AS holds"], {}  # never an empty select list
    ordered = spec.ordered()
    for index, rule in enumerate(ordered):
        if rule.when:
            limit = threshold(rule.when, spec.parameters)
            holds.append(f"(f.{Fact(rule.when.fact).value} >= {int(limit)}) AS holds{index}")
            conditions[rule.rule_id] = f"f.holds{index}"
    any_fired = " OR ".join(conditions.values()) or "false"
    for rule in ordered:
        if rule.when is None:
            conditions[rule.rule_id] = f"(NOT ({any_fired}))"
    decided = _decided(ordered, conditions)
    names, counts, ids = [], [], []
    for index, rule in enumerate(ordered):
        key = f"rule{index}_id"
        params[key] = rule.rule_id
        when = decided[rule.rule_id]
        names.append(f"CASE WHEN {when} THEN CAST(:{key} AS text) END")
        if rule.when:  # the default rule fires alone, and its evidence is not stored
            fact = Fact(rule.when.fact).value
            counts.append(f"CASE WHEN {when} THEN coalesce(cardinality(f.{fact}_ids), 0) END")
            ids.append(f"CASE WHEN {when} THEN f.{fact}_ids END")
    # NULL when only the default rule fired: the evidence is then the same for every such
    # employer of the cycle (`decide` of no facts), which is rendered when read, not stored.
    # A count for each fired rule, in the order of `fired_rules`; the ids rule after rule.
    evidence_counts = f"array_remove(ARRAY[{', '.join(counts) or 'NULL'}]::int[], NULL)"
    evidence_ids = " || ".join(["CAST(ARRAY[] AS uuid[])", *ids])
    grades = " ".join(
        f"WHEN {' OR '.join(conditions[r.rule_id] for r in ordered if r.grade == g)} THEN '{g}'"
        for g in GRADE_ORDER
        if any(r.grade == g for r in ordered)
    )
    lesser = " ".join(f"WHEN '{g}' THEN CAST(:lesser_than_{g} AS text[])" for g in GRADE_ORDER)
    return CompiledRules(
        holds=", ".join(holds),
        grade=f"(CASE {grades} END)",
        fired_rules=f"array_remove(ARRAY[{', '.join(names)}]::text[], NULL)",
        evidence_counts=f"(CASE WHEN {any_fired} THEN {evidence_counts} END)",
        evidence_ids=f"(CASE WHEN {any_fired} THEN {evidence_ids} END)",
        same_rules=SAME_RULES.format(lesser=lesser),
        params=params,
    )
