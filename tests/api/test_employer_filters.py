"""GET /employers by the grade in force and by GB/T 4754 industry code, keyset pages intact."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from app.evaluations import service as evaluations
from app.models.user import Role
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.conftest import assert_problem
from tests.grading.support import Spec, actor_of, add_record

URL = "/api/v1/employers"


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }


async def _names(client, headers, **params):  # type: ignore[no-untyped-def]
    """Every page of the search, one employer a page: the cursor must carry the filters."""
    names, cursor = [], None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = await client.get(URL, params=query, headers=headers)
        assert page.status_code == 200, page.text
        names += [e["name"] for e in page.json()["items"]]
        if (cursor := page.json()["next_cursor"]) is None:
            return names


async def test_grade_is_the_grade_in_force_as_the_credit_profile_shows_it(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, people, headers_for, clock, today
):
    tag = uuid.uuid4().hex[:6]
    a_unit = await make_employer(name=f"筛选{tag}甲公司")  # graded A, nothing recorded
    await graded(session, [a_unit.id], today, cycle=2025)
    b_unit = await make_employer(name=f"筛选{tag}乙公司")  # B in force while a C notice waits
    this_year = Spec(decided=date(2026, 3, 2), occurred=date(2026, 3, 1))
    await add_record(session, settings, b_unit.id, this_year, clock=clock, **people)
    await graded(session, [b_unit.id], today, cycle=2026)
    child = Spec(serious=CHILD_LABOUR.serious, kind=CHILD_LABOUR.kind, decided=date(2026, 4, 1),
                 occurred=date(2026, 3, 20))  # fmt: skip
    await add_record(session, settings, b_unit.id, child, clock=clock, **people)
    await graded(session, [b_unit.id], today, cycle=2026)
    assert (await current(session, b_unit.id, 2026)).status == "notice"
    first_notice = await make_employer(name=f"筛选{tag}丙公司")  # a first notice: no grade yet
    await add_record(session, settings, first_notice.id, CHILD_LABOUR, clock=clock, **people)
    await graded(session, [first_notice.id], today, cycle=2025)
    never = await make_employer(name=f"筛选{tag}丁公司")  # never graded
    everyone = [a_unit, b_unit, first_notice, never]
    auditor = await headers_for(Role.auditor)

    async def by_grade() -> dict[str, list[str]]:
        return {g: await _names(client, auditor, q=tag, grade=g) for g in "ABC"}

    async def profiles() -> dict[str, list[str]]:
        shown: dict[str, list[str]] = {g: [] for g in "ABC"}
        for unit in everyone:
            profile = await client.get(f"{URL}/{unit.id}/credit-profile", headers=auditor)
            if (in_force := profile.json()["current"]) is not None:
                shown[in_force["grade"]].append(unit.name)
        return {g: sorted(names) for g, names in shown.items()}

    assert await _names(client, auditor, q=tag) == sorted(u.name for u in everyone)
    assert await by_grade() == {"A": [a_unit.name], "B": [b_unit.name], "C": []}
    assert await by_grade() == await profiles()
    await evaluations.close_notices(session=session, today=date(2027, 2, 1))  # both become C
    assert await by_grade() == {
        "A": [a_unit.name], "B": [], "C": sorted([b_unit.name, first_notice.name]),
    }  # fmt: skip
    assert await by_grade() == await profiles()
    refused = await client.get(URL, params={"grade": "D"}, headers=auditor)
    assert assert_problem(refused, 422)["errors"][0]["loc"] == ["query", "grade"]


async def test_industry_code_matches_that_code_and_every_code_below_it(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for
):
    tag = uuid.uuid4().hex[:6]
    codes = {"E4720": "甲", "E4710": "乙", "E48": "丙", "F5100": "丁", "C1311": "戊"}
    units = {
        code: await make_employer(name=f"行业{tag}{mark}公司", industry_code=code)
        for code, mark in codes.items()
    }
    auditor = await headers_for(Role.auditor)

    async def named(code: str) -> list[str]:
        return await _names(client, auditor, q=tag, industry_code=code)

    assert await named("E") == sorted(units[c].name for c in ("E4720", "E4710", "E48"))
    assert await named("E47") == sorted(units[c].name for c in ("E4720", "E4710"))
    assert await named("E472") == [units["E4720"].name]
    assert await named("E4720") == [units["E4720"].name]
    assert await named("F") == [units["F5100"].name]
    assert await named("G") == []
    for bad in ("E4", "e47", "E47201", "47"):  # not a level of a GB/T 4754 code
        refused = await client.get(URL, params={"industry_code": bad}, headers=auditor)
        assert assert_problem(refused, 422)["errors"][0]["loc"] == ["query", "industry_code"]


async def test_grade_and_industry_code_combine(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for, today
):
    tag = uuid.uuid4().hex[:6]
    builder = await make_employer(name=f"组合{tag}甲公司", industry_code="E4720")
    miner = await make_employer(name=f"组合{tag}乙公司", industry_code="B0610")
    ungraded = await make_employer(name=f"组合{tag}丙公司", industry_code="E4710")
    await graded(session, [builder.id, miner.id], today, cycle=2025)
    auditor = await headers_for(Role.auditor)
    assert await _names(client, auditor, q=tag, grade="A", industry_code="E") == [builder.name]
    assert await _names(client, auditor, q=tag, industry_code="E") == sorted(
        [builder.name, ungraded.name]
    )
    assert await _names(client, auditor, q=tag, grade="A") == sorted([builder.name, miner.name])
