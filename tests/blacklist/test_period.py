"""A listing counts in the cycles it covered (Art 13, 人社部令第45号): its period
[listed_on, min(removed_on, expires_on)) overlaps the year. Ending it (early, at expiry) keeps
the years it covered graded as they were; a later year does not count it; a wrong listing,
corrected by revoking its record, counts nowhere and ends as revoked."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.blacklist import expiry, revocation
from app.core import events
from app.core.clock import Clock
from app.grading import adjustment, apply
from app.grading import service as grading
from app.models.evaluation import EvaluationOrigin
from app.models.user import Role
from tests.api.test_blacklist import BASE, _list, _patch, _removal
from tests.conftest import assert_problem

PREVIEW = "/api/v1/evaluations/preview"


@pytest.fixture
async def reviewers(headers_for):  # type: ignore[no-untyped-def]
    """Two reviewers: the one who enters, the one who verifies."""
    return await headers_for(Role.reviewer), await headers_for(Role.reviewer)


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    """Sessions for the expiry job: each of its transactions a savepoint of the test's own."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def _consume(session, settings, clock, consumer) -> int:  # type: ignore[no-untyped-def]
    """One batch of a consumer of the event log, as the scheduler runs it."""
    return await events.consume(
        session=session,
        consumer=consumer,
        clock=clock,
        batch=settings.events_batch,
        horizon=timedelta(seconds=settings.events_horizon_seconds),
    )


async def _grade(client, headers, employer_id, cycle: int) -> str:  # type: ignore[no-untyped-def]
    """The Python evaluator's grade, over HTTP."""
    r = await client.get(
        PREVIEW, params={"employer_id": str(employer_id), "cycle": cycle}, headers=headers
    )
    assert r.status_code == 200, r.text
    return str(r.json()["grade"])


async def _current(client, headers, employer_id, cycle: int) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """The current evaluation (id, grade) of the cycle, over HTTP."""
    r = await client.get(
        "/api/v1/evaluations",
        params={"employer_id": str(employer_id), "cycle": cycle},
        headers=headers,
    )
    found = [e for e in r.json()["items"] if e["status"] in ("notice", "final")]
    assert len(found) <= 1
    return (found[0]["id"], found[0]["grade"]) if found else None


async def _sql_grade(session, employer_id, cycle: int, today: date) -> str:  # type: ignore[no-untyped-def]
    """The compiled SQL's grade: a batch re-grade writes it."""
    policy = apply.Policy(origin=EvaluationOrigin.batch)
    await grading.regrade(
        session=session, employer_ids=[employer_id], cycle=cycle, policy=policy, today=today
    )
    return str(
        await session.scalar(
            text("SELECT grade FROM evaluations WHERE employer_id = :e AND cycle = :c "
                 "AND status IN ('notice', 'final')"),
            {"e": employer_id, "c": cycle},
        )
    )  # fmt: skip


async def _eligible(client, headers, entry: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Arrears paid on 1 May 2026 (six months before the suite's day), commitment on file."""
    r = await _patch(
        client, headers, entry, arrears_paid_on="2026-05-01", commitment_received_on="2026-11-20"
    )
    assert r.status_code == 200 and r.json()["early_removal_eligible"] is True, r.text


async def test_early_removal_keeps_the_years_the_listing_covered(
    client, session, settings, clock, today, make_employer, reviewers
):
    """The regression: removal used to revoke the listing's record, so 2025 re-graded to A."""
    enterer, verifier = reviewers
    employer = await make_employer()
    entry = await _list(client, enterer, verifier, employer.id, date(2025, 3, 1))
    await _consume(session, settings, clock, adjustment.CONSUMER)
    graded = {cycle: await _current(client, enterer, employer.id, cycle) for cycle in (2025, 2026)}
    assert {cycle: g and g[1] for cycle, g in graded.items()} == {2025: "C", 2026: "C"}
    await _eligible(client, enterer, entry)

    r = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=verifier)

    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["removed_on"]) == ("removed", str(today))
    assert await _consume(session, settings, clock, adjustment.CONSUMER) >= 1  # listing.removed
    for cycle in (2025, 2026):  # listed during both: the same evaluation, still a C
        assert await _current(client, enterer, employer.id, cycle) == graded[cycle], cycle
        assert await _grade(client, enterer, employer.id, cycle) == "C", cycle
        assert await _sql_grade(session, employer.id, cycle, today) == "C", cycle
        assert await _current(client, enterer, employer.id, cycle) == graded[cycle], cycle
    # removed before 2027 began: not counted there, by either evaluator
    assert await _grade(client, enterer, employer.id, 2027) == "A"
    assert await _sql_grade(session, employer.id, 2027, today) == "A"
    record_url = f"/api/v1/credit-records/{entry['credit_record_id']}"
    assert (await client.get(record_url, headers=enterer)).json()["status"] == "verified"


