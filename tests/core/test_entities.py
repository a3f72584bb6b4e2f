"""Entities read for showing (app.core.entities): every column as `Session.get` gives it, its
value and its type, for each table read that way; none for an id that is not there; and a
process whose first database read is one of these."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from app.core import entities
from app.models.credit_record import CreditRecord
from app.models.employer import Employer
from app.models.evaluation import Evaluation

AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


async def _as_loaded(session: AsyncSession, model: type[SQLModel], entity_id: uuid.UUID) -> Any:
    session.expunge_all()  # what the ORM reads from the row, not the object the test built
    return await session.get(model, entity_id)


def _columns(entity: Any, model: type[SQLModel]) -> dict[str, tuple[type, Any]]:
    table = model.__table__  # type: ignore[attr-defined]
    return {c.key: (type(getattr(entity, c.key)), getattr(entity, c.key)) for c in table.columns}


async def _same_as_orm(session: AsyncSession, model: type[SQLModel], entity_id: uuid.UUID) -> Any:
    read = await entities.by_id(session, model, entity_id)
    loaded = await _as_loaded(session, model, entity_id)
    assert read is not None and loaded is not None
    assert _columns(read, model) == _columns(loaded, model)
    assert read not in session  # transient: never flushed
    return read


async def test_an_employer_reads_as_the_orm_loads_it(session, make_employer) -> None:
    employer = await make_employer(
        address="凤城镇建设路1号",
        legal_representative_id_number_enc=b"\x00\x01cipher",
        legal_representative_id_number_masked="1411**********1234",
        checksum_exception=True,
        checksum_exception_reason="历史登记",
    )
    read = await _same_as_orm(session, Employer, employer.id)
    assert read.legal_representative_id_number_enc == b"\x00\x01cipher"


async def test_a_credit_record_reads_as_the_orm_loads_it(session, make_employer) -> None:
    employer = await make_employer()
    record = CreditRecord(
        employer_id=employer.id, category="dishonesty", source="inspection", kind="wages",
        occurred_date=date(2026, 1, 2), decision_date=date(2026, 1, 9), title="拖欠工资",
        punished=True, serious_conditions=["repeat", "mass"], fine_amount=Decimal("12345.60"),
        penalty_category="fine", status="verified", version=1, revision=1,
        publication_end_date=date(2029, 1, 9), in_catalogue=True, verified_at=AT,
    )  # fmt: skip
    session.add(record)
    await session.flush()
    read = await _same_as_orm(session, CreditRecord, record.id)
    assert read.fine_amount == Decimal("12345.60") and read.serious_conditions == ["repeat", "mass"]


async def test_an_evaluation_reads_as_the_orm_loads_it(session, make_employer) -> None:
    employer = await make_employer()
    evidence_id = uuid.uuid4()
    evaluation = Evaluation(
        employer_id=employer.id, cycle=2025, grade="C", computed_grade="C", status="notice",
        origin="batch", rule_set_version=1, fired_rules=["c.wages"], evidence_counts=[1],
        evidence_ids=[evidence_id], evidence=[{"rule": "c.other", "facts": {"days": 3}}],
        representation_deadline=date(2026, 1, 12), decision_reason="理由",
    )  # fmt: skip
    session.add(evaluation)
    await session.flush()
    read = await _same_as_orm(session, Evaluation, evaluation.id)
    assert read.evidence == [{"rule": "c.other", "facts": {"days": 3}}]  # JSONB parsed
    assert read.evidence_ids == [evidence_id]


async def test_an_id_that_is_not_there_is_none(session) -> None:
    assert await entities.by_id(session, Employer, uuid.uuid4()) is None
    assert await entities.by_id_beside(session, Employer, uuid.uuid4(), _TOWN_PEERS) is None


# beside an employer: the other employers of its town, by name (refers to the row read)
_PEERS = Employer.__table__.alias("peer")  # type: ignore[attr-defined]
_TOWN_PEERS = (
    sa_select(_PEERS.c.name)
    .where(_PEERS.c.town == Employer.__table__.c.town)  # type: ignore[attr-defined]
    .where(_PEERS.c.id != Employer.__table__.c.id)  # type: ignore[attr-defined]
    .order_by(_PEERS.c.name)
)


async def test_a_row_read_with_rows_beside_it(session, make_employer) -> None:
    """The entity as `by_id` reads it, and the rows of the select beside it, which sees the row:
    every row of it, and one row of NULLs when it has none."""
    employer = await make_employer(town="凤城镇", name="乙单位", address="建设路1号")
    await make_employer(town="凤城镇", name="甲单位")
    await make_employer(town="凤城镇", name="丙单位")
    await make_employer(town="孝义镇", name="丁单位")
    found = await entities.by_id_beside(session, Employer, employer.id, _TOWN_PEERS)
    assert found is not None
    read, beside = found
    assert _columns(read, Employer) == _columns(
        await entities.by_id(session, Employer, employer.id), Employer
    )
    assert read not in session
    assert [tuple(row) for row in beside] == [("丙单位",), ("甲单位",)]  # its town's others
    alone = await make_employer(town="北张乡", name="戊单位")
    lone = await entities.by_id_beside(session, Employer, alone.id, _TOWN_PEERS)
    assert (
        lone is not None and lone[0].name == "戊单位" and [tuple(r) for r in lone[1]] == [(None,)]
    )


def test_a_process_whose_first_read_is_one_configures_the_mappers(database_url: str) -> None:
    """An entity's attributes need configured mappers, which an ORM query would have done: in a
    fresh process that reads this way before any ORM statement, the employer must be usable."""
    program = f"""
import asyncio, uuid
from app.core import entities
from app.core.db import create_engine, driver_connection, session_factory
from app.models.employer import Employer

async def main():
    engine = create_engine({database_url!r})
    async with session_factory(engine)() as session:
        driver = await driver_connection(session)
        kept = driver.transaction()  # SQLAlchemy has begun none yet (it does so lazily)
        await kept.start()
        employer_id = await driver.fetchval(
            "INSERT INTO employers (id, uscc, name, subject_type, legal_representative, town, "
            "industry_code, employee_count, status, checksum_exception, version, created_at, "
            "updated_at) VALUES ($1, '91141128MA0FIRST1X', '首读单位', 'enterprise', '李四', "
            "'凤城镇', 'C1311', 3, 'active', false, 1, now(), now()) RETURNING id", uuid.uuid4())
        employer = await entities.by_id(session, Employer, employer_id)
        print(employer.name, employer.employee_count)
        await kept.rollback()
    await engine.dispose()

asyncio.run(main())
"""
    answer = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split() == ["首读单位", "3"]
