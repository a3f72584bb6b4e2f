"""Credit records (信用信息, Art 5–8): collect, verify, correct, revoke, read, history."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import ClockDep, IfMatch, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import responses
from app.models.base import Page
from app.models.credit_record import (
    CorrectionCreate,
    CreditRecord,
    CreditRecordCreate,
    CreditRecordHistory,
    CreditRecordPublic,
    CreditRecordUpdate,
    RecordCategory,
    RecordKind,
    RecordSource,
    RecordStatus,
    RevocationCreate,
)
from app.records import corrections, reads
from app.records import service as credit_records

router = api_router(
    prefix="/credit-records", tags=["credit records"], responses=responses(401, 403)
)
# GET /employers/{id}/credit-records: the employer's file (issue 3 item 7)
employer_router = api_router(
    prefix="/employers", tags=["credit records"], responses=responses(401, 403)
)
Reader = Annotated[Actor, Depends(require(Permission.credit_records_read))]
Collector = Annotated[Actor, Depends(require(Permission.credit_records_write))]
Reviewer = Annotated[Actor, Depends(require(Permission.credit_records_review))]


def _answer(response: Response, record: CreditRecord) -> CreditRecordPublic:
    response.headers["ETag"] = credit_records.etag(record)
    return reads.to_public(record)


@router.post(
    "",
    status_code=201,
    summary="Collect a credit record (draft)",
    description="Art 5–8: an inspector or reviewer enters a record about one employer; it stays "
    "a `draft`, editable by its collector, until a second person verifies it. `kind` must belong "
    "to `category` (the nine national items are dishonesty kinds). 422 for an unknown "
    "`employer_id`, a decision or occurrence date in the future, a `fine_amount` without a "
    "`penalty_category`, or a bad authority USCC. `publication_end_date` and `in_catalogue` are "
    "derived from settings (docs/law.md §5, Art 7).",
    responses=responses(422),
)
async def create_record(
    data: CreditRecordCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Collector,
) -> CreditRecordPublic:
    record = await credit_records.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/credit-records/{record.id}"
    return _answer(response, record)


@router.get(
    "",
    summary="Search credit records",
    response_model=Page[CreditRecordPublic],
    description="Newest occurrence first; `occurred_from`/`occurred_to` are inclusive. Every "
    "version is listed (filter `status=verified` for the current verified ones). An employer "
    "account sees only its own verified records; another employer's `employer_id` is a 404, as "
    "for one that does not exist.",
    responses=responses(404, 422),
)
async def list_records(
    session: SessionDep,
    actor: Reader,
    employer_id: uuid.UUID | None = None,
    category: RecordCategory | None = None,
    kind: RecordKind | None = None,
    source: RecordSource | None = None,
    status: RecordStatus | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[CreditRecordPublic]:
    rows, next_cursor = await reads.list_(
        session=session,
        actor=actor,
        employer_id=employer_id,
        category=category,
        kind=kind,
        source=source,
        status=status,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[reads.to_public(r) for r in rows], next_cursor=next_cursor)


@employer_router.get(
    "/{employer_id}/credit-records",
    summary="An employer's credit file",
    response_model=Page[CreditRecordPublic],
    description="The employer's records with the same filters as `/credit-records`. An "
    "employer account reads only its own file, and only verified records (another employer's "
    "is a 404, as for one that does not exist); the public none.",
    responses=responses(404, 422),
)
async def list_employer_records(
    employer_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    category: RecordCategory | None = None,
    kind: RecordKind | None = None,
    status: RecordStatus | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[CreditRecordPublic]:
    return await list_records(
        session=session,
        actor=actor,
        employer_id=employer_id,
        category=category,
        kind=kind,
        source=None,
        status=status,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/{record_id}",
    summary="Read a credit record",
    description="The `ETag` header is what PATCH needs in `If-Match`.",
    responses=responses(404, 422),
)
async def get_record(
    record_id: uuid.UUID, response: Response, session: SessionDep, actor: Reader
) -> CreditRecordPublic:
    record = await reads.get(session=session, record_id=record_id, actor=actor)
    return _answer(response, record)


@router.patch(
    "/{record_id}",
    summary="Edit a draft",
    description="Only a `draft`, only by its collector (403 otherwise), with `If-Match: <ETag>` "
    "(428 without, 412 when stale). A verified record is never edited (409): correct it.",
    responses=responses(404, 409, 412, 422, 428),
)
async def update_record(
    record_id: uuid.UUID,
    data: CreditRecordUpdate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Collector,
    if_match: IfMatch = None,
) -> CreditRecordPublic:
    record = await credit_records.update(
        session=session,
        record_id=record_id,
        data=data,
        if_match=if_match,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    return _answer(response, record)


@router.post(
    "/{record_id}/verification",
    summary="Verify a draft",
    description="Art 8, two persons: a reviewer who did not collect the record verifies it "
    "(the collector gets 403 with `reason: same_person`). Only a draft (409 otherwise). Emits "
    "`record.verified` for grading, disclosure and the push.",
    responses=responses(404, 409, 422),
)
async def verify_record(
    record_id: uuid.UUID, response: Response, session: SessionDep, clock: ClockDep, actor: Reviewer
) -> CreditRecordPublic:
    record = await credit_records.verify(
        session=session, record_id=record_id, actor=actor, clock=clock
    )
    return _answer(response, record)


@router.post(
    "/{record_id}/corrections",
    status_code=201,
    summary="Correct a verified record",
    description="Art 8: no tampering, so a correction is a new version. Send the full new "
    "content and a `reason`. The new version (N+1) is verified at once by the correcting "
    "reviewer, who must not be the collector of version N (403); version N becomes "
    "`superseded`, linked both ways. Only the current verified version (409 otherwise, with "
    "`current_id` when it was superseded). The employer cannot change (422). Emits "
    "`record.corrected`.",
    responses=responses(404, 409, 422),
)
async def correct_record(
    record_id: uuid.UUID,
    data: CorrectionCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Reviewer,
) -> CreditRecordPublic:
    record = await corrections.correct(
        session=session,
        record_id=record_id,
        data=data,
        actor=actor,
        settings=settings,
        clock=clock,
    )
    response.headers["Location"] = f"/api/v1/credit-records/{record.id}"
    return _answer(response, record)


@router.post(
    "/{record_id}/revocation",
    summary="Revoke a verified record",
    description="A reviewer revokes the current verified version with a reason and the "
    "document that revokes it (e.g. a reconsideration decision). The record stays, marked "
    "`revoked`; records are never deleted (Art 8). Emits `record.revoked`.",
    responses=responses(404, 409, 422),
)
async def revoke_record(
    record_id: uuid.UUID,
    data: RevocationCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Reviewer,
) -> CreditRecordPublic:
    record = await credit_records.revoke(
        session=session, record_id=record_id, data=data, actor=actor, clock=clock
    )
    return _answer(response, record)


@router.get(
    "/{record_id}/history",
    summary="A record's versions and transitions",
    description="Every version of the record (oldest first) and every audited transition of "
    "any of them (create, edits, verify, correct, supersede, revoke, attachments) with who and "
    "when. Bureau staff only.",
    responses=responses(404, 422),
)
async def record_history(
    record_id: uuid.UUID, session: SessionDep, actor: Reader
) -> CreditRecordHistory:
    return await reads.history(session=session, record_id=record_id, actor=actor)
