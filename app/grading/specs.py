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
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, cast, func
from sqlalchemy import Text as SqlText
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.errors import DoesNotExist
from app.core.i18n import Text
from app.grading.rules import Spec
from app.models.rule_set import RuleSet

SIZE = 64  # versions kept (a database has a handful)

_Key = tuple[uuid.UUID, int, str]
_parsed: OrderedDict[_Key, Spec] = OrderedDict()


def _digest() -> ColumnElement[str]:
    return func.md5(
        func.concat(cast(RuleSet.rules, SqlText), "\n", cast(RuleSet.parameters, SqlText))
    )


async def of_versions(
    *, session: AsyncSession, versions: Iterable[int]
) -> dict[int, tuple[Spec, uuid.UUID]]:
    """Each version's parsed rules and the policy it implements; a version that does not exist
    is a 404, as `rule_sets.get` says it."""
    wanted = sorted(set(versions))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(col(RuleSet.version), col(RuleSet.id), col(RuleSet.policy_id), _digest())
            .where(col(RuleSet.version).in_(wanted))
        )
    ).all()  # fmt: skip
    found: dict[int, tuple[Spec, uuid.UUID]] = {}
    for version, rule_set_id, policy_id, digest in rows:
        found[version] = await _spec(session, (rule_set_id, version, digest)), policy_id
    for version in wanted:
        if version not in found:
            raise DoesNotExist(
                Text(f"评价规则第{version}版不存在", f"rule set version {version} does not exist")
            )
    return found


async def _spec(session: AsyncSession, key: _Key) -> Spec:
    spec = _parsed.get(key)
    if spec is not None:
        _parsed.move_to_end(key)
        return spec
    rule_set_id, _, digest = key
    columns = (col(RuleSet.version), col(RuleSet.parameters), col(RuleSet.rules), _digest())
    row = (await session.execute(select(*columns).where(col(RuleSet.id) == rule_set_id))).one()
    spec = Spec.parse(row[0], row[1], row[2])
    if row[3] == digest:  # not edited in between: the content the key names
        _parsed[key] = spec
        while len(_parsed) > SIZE:
            _parsed.popitem(last=False)
    return spec
