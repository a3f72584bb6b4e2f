"""Credit records (信用信息, Art 5–8): collect, verify, correct, revoke, read, history."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from app.api import answers
from app.api.deps import GUARDED, WITH_BODY, ClockDep, IfMatch, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import EmployerAccountUnbound, Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, IfMatchRequired, StaleEtag, problems
from app.core.pagination import CursorInvalid
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
    WithdrawalCreate,
)
from app.records import corrections, reads
from app.records import service as credit_records
from app.records.errors import (
    CorrectionChangesEmployer,
    CorrectionPending,
    CorrectionStale,
    NotCollector,
    NotCorrectable,
    NotWithdrawable,
    RecordHistoryStaffOnly,
    RecordInvalid,
    RecordNotDraft,
    RecordNotVerified,
    SamePerson,
    WithdrawalNotAllowed,
)

router = api_router(prefix="/credit-records", tags=["credit records"], responses=problems(*GUARDED))
# GET /employers/{id}/credit-records: the employer's file (issue 3 item 7)
employer_router = api_router(
    prefix="/employers", tags=["credit records"], responses=problems(*GUARDED)
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
    summary="采集信用记录（草稿） / Collect a credit record (draft)",
    description="Art 5–8: an inspector or reviewer enters a record about one employer; it stays "
    "a `draft`, editable by its collector, until a second person verifies it. `kind` must belong "
    "to `category` (the nine national items are dishonesty kinds). 422 for an unknown "
    "`employer_id`, a decision or occurrence date in the future, a `fine_amount` without a "
    "`penalty_category`, or a bad authority USCC. `publication_end_date` and `in_catalogue` are "
    "derived from settings (the publication periods of 国家发展改革委令第36号, the Art 7 "
    "catalogue).",
    responses=problems(*GUARDED, *WITH_BODY, RecordInvalid),
)
async def create_record(
    data: CreditRecordCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Collector,
) -> CreditRecordPublic:
    """第五条至第八条：劳动保障监察员或复核员录入某用人单位的基础信息、良好信息或失信信息，先存
    为草稿，由另一人核实后生效。"""
    record = await credit_records.create(
        session=session, data=data, actor=actor, settings=settings, clock=clock
    )
    response.headers["Location"] = f"/api/v1/credit-records/{record.id}"
    return _answer(response, record)


@router.get(
    "",
    summary="查询信用记录 / Search credit records",
    response_model=Page[CreditRecordPublic],
    description="Newest occurrence first; `occurred_from`/`occurred_to` are inclusive. Every "
    "version is listed, draft corrections too (filter `status=verified` for the versions in "
    "force). An employer "
    "account sees only its own verified records; another employer's `employer_id` is a 404, as "
    "for one that does not exist.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
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
) -> Response:
    """按发生日期倒序，列出每个版本。用人单位账号只能看到本单位已核实的记录。"""
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
    return answers.page([reads.to_public_data(r) for r in rows], next_cursor)


@employer_router.get(
    "/{employer_id}/credit-records",
    summary="用人单位的信用档案 / An employer's credit file",
    response_model=Page[CreditRecordPublic],
    description="The employer's records with the same filters as `/credit-records`. An "
    "employer account reads only its own file, and only verified records (another employer's "
    "is a 404, as for one that does not exist); the public none.",
    responses=problems(*GUARDED, EmployerAccountUnbound, DoesNotExist, CursorInvalid),
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
) -> Response:
    """某用人单位的信用记录，筛选条件同 `/credit-records`。用人单位账号只能查看本单位已核实的记
    录。"""
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
    summary="查看信用记录 / Read a credit record",
    description="The `ETag` header is what PATCH needs in `If-Match`.",
    response_model=CreditRecordPublic,
    responses=problems(*GUARDED, DoesNotExist),
)
async def get_record(record_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    """响应头 `ETag` 用于修改草稿时的 `If-Match`。"""
    record = await reads.get(session=session, record_id=record_id, actor=actor)
    return answers.one(reads.to_public_data(record), {"ETag": credit_records.etag(record)})


@router.patch(
    "/{record_id}",
    summary="修改信用记录草稿 / Edit a draft",
    description="Only a `draft` (a first version or a draft correction), only by its collector "
    "or proposer (403 otherwise), with `If-Match: <ETag>` (428 without, 412 when stale). A "
    "draft correction keeps its employer (422). A verified record is never edited (409): "
    "propose a correction.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        RecordNotDraft,
        NotCollector,
        IfMatchRequired,
        StaleEtag,
        RecordInvalid,
        CorrectionChangesEmployer,
    ),
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
    """仅限草稿、仅限采集人，须带 `If-Match`。已核实的记录不得修改，只能更正。"""
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
    summary="核实信用记录 / Verify a credit record",
    description="Art 8, two persons: a reviewer who did not enter the draft verifies it. Only a "
    "draft (409 otherwise); whoever entered it (the collector of a first version, the proposer "
    "of a correction) gets 403 `same-person`. A first version becomes `verified` and emits "
    "`record.verified`. A draft correction takes effect in one transaction: version N+1 "
    "becomes `verified`, "
    "version N `superseded`, linked both ways, and `record.corrected` is emitted for grading, "
    "disclosure and the push. A correction whose version N was revoked or superseded meanwhile "
    "is a 409 `correction-stale` (withdraw it).",
    responses=problems(*GUARDED, DoesNotExist, RecordNotDraft, SamePerson, CorrectionStale),
)
async def verify_record(
    record_id: uuid.UUID, response: Response, session: SessionDep, clock: ClockDep, actor: Reviewer
) -> CreditRecordPublic:
    """第八条，双人把关：由不是录入人（或更正提出人）的审核人员核实草稿；核实更正草稿时，新版本生效、
    原版本被取代，产生 `record.corrected` 事件，供信用等级评价、公示和推送使用。"""
    record = await corrections.verify(
        session=session, record_id=record_id, actor=actor, clock=clock
    )
    return _answer(response, record)


@router.post(
    "/{record_id}/corrections",
    status_code=201,
    summary="更正已核实的信用记录 / Correct a verified record",
    description="Art 8: no tampering, so a correction is a new version, verified by a second "
    "person like any record. Send the full new content and a `reason`; whoever may enter a "
    "record (an inspector or a reviewer) may propose one. The new version (N+1) is a `draft` "
    "linked to N (`supersedes_id`, `correction_reason`, `collected_by`: its proposer); N stays "
    "`verified` and in force (grading, the credit profile and lists keep using it) until "
    "another reviewer verifies the correction (`/verification`). Its proposer may edit it "
    "(PATCH, as any draft) or withdraw it (`/withdrawal`). Only the verified version in force "
    "(409 `record-not-correctable` otherwise, with `current_id` when it was superseded); one "
    "open correction per record (409 `correction-pending` with `pending_id`). The employer "
    "cannot change (422 `correction-changes-employer`). Emits nothing until verified.",
    responses=problems(
        *GUARDED,
        *WITH_BODY,
        DoesNotExist,
        NotCorrectable,
        CorrectionPending,
        CorrectionChangesEmployer,
        RecordInvalid,
    ),
)
async def correct_record(
    record_id: uuid.UUID,
    data: CorrectionCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Collector,
) -> CreditRecordPublic:
    """第八条：不得篡改，更正即生成新版本并说明理由，原版本标为已被取代，新旧版本互相关联。更正
    人不得是原版本的采集人。"""
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
    "/{record_id}/withdrawal",
    summary="撤回信用记录更正草稿 / Withdraw a draft correction",
    description="A draft correction taken back by its proposer, or turned down by a reviewer "
    "(403 `withdrawal-not-allowed` for anyone else), with a `reason`. It stays in the record's "
    "history, marked `withdrawn`; version N stays in force and may be corrected again. Only a "
    "draft correction (409 `record-not-withdrawable` for a first draft or any other version).",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, NotWithdrawable, WithdrawalNotAllowed),
)
async def withdraw_record(
    record_id: uuid.UUID,
    data: WithdrawalCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Collector,
) -> CreditRecordPublic:
    """更正草稿由其提出人撤回，或由审核人员驳回；草稿留在历史中标为已撤回，原版本继续有效。"""
    record = await corrections.withdraw(
        session=session, record_id=record_id, data=data, actor=actor, clock=clock
    )
    return _answer(response, record)


@router.post(
    "/{record_id}/revocation",
    summary="撤销已核实的信用记录 / Revoke a verified record",
    description="A reviewer revokes the current verified version with a reason and the "
    "document that revokes it (e.g. a reconsideration decision). The record stays, marked "
    "`revoked`; records are never deleted (Art 8). Emits `record.revoked`. Revoking a "
    "wage-arrears listing's record corrects a wrong listing: it counts in no cycle, and the "
    "listing in force ends as `revoked` (within one polling interval of the event log). A draft "
    "correction of it still pending can then no longer take effect (withdraw it).",
    responses=problems(*GUARDED, *WITH_BODY, DoesNotExist, RecordNotVerified),
)
async def revoke_record(
    record_id: uuid.UUID,
    data: RevocationCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: Reviewer,
) -> CreditRecordPublic:
    """复核员凭撤销文书（如复议决定）并说明理由，撤销当前已核实的版本；记录保留并标为已撤销，信
    用记录永不删除（第八条）。"""
    record = await credit_records.revoke(
        session=session, record_id=record_id, data=data, actor=actor, clock=clock
    )
    return _answer(response, record)


@router.get(
    "/{record_id}/history",
    summary="信用记录的版本与变更历史 / A record's versions and transitions",
    description="Every version of the record (oldest first), a pending draft correction and "
    "withdrawn ones included, and every audited transition of any of them (create, edits, "
    "verify, correct, supersede, withdraw, revoke, attachments) with who and when. Bureau "
    "staff only.",
    responses=problems(*GUARDED, DoesNotExist, RecordHistoryStaffOnly),
)
async def record_history(
    record_id: uuid.UUID, session: SessionDep, actor: Reader
) -> CreditRecordHistory:
    """该记录的全部版本，及其经审计的每次变更（录入、修改、核实、更正、取代、撤销、附件）和操作
    人、时间。仅限本局工作人员。"""
    return await reads.history(session=session, record_id=record_id, actor=actor)
