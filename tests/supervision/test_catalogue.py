"""The process cache of the parsed measures catalogue (`app.supervision.catalogue`): the
version in force parsed as stored, once; none in force is refused as `measures.in_force`
refuses it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.measure import Measure
from app.supervision import catalogue, measures


async def test_the_catalogue_in_force_is_parsed_once(session: AsyncSession, today: date) -> None:
    stored = await measures.in_force(session=session, on=today)
    parsed = await catalogue.in_force(session=session, on=today)
    assert parsed == tuple(Measure.model_validate(m) for m in stored.measures)
    assert await catalogue.in_force(session=session, on=today) is parsed
    for grade in ("A", "B", "C", None):
        for listed in (True, False):
            chosen = measures.pick(parsed, grade, listed=listed)  # type: ignore[arg-type]
            assert chosen == measures.measures_for(stored, grade, listed=listed)  # type: ignore[arg-type]


async def test_none_in_force_is_refused(session: AsyncSession) -> None:
    with pytest.raises(measures.NoMeasureSetInForce):
        await catalogue.in_force(session=session, on=date(1990, 1, 1))
