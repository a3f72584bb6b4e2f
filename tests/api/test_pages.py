"""The busy lists answer from their items' public data (app.core.showing.data, app.api.pages),
not from built models: each item must be, field for field and in the same order, what the
single read (which builds the public model) answers for it, for each reader's view."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.models.credit_record import RecordKind
from app.models.evaluation import Evaluation, EvaluationOrigin
from app.models.user import Role
from tests.api.test_employers import EMPLOYERS, ID_NUMBER, employer_body
from tests.api.test_evaluations import CHILD_LABOUR, graded
from tests.grading.support import Spec, actor_of, add_record

API = "/api/v1"


async def _each_item_is_its_single_read(
    client: httpx.AsyncClient, page: str, single: str, headers: dict[str, str], expected: int
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
        assert list(item.items()) == list(read.json().items())  # the same fields, in order
    return list(body["items"])


@pytest.mark.parametrize("role", [Role.admin, Role.auditor])
async def test_a_page_of_employers_is_what_each_single_read_shows(client, headers_for, role):  # type: ignore[no-untyped-def]
    """Admins see personal data in full, others masked: the page shows each as its read does."""
    town = f"页镇{uuid.uuid4().hex[:6]}"
    writer = await headers_for(Role.inspector)
    for fields in ({}, {"contact_phone": None, "address": None}, {"employee_count": 0}):
        created = await client.post(
            EMPLOYERS, json=employer_body(town=town, **fields), headers=writer
        )
        assert created.status_code == 201, created.text
    headers = await headers_for(role)
    items = await _each_item_is_its_single_read(
        client, f"{EMPLOYERS}?town={town}&limit=2", EMPLOYERS, headers, expected=2
    )
    shown = ID_NUMBER if role == Role.admin else "1411**********1234"
    assert [item["legal_representative_id_number"] for item in items] == [shown, shown]
    rest = await client.get(f"{EMPLOYERS}?town={town}&limit=2", headers=headers)
    assert rest.json()["next_cursor"] is not None


async def test_a_page_of_credit_records_is_what_each_single_read_shows(
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
    headers = await headers_for(Role.auditor)
    records = f"{API}/credit-records"
    await _each_item_is_its_single_read(
        client, f"{records}?employer_id={employer.id}", records, headers, expected=4
    )
    await _each_item_is_its_single_read(
        client, f"{API}/employers/{employer.id}/credit-records", records, headers, expected=4
    )


async def test_a_page_of_evaluations_is_what_each_single_read_shows(
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
    for employer in (noticed, plain, stored):
        [item] = await _each_item_is_its_single_read(
            client, f"{evaluations}?employer_id={employer.id}", evaluations, headers, expected=1
        )
        assert list(item)[-1] == "awaiting_calendar"  # the computed field, last as the model has it
    [item] = (await client.get(f"{evaluations}?employer_id={stored.id}", headers=headers)).json()[
        "items"
    ]
    assert list(item["explanation"][0]) == ["rule_id", "grade", "citation", "record_ids", "detail"]
