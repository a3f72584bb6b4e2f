"""The credit profile during a C notice: the grade in force is the latest final grade until the
notice becomes final, and the profile says so beside the pending notice."""

from __future__ import annotations

from datetime import date

import pytest

from app.evaluations import service as evaluations
from app.models.user import Role
from tests.api.test_access import _listing
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.disclosure.support import final_evaluation
from tests.grading.support import Spec, actor_of, add_record


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }


def _url(employer_id) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/employers/{employer_id}/credit-profile"


async def test_during_a_notice_the_grade_it_would_replace_stays_in_force(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, people, headers_for, clock, today
):
    employer = await make_employer()
    this_year = Spec(decided=date(2026, 3, 2), occurred=date(2026, 3, 1))
    await add_record(session, settings, employer.id, this_year, clock=clock, **people)
    await graded(session, [employer.id], today, cycle=2026)
    b_final = await current(session, employer.id, 2026)
    assert (b_final.grade, b_final.status) == ("B", "final")
    child = Spec(serious=CHILD_LABOUR.serious, kind=CHILD_LABOUR.kind, decided=date(2026, 4, 1),
                 occurred=date(2026, 3, 20))  # fmt: skip
    await add_record(session, settings, employer.id, child, clock=clock, **people)
    await graded(session, [employer.id], today, cycle=2026)  # the C notice supersedes the B
    notice = await current(session, employer.id, 2026)
    assert (notice.grade, notice.status) == ("C", "notice")

    own = await headers_for(Role.employer, employer_id=employer.id)
    profile = (await client.get(_url(employer.id), headers=own)).json()
    assert (profile["current"]["id"], profile["current"]["grade"]) == (str(b_final.id), "B")
    assert profile["pending_notice"]["id"] == str(notice.id)
    assert "2026年度B级继续有效" in profile["in_force_note"]

    await evaluations.close_notices(session=session, today=date(2027, 2, 1))
    profile = (await client.get(_url(employer.id), headers=own)).json()
    assert (profile["current"]["id"], profile["current"]["grade"]) == (str(notice.id), "C")
    assert profile["pending_notice"] is None and profile["in_force_note"] is None


async def test_a_first_notice_leaves_no_grade_in_force(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, people, headers_for, clock, today
):
    employer = await make_employer()
    await add_record(session, settings, employer.id, CHILD_LABOUR, clock=clock, **people)
    await graded(session, [employer.id], today, cycle=2025)
    profile = (await client.get(_url(employer.id), headers=await headers_for(Role.auditor))).json()
    assert profile["current"] is None
    assert profile["pending_notice"]["grade"] == "C"
    assert "暂无生效的信用等级" in profile["in_force_note"]


async def test_a_profile_reads_its_own_employer_s_grade_listing_and_records(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, people, headers_for, clock
):
    """What the profile reads with the employer's row (the grade in force, the listing, the
    records counted) is that employer's, never another's read beside it."""
    ours, other = await make_employer(), await make_employer()
    for spec in (Spec(), Spec(), Spec(state="draft")):
        await add_record(session, settings, other.id, spec, clock=clock, **people)
    await add_record(session, settings, ours.id, Spec(), clock=clock, **people)
    await add_record(session, settings, ours.id, Spec(state="draft"), clock=clock, **people)
    ours_grade = await final_evaluation(session, ours.id, grade="A")
    other_grade = await final_evaluation(session, other.id, grade="C")
    listing = _listing(other.id, date(2026, 11, 20))
    entry = await client.post(
        "/api/v1/blacklist-entries", json=listing, headers=await headers_for(Role.reviewer)
    )
    assert entry.status_code == 201, entry.text
    url = f"/api/v1/blacklist-entries/{entry.json()['id']}/verification"
    verified = await client.post(url, headers=await headers_for(Role.reviewer))  # a second one
    assert verified.status_code == 200, verified.text

    auditor = await headers_for(Role.auditor)
    profile = (await client.get(_url(ours.id), headers=auditor)).json()
    assert (profile["current"]["id"], profile["current"]["grade"]) == (str(ours_grade.id), "A")
    assert profile["records"] == {"by_category": {"dishonesty": 2},
                                  "by_status": {"verified": 1, "draft": 1}}  # fmt: skip
    assert "wage_arrears.joint_punishment" not in [m["measure_id"] for m in profile["measures"]]
    own = await headers_for(Role.employer, employer_id=ours.id)
    seen = (await client.get(_url(ours.id), headers=own)).json()["records"]
    assert seen == {"by_category": {"dishonesty": 1}, "by_status": {"verified": 1}}

    theirs = (await client.get(_url(other.id), headers=auditor)).json()
    assert (theirs["current"]["id"], theirs["current"]["grade"]) == (str(other_grade.id), "C")
    assert theirs["measures"][-1]["measure_id"] == "wage_arrears.joint_punishment"
    assert theirs["records"]["by_status"]["draft"] == 1


async def test_a_profile_with_no_records_no_grade_and_no_listing(  # type: ignore[no-untyped-def]
    client, make_employer, headers_for
):
    employer = await make_employer()
    profile = (await client.get(_url(employer.id), headers=await headers_for(Role.auditor))).json()
    assert profile["current"] is None and profile["pending_notice"] is None
    assert profile["records"] == {"by_category": {}, "by_status": {}}
    assert profile["history"] == []
