"""The measures catalogue in force, parsed once per process and content, for the credit profile.

`measures.in_force` loads the whole version (its measures JSONB decoded) and `measures_for`
validates every measure on each call; `measures.pick` chooses from what this returns. A
version is frozen once written (the database refuses an edit), but one process may see many
databases (the test suite), so the parsed measures are kept by what identifies the row's
content: its id, its version and an md5 of its measures computed by the database; each read
asks for those small columns only.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, bindparam, cast, func, or_
from sqlalchemy import Text as SqlText
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import DriverStatement
from app.core.parsed_cache import ParsedCache
from app.models.measure import Measure, MeasureSet
from app.supervision.measures import none_in_force

_Key = tuple[uuid.UUID, int, str]  # the row's id, its version, the digest of its measures
_parsed: ParsedCache[_Key, tuple[Measure, ...]] = ParsedCache(size=16)

_TABLE = MeasureSet.__table__.c  # type: ignore[attr-defined]
_DIGEST = func.md5(cast(_TABLE.measures, SqlText))
_ON = bindparam("on", type_=Date)
# every credit profile asks (sent to the driver as it is)
_KEY = DriverStatement(
    sa_select(_TABLE.id, _TABLE.version, _DIGEST).where(
        _TABLE.effective_from <= _ON,
        or_(_TABLE.effective_to.is_(None), _TABLE.effective_to >= _ON),
    )
)
_ROW = sa_select(_TABLE.measures, _DIGEST).where(_TABLE.id == bindparam("id"))


async def in_force(*, session: AsyncSession, on: date) -> tuple[Measure, ...]:
    """The measures of the version in force on `on`, in catalogue order (shared: a tuple);
    NoMeasureSetInForce when none is (as `measures.in_force`)."""
    found_keys = await _KEY.fetch(session, on=on)
    if not found_keys:
        raise none_in_force(on)
    found_key = found_keys[0]
    key: _Key = (found_key[0], found_key[1], found_key[2])
    found = _parsed.get(key)
    if found is not None:
        return found
    row = (await session.execute(_ROW, {"id": key[0]})).one()
    found = tuple(Measure.model_validate(m) for m in row[0])
    if row[1] == key[2]:  # not edited in between: the content the key names
        _parsed.keep(key, found)
    return found
