"""An interview refers only to the interviewed employer's own evaluation (422 naming the field)."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from app.models.user import Role
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.api.test_interviews import body
from tests.conftest import assert_problem
from tests.grading.support import actor_of, add_record

BASE = "/api/v1/interviews"


async def test_an_interview_refers_to_its_own_employers_evaluation(  # type: ignore[no-untyped-def]
    client, session, settings, make_employer, make_user, headers_for, clock, today
):
    people = {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }
    mine, theirs = await make_employer(), await make_employer()
    for employer in (mine, theirs):
        await add_record(session, settings, employer.id, CHILD_LABOUR, clock=clock, **people)
    await graded(session, [mine.id, theirs.id], today)
    own, other = await current(session, mine.id), await current(session, theirs.id)
    inspector = await headers_for(Role.inspector)

    for evaluation_id, kind in ((other.id, "other_employer"), (uuid.uuid4(), "unknown")):
        refused = await client.post(
            BASE, json=body(mine.id, today, evaluation_id=str(evaluation_id)), headers=inspector
        )
        problem = assert_problem(refused, 422)
        assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
            (["body", "evaluation_id"], kind)
        ]
    count = await session.execute(
        text("SELECT count(*) FROM interviews WHERE employer_id = :e"),
        {"e": mine.id},
    )
    assert count.scalar_one() == 0  # a refusal changes nothing
    made = await client.post(
        BASE, json=body(mine.id, today, evaluation_id=str(own.id)), headers=inspector
    )
    assert made.status_code == 201, made.text
    assert made.json()["evaluation_id"] == str(own.id)
