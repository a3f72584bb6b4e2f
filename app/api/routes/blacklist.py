"""The wage-arrears joint-punishment list (拖欠农民工工资失信联合惩戒对象名单, 人社部令第45号)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.blacklist import reads as blacklist_reads
from app.blacklist import service as blacklist
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, StaleEtag, problems
from app.core.pagination import CursorInvalid
from app.models.base import Page
from app.models.blacklist import (
    BlacklistEntry,
    BlacklistEntryCreate,
    BlacklistEntryPublic,
    BlacklistEntryUpdate,
    BlacklistRemovalCreate,
    ListingStatus,
)
from app.records.errors import RecordInvalid, RecordNotVerified

router = api_router(
    prefix="/blacklist-entries", tags=["wage-arrears list"], responses=problems(*GUARDED)
)
Reader = Annotated[Actor, Depends(require(Permission.blacklist_read))]
Reviewer = Annotated[Actor, Depends(require(Permission.blacklist_write))]


async def _answer(
    response: Response, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    actor: Actor, entry: BlacklistEntry,
) -> BlacklistEntryPublic:  # fmt: skip
    response.headers["ETag"] = blacklist.etag(entry)
    [public] = await blacklist_reads.public(
        session=session, entries=[entry], actor=actor, settings=settings, clock=clock
    )
    return public


@router.post(
    "",
    status_code=201,
    summary="List a unit (列入失信联合惩戒名单)",
    description="人社部令第45号 Art 5: a unit ordered to pay wages by a deadline "
    "(`payment_deadline`, before `listed_on`) that did not pay, when the arrears reach the "
    "provincial threshold (setting `blacklist_arrears_threshold_yuan`) or caused a group or "
    "extreme incident. The unit is listed with its responsible persons (their ID numbers are "
    "encrypted at rest and masked except for admins) for 3 years (`expires_on`, setting "
    "`blacklist_term_years`). The listing is also the unit's dishonesty record (C condition 7, "
    "Art 13): a verified `wage_arrears_listing` record is created with it (`credit_record_id`). "
    "409 with `existing_id` when the unit is already listed; 422 for an unknown employer, a "
    "future `listed_on`, a deadline not before it, or arrears below the threshold.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, RecordInvalid),
)
async def create_entry(
    data: BlacklistEntryCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> BlacklistEntryPublic:
    entry = await blacklist.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/blacklist-entries/{entry.id}"
    return await _answer(response, session, settings, clock, actor, entry)


@router.get(
    "",
    summary="Search the list",
    response_model=Page[BlacklistEntryPublic],
    description="Newest listing first; pass `next_cursor` back as `cursor`. An employer "
    "account sees only its own listings; another employer's `employer_id` is a 404, as for one "
    "that does not exist.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
)
async def list_entries(
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    status: ListingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[BlacklistEntryPublic]:
    rows, next_cursor = await blacklist_reads.list_(
        session=session,
        actor=actor,
        employer_id=employer_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    items = await blacklist_reads.public(
        session=session, entries=rows, actor=actor, settings=settings, clock=clock
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/{entry_id}",
    summary="Read a listing",
    description="With `early_removal_eligible` and what it still needs "
    "(`early_removal_missing`). The `ETag` header is what PATCH needs in `If-Match`.",
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_entry(
    entry_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
) -> BlacklistEntryPublic:
    entry = await blacklist_reads.get(session=session, entry_id=entry_id, actor=actor)
    return await _answer(response, session, settings, clock, actor, entry)


@router.patch(
    "/{entry_id}",
    summary="Record arrears paid or the credit commitment",
    description="The facts early removal rests on (人社部令第45号): `arrears_paid_on` (the "
    "waiting period of 6 months, setting `blacklist_early_removal_months`, counts from it) and "
    "`commitment_received_on` (written credit commitment on file). Only a current listing "
    "(409); `If-Match: <ETag>` (428 without, 412 when stale); dates not in the future (422). "
    "The listing decision itself never changes.",
    responses=problems(
        *GUARDED, *WITH_BODY, DoesNotExist, IfMatchRequired, StaleEtag, RecordInvalid
    ),
)
async def update_entry(
    entry_id: uuid.UUID,
    data: BlacklistEntryUpdate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
    if_match: IfMatch = None,
) -> BlacklistEntryPublic:
    entry = await blacklist.update(
        session=session,
        entry_id=entry_id,
        data=data,
        if_match=if_match,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    return await _answer(response, session, settings, clock, actor, entry)


@router.post(
    "/{entry_id}/removal",
    summary="Remove a unit from the list (移出)",
    description="`kind: early` (提前移出): only when the arrears are paid, the waiting period "
    "since payment has passed and a written credit commitment is on file; otherwise 409 with "
    "`missing` naming each condition not met. `kind: expiry`: on or after `expires_on` (409 "
    "before). Either way the listing's credit record is revoked with `document` as the revoking "
    "document, so grading stops counting it (emits `record.revoked`). Only a current listing "
    "(409).",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, RecordNotVerified),
)
async def remove_entry(
    entry_id: uuid.UUID,
    data: BlacklistRemovalCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> BlacklistEntryPublic:
    entry = await blacklist.remove(
        session=session,
        entry_id=entry_id,
        data=data,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    return await _answer(response, session, settings, clock, actor, entry)
