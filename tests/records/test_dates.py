"""Dates a clerk cannot mean are refused (422 naming the field and the rule), and nothing is
written: before 1990, a rectification or penalty performed in the future or before the decision
it answers, arrears paid before the payment order's deadline a listing rests on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.models.user import Role
from tests.api.test_blacklist import _list, _patch
from tests.api.test_blacklist import body as listing
from tests.api.test_credit_records import body
from tests.conftest import assert_problem

RECORDS = "/api/v1/credit-records"


@pytest.mark.parametrize(
    ("over", "loc", "kind"),
    [
        ({"occurred_date": "1926-02-20"}, ["body", "occurred_date"], "date.too_early"),
        ({"decision_date": "1989-12-31"}, ["body", "decision_date"], "date.too_early"),
        ({"rectification": {"ordered_date": "1926-03-10"}},
         ["body", "rectification", "ordered_date"], "date.too_early"),
        ({"rectification": {"rectified_date": "2099-01-01"}},
         ["body", "rectification", "rectified_date"], "date.future"),
        ({"rectification": {"penalty_performed_date": "2026-03-09"}},
         ["body", "rectification", "penalty_performed_date"], "date.before_decision"),
        ({"rectification": {"rectified_date": "2026-03-01"}},
         ["body", "rectification", "rectified_date"], "date.before_decision"),
    ],
)  # fmt: skip
async def test_a_date_no_record_can_have_is_refused(  # type: ignore[no-untyped-def]
    client, session, headers_for, make_employer, over, loc, kind
):
    employer = await make_employer()
    r = await client.post(RECORDS, json=body(employer.id, **over),
                          headers=await headers_for(Role.inspector))  # fmt: skip
    problem = assert_problem(r, 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)]
    written = await session.scalar(
        text("SELECT count(*) FROM credit_records WHERE employer_id = :e"), {"e": employer.id}
    )
    assert written == 0


async def test_rectified_after_the_decision_and_by_today_is_accepted(  # type: ignore[no-untyped-def]
    client, headers_for, make_employer, today
):
    employer = await make_employer()
    done = {"ordered_date": "2026-03-10", "rectified_date": "2026-03-10",
            "penalty_performed_date": today.isoformat()}  # fmt: skip
    r = await client.post(RECORDS, json=body(employer.id, rectification=done),
                          headers=await headers_for(Role.inspector))  # fmt: skip
    assert r.status_code == 201, r.text


async def test_arrears_paid_before_the_payment_deadline_is_refused(  # type: ignore[no-untyped-def]
    client, headers_for, make_employer, clock
):
    reviewer, verifier = await headers_for(Role.reviewer), await headers_for(Role.reviewer)
    listed_on = clock.today() - timedelta(days=10)
    entry = await _list(client, reviewer, verifier, (await make_employer()).id, listed_on)
    deadline = listed_on - timedelta(days=30)  # the body's payment_deadline
    early = await _patch(client, reviewer, entry, arrears_paid_on=str(deadline - timedelta(1)))
    problem = assert_problem(early, 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "arrears_paid_on"], "date.before_order")
    ]
    ancient = await _patch(client, reviewer, entry, arrears_paid_on="1989-06-01")
    assert "date.too_early" in {e["type"] for e in assert_problem(ancient, 422)["errors"]}
    assert (await _patch(client, reviewer, entry, arrears_paid_on=str(deadline))).status_code == 200


async def test_a_listing_dated_before_1990_is_refused(client, headers_for, make_employer):  # type: ignore[no-untyped-def]
    from datetime import date

    r = await client.post("/api/v1/blacklist-entries",
                          json=listing((await make_employer()).id, date(1989, 3, 1)),
                          headers=await headers_for(Role.reviewer))  # fmt: skip
    types = {(tuple(e["loc"]), e["type"]) for e in assert_problem(r, 422)["errors"]}
    assert (("body", "listed_on"), "date.too_early") in types
    assert (("body", "payment_deadline"), "date.too_early") in types
