"""The decision's cascade is one transaction: a failure half-way leaves the record, the grade,
the events, the audit trail and the objection as they were."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from app.grading import apply
from app.grading import service as grading
from app.models.evaluation import EvaluationOrigin
from tests.conftest import assert_problem
from tests.grading.support import content
from tests.objections.support import (
    BASE,
    CHILD_LABOUR,
    accepted,
    filed,
    make_case,
    objection,
    snapshot,
)


@pytest.fixture
async def decidable(client, session, settings, app, make_employer, make_user, today):  # type: ignore[no-untyped-def]
    """An accepted objection to a record a C notice rests on."""
    case = await make_case(session, settings, app, make_employer, make_user)
    await grading.regrade(
        session=session, employer_ids=[case.employer.id], cycle=2025,
        policy=apply.Policy(origin=EvaluationOrigin.batch), today=today,
    )  # fmt: skip
    body = await filed(client, case.account, objection(case.record_id))
    await accepted(client, case.staff, body["id"])
    return case, body["id"]


def _upheld(case, **over):  # type: ignore[no-untyped-def]
    fixed = content(case.employer.id, CHILD_LABOUR, serious_conditions=[], **over)
    return {"outcome": "upheld", "reasons": "经核实不存在使用童工情形",
            "correction": fixed.model_dump(mode="json", exclude_none=True)}  # fmt: skip


async def test_an_invalid_correction_fails_after_the_decision_was_written_and_changes_nothing(
    client, session, decidable
):
    case, objection_id = decidable
    before = await snapshot(session, case.employer.id)
    # a decision date in the future: the records' own rule refuses it, after the objection's
    # decision was written (cascade.decide writes it first)
    bad = _upheld(case, decision_date=date(2026, 12, 31))
    response = await client.post(f"{BASE}/{objection_id}/decision", json=bad, headers=case.staff)
    problem = assert_problem(response, 422)
    assert problem["type"].endswith("/record-invalid")
    assert await snapshot(session, case.employer.id) == before


async def test_a_constraint_violation_at_the_last_step_undoes_record_grade_and_events(
    client, session, connection, decidable
):
    """The last write of the cascade (the objection.decided event) violates a constraint added
    for this test: the correction, the re-grade and their events, written before it, go too."""
    case, objection_id = decidable
    await connection.execute(
        text(
            "ALTER TABLE credit_events ADD CONSTRAINT test_refuses_decisions "
            "CHECK (event_type <> 'objection.decided')"
        )
    )
    before = await snapshot(session, case.employer.id)
    response = await client.post(
        f"{BASE}/{objection_id}/decision", json=_upheld(case), headers=case.staff
    )
    assert_problem(response, 500)
    after = await snapshot(session, case.employer.id)
    assert after == before
    [(status, outcome, result)] = [row[1:] for row in after["objections"]]
    assert (status, outcome, result) == ("accepted", None, None)
    # and without the constraint the same decision goes through whole
    await connection.execute(
        text("ALTER TABLE credit_events DROP CONSTRAINT test_refuses_decisions")
    )
    done = await client.post(
        f"{BASE}/{objection_id}/decision", json=_upheld(case), headers=case.staff
    )
    assert done.status_code == 200, done.text
    changed = await snapshot(session, case.employer.id)
    assert changed["records"] != before["records"]
    assert changed["evaluations"] != before["evaluations"]
    assert uuid.UUID(done.json()["result_record_id"]) in {r[0] for r in changed["records"]}
