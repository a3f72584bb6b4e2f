"""Inspection plans (双随机、一公开) over HTTP: the commitment, the draw re-run independently
from what the plan publishes, the exclusion of collectors, ratios, patrols, outcomes and the
publication."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts import auth
from app.models.credit_record import CreditRecord
from app.models.employer import EmployerStatus
from app.models.evaluation import EvaluationStatus
from app.models.inspection_plan import InspectionPlan, InspectionVisit
from app.models.user import Role, User
from app.supervision import draw, rules
from tests.conftest import assert_problem
from tests.disclosure.support import final_evaluation
from tests.grading.support import Spec, actor_of, add_record

BASE = "/api/v1/inspection-plans"
OF_2026 = Spec(occurred=date(2026, 3, 1), decided=date(2026, 3, 10))  # a record of the cycle
PERIOD = {"period_from": "2026-10-01", "period_to": "2026-12-31"}  # today is 2026-11-26


def plan_body(ratios: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    return {
        "title": "2026年第四季度双随机抽查计划",
        **PERIOD,
        "sampling_ratios": ratios or {"A": "0.5", "B": "0.5", "C": "1"},
        **over,
    }


@pytest.fixture
def token(settings, app):  # type: ignore[no-untyped-def]
    def headers(user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {auth.issue_token(user, settings, app.state.clock)}"}

    return headers


@pytest.fixture
async def graded(session, make_employer):  # type: ignore[no-untyped-def]
    """Employers with a grade in force: 4 A, 6 B, 3 C (the grade of cycle 2025, final)."""

    async def make(counts: dict[str, int]) -> list[Any]:
        made = []
        for grade, n in counts.items():
            for _ in range(n):
                employer = await make_employer()
                await final_evaluation(session, employer.id, grade=grade, cycle=2025)
                made.append(employer)
        return made

    return make


@pytest.fixture
async def staff(make_user, headers_for):  # type: ignore[no-untyped-def]
    """A reviewer's headers and four inspectors (made before any commitment)."""
    inspectors = [await make_user(Role.inspector) for _ in range(4)]
    return await headers_for(Role.reviewer), inspectors


