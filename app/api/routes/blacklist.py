"""The wage-arrears joint-punishment list (拖欠农民工工资失信联合惩戒对象名单, 人社部令第45号):
enter a listing (a draft), verify it (a second reviewer), record payment, remove, read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.blacklist import reads as blacklist_reads
from app.blacklist import service as blacklist
from app.blacklist.errors import (
    AlreadyListed,
    EarlyRemovalNotEligible,
    ListingAwaitingVerification,
    ListingEnded,
    ListingNotDraft,
    ListingNotExpired,
    ListingNotFound,
)
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
from app.records.errors import RecordInvalid, SamePerson

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
    summary="列入拖欠农民工工资失信联合惩戒对象名单 / Put a unit on the list",
    description="人社部令第45号 Art 5: a unit ordered to pay wages by a deadline "
    "(`payment_deadline`, before `listed_on`) that did not pay, when the arrears reach the "
    "provincial threshold (setting `blacklist_arrears_threshold_yuan`) or caused a group or "
    "extreme incident. The unit is listed with its responsible persons (their ID numbers are "
    "encrypted at rest and masked except for admins) for 3 years from `listed_on` "
    "(`expires_on`, setting `blacklist_term_years`). Four eyes: the listing is created as a "
    "`draft`, not in force, with no credit record (`credit_record_id` null), not counted by "
    "grading and not shown to the employer, until a second reviewer verifies it "
    "(`POST .../{entry_id}/verification`). 409 `employer-already-listed` with `existing_id` "
    "when the unit has a listing in force; 422 for an unknown employer, a future `listed_on`, "
    "a deadline not before it, or arrears below the threshold.",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, AlreadyListed, RecordInvalid),
)
async def create_entry(
    data: BlacklistEntryCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> BlacklistEntryPublic:
    """人社部令第45号第五条：经责令限期支付仍未支付拖欠的农民工工资，且数额达到省定标准或引发群
    体性、极端事件的，将用人单位及其责任人列入名单，期限3年。列入同时生成一条已核实的失信信息
    （评为C级的第7项条件，第十三条）。复核员操作。"""
    entry = await blacklist.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/blacklist-entries/{entry.id}"
    return await _answer(response, session, settings, clock, actor, entry)


@router.get(
    "",
    summary="查询失信联合惩戒对象名单 / Search the list",
    response_model=Page[BlacklistEntryPublic],
    description="Newest listing first; pass `next_cursor` back as `cursor`; `status=draft` "
    "lists the listings awaiting a second reviewer. An employer account sees only its own "
    "listings, drafts excepted; another employer's `employer_id` is a 404, as for one that "
    "does not exist.",
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
    """按列入时间倒序。用人单位账号只能看到本单位的列入记录。"""
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
    summary="查看名单列入记录 / Read a listing",
    description="With `early_removal_eligible` and what it still needs "
    "(`early_removal_missing`). The `ETag` header is what PATCH needs in `If-Match`. An "
    "employer's own draft is a 404 for its account: a draft is not in force.",
    responses=problems(*GUARDED, DoesNotExist, ListingNotFound),
)
async def get_entry(
    entry_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reader,
) -> BlacklistEntryPublic:
    """含是否符合提前移出条件及尚缺的条件；响应头 `ETag` 用于修改时的 `If-Match`。"""
    entry = await blacklist_reads.get(session=session, entry_id=entry_id, actor=actor)
    return await _answer(response, session, settings, clock, actor, entry)


@router.patch(
    "/{entry_id}",
    summary="登记欠薪清偿或信用承诺 / Record arrears paid or the credit commitment",
    description="The facts early removal rests on (人社部令第45号): `arrears_paid_on` (the "
    "waiting period of 6 months, setting `blacklist_early_removal_months`, counts from it) and "
    "`commitment_received_on` (written credit commitment on file). Only a current listing "
    "(409 `listing-awaiting-verification` for a draft, `listing-ended` once ended); "
    "`If-Match: <ETag>` (428 without, 412 when stale); dates not in the future (422). The "
    "listing decision itself never changes.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        ListingNotFound,
        ListingAwaitingVerification,
        ListingEnded,
        IfMatchRequired,
        StaleEtag,
        RecordInvalid,
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
    """登记提前移出所依据的事实：拖欠工资清偿日期（6个月等待期自此起算）和书面信用承诺收到日
    期。须带 `If-Match`；列入决定本身不可更改。"""
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
    "/{entry_id}/verification",
    summary="核实名单列入决定草稿 / Verify a draft listing",
    description="Four eyes (Art 8): a reviewer other than the one who entered the listing "
    "(`listed_by`) verifies it; the one who entered it gets 403 `same-person` and nothing "
    "changes. The listing comes into force (`status: listed`, `verified_by`, `verified_at`) "
    "and the unit's dishonesty record (C condition 7, Art 13) is written with it, verified: a "
    "`wage_arrears_listing` record (`credit_record_id`), its decision date `listed_on`. Emits "
    "`record.verified` and `listing.listed`, so grading re-grades the unit. The term still "
    "counts from `listed_on`. Only a draft (409 `listing-not-draft`); 409 "
    "`employer-already-listed` when the unit has a listing in force meanwhile.",
    responses=problems(*GUARDED, ListingNotFound, ListingNotDraft, SamePerson, AlreadyListed),
)
async def verify_entry(
    entry_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> BlacklistEntryPublic:
    """第八条，双人把关：由录入人以外的审核人员核实列入决定草稿，单位自此列入名单，并写入已核实的失信信息。"""
    entry = await blacklist.verify(
        session=session, entry_id=entry_id, actor=actor, settings=settings, clock=clock
    )
    return await _answer(response, session, settings, clock, actor, entry)


@router.post(
    "/{entry_id}/removal",
    summary="移出失信联合惩戒对象名单 / Remove a unit from the list",
    description="`kind: early` (提前移出): only when the arrears are paid, the waiting period "
    "since payment has passed and a written credit commitment is on file; otherwise 409 "
    "`early-removal-not-eligible` with `missing` naming each condition not met. `kind: "
    "expiry`: on or after `expires_on` (409 `listing-not-expired` before; the scheduler also "
    "does it, the night the term ends). The listing ends today (`removed_on`); it was in force "
    "from `listed_on` until the day before the earlier of `removed_on` and `expires_on`. Its "
    "credit record stays verified: the listing remains a fact of the cycles it covered, which "
    "keep their grade, and grading counts it in no cycle that begins on or after that end. Emits "
    "`listing.removed` (grading re-grades the unit). A listing that was wrong is not removed "
    "but corrected: revoke its record (`POST /api/v1/credit-records/{record_id}/revocation`); "
    "it then counts in no cycle, and the listing ends as `revoked`. Only a current listing "
    "(409 `listing-awaiting-verification` for a draft, `listing-ended` once ended).",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        ListingNotFound,
        ListingAwaitingVerification,
        ListingEnded,
        EarlyRemovalNotEligible,
        ListingNotExpired,
    ),
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
    """提前移出（已清偿拖欠工资满6个月并作出书面信用承诺）或期满移出；同时撤销列入对应的信用记
    录，评价不再计入。"""
    entry = await blacklist.remove(
        session=session,
        entry_id=entry_id,
        data=data,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    return await _answer(response, session, settings, clock, actor, entry)
