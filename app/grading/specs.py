"""Rule set versions parsed once per process, for reading evaluations.

Showing an evaluation renders its stored evidence with its version's citations and texts
(`rules.render`), so every read needed the version's whole row (its large JSONB decoded) and
`Spec.of` (the rules validated). A version in use is frozen, but one process may see many
databases (the test suite) and a version nobody used yet may still be edited, so the cache is
keyed by what identifies the row's content: its id, its version and a digest of its rules and
parameters, computed by the database. Each read asks for those small columns only, and the
whole row is fetched and parsed when that content was not seen yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, cast, func, true
from sqlalchemy import Text as SqlText
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import DriverStatement
from app.core.parsed_cache import ParsedCache
from app.grading import policies
from app.grading.rule_sets import version_missing
from app.grading.rules import Spec
from app.models.rule_set import RuleSet

_Key = tuple[uuid.UUID, int, str]  # the row's id, its version, the digest of its content
_parsed: ParsedCache[_Key, Spec] = ParsedCache(size=64)  # a database has a handful


_TABLE = RuleSet.__table__.c  # type: ignore[attr-defined]
# what identifies a version's content (built once, as plain table columns)
_DIGEST = func.md5(func.concat(cast(_TABLE.rules, SqlText), "\n", cast(_TABLE.parameters, SqlText)))
# sent to the driver as it is: one array parameter
_OF_VERSIONS = _TABLE.version == func.any(bindparam("versions", type_=ARRAY(Integer)))
_KEY_COLUMNS = (_TABLE.version, _TABLE.id, _TABLE.policy_id, _DIGEST)
_KEYS = DriverStatement(sa_select(*_KEY_COLUMNS).where(_OF_VERSIONS))
# what every evaluation shown asks, in one round trip: the keys' columns as arrays, each in the
# versions' order (NULL for none), beside each policy's standing row (one row of no policy when
# there is no policy)
_KEYS_LISTED = (
    sa_select(
        *(
            func.array_agg(aggregate_order_by(column, _TABLE.version)).label(f"k{i}")
            for i, column in enumerate(_KEY_COLUMNS)
        )
    )
    .where(_OF_VERSIONS)
    .subquery("k")
)
_POLICIES = policies.standing_query().subquery("s")
_WITH_STANDING = DriverStatement(
    sa_select(*_KEYS_LISTED.c, *_POLICIES.c).select_from(_KEYS_LISTED.outerjoin(_POLICIES, true()))
)
_STANDING_FROM = len(_KEY_COLUMNS)  # where a row's policy columns begin
_RULE_SETS = RuleSet.__table__  # type: ignore[attr-defined]
_ROW = sa_select(_TABLE.version, _TABLE.parameters, _TABLE.rules, _DIGEST).where(
    _TABLE.id == bindparam("id")
)


async def of_versions(
    *, session: AsyncSession, versions: Iterable[int]
) -> dict[int, tuple[Spec, uuid.UUID]]:
    """Each version's parsed rules and the policy it implements; a version that does not exist
    is a 404, as `rule_sets.get` says it."""
    wanted = sorted(set(versions))
    if not wanted:
        return {}
    return await _found(session, wanted, await _KEYS.fetch(session, versions=wanted))


async def with_standing(
    *, session: AsyncSession, versions: Iterable[int]
) -> tuple[policies.Standing, dict[int, tuple[Spec, uuid.UUID]]]:
    """`policies.standing()` and `of_versions(versions)`, read in one round trip: what showing
    evaluations needs (GET /evaluations/{id} 2.28M -> 2.15M instructions, issue 16)."""
    wanted = sorted(set(versions))
    rows = await _WITH_STANDING.fetch(session, versions=wanted)
    standing = policies.standing_of(
        row[_STANDING_FROM:] for row in rows if row[_STANDING_FROM] is not None
    )
    keys = zip(*(column or [] for column in rows[0][:_STANDING_FROM]), strict=True)
    return standing, await _found(session, wanted, keys)


def standing_beside(version: ColumnElement[int]) -> Select[Any]:
    """A select of the rule set version `version` (a column of the statement it goes in, read
    laterally: `entities.by_id_beside`) with its keys beside each policy's standing row: what
    `with_standing` reads for one version, for a statement that reads the evaluation with it
    (GET /evaluations/{id} in one round trip, issue 16). Read its rows with `standing_beside_of`."""
    return (
        sa_select(*_KEY_COLUMNS, *_POLICIES.c)
        .select_from(_RULE_SETS.outerjoin(_POLICIES, true()))
        .where(_TABLE.version == version)
    )


async def standing_beside_of(
    *, session: AsyncSession, version: int, rows: Sequence[Sequence[Any]]
) -> tuple[policies.Standing, dict[int, tuple[Spec, uuid.UUID]]]:
    """What `with_standing([version])` gives, from the rows of `standing_beside(version)`."""
    standing = policies.standing_of(
        row[_STANDING_FROM:] for row in rows if row[_STANDING_FROM] is not None
    )
    keys = [rows[0][:_STANDING_FROM]] if rows and rows[0][0] is not None else []
    return standing, await _found(session, [version], keys)


async def _found(
    session: AsyncSession, wanted: list[int], keys: Iterable[Sequence[Any]]
) -> dict[int, tuple[Spec, uuid.UUID]]:
    found: dict[int, tuple[Spec, uuid.UUID]] = {}
    for version, rule_set_id, policy_id, digest in keys:
        found[version] = await _spec(session, (rule_set_id, version, digest)), policy_id
    for version in wanted:
        if version not in found:
            raise version_missing(version)
    return found


async def _spec(session: AsyncSession, key: _Key) -> Spec:
    spec = _parsed.get(key)
    if spec is not None:
        return spec
    rule_set_id, _, digest = key
    row = (await session.execute(_ROW, {"id": rule_set_id})).one()
    spec = Spec.parse(row[0], row[1], row[2])
    if row[3] == digest:  # not edited in between: the content the key names
        _parsed.keep(key, spec)
    return spec