async def _made(client, headers, body=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post(BASE, json=body or plan_body(), headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{BASE}/{response.json()['id']}"
    return response.json()


async def _drawn(client, headers, body=None) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    plan = await _made(client, headers, body)
    committed = await client.post(f"{BASE}/{plan['id']}/commitment", headers=headers)
    assert committed.status_code == 200, committed.text
    drawn = await client.post(f"{BASE}/{plan['id']}/draw", headers=headers)
    assert drawn.status_code == 200, drawn.text
    return committed.json(), drawn.json()


# --- the published algorithm, re-implemented from its description (docs/law.md §12) -----------


def _hmac(seed_hex: str, message: str) -> str:
    return hmac.new(bytes.fromhex(seed_hex), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _months(period_from: date, period_to: date) -> list[str]:
    found = []
    year, month = period_from.year, period_from.month
    while (year, month) <= (period_to.year, period_to.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def rerun(plan: dict[str, Any], eligible: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """The visits (uscc, YYYY-MM) -> inspectors, from the seed and the published lists only."""
    seed = plan["seed"]
    chosen: list[tuple[str, str]] = []
    for grade in "ABC":
        of_grade = sorted(
            (_hmac(seed, "unit:" + u["uscc"]), u["uscc"]) for u in eligible if u["grade"] == grade
        )
        k = math.ceil(Decimal(plan["sampling_ratios"][grade]) * len(of_grade))
        chosen += [(uscc, grade) for _, uscc in of_grade[:k]]
    months = _months(date.fromisoformat(plan["period_from"]), date.fromisoformat(plan["period_to"]))
    excluded = {u["uscc"]: set(u["excluded_inspectors"]) for u in eligible}
    visits = {}
    for uscc, grade in chosen:
        n = max(1, math.ceil(plan["patrols_per_year"][grade] * len(months) / 12))
        for i in range(n):
            month = months[i * len(months) // n]
            keyed = sorted(
                (_hmac(seed, f"inspector:{uscc}:{month}:{name}"), name)
                for name in plan["inspectors"]
                if name not in excluded[uscc]
            )
            visits[uscc, month] = [name for _, name in keyed[:2]]
    return visits


async def test_the_draw_reproduces_from_its_seed_and_the_published_lists(
    client, session, graded, staff
):
    employers = await graded({"A": 4, "B": 6, "C": 3})
    reviewer, inspectors = staff
    committed, drawn = await _drawn(client, reviewer)
    plan_id = drawn["id"]

    # the commitment came first, without the seed; the seed revealed matches it
    assert committed["status"] == "committed" and committed["seed"] is None
    assert len(committed["seed_sha256"]) == 64
    assert drawn["status"] == "drawn" and len(drawn["seed"]) == 64
    assert hashlib.sha256(bytes.fromhex(drawn["seed"])).hexdigest() == committed["seed_sha256"]
    assert drawn["seed_sha256"] == committed["seed_sha256"]
    assert drawn["algorithm"] == "hmac-sha256-v1"

    # what is published: the eligible list by USCC with grades, the inspectors by username
    eligible = (await client.get(f"{BASE}/{plan_id}/eligible", headers=reviewer)).json()["items"]
    assert [u["uscc"] for u in eligible] == sorted(e.uscc for e in employers)
    assert drawn["inspectors"] == sorted(u.username for u in inspectors)
    assert drawn["eligible_counts"] == {"A": 4, "B": 6, "C": 3}
    # ceil(0.5 × 4), ceil(0.5 × 6), ceil(1 × 3)
    assert drawn["selected_counts"] == {"A": 2, "B": 3, "C": 3}
    assert drawn["patrols_per_year"] == {"A": 0, "B": 2, "C": 4}

    visits = (await client.get(f"{BASE}/{plan_id}/visits", headers=reviewer)).json()["items"]
    found = {(v["uscc"], v["month"][:7]): v["inspectors"] for v in visits}
    assert found == rerun(drawn, eligible)
    assert len(visits) == drawn["visit_count"] == len(found)
    # three months: A and B once (at least one), C ceil(4 × 3 / 12) = 1
    assert all(len(names) == 2 and names[0] != names[1] for names in found.values())
    for unit in eligible:
        assert unit["draw_key"] == _hmac(drawn["seed"], "unit:" + unit["uscc"])
    assert {u["uscc"] for u in eligible if u["selected"]} == {uscc for uscc, _ in found}


async def test_a_year_gives_each_grade_its_patrols_spread_over_the_months(client, graded, staff):
    await graded({"A": 1, "B": 1, "C": 1})
    reviewer, _ = staff
    body = plan_body({"A": "1", "B": "1", "C": "1"}, period_from="2027-01-01",
                     period_to="2027-12-31")  # fmt: skip
    _, drawn = await _drawn(client, reviewer, body)
    eligible = (await client.get(f"{BASE}/{drawn['id']}/eligible", headers=reviewer)).json()[
        "items"
    ]
    grade_of = {u["uscc"]: u["grade"] for u in eligible}
    visits = (await client.get(f"{BASE}/{drawn['id']}/visits", headers=reviewer)).json()["items"]
    months: dict[str, list[str]] = {"A": [], "B": [], "C": []}
    for visit in visits:
        months[grade_of[visit["uscc"]]].append(visit["month"])
    assert months == {
        "A": ["2027-01-01"],  # exempt from patrols, but drawn at random: inspected once
        "B": ["2027-01-01", "2027-07-01"],
        "C": ["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"],
    }
    assert rules.visit_months(4, rules.months(date(2027, 1, 1), date(2027, 3, 31))) == [
        date(2027, 1, 1)
    ]


async def test_the_grade_in_force_at_creation_is_stored_a_pending_notice_is_not(
    client, session, graded, staff, make_employer
):
    [was_b] = await graded({"B": 1})
    pending_only = await make_employer()  # a first notice pending: no grade in force
    notice = await final_evaluation(session, pending_only.id, grade="C", cycle=2025)
    notice.status, notice.effective_from = EvaluationStatus.notice, None
    gone = await make_employer(status=EmployerStatus.deregistered)
    await final_evaluation(session, gone.id, grade="A", cycle=2025)
    await session.flush()
    reviewer, _ = staff
    plan = await _made(client, reviewer)
    # the unit becomes C afterwards: the plan keeps the B it was made with
    await final_evaluation(session, was_b.id, grade="C", cycle=2026)
    eligible = (await client.get(f"{BASE}/{plan['id']}/eligible", headers=reviewer)).json()["items"]
    assert [(u["uscc"], u["grade"]) for u in eligible] == [(was_b.uscc, "B")]


async def test_an_inspector_who_collected_a_record_of_the_unit_is_never_sent(
    client, session, settings, clock, graded, staff, make_user
):
    [unit] = await graded({"C": 1})
    reviewer, inspectors = staff
    collector = inspectors[0]
    verifier = await make_user(Role.reviewer)
    for _ in range(2):  # records of the cycle (2026) it collected
        await add_record(
            session, settings, unit.id, OF_2026, clock=clock,
            collector=actor_of(collector), reviewer=actor_of(verifier),
        )  # fmt: skip
    body = plan_body({"A": "0", "B": "0", "C": "1"}, period_from="2026-01-01",
                     period_to="2026-12-31")  # fmt: skip
    _, drawn = await _drawn(client, reviewer, body)
    eligible = (await client.get(f"{BASE}/{drawn['id']}/eligible", headers=reviewer)).json()[
        "items"
    ]
    assert eligible[0]["excluded_inspectors"] == [collector.username]
    visits = (await client.get(f"{BASE}/{drawn['id']}/visits", headers=reviewer)).json()["items"]
    assert len(visits) == 4
    assert all(collector.username not in v["inspectors"] for v in visits)
    assert {(v["uscc"], v["month"][:7]): v["inspectors"] for v in visits} == rerun(drawn, eligible)


async def test_the_exclusion_is_a_setting(
    client, app, session, settings, clock, graded, staff, make_user
):
    [unit] = await graded({"C": 1})
    reviewer, inspectors = staff
    await add_record(
        session, settings, unit.id, OF_2026, clock=clock,
        collector=actor_of(inspectors[0]), reviewer=actor_of(await make_user(Role.reviewer)),
    )  # fmt: skip
    app.state.settings = settings.model_copy(update={"plans_exclude_collectors": False})
    committed, _ = await _drawn(client, reviewer, plan_body({"A": "0", "B": "0", "C": "1"}))
    assert committed["exclude_collectors"] is False
    eligible = (await client.get(f"{BASE}/{committed['id']}/eligible", headers=reviewer)).json()[
        "items"
    ]
    assert eligible[0]["excluded_inspectors"] == []


async def test_too_few_inspectors_refuse_the_commitment(
    client, session, graded, make_user, headers_for
):
    [unit] = await graded({"B": 1})
    await make_user(Role.inspector)  # one alone cannot make a pair
    reviewer = await headers_for(Role.reviewer)
    plan = await _made(client, reviewer)
    response = await client.post(f"{BASE}/{plan['id']}/commitment", headers=reviewer)
    body = assert_problem(response, 409)
    assert body["type"].endswith("/plan-inspectors-short")
    assert body["units"] == [unit.uscc]
    assert (await session.get(InspectionPlan, plan["id"])).status == "draft"


@pytest.mark.parametrize("grade", ["A", "B", "C"])
@pytest.mark.parametrize("ratio", ["-0.1", "1.01", "2"])
async def test_a_ratio_outside_0_to_1_is_a_422_naming_it(client, session, staff, grade, ratio):
    reviewer, _ = staff
    ratios = {"A": "0", "B": "0.5", "C": "1", grade: ratio}
    response = await client.post(BASE, json=plan_body(ratios), headers=reviewer)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "sampling_ratios", grade]
    assert await session.scalar(select(func.count()).select_from(InspectionPlan)) == 0


async def test_ratios_of_zero_draw_nothing_and_one_draws_all(client, graded, staff):
    await graded({"A": 3, "B": 5, "C": 2})
    reviewer, _ = staff
    _, drawn = await _drawn(client, reviewer, plan_body({"A": "0", "B": "0.2", "C": "1"}))
    assert drawn["selected_counts"] == {"A": 0, "B": 1, "C": 2}


async def test_a_period_overlapping_an_active_plan_is_a_409_and_changes_nothing(
    client, session, staff
):
    reviewer, _ = staff
    first = await _made(client, reviewer)
    for period in (
        {"period_from": "2026-12-31", "period_to": "2027-01-31"},
        {"period_from": "2026-09-01", "period_to": "2026-10-01"},
        {"period_from": "2026-11-01", "period_to": "2026-11-30"},
    ):
        response = await client.post(
            BASE, json=plan_body(**period), headers={**reviewer, "Accept-Language": "en"}
        )
        body = assert_problem(response, 409)
        assert body["type"].endswith("/inspection-plan-overlap")
        assert body["plan_id"] == first["id"]
        assert "overlaps" in body["detail"]
    assert await session.scalar(select(func.count()).select_from(InspectionPlan)) == 1
    later = plan_body(period_from="2027-01-01", period_to="2027-03-31")
    after = await client.post(BASE, json=later, headers=reviewer)
    assert after.status_code == 201, after.text


async def test_a_period_backwards_or_over_a_year_is_a_422(client, staff):
    reviewer, _ = staff
    for period, kind in (
        ({"period_from": "2027-02-01", "period_to": "2027-01-31"}, "date.order"),
        ({"period_from": "2027-01-15", "period_to": "2028-01-01"}, "period.too_long"),
    ):
        response = await client.post(BASE, json=plan_body(**period), headers=reviewer)
        body = assert_problem(response, 422)
        assert body["type"].endswith("/inspection-plan-invalid")
        assert body["errors"][0] == body["errors"][0] | {"loc": ["body", "period_to"], "type": kind}


async def test_a_draw_before_the_commitment_or_twice_is_a_409(client, session, graded, staff):
    await graded({"C": 1})
    reviewer, _ = staff
    plan = await _made(client, reviewer)
    early = await client.post(f"{BASE}/{plan['id']}/draw", headers=reviewer)
    assert assert_problem(early, 409)["type"].endswith("/plan-draw-before-commitment")
    assert await session.scalar(select(func.count()).select_from(InspectionVisit)) == 0
    committed = await client.post(f"{BASE}/{plan['id']}/commitment", headers=reviewer)
    again = await client.post(f"{BASE}/{plan['id']}/commitment", headers=reviewer)
    assert assert_problem(again, 409)["type"].endswith("/plan-commitment-published")
    assert (await client.get(f"{BASE}/{plan['id']}", headers=reviewer)).json()[
        "seed_sha256"
    ] == committed.json()["seed_sha256"]
    assert (await client.post(f"{BASE}/{plan['id']}/draw", headers=reviewer)).status_code == 200
    twice = await client.post(f"{BASE}/{plan['id']}/draw", headers=reviewer)
    assert assert_problem(twice, 409)["type"].endswith("/plan-already-drawn")
    assert await session.scalar(select(func.count()).select_from(InspectionVisit)) == 1


def _violation(employer_id: Any) -> dict[str, Any]:
    return {
        "employer_id": str(employer_id),
        "category": "dishonesty",
        "source": "inspection",
        "kind": "wages",
        "occurred_date": "2026-11-20",
        "title": "拖欠3名职工工资",
        "violation_facts": "双随机抽查发现拖欠3名职工10月工资",
    }


async def test_outcomes_the_record_of_a_violation_closing_and_the_publication(
    client, session, graded, staff, token
):
    await graded({"C": 2})
    reviewer, inspectors = staff
    _, drawn = await _drawn(client, reviewer, plan_body({"A": "0", "B": "0", "C": "1"}))
    plan_id = drawn["id"]
    visits = (await client.get(f"{BASE}/{plan_id}/visits", headers=reviewer)).json()["items"]
    by_name = {u.username: u for u in inspectors}
    first, second = visits
    url = f"{BASE}/{plan_id}/visits/{first['id']}/outcome"
    outsider = next(u for u in inspectors if u.username not in first["inspectors"])
    refused = await client.post(url, json={"outcome": "no_violation"}, headers=token(outsider))
    assert assert_problem(refused, 403)["type"].endswith("/visit-not-assigned")

    inspector = by_name[first["inspectors"][0]]
    missing = await client.post(url, json={"outcome": "violation_found"}, headers=token(inspector))
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["body", "record"]
    other = _violation(second["employer_id"])
    wrong = await client.post(url, json={"outcome": "violation_found", "record": other},
                              headers=token(inspector))  # fmt: skip
    assert assert_problem(wrong, 422)["errors"][0]["loc"] == ["body", "record", "employer_id"]
    assert await session.scalar(select(func.count()).select_from(CreditRecord)) == 0

    early = await client.post(f"{BASE}/{plan_id}/close", headers=reviewer)
    assert assert_problem(early, 409)["pending"] == 2
    before = await client.get(f"{BASE}/{plan_id}/publication")  # drawn, not closed
    assert before.status_code == 200, before.text
    early_view = before.json()
    assert early_view["seed_sha256"] == drawn["seed_sha256"] and early_view["eligible"]
    assert (early_view["seed"], early_view["selected_counts"], early_view["visits"]) == (
        None, None, []
    )  # fmt: skip  # the seed would tell who is drawn before the inspections

    found = {"outcome": "violation_found", "notes": "现场检查工资台账",
             "record": _violation(first["employer_id"])}  # fmt: skip
    done = await client.post(url, json=found, headers=token(inspector))
    assert done.status_code == 200, done.text
    visit = done.json()
    assert visit["outcome"] == "violation_found" and visit["inspected_on"] == "2026-11-26"
    record = await session.get(CreditRecord, visit["credit_record_id"])
    assert record is not None
    assert (record.status, record.collected_by) == ("draft", inspector.id)
    assert str(record.employer_id) == first["employer_id"]
    partner = by_name[first["inspectors"][1]]
    twice = await client.post(url, json={"outcome": "no_violation"}, headers=token(partner))
    assert assert_problem(twice, 409)["type"].endswith("/visit-outcome-recorded")

    url2 = f"{BASE}/{plan_id}/visits/{second['id']}/outcome"
    helper = by_name[second["inspectors"][1]]
    dated = await client.post(url2, json={"outcome": "not_inspected", "inspected_on": "2026-11-20"},
                              headers=token(helper))  # fmt: skip
    assert assert_problem(dated, 422)["errors"][0]["loc"] == ["body", "inspected_on"]
    gone = await client.post(url2, json={"outcome": "not_inspected", "notes": "单位已停业"},
                             headers=token(helper))  # fmt: skip
    assert gone.status_code == 200, gone.text

    closed = await client.post(f"{BASE}/{plan_id}/close", headers=reviewer)
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    late = await client.post(url2, json={"outcome": "no_violation"}, headers=token(helper))
    assert assert_problem(late, 409)["type"].endswith("/plan-closed")

    public = await client.get(f"{BASE}/{plan_id}/publication")  # no sign-in
    assert public.status_code == 200, public.text
    shown = public.json()
    assert shown["seed"] == drawn["seed"] and shown["seed_sha256"] == drawn["seed_sha256"]
    assert {(v["uscc"], v["outcome"]) for v in shown["visits"]} == {
        (first["uscc"], "violation_found"),
        (second["uscc"], "not_inspected"),
    }
    # anyone re-runs the draw of units from what is public: the seed, the ratios, the list
    assert hashlib.sha256(bytes.fromhex(shown["seed"])).hexdigest() == shown["seed_sha256"]
    again = set()
    for grade in "ABC":
        of_grade = sorted(
            (_hmac(shown["seed"], "unit:" + u["uscc"]), u["uscc"])
            for u in shown["eligible"] if u["grade"] == grade
        )  # fmt: skip
        k = math.ceil(Decimal(shown["sampling_ratios"][grade]) * len(of_grade))
        again |= {uscc for _, uscc in of_grade[:k]}
    assert again == {v["uscc"] for v in shown["visits"]}
    text = public.text
    assert "现场检查" not in text and "停业" not in text  # no notes
    assert not any(u.username in text for u in inspectors)  # no inspectors


async def test_only_admins_and_reviewers_make_plans_and_only_inspectors_record(client, headers_for):
    for role in (Role.inspector, Role.auditor, Role.employer):
        response = await client.post(BASE, json=plan_body(), headers=await headers_for(role))
        assert assert_problem(response, 403)["type"].endswith("/forbidden-role")
    assert (
        await client.post(BASE, json=plan_body(), headers=await headers_for(Role.admin))
    ).status_code == 201
    listed = await client.get(BASE, headers=await headers_for(Role.auditor))
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


def test_the_module_and_the_test_agree_on_keys():
    seed = bytes(range(32))
    assert draw.unit_key(seed, "91141121MA0X000000") == _hmac(seed.hex(), "unit:91141121MA0X000000")
    assert draw.commitment(seed) == hashlib.sha256(seed).hexdigest()
    assert draw.selected_count(Decimal("0.1"), 30) == 3


async def test_the_lists_page_by_keyset(client, graded, staff):
    await graded({"C": 5})
    reviewer, _ = staff
    _, drawn = await _drawn(client, reviewer, plan_body({"A": "0", "B": "0", "C": "1"}))
    for part in ("eligible", "visits"):
        url, seen, cursor = f"{BASE}/{drawn['id']}/{part}", [], None
        whole = (await client.get(url, headers=reviewer)).json()["items"]
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(url, params=params, headers=reviewer)).json()
            seen += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == whole and len(whole) == 5


async def test_nothing_is_public_before_the_commitment(client, graded, staff):  # type: ignore[no-untyped-def]
    await graded({"B": 1})
    reviewer, _ = staff
    made = await client.post(BASE, json=plan_body(), headers=reviewer)
    assert made.status_code == 201, made.text
    early = await client.get(f"{BASE}/{made.json()['id']}/publication")
    assert assert_problem(early, 409)["type"].endswith("/plan-publication-not-yet")
