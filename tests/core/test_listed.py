"""A list's page read on the driver (app.core.entities.listed): the rows, in order, each column
as the ORM loads it; a second query of the same shape gets its own values, not the first one's,
an IN list its own items; unflushed changes are seen, as the ORM's autoflush would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from app.core import entities
from app.models.credit_record import CreditRecord
from app.models.employer import Employer
from app.models.evaluation import Evaluation

AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def _columns(entity: Any, model: type[SQLModel]) -> dict[str, tuple[type, Any]]:
    table = model.__table__  # type: ignore[attr-defined]
    return {c.key: (type(getattr(entity, c.key)), getattr(entity, c.key)) for c in table.columns}


async def _same_as_orm(session: AsyncSession, model: type[SQLModel], query: Any) -> list[Any]:
    read = await entities.listed(session, model, query)
    session.expunge_all()  # what the ORM reads from the rows, not the objects the test built
    loaded = list((await session.scalars(query)).all())
    assert [_columns(r, model) for r in read] == [_columns(e, model) for e in loaded]
    assert not any(r in session for r in read)  # transient: never flushed
    return read


def _by_town(town: str) -> Any:
    return select(Employer).where(Employer.town == town).order_by(col(Employer.name)).limit(3)


async def test_a_page_of_employers_reads_as_the_orm_loads_it(session, make_employer) -> None:
    for name in ("乙单位", "甲单位", "丙单位", "丁单位"):
        await make_employer(name=name, town="列表镇", address="建设路1号")
    read = await _same_as_orm(session, Employer, _by_town("列表镇"))
    assert [e.name for e in read] == sorted(["乙单位", "甲单位", "丙单位", "丁单位"])[:3]


async def test_the_same_shape_reads_its_own_values(session, make_employer) -> None:
    """One statement compiled for the shape; each query's values are its own."""
    await make_employer(name="东单位", town="东镇")
    await make_employer(name="西单位", town="西镇")
    east = await entities.listed(session, Employer, _by_town("东镇"))
    west = await entities.listed(session, Employer, _by_town("西镇"))
    assert [e.name for e in east] == ["东单位"] and [e.name for e in west] == ["西单位"]


async def test_records_and_evaluations_read_as_the_orm_loads_them(session, make_employer) -> None:
    employer = await make_employer()
    for day in (1, 3, 2):
        record = CreditRecord(
            employer_id=employer.id, category="dishonesty", source="inspection", kind="wages",
            occurred_date=date(2026, 1, day), title=f"拖欠工资{day}",
            decision_date=date(2026, 2, day), punished=True, serious_conditions=["repeat"],
            fine_amount=Decimal("100.50"), penalty_category="fine", status="verified",
            verified_at=AT, version=1, revision=1,
        )  # fmt: skip
        session.add(record)
    evaluation = Evaluation(
        employer_id=employer.id, cycle=2025, grade="C", computed_grade="C", status="notice",
        origin="batch", rule_set_version=1, fired_rules=["c.wages"], evidence_counts=[1],
        evidence_ids=[uuid.uuid4()], evidence=[{"rule": "c.wages", "facts": {"days": 3}}],
    )  # fmt: skip
    session.add(evaluation)
    await session.flush()
    records = await _same_as_orm(
        session,
        CreditRecord,
        select(CreditRecord)
        .where(CreditRecord.employer_id == employer.id)
        .order_by(col(CreditRecord.occurred_date).desc()),
    )
    assert [r.occurred_date.day for r in records] == [3, 2, 1]
    assert records[0].fine_amount == Decimal("100.50")  # numeric, as the ORM gives it
    (read,) = await _same_as_orm(
        session, Evaluation, select(Evaluation).where(Evaluation.employer_id == employer.id)
    )
    assert read.evidence == [{"rule": "c.wages", "facts": {"days": 3}}]  # JSONB parsed


async def test_an_in_list_reads_its_own_items(session, make_employer) -> None:
    """One shape whatever the list's length: each query's statement is expanded for its own."""
    first, second = await make_employer(), await make_employer()
    for wanted in ([first.id], [first.id, second.id], [second.id]):
        query = select(Employer).where(col(Employer.id).in_(wanted))
        read = await _same_as_orm(session, Employer, query)
        assert {e.id for e in read} == set(wanted)


async def test_unflushed_changes_are_seen_as_the_orm_would(session, make_employer) -> None:
    employer = await make_employer(town="改名镇")
    employer.name = "改过名的单位"  # not flushed: the ORM would flush it before reading
    (read,) = await entities.listed(session, Employer, _by_town("改名镇"))
    assert read.name == "改过名的单位"


async def test_only_the_models_own_columns(session) -> None:
    with pytest.raises(TypeError):
        await entities.listed(session, Employer, select(Employer.id, Evaluation.id))


# A template (a query of named binds, built once): each call gives its own values.
_TOWN_TEMPLATE = (
    select(Employer)
    .where(Employer.town == bindparam("town"), col(Employer.id).in_([uuid.uuid4()]).is_(False))
    .order_by(col(Employer.name))
    .limit(bindparam("limit", type_=Integer))
)


async def test_a_template_reads_each_calls_own_values(session, make_employer) -> None:
    for name, town in (("甲", "模板东镇"), ("乙", "模板东镇"), ("丙", "模板西镇")):
        await make_employer(name=f"{name}单位", town=town)
    session.expunge_all()  # nothing unflushed: read on the driver
    east = await entities.listed(
        session, Employer, _TOWN_TEMPLATE, {"town": "模板东镇", "limit": 5}
    )
    west = await entities.listed(
        session, Employer, _TOWN_TEMPLATE, {"town": "模板西镇", "limit": 5}
    )
    one = await entities.listed(session, Employer, _TOWN_TEMPLATE, {"town": "模板东镇", "limit": 1})
    assert [e.name for e in east] == sorted(["甲单位", "乙单位"])
    assert [e.name for e in west] == ["丙单位"] and len(one) == 1
    orm = (await session.scalars(_TOWN_TEMPLATE, {"town": "模板东镇", "limit": 5})).all()
    assert [_columns(e, Employer) for e in east] == [_columns(e, Employer) for e in orm]


async def test_a_template_with_unflushed_changes_is_read_by_the_orm(session, make_employer) -> None:
    employer = await make_employer(town="模板改名镇")
    employer.name = "模板改过名"
    (read,) = await entities.listed(
        session, Employer, _TOWN_TEMPLATE, {"town": "模板改名镇", "limit": 5}
    )
    assert read.name == "模板改过名"


async def test_a_template_missing_a_value_is_refused(session) -> None:
    with pytest.raises(InvalidRequestError, match="town"):
        await entities.listed(session, Employer, _TOWN_TEMPLATE, {"limit": 5})
