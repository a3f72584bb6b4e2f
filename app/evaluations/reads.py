"""Evaluations as they are read: one, a page, an employer's history, and the public shape (the
stored evidence rendered with its rule set version's citations and texts)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    Select,
    Table,
    Uuid,
    bindparam,
    func,
    or_,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col, select

from app.core import access, entities, pagination, showing
from app.core.actors import Actor
from app.core.i18n import Text, say
from app.grading import specs as rule_specs
from app.grading.policies import Standing
from app.grading.rules import Spec, evidence_items, render
from app.models.evaluation import (
    FIRST_CYCLE,
    LAST_CYCLE,
    Evaluation,
    EvaluationPublic,
    EvaluationStatus,
    ExplanationItem,
)


async def to_public(
    *, session: AsyncSession, evaluations: Sequence[Evaluation]
) -> list[EvaluationPublic]:
    """As the API shows them: the stored evidence rendered with its rule set version's citations
    and texts (none stored is the default rule's), and whether the policy it rests on had lapsed
    on the day it was made (Art 18, `policies`)."""
    return [
        showing.model(EvaluationPublic, evaluation, **computed)
        for evaluation, computed in await _computed(session, evaluations)
    ]


async def to_public_data(
    *, session: AsyncSession, evaluations: Sequence[Evaluation]
) -> list[dict[str, Any]]:
    """`to_public`'s JSON as plain data (showing.data): what its reads send, each explanation
    item's fields in ExplanationItem's order, as the model would give them."""
    return _data(await _computed(session, evaluations))


# The rule set version and the policies' standing read with the evaluation (`get_shown`).
_BESIDE = rule_specs.standing_beside(Evaluation.__table__.c.rule_set_version)  # type: ignore[attr-defined]


async def get_shown(
    *, session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor
) -> dict[str, Any]:
    """`to_public_data` of `get`, its rule set version's keys and the policies' standing read
    with the row in one round trip (`entities.by_id_beside`): GET /evaluations/{id}."""
    found = await entities.by_id_beside(session, Evaluation, evaluation_id, _BESIDE)
    row, beside = found if found is not None else (None, [])
    evaluation = access.visible(actor, row, missing=_missing(evaluation_id))
    state, specs = await rule_specs.standing_beside_of(
        session=session, version=evaluation.rule_set_version, rows=beside
    )
    [shown] = _data(_computed_with(state, specs, [evaluation]))
    return shown


def _data(computed: list[tuple[Evaluation, dict[str, Any]]]) -> list[dict[str, Any]]:
    shown = []
    for evaluation, values in computed:
        items = values["explanation"]
        values["explanation"] = [{name: item[name] for name in _ITEM} for item in items]
        shown.append(showing.data(EvaluationPublic, evaluation, **values))
    return shown


_ITEM = tuple(ExplanationItem.model_fields)


async def _computed(
    session: AsyncSession, evaluations: Sequence[Evaluation]
) -> list[tuple[Evaluation, dict[str, Any]]]:
    """Each evaluation with what its public shape computes: the explanation and the policy's
    standing on the day it was made."""
    if not evaluations:
        return []
    versions = {evaluation.rule_set_version for evaluation in evaluations}
    state, specs = await rule_specs.with_standing(session=session, versions=versions)
    return _computed_with(state, specs, evaluations)


def _computed_with(
    state: Standing,
    specs: dict[int, tuple[Spec, uuid.UUID]],
    evaluations: Sequence[Evaluation],
) -> list[tuple[Evaluation, dict[str, Any]]]:
    notes: dict[tuple[uuid.UUID, date], Text | None] = {}  # a page's rows share a few days
    computed = []
    for evaluation in evaluations:
        spec, policy_id = specs[evaluation.rule_set_version]
        made_on = evaluation.effective_from or evaluation.created_at.date()
        if (policy_id, made_on) not in notes:
            notes[policy_id, made_on] = state.note(policy_id, made_on)
        note = notes[policy_id, made_on]
        computed.append(
            (
                evaluation,
                {
                    "explanation": _explanation(evaluation, spec),
                    "policy_lapsed": note is not None,
                    "policy_note": say(note) if note is not None else None,
                },
            )
        )
    return computed


def _explanation(evaluation: Evaluation, spec: Spec) -> list[dict[str, Any]]:
    """Its evidence items rendered: the fired rules' records (columns), then the items stored
    whole; none stored is the default rule's, the same for every such evaluation of a version
    and cycle (most rows), rendered once per parsed version (`Spec.plain_explanation`)."""
    columns = []
    if evaluation.evidence_counts is not None and evaluation.evidence_ids is not None:
        columns = evidence_items(
            spec, evaluation.fired_rules, evaluation.evidence_counts, evaluation.evidence_ids
        )
    items = columns + (evaluation.evidence or [])
    if items:
        return render(spec, evaluation.cycle, items)
    return spec.plain_explanation(evaluation.cycle)


async def to_public_one(*, session: AsyncSession, evaluation: Evaluation) -> EvaluationPublic:
    [shown] = await to_public(session=session, evaluations=[evaluation])
    return shown


def of_employer(employer_id: uuid.UUID | BindParameter[uuid.UUID]) -> ColumnElement[bool]:
    """Every evaluation of an employer, each status named: the current ones are found through
    uq_evaluations_current and the superseded through ix_evaluations_superseded (both partial,
    so the planner uses them only when the condition implies their predicate)."""
    status = col(Evaluation.status)
    return (col(Evaluation.employer_id) == employer_id) & or_(
        status.in_([EvaluationStatus.notice, EvaluationStatus.final]),
        status == EvaluationStatus.superseded,
    )


async def get(*, session: AsyncSession, evaluation_id: uuid.UUID, actor: Actor) -> Evaluation:
    """Employers see only their own; anything else is simply not there."""
    evaluation = await entities.by_id(session, Evaluation, evaluation_id)
    return access.visible(actor, evaluation, missing=_missing(evaluation_id))


def _missing(evaluation_id: uuid.UUID) -> Text:
    return Text(f"信用评价 {evaluation_id}", f"evaluation {evaluation_id}")


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    employer_id: uuid.UUID | None = None,
    cycle: int | None = None,
    status: EvaluationStatus | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Evaluation], str | None]:
    """Newest first, every version (filter `status` for the current ones)."""
    employer_id = access.own_employer(actor, employer_id)
    given: dict[str, Any] = {
        name: value
        for name, value in (("employer_id", employer_id), ("cycle", cycle), ("status", status))
        if value is not None
    }
    if cursor:
        given["after_at"], given["after_id"] = pagination.decode_as(
            cursor, pagination.moment, uuid.UUID
        )
    # the notices are a shape of their own: their partial index holds them all (`_listing`)
    notices = ("notices",) if status == EvaluationStatus.notice else ()
    query = _listing((*given, *notices))
    rows = await entities.listed(session, Evaluation, query, {**given, "limit": limit + 1})
    return pagination.page(rows, limit, lambda e: [e.created_at.isoformat(), str(e.id)])


_TABLE: Table = Evaluation.__table__  # type: ignore[attr-defined]


@functools.cache
def _listing(given: tuple[str, ...]) -> Select[Any]:
    """The page's query for the filters `given` (and the cursor's `after_at`, `after_id`), its
    values named binds (a template of `entities.listed`), built once per shape.

    Neither an employer nor a cycle given: the page of each cycle (read backwards off
    ix_evaluations_cycle_created, as a cycle's own page is), merged. Sorting the whole table
    instead read and sorted every evaluation per page: 450 ms at 1,000,000 evaluations, growing
    by a county's employers with every yearly run; merged, the page reads at most a page of
    each cycle that has one (see `_every_cycle`). But not the notices ("notices" given with
    the status): however many evaluations, only the C proposals awaiting a decision are notices,
    a few at any time, all in ix_evaluations_notice_deadline, and sorting them is cheaper than
    searching a cycle that has none backwards to its first evaluation."""
    if "employer_id" not in given and "cycle" not in given and "notices" not in given:
        return _every_cycle(given)
    query = select(Evaluation)
    if "employer_id" in given:
        query = query.where(of_employer(bindparam("employer_id", type_=Uuid)))
    if "cycle" in given:
        query = query.where(Evaluation.cycle == bindparam("cycle"))
    return _paged(query, _TABLE, given)


def _paged(query: Select[Any], table: FromClause, given: tuple[str, ...]) -> Select[Any]:
    """`query` of evaluations (`table`, or an alias of it) with the status and the cursor
    `given`, newest first, a page long."""
    if "status" in given:
        query = query.where(table.c.status == bindparam("status"))
    if "after_id" in given:
        key = func.row(table.c.created_at, table.c.id)
        after = func.row(
            bindparam("after_at", type_=DateTime(timezone=True)),
            bindparam("after_id", type_=Uuid),
        )
        query = query.where(key < after)
    order = (table.c.created_at.desc(), table.c.id.desc())
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


def _every_cycle(given: tuple[str, ...]) -> Select[Any]:
    """Every cycle's page, merged: for each cycle an evaluation may have (FIRST_CYCLE to
    LAST_CYCLE, its check constraint), the ids of its page (an index range scan that stops at
    the page's length, at once for a cycle with none); the page is the newest of those. Each
    cycle's page is ordered and cut on its own, so the merge is right whatever the plan."""
    cycles = func.generate_series(FIRST_CYCLE, LAST_CYCLE).table_valued("cycle")
    cycles = cycles.render_derived(name="cycles")
    each = _TABLE.alias("of_cycle")
    pages = _paged(select(each.c.id).where(each.c.cycle == cycles.c.cycle), each, given)
    page = pages.lateral("page")
    merged = (
        select(Evaluation)
        .select_from(cycles)
        .join(page, true())
        .join(_TABLE, col(Evaluation.id) == page.c.id)
    )
    return _paged(merged, _TABLE, ())
