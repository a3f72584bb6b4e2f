"""Shared helpers of the objection tests: a verified record of an employer with its collector
and verifier, a reviewer who collected nothing, tokens, and the objection's life over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import auth
from app.models.credit_record import RecordKind
from app.models.employer import Employer
from app.models.user import Role, User
from tests.grading.support import Spec, actor_of, add_record

BASE = "/api/v1/objections"
CHILD_LABOUR = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)


@dataclass
class Case:
    employer: Employer
    record_id: uuid.UUID
    collector: User
    verifier: User
    decider: User  # a reviewer who collected nothing
    account: dict[str, str]  # the employer's own account
    staff: dict[str, str]  # the decider's token
    collector_headers: dict[str, str]


def bearer(user: User, settings: Any, clock: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.issue_token(user, settings, clock)}"}


async def make_case(
    session: AsyncSession, settings: Any, app: Any, make_employer: Any, make_user: Any,
    spec: Spec = CHILD_LABOUR,
) -> Case:  # fmt: skip
    employer = await make_employer()
    collector, verifier = await make_user(Role.reviewer), await make_user(Role.reviewer)
    decider = await make_user(Role.reviewer)
    clock = app.state.clock
    record_id = await add_record(
        session, settings, employer.id, spec, clock=clock, collector=actor_of(collector),
        reviewer=actor_of(verifier),
    )  # fmt: skip
    assert record_id is not None
    owner = await make_user(Role.employer, employer_id=employer.id)
    return Case(
        employer, record_id, collector, verifier, decider, bearer(owner, settings, clock),
        bearer(decider, settings, clock), bearer(collector, settings, clock),
    )  # fmt: skip


def objection(target_id: uuid.UUID, target_type: str = "record", **over: Any) -> dict[str, Any]:
    return {
        "target_type": target_type,
        "target_id": str(target_id),
        "reason_category": "error",
        "statement": "处罚决定书载明的违法事实与本单位无关",
        **over,
    }


def by_staff(target_id: uuid.UUID, received: date, **over: Any) -> dict[str, Any]:
    return objection(
        target_id, **{"receipt_date": received.isoformat(), "channel": "letter", **over}
    )


async def filed(client: httpx.AsyncClient, headers: dict[str, str], body: dict) -> dict:
    response = await client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def accepted(
    client: httpx.AsyncClient, headers: dict[str, str], objection_id: str, **body: Any
) -> dict:
    response = await client.post(
        f"{BASE}/{objection_id}/acceptance", json=body or {"handling": "in_house"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def snapshot(session: AsyncSession, employer_id: uuid.UUID) -> dict[str, Any]:
    """What a decision may change, for one employer: records, evaluations, events, audit."""
    params = {"e": employer_id}

    async def rows(sql: str) -> list[tuple]:
        return [tuple(r) for r in (await session.execute(text(sql), params)).all()]

    return {
        "records": await rows(
            "SELECT id, status, version, superseded_by_id, serious_conditions FROM credit_records "
            "WHERE employer_id = :e ORDER BY id"
        ),
        "evaluations": await rows(
            "SELECT id, status, grade FROM evaluations WHERE employer_id = :e ORDER BY id"
        ),
        "events": await rows(
            "SELECT id, event_type FROM credit_events WHERE employer_id = :e ORDER BY id"
        ),
        "objections": await rows(
            "SELECT id, status, outcome, result_record_id FROM objections WHERE employer_id = :e"
        ),
        "audit": await rows("SELECT count(*) FROM audit_events"),
    }