async def test_removal_at_expiry_keeps_the_years_the_listing_covered(
    client, session, settings, clock, today, factory, make_employer, reviewers
):
    enterer, verifier = reviewers
    employer = await make_employer()
    entry = await _list(client, enterer, verifier, employer.id, date(2023, 6, 1))
    assert entry["expires_on"] == "2026-06-01"
    await _consume(session, settings, clock, adjustment.CONSUMER)
    graded = await _current(client, enterer, employer.id, 2026)
    assert graded is not None and graded[1] == "C"

    assert await expiry.expire_due(factory=factory, settings=settings, clock=clock) == 1

    ended = (await client.get(f"{BASE}/{entry['id']}", headers=enterer)).json()
    assert (ended["status"], ended["removed_on"]) == ("expired", str(today))
    await _consume(session, settings, clock, adjustment.CONSUMER)
    assert await _current(client, enterer, employer.id, 2026) == graded  # listed until May
    for cycle, grade in ((2022, "A"), (2023, "C"), (2025, "C"), (2026, "C"), (2027, "A")):
        assert await _grade(client, enterer, employer.id, cycle) == grade, cycle
        assert await _sql_grade(session, employer.id, cycle, today) == grade, cycle


async def test_a_listing_counts_in_no_year_beginning_on_or_after_its_end(
    client, session, today, make_employer, reviewers
):
    """Listed on 31 December counts in that year; a term ending on 1 January counts only in
    the years before, even before the expiry job has ended the listing."""
    enterer, verifier = reviewers
    late, early = await make_employer(), await make_employer()
    await _list(client, enterer, verifier, late.id, date(2022, 12, 31))  # to 2025-12-31
    entry = await _list(client, enterer, verifier, early.id, date(2023, 1, 1))  # to 2026-01-01
    assert entry["status"] == "listed" and entry["expires_on"] == "2026-01-01"
    expected = {
        late.id: {2021: "A", 2022: "C", 2025: "C", 2026: "A"},
        early.id: {2022: "A", 2023: "C", 2025: "C", 2026: "A"},
    }
    for employer_id, grades in expected.items():
        for cycle, grade in grades.items():
            assert await _grade(client, enterer, employer_id, cycle) == grade, (employer_id, cycle)
            assert await _sql_grade(session, employer_id, cycle, today) == grade, cycle


async def test_removed_on_1_january_the_listing_does_not_count_in_that_year(
    app, client, session, settings, make_employer, headers_for
):
    new_year = Clock.pinned(datetime(2027, 1, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    app.state.clock = new_year
    enterer, verifier = await headers_for(Role.reviewer), await headers_for(Role.reviewer)
    employer = await make_employer()
    entry = await _list(client, enterer, verifier, employer.id, date(2025, 3, 1))
    await _eligible(client, enterer, entry)

    r = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=verifier)

    assert (r.json()["status"], r.json()["removed_on"]) == ("removed", "2027-01-01")
    assert await _grade(client, enterer, employer.id, 2026) == "C"
    assert await _grade(client, enterer, employer.id, 2027) == "A"
    assert await _sql_grade(session, employer.id, 2027, new_year.today()) == "A"


async def test_revoking_a_wrong_listing_s_record_removes_it_from_grading_and_ends_it(
    client, session, settings, clock, today, make_employer, reviewers
):
    enterer, verifier = reviewers
    employer = await make_employer()
    entry = await _list(client, enterer, verifier, employer.id, date(2025, 3, 1))
    await _consume(session, settings, clock, adjustment.CONSUMER)
    assert (await _current(client, enterer, employer.id, 2025) or ("", ""))[1] == "C"
    revocation_body = {
        "reason": "列入决定经复议撤销",
        "revoking_document": "文人社复决字〔2026〕3号",
    }

    r = await client.post(
        f"/api/v1/credit-records/{entry['credit_record_id']}/revocation",
        json=revocation_body,
        headers=verifier,
    )

    assert r.status_code == 200, r.text
    for cycle in (2025, 2026):  # at once: a revoked record counts nowhere
        assert await _grade(client, enterer, employer.id, cycle) == "A", cycle
    assert await _consume(session, settings, clock, revocation.CONSUMER) == 1
    ended = (await client.get(f"{BASE}/{entry['id']}", headers=enterer)).json()
    assert (ended["status"], ended["removal_kind"], ended["removed_on"]) == (
        "revoked", None, str(today),
    )  # fmt: skip
    assert ended["removal_document"] == "文人社复决字〔2026〕3号"
    assert ended["removal_reason"] == "列入决定经复议撤销" and ended["removed_by"]
    removed = await session.execute(
        text("SELECT payload->>'status' FROM credit_events WHERE subject_id = :id "
             "AND event_type = 'listing.removed'"),
        {"id": uuid.UUID(entry["id"])},
    )  # fmt: skip
    assert removed.scalars().all() == ["revoked"]
    await _consume(session, settings, clock, adjustment.CONSUMER)
    assert (await _current(client, enterer, employer.id, 2025) or ("", ""))[1] == "A"
    assert await _consume(session, settings, clock, revocation.CONSUMER) == 0
    again = await client.post(f"{BASE}/{entry['id']}/removal", json=_removal(), headers=verifier)
    assert assert_problem(again, 409)["type"].endswith("/listing-ended")
    relisted = await _list(client, enterer, verifier, employer.id, date(2025, 3, 1))
    assert relisted["status"] == "listed"  # the wrong listing no longer blocks a correct one
