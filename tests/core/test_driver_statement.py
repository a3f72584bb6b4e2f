"""A Core statement compiled once for the driver (app.core.db.DriverStatement): the same rows as
the session's own execution of it, its own binds kept (a LIMIT), the named ones given per call
(an array parameter), in the test's transaction once the session has begun it."""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.db import DriverStatement
from app.models.employer import Employer

TABLE = Employer.__table__.c  # type: ignore[attr-defined]
QUERY = (
    select(TABLE.id, TABLE.employee_count)
    .where(TABLE.employee_count == func.any(bindparam("counts", type_=ARRAY(Integer))))
    .order_by(TABLE.employee_count, TABLE.id)
    .limit(2)
)


async def test_rows_are_the_sessions_own(session, make_employer) -> None:
    for count in (3, 5, 5, 8):
        await make_employer(employee_count=count)  # flushed: the session's transaction began
    statement = DriverStatement(QUERY)
    rows = await statement.fetch(session, counts=[5, 8])
    expected = (await session.execute(QUERY, {"counts": [5, 8]})).all()
    assert [tuple(r) for r in rows] == [tuple(r) for r in expected]
    assert [r["employee_count"] for r in rows] == [5, 5]  # LIMIT 2 kept, counts given
    assert await statement.fetch(session, counts=[4]) == []
