"""The measures catalogue (Art 11-13, 人社部令第45号): its seeded version, new versions, an
employer's measures in force (a pending C notice is not in force) and its award eligibility."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.evaluations import service as evaluations
from app.models.policy import WENSHUI_2022
from app.models.user import Role
from tests.api.test_access import _listing
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.conftest import assert_problem
from tests.disclosure.support import final_evaluation
from tests.grading.support import Spec, actor_of, add_record

UNKNOWN = "3f0c5e2a-0000-4000-8000-000000000000"


def _ids(measures: list[dict[str, Any]]) -> list[str]:
    return [m["measure_id"] for m in measures]


def _measure(**over: Any) -> dict[str, Any]:
    return {"measure_id": "A.patrol_exempt", "applies_to": "A", "kind": "rewards",
            "citation": "文人社字〔2022〕46号 第十一条第（一）项", "text_zh": "免于日常巡视检查",
            "text_en": "exempt from routine patrol inspection", **over}  # fmt: skip


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }


async def test_version_1_is_docs_law_s_catalogue(client, headers_for):  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/measure-sets/1", headers=await headers_for(Role.auditor))
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["effective_from"], found["effective_to"]) == ("2022-12-26", None)
    assert (found["policy_id"], found["in_use"]) == (str(WENSHUI_2022), True)
    by_target: dict[str, list[dict[str, Any]]] = {}
    for measure in found["measures"]:
        by_target.setdefault(measure["applies_to"], []).append(measure)
    assert {t: len(m) for t, m in by_target.items()} == {"A": 4, "B": 3, "C": 4,
                                                          "wage_arrears_list": 1}  # fmt: skip
    assert all("第十一条" in m["citation"] and m["kind"] == "rewards" for m in by_target["A"])
    assert all("第十二条" in m["citation"] for m in by_target["B"])
    assert all("第十三条" in m["citation"] and m["kind"] == "restricts" for m in by_target["C"])
    assert all(m["scope"] == "就相关联的事项 / on related matters" for m in by_target["C"])
    assert "人社部令第45号" in by_target["wage_arrears_list"][0]["citation"]


async def test_a_new_version_takes_effect_from_its_date_and_closes_the_open_one(  # type: ignore[no-untyped-def]
    client, headers_for, today
):
    admin = await headers_for(Role.admin)
    start = today + timedelta(days=5)
    body = {"effective_from": start.isoformat(), "measures": [_measure()]}
    created = await client.post("/api/v1/measure-sets", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/api/v1/measure-sets/2"
    assert (created.json()["version"], created.json()["in_use"]) == (2, False)
    assert created.json()["policy_id"] == str(WENSHUI_2022)
    listed = (await client.get("/api/v1/measure-sets", headers=admin)).json()["items"]
    assert [(m["version"], m["effective_to"]) for m in listed] == [
        (1, (start - timedelta(days=1)).isoformat()), (2, None)
    ]  # fmt: skip

    overlapping = {"effective_from": start.isoformat(),
                   "effective_to": (start + timedelta(days=9)).isoformat(),
                   "measures": [_measure()]}  # fmt: skip
    zh = {**admin, "Accept-Language": "zh"}
    refused = assert_problem(
        await client.post("/api/v1/measure-sets", json=overlapping, headers=zh), 409
    )
    assert refused["type"].endswith("/measure-set-overlap") and "适用期重叠" in refused["detail"]
    assert refused["version"] == 2
    assert len((await client.get("/api/v1/measure-sets", headers=admin)).json()["items"]) == 2


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"measures": [_measure(kind="punishes")]}, ["body", "measures", 0, "kind"]),
        ({"measures": [_measure(applies_to="D")]}, ["body", "measures", 0, "applies_to"]),
        ({"measures": [_measure(), _measure()]}, ["body", "measures", 1, "measure_id"]),
        ({"effective_from": "2026-01-01"}, ["body", "effective_from"]),
        ({"policy_id": UNKNOWN}, ["body", "policy_id"]),
        ({"measures": [_measure(colour="red")]}, ["body", "measures", 0, "colour"]),
    ],
)
async def test_a_bad_version_is_a_422_naming_the_field(client, headers_for, today, change, loc):  # type: ignore[no-untyped-def]
    body = {"effective_from": (today + timedelta(days=1)).isoformat(), "measures": [_measure()],
            **change}  # fmt: skip
    admin = await headers_for(Role.admin)
    refused = assert_problem(
        await client.post("/api/v1/measure-sets", json=body, headers=admin), 422
    )
    assert loc in [e["loc"] for e in refused["errors"]], refused
    assert len((await client.get("/api/v1/measure-sets", headers=admin)).json()["items"]) == 1


async def test_the_database_keeps_a_version_as_it_was(session):  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError, match="frozen"):
        async with session.begin_nested():
            await session.execute(text("UPDATE measure_sets SET measures = '[]' WHERE version = 1"))
    with pytest.raises(DBAPIError, match="never deleted"):
        async with session.begin_nested():
            await session.execute(text("DELETE FROM measure_sets WHERE version = 1"))


async def test_the_measures_are_those_of_the_grade_in_force_not_of_a_pending_notice(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, people, headers_for, clock, today
):
    employer = await make_employer()
    this_year = Spec(decided=date(2026, 3, 2), occurred=date(2026, 3, 1))
    await add_record(session, settings, employer.id, this_year, clock=clock, **people)
    await graded(session, [employer.id], today, cycle=2026)
    b_final = await current(session, employer.id, 2026)
    child = Spec(serious=CHILD_LABOUR.serious, kind=CHILD_LABOUR.kind, decided=date(2026, 4, 1),
                 occurred=date(2026, 3, 20))  # fmt: skip
    await add_record(session, settings, employer.id, child, clock=clock, **people)
    await graded(session, [employer.id], today, cycle=2026)  # a C notice, not in force
    own = await headers_for(Role.employer, employer_id=employer.id)

    found = (await client.get(f"/api/v1/employers/{employer.id}/measures", headers=own)).json()
    assert (found["grade"], found["evaluation_id"]) == ("B", str(b_final.id))
    assert _ids(found["measures"]) == ["B.more_patrols", "B.legal_guidance", "B.credit_statement"]
    assert found["measure_set_version"] == 1 and found["wage_arrears_listed"] is False
    profile = await client.get(f"/api/v1/employers/{employer.id}/credit-profile", headers=own)
    assert profile.json()["measures"] == found["measures"]

    await evaluations.close_notices(session=session, today=date(2027, 2, 1))
    found = (await client.get(f"/api/v1/employers/{employer.id}/measures", headers=own)).json()
    assert found["grade"] == "C"
    assert _ids(found["measures"]) == ["C.key_supervision", "C.interview", "C.award_refused",
                                       "C.no_compliance_confirmation"]  # fmt: skip


async def test_a_listed_unit_gets_the_joint_punishment_and_no_award(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for
):
    employer = await make_employer()
    await final_evaluation(session, employer.id, grade="A")
    listing = _listing(employer.id, date(2026, 11, 20))
    entry = await client.post("/api/v1/blacklist-entries", json=listing,
                              headers=await headers_for(Role.reviewer))  # fmt: skip
    assert entry.status_code == 201, entry.text
    url = f"/api/v1/blacklist-entries/{entry.json()['id']}/verification"
    verified = await client.post(url, headers=await headers_for(Role.reviewer))
    assert verified.status_code == 200, verified.text
    staff = await headers_for(Role.inspector)

    found = (await client.get(f"/api/v1/employers/{employer.id}/measures", headers=staff)).json()
    assert found["wage_arrears_listed"] is True
    assert _ids(found["measures"])[-1] == "wage_arrears.joint_punishment"
    award = (
        await client.get(f"/api/v1/employers/{employer.id}/award-eligibility", headers=staff)
    ).json()
    assert (award["eligible"], award["priority"], award["wage_arrears_listed"]) == (
        False,
        False,
        True,
    )
    assert "人社部令第45号" in award["reasons"][0]["citation"]


@pytest.mark.parametrize(
    ("grade", "eligible", "priority", "statement", "article"),
    [
        ("A", True, True, False, "第十一条第（二）项"),
        ("B", True, False, True, "第十二条第（三）项"),
        ("C", False, False, False, "第十三条第（三）项"),
        (None, True, False, True, "第十二条第（三）项（参照）"),
    ],
)
async def test_award_eligibility_by_grade(  # type: ignore[no-untyped-def]
    client, session, settings, clock, make_employer, people, headers_for,
    grade, eligible, priority, statement, article,
):  # fmt: skip
    employer = await make_employer()
    if grade is not None:
        await final_evaluation(session, employer.id, grade=grade)
    # verified records: one in the past 12 months (counted), one before (not)
    await add_record(session, settings, employer.id, Spec(decided=date(2026, 3, 2),
                     occurred=date(2026, 3, 1)), clock=clock, **people)  # fmt: skip
    await add_record(session, settings, employer.id, Spec(decided=date(2025, 3, 2),
                     occurred=date(2025, 3, 1)), clock=clock, **people)  # fmt: skip
    own = await headers_for(Role.employer, employer_id=employer.id)
    response = await client.get(f"/api/v1/employers/{employer.id}/award-eligibility", headers=own)
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["grade"], found["eligible"], found["priority"]) == (grade, eligible, priority)
    assert found["statement_required"] is statement
    assert found["reasons"][0]["citation"].split(" ", 1)[1].startswith(article)
    if statement:
        assert (found["statement"]["period_from"], found["statement"]["period_to"]) == (
            "2025-11-27", "2026-11-26")  # fmt: skip
        assert found["statement"]["verified_records"] == 1
        assert any("失信联合惩戒对象名单" in line for line in found["statement"]["covers"])
    else:
        assert found["statement"] is None


async def test_unknown_and_other_employers_are_404(client, make_employer, headers_for):  # type: ignore[no-untyped-def]
    mine, other = await make_employer(), await make_employer()
    own = await headers_for(Role.employer, employer_id=mine.id)
    zh = {**await headers_for(Role.admin), "Accept-Language": "zh"}
    for path in ("measures", "award-eligibility"):
        body = assert_problem(
            await client.get(f"/api/v1/employers/{UNKNOWN}/{path}", headers=zh), 404
        )
        assert "用人单位" in body["detail"]
        assert_problem(await client.get(f"/api/v1/employers/{other.id}/{path}", headers=own), 404)
        assert (
            await client.get(f"/api/v1/employers/{mine.id}/{path}", headers=own)
        ).status_code == 200
