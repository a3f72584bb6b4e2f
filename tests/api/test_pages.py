"""The busy reads answer from public data (app.core.showing.data, app.api.answers), not from
built models: each list item and each single read must be, field for field and in the same
order, the JSON of the public model the service builds for it (`to_public`), for each reader's
view."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from app.accounts import auth
from app.employers import service as employers
from app.evaluations import reads as evaluation_reads
from app.models.credit_record import RECORD_EXAMPLE, CreditRecord, RecordKind
from app.models.employer import Employer
from app.models.evaluation import Evaluation, EvaluationOrigin
from app.models.user import Role
from app.records import reads as record_reads
from tests.api.test_employers import EMPLOYERS, ID_NUMBER, employer_body
from tests.api.test_evaluations import CHILD_LABOUR, graded
from tests.grading.support import Spec, actor_of, add_record

API = "/api/v1"
Model = Callable[[uuid.UUID], Awaitable[BaseModel]]  # the public model the service builds


async def _each_is_the_models(
    client: httpx.AsyncClient,
    page: str,
    single: str,
    headers: dict[str, str],
    expected: int,
    model: Model,
) -> list[dict[str, Any]]:
    listed = await client.get(page, headers=headers)
    assert listed.status_code == 200, listed.text
    assert listed.headers["content-type"] == "application/json"
    body = listed.json()
    assert list(body) == ["items", "next_cursor"]
    assert len(body["items"]) == expected
    for item in body["items"]:
        read = await client.get(f"{single}/{item['id']}", headers=headers)
        assert read.status_code == 200, read.text
        assert read.headers["content-type"] == "application/json"
        built = json.loads((await model(uuid.UUID(item["id"]))).model_dump_json())
        # the same fields, in the same order, with the same values
        assert list(item.items()) == list(built.items()) == list(read.json().items())
    return list(body["items"])


@pytest.mark.parametrize("role", [Role.admin, Role.auditor])
async def test_employers_are_shown_as_their_model(
    client, session, settings, clock, headers_for, make_user, role
):  # type: ignore[no-untyped-def]
    """Admins see personal data in full, others masked: as the model shows it to each."""
    town = f"页镇{uuid.uuid4().hex[:6]}"
    writer = await headers_for(Role.inspector)
    for fields in ({}, {"contact_phone": None, "address": None}, {"employee_count": 0}):
        created = await client.post(
            EMPLOYERS, json=employer_body(town=town, **fields), headers=writer
        )
        assert created.status_code == 201, created.text
    reader = await make_user(role)
    headers = {"Authorization": f"Bearer {auth.issue_token(reader, settings, clock)}"}

    async def model(employer_id: uuid.UUID) -> BaseModel:
        employer = await session.get(Employer, employer_id)
        return employers.to_public(employer, actor=actor_of(reader), settings=settings)

    page = f"{EMPLOYERS}?town={town}&limit=2"
    items = await _each_is_the_models(client, page, EMPLOYERS, headers, 2, model)
    shown = ID_NUMBER if role == Role.admin else "1411**********1234"
    assert [item["legal_representative_id_number"] for item in items] == [shown, shown]
    rest = await client.get(f"{EMPLOYERS}?town={town}&limit=2", headers=headers)
    assert rest.json()["next_cursor"] is not None


async def test_credit_records_are_shown_as_their_model(
    client, session, settings, clock, make_employer, make_user, headers_for
):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    people = {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }
    for spec in (
        Spec(),
        Spec(serious=["group_incident"], rectified=True),
        Spec(state="draft", kind=RecordKind.social_insurance),
        Spec(state="revoked"),
    ):
        await add_record(session, settings, employer.id, spec, clock=clock, **people)
    records = f"{API}/credit-records"
    fined = {**RECORD_EXAMPLE, "employer_id": str(employer.id)}  # a fine (numeric), a document
    created = await client.post(records, json=fined, headers=await headers_for(Role.inspector))
    assert created.status_code == 201, created.text
    headers = await headers_for(Role.auditor)

    async def model(record_id: uuid.UUID) -> BaseModel:
        return record_reads.to_public(await session.get(CreditRecord, record_id))

    of_employer = f"{records}?employer_id={employer.id}"
    await _each_is_the_models(client, of_employer, records, headers, 5, model)
    in_file = f"{API}/employers/{employer.id}/credit-records"
    await _each_is_the_models(client, in_file, records, headers, 5, model)


async def test_evaluations_are_shown_as_their_model(
    client, session, settings, clock, today, make_employer, make_user, headers_for
):  # type: ignore[no-untyped-def]
    """A C notice (its rules' explanation, rendered), a B of the default rule (the explanation
    shared by the version), and one whose evidence is stored whole with its keys in another
    order and one more than an explanation item has (shown in ExplanationItem's fields)."""
    people = {
        "collector": actor_of(await make_user(Role.inspector)),
        "reviewer": actor_of(await make_user(Role.reviewer)),
    }
    noticed, plain, stored = [await make_employer() for _ in range(3)]
    record = await add_record(session, settings, noticed.id, CHILD_LABOUR, clock=clock, **people)
    await graded(session, [noticed.id, plain.id], today)
    session.add(
        Evaluation(
            employer_id=stored.id,
            cycle=2025,
            grade="B",
            computed_grade="C",
            status="final",
            origin=EvaluationOrigin.batch,
            rule_set_version=1,
            effective_from=today - timedelta(days=3),
            evidence=[
                {
                    "detail": "复核改为B级",
                    "record_ids": [str(record)],
                    "citation": "第十条",
                    "grade": "B",
                    "rule_id": "review",
                    "note": "not an explanation item's",
                }
            ],
        )
    )
    await session.flush()
    headers = await headers_for(Role.auditor)
    evaluations = f"{API}/evaluations"

    async def model(evaluation_id: uuid.UUID) -> BaseModel:
        found = await session.get(Evaluation, evaluation_id)
        return await evaluation_reads.to_public_one(session=session, evaluation=found)

    for employer in (noticed, plain, stored):
        page = f"{evaluations}?employer_id={employer.id}"
        [item] = await _each_is_the_models(client, page, evaluations, headers, 1, model)
        assert list(item)[-1] == "awaiting_calendar"  # the computed field, last as the model has it
    [item] = (await client.get(f"{evaluations}?employer_id={stored.id}", headers=headers)).json()[
        "items"
    ]
    assert list(item["explanation"][0]) == ["rule_id", "grade", "citation", "record_ids", "detail"]
