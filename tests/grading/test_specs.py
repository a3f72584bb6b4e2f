"""The process cache of parsed rule set versions (`app.grading.specs`): keyed by the row's
content, so a version edited while unused, or another database's version of the same number,
is parsed afresh; an unknown version is a 404."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import entities
from app.core.errors import DoesNotExist
from app.grading import policies, rule_sets, specs
from app.grading.rules import Spec
from app.models.evaluation import Evaluation


async def test_a_version_s_parsed_rules_follow_its_content(session: AsyncSession) -> None:
    stored = await rule_sets.get(session=session, version=1)
    [(spec, policy_id)] = (await specs.of_versions(session=session, versions=[1])).values()
    assert spec == Spec.of(stored)
    assert policy_id == stored.policy_id
    again, _ = (await specs.of_versions(session=session, versions=[1, 1]))[1]
    assert again is spec  # parsed once

    # unused, so it may still change: the same id and version, other content
    await session.execute(
        text("UPDATE rule_sets SET rules = jsonb_set(rules, '{0,citation}', '\"edited\"') "
             "WHERE version = 1")
    )  # fmt: skip
    edited, _ = (await specs.of_versions(session=session, versions=[1]))[1]
    assert edited.rules[0].citation == "edited"
    assert [r.citation for r in edited.rules[1:]] == [r.citation for r in spec.rules[1:]]


async def test_an_unknown_version_is_not_there(session: AsyncSession) -> None:
    with pytest.raises(DoesNotExist):
        await specs.of_versions(session=session, versions=[1, 999])
    assert await specs.of_versions(session=session, versions=[]) == {}


async def test_with_standing_is_of_versions_and_the_policies_standing(
    session: AsyncSession,
) -> None:
    """One round trip for what showing evaluations needs: the same as the two reads."""
    standing, found = await specs.with_standing(session=session, versions=[1, 1])
    assert found == await specs.of_versions(session=session, versions=[1])
    assert standing == await policies.standing(session=session)
    assert standing.policies  # the seeded policy
    with pytest.raises(DoesNotExist):
        await specs.with_standing(session=session, versions=[1, 999])
    assert (await specs.with_standing(session=session, versions=[]))[1] == {}


async def test_the_standing_beside_an_evaluation_is_with_standing(
    session: AsyncSession, make_employer
) -> None:
    """Read beside an evaluation's row (GET /evaluations/{id}): what `with_standing` gives for its
    version; a version that does not exist is a 404 there too."""
    beside = specs.standing_beside(Evaluation.__table__.c.rule_set_version)  # type: ignore[attr-defined]

    async def read_beside(version: int) -> list[tuple[object, ...]]:
        row = Evaluation(
            employer_id=(await make_employer()).id, cycle=2025, grade="A",
            computed_grade="A", status="final", origin="batch", rule_set_version=version,
            fired_rules=["A.no_punishment"], effective_from=date(2026, 1, 5),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        found = await entities.by_id_beside(session, Evaluation, row.id, beside)
        assert found is not None
        return found[1]

    got = await specs.standing_beside_of(session=session, version=1, rows=await read_beside(1))
    assert got == await specs.with_standing(session=session, versions=[1])
    assert got[0].policies
    unknown = await read_beside(999)
    with pytest.raises(DoesNotExist):
        await specs.standing_beside_of(session=session, version=999, rows=unknown)
