"""Credit record lifecycle against real PostgreSQL: rules, two persons, versions, guards, events."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from app.core.actors import Actor
from app.core.clock import add_months
from app.core.errors import Conflict, Forbidden, InvalidField, PreconditionFailed
from app.models.client import ClientSource
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecord,
    CreditRecordCreate,
    CreditRecordUpdate,
    RecordStatus,
    RevocationCreate,
    Severity,
)
from app.models.event import CreditEvent
from app.models.user import Role
from app.records import corrections, reads, rules
from app.records import service as credit_records
from app.records.errors import SamePerson, SourceChangeNeedsCorrection
from tests.conftest import new_uscc

PAST = date(2026, 3, 10)


def content(employer_id: Any, **over: Any) -> CreditRecordCreate:
    values: dict[str, Any] = {
        "employer_id": employer_id,
        "category": "dishonesty",
        "source": "inspection",
        "kind": "wages",
        "occurred_date": PAST - timedelta(days=20),
        "title": "拖欠12名农民工工资",
        "decision_number": "文人社监罚字〔2026〕12号",
        "decision_date": PAST,
        "penalty_category": "fine",
        "fine_amount": Decimal("20000.00"),
        "punished": True,
        "severity": "general",
        "serious_conditions": ["refused_to_perform"],
        "issuing_authority": "文水县人力资源和社会保障局",
        "issuing_authority_uscc": new_uscc("11"),
    }
    values.update(over)
    return CreditRecordCreate.model_validate(values)


@pytest.fixture
async def people(make_user):  # type: ignore[no-untyped-def]
    async def actor(role: Role) -> Actor:
        user = await make_user(role)
        return Actor(kind="user", id=user.id, name=user.full_name, role=role)

    return {
        "inspector": await actor(Role.inspector),
        "reviewer_a": await actor(Role.reviewer),
        "reviewer_b": await actor(Role.reviewer),
    }


async def draft(session, settings, clock, employer, actor, **over: Any) -> CreditRecord:  # type: ignore[no-untyped-def]
    return await credit_records.create(
        session=session,
        data=content(employer.id, **over),
        actor=actor,
        settings=settings,
        clock=clock,
    )


async def test_draft_derives_publication_and_catalogue(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    record = await draft(session, settings, clock, employer, people["inspector"])
    assert record.status == RecordStatus.draft and record.version == 1
    assert record.collected_by == people["inspector"].id
    assert record.publication_end_date == date(2027, 3, 10)  # general: 12 months (docs/law.md §5)
    assert record.in_catalogue  # a dishonesty decision with a number
    serious = await draft(
        session, settings, clock, employer, people["inspector"], severity="serious"
    )
    assert serious.publication_end_date == date(2029, 3, 10)
    light = await draft(session, settings, clock, employer, people["inspector"], severity="light")
    assert light.publication_end_date is None  # light: not shown


def test_publication_and_catalogue_follow_settings(settings):
    someone = uuid.uuid4()
    shorter = settings.model_copy(update={"publication_months_general": 6})
    assert rules.publication_end_date(Severity.general, PAST, shorter) == date(2026, 9, 10)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    honour = content(someone, category="good", kind="honour", **_no_penalty())
    assert rules.in_catalogue(honour, settings)
    commitment = content(someone, category="good", kind="credit_commitment", **_no_penalty())
    assert not rules.in_catalogue(commitment, settings)
    assert not rules.in_catalogue(content(someone, decision_number=None), settings)
    wider = settings.model_copy(update={"catalogue_kinds": frozenset({"credit_commitment"})})
    assert rules.in_catalogue(commitment, wider)


def _no_penalty() -> dict[str, Any]:
    return {
        "punished": False,
        "serious_conditions": [],
        "penalty_category": None,
        "fine_amount": None,
        "severity": None,
    }


async def _count(session) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(select(func.count()).select_from(CreditRecord)) or 0)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"decision_date": date(2099, 1, 1)}, "decision_date"),
        ({"penalty_category": None}, "fine_amount"),
        ({"category": "good"}, "kind"),
        ({"issuing_authority_uscc": "91350100M000100Y4Z"}, "issuing_authority_uscc"),
    ],
)
async def test_bad_content_is_refused_and_nothing_written(
    session, settings, make_employer, people, over, field, clock
):
    employer = await make_employer()
    before = await _count(session)
    with pytest.raises(InvalidField) as caught:
        await draft(session, settings, clock, employer, people["inspector"], **over)
    assert caught.value.errors[0].loc == ["body", field]
    assert await _count(session) == before


async def test_unknown_employer_names_employer_id(session, settings, people, clock):
    with pytest.raises(InvalidField) as caught:
        await credit_records.create(
            session=session,
            data=content(uuid.uuid4()),
            actor=people["inspector"],
            settings=settings,
            clock=clock,
        )
    assert caught.value.errors[0].loc == ["body", "employer_id"]


async def test_two_reviewer_flow_versions_history_and_events(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    inspector, a, b = people["inspector"], people["reviewer_a"], people["reviewer_b"]
    v1 = await draft(session, settings, clock, employer, inspector)
    await credit_records.verify(session=session, record_id=v1.id, actor=a, clock=clock)
    assert v1.status == RecordStatus.verified and v1.verified_by == a.id
    fix = CorrectionCreate.model_validate(
        {**content(employer.id, fine_amount=Decimal("15000.00")).model_dump(), "reason": "金额有误"}
    )
    v2 = await corrections.correct(
        session=session, record_id=v1.id, data=fix, actor=b, settings=settings, clock=clock
    )
    assert (v2.version, v2.status, v2.supersedes_id) == (2, RecordStatus.draft, v1.id)
    assert v1.status == RecordStatus.verified and v1.superseded_by_id is None
    await corrections.verify(session=session, record_id=v2.id, actor=a, clock=clock)
    assert (v2.status, v2.collected_by, v2.verified_by) == (RecordStatus.verified, b.id, a.id)
    assert v1.status == RecordStatus.superseded and v1.superseded_by_id == v2.id
    assert v2.record_key == v1.record_key and v2.fine_amount == Decimal("15000.00")
    revocation = RevocationCreate(reason="复议撤销", revoking_document="文人社撤字〔2026〕3号")
    await credit_records.revoke(
        session=session, record_id=v2.id, data=revocation, actor=a, clock=clock
    )
    assert v2.status == RecordStatus.revoked and v2.revoked_by == a.id

    history = await reads.history(session=session, record_id=v1.id, actor=a)
    assert [v.version for v in history.versions] == [1, 2]
    assert [t.action for t in history.transitions] == [
        "credit_record.create",
        "credit_record.verify",
        "credit_record.correct",
        "credit_record.supersede",
        "credit_record.verify",
        "credit_record.revoke",
    ]
    assert history.transitions[1].actor_id == str(a.id)
    events = (
        await session.scalars(
            select(CreditEvent)
            .where(col(CreditEvent.record_id).in_([v1.id, v2.id]))
            .order_by(col(CreditEvent.id))
        )
    ).all()
    assert [e.event_type for e in events] == [
        "record.verified",
        "record.corrected",
        "record.revoked",
    ]
    assert events[1].payload["previous_id"] == str(v1.id)
    assert events[2].employer_id == employer.id


async def test_who_entered_a_draft_cannot_verify_it(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    a, b = people["reviewer_a"], people["reviewer_b"]
    record = await draft(session, settings, clock, employer, a)
    with pytest.raises(Forbidden) as caught:
        await credit_records.verify(session=session, record_id=record.id, actor=a, clock=clock)
    assert caught.value.extra["reason"] == "same_person"
    await credit_records.verify(session=session, record_id=record.id, actor=b, clock=clock)
    with pytest.raises(Conflict):
        await credit_records.verify(session=session, record_id=record.id, actor=b, clock=clock)
    # the collector may propose a correction of their own record; a second person verifies it
    fix = CorrectionCreate.model_validate({**content(employer.id).model_dump(), "reason": "x"})
    proposal = await corrections.correct(
        session=session, record_id=record.id, data=fix, actor=a, settings=settings, clock=clock
    )
    with pytest.raises(SamePerson):
        await corrections.verify(session=session, record_id=proposal.id, actor=a, clock=clock)
    # and the database refuses it too, whoever asks
    with pytest.raises(DBAPIError, match="two persons"):
        async with session.begin_nested():
            await session.execute(
                text(
                    "UPDATE credit_records SET status = 'verified', verified_by = collected_by, "
                    "verified_at = now() WHERE id = :id"
                ),
                {"id": proposal.id},
            )


async def test_draft_edits_need_collector_and_fresh_etag(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    record = await draft(session, settings, clock, employer, people["inspector"])
    change = CreditRecordUpdate(title="拖欠13名农民工工资")
    with pytest.raises(Forbidden):
        await credit_records.update(
            session=session, record_id=record.id, data=change,
            if_match=credit_records.etag(record), actor=people["reviewer_a"], settings=settings,
            clock=clock,
        )  # fmt: skip
    with pytest.raises(PreconditionFailed):
        await credit_records.update(
            session=session, record_id=record.id, data=change, if_match='"1.9"',
            actor=people["inspector"], settings=settings, clock=clock,
        )  # fmt: skip
    updated = await credit_records.update(
        session=session, record_id=record.id, data=change, if_match=credit_records.etag(record),
        actor=people["inspector"], settings=settings, clock=clock,
    )  # fmt: skip
    assert updated.title == "拖欠13名农民工工资" and credit_records.etag(updated) == '"1.2"'


async def test_database_refuses_changing_a_verified_record_and_any_delete(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    record = await draft(session, settings, clock, employer, people["inspector"])
    params = {"id": record.id}
    await session.execute(text("UPDATE credit_records SET title = 'edited' WHERE id = :id"), params)
    with pytest.raises(DBAPIError, match="never deleted"):
        async with session.begin_nested():
            await session.execute(text("DELETE FROM credit_records WHERE id = :id"), params)
    await credit_records.verify(
        session=session, record_id=record.id, actor=people["reviewer_a"], clock=clock
    )
    for statement in (
        "UPDATE credit_records SET title = 'tampered' WHERE id = :id",
        "UPDATE credit_records SET fine_amount = 1 WHERE id = :id",
        "UPDATE credit_records SET status = 'draft' WHERE id = :id",
        "UPDATE credit_records SET status = 'revoked', revocation_reason = 'r', "
        "revoking_document = 'd', revoked_at = now(), title = 'x' WHERE id = :id",
        "DELETE FROM credit_records WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="never"):
            async with session.begin_nested():
                await session.execute(text(statement), params)
    # the allowed transition still passes the guard
    await session.execute(
        text(
            "UPDATE credit_records SET status = 'revoked', revocation_reason = 'r', "
            "revoking_document = 'd', revoked_at = now() WHERE id = :id"
        ),
        params,
    )


async def test_trusted_intake_creates_verified_and_replaces_by_version(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    machine = Actor(kind="client", name="县社保中心", source=ClientSource.social_insurance)
    items = [content(employer.id, source="social_insurance", kind="social_insurance")] * 2
    created_ids = await credit_records.create_many(
        session=session, items=items, actor=machine, settings=settings, clock=clock, verified=True
    )
    created = [await session.get(CreditRecord, record_id) for record_id in created_ids]
    assert [r.status for r in created] == [RecordStatus.verified] * 2
    assert created[0].collected_by is None and created[0].verified_at is not None
    changed = content(employer.id, title="欠缴社会保险费", kind="social_insurance")
    new = await corrections.replace_by_source(
        session=session, record_id=created[0].id, content=changed, actor=machine,
        settings=settings, clock=clock, verified=True, reason="updated by source",
    )  # fmt: skip
    await session.refresh(created[0])
    assert new.version == 2 and created[0].status == RecordStatus.superseded
    with pytest.raises(SourceChangeNeedsCorrection):
        await corrections.replace_by_source(
            session=session, record_id=created[1].id, content=changed, actor=machine,
            settings=settings, clock=clock, verified=False, reason="updated by source",
        )  # fmt: skip
    events = await session.scalar(
        select(func.count()).where(col(CreditEvent.employer_id) == employer.id)
    )
    assert events == 3  # two verified at intake, one corrected


async def test_database_lets_a_draft_correction_only_be_withdrawn_as_it_is(
    session, settings, make_employer, people, clock
):
    employer = await make_employer()
    record = await draft(session, settings, clock, employer, people["inspector"])
    await credit_records.verify(
        session=session, record_id=record.id, actor=people["reviewer_a"], clock=clock
    )
    fix = CorrectionCreate.model_validate({**content(employer.id).model_dump(), "reason": "x"})
    proposal = await corrections.correct(
        session=session, record_id=record.id, data=fix, actor=people["inspector"],
        settings=settings, clock=clock,
    )  # fmt: skip
    params = {"id": proposal.id}
    with pytest.raises(DBAPIError, match="never changes"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE credit_records SET status = 'withdrawn', title = 'x' WHERE id = :id"),
                params,
            )
    with pytest.raises(DBAPIError, match="withdrawn_correction"):
        async with session.begin_nested():  # a first draft is not withdrawn
            await session.execute(
                text("UPDATE credit_records SET status = 'withdrawn' WHERE id = :id"),
                {"id": (await draft(session, settings, clock, employer, people["inspector"])).id},
            )
    await session.execute(
        text("UPDATE credit_records SET status = 'withdrawn' WHERE id = :id"), params
    )
    with pytest.raises(DBAPIError, match="never changes"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE credit_records SET status = 'draft' WHERE id = :id"), params
            )
