"""The public C list (Art 14): search and read, no sign-in, rate-limited per client address."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any

from fastapi import Header, Query, Response

from app.api.deps import ClockDep, SessionDep, TodayDep
from app.api.public_rate import PublicRate
from app.api.routing import api_router
from app.core.errors import InvalidRequest, problems
from app.core.pagination import CursorInvalid
from app.disclosure import reads
from app.disclosure.errors import DisclosureNotFound, DisclosureWithdrawn, TooManyPublicRequests
from app.models.disclosure import DisclosurePage, DisclosurePublic

router = api_router(
    prefix="/disclosures",
    tags=["disclosures"],
    responses=problems(InvalidRequest, TooManyPublicRequests),
)
IfNoneMatch = Annotated[
    str | None, Header(description="an ETag of an earlier answer: 304 when unchanged")
]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the answer is the one If-None-Match names"}
}


def _answer(body: dict[str, Any] | bytes, if_none_match: str | None) -> Response:
    """The JSON as built (no model round trip), its ETag the hash of its bytes."""
    content = (
        body
        if isinstance(body, bytes)
        else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    )
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    # public and personal-data free: a cache may keep it, asking with the ETag before each use
    headers = {"ETag": etag, "Cache-Control": "public, no-cache"}
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=content, media_type="application/json", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


@router.get(
    "",
    summary="查询失信信息公示 / Search the public C list",
    response_model=None,
    responses={
        200: {"model": DisclosurePage, "description": "a keyset page of disclosures"},
        **NOT_MODIFIED,
        **problems(InvalidRequest, CursorInvalid),
    },
    description="Art 14: the C units' disclosures, newest publication first: `q` a fragment "
    "of the unit's full name, `uscc` its code, `town` its town (searched, never shown), "
    "`year` the evaluation cycle; pass `next_cursor` back as `cursor`. Each shows exactly "
    "the unit's full name, USCC, legal representative and per dishonesty item the penalty "
    "date, decision number, violation, legal basis, result, dishonesty level (一般/严重; "
    "light items are not published) and list status with their Chinese labels, the "
    "publication end date and `disputed` (异议标注). An item past its end date is never "
    "shown; an ID number or phone number typed into a shown text is replaced by "
    "［个人信息已隐去］. No sign-in; `ETag` / `If-None-Match` (304); a per-address rate limit "
    "(429 `too-many-requests`, `Retry-After`; setting `public_rate_per_minute`, per process).",
)
async def list_disclosures(
    session: SessionDep,
    today: TodayDep,
    _rate: PublicRate,
    if_none_match: IfNoneMatch = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    uscc: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    town: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> Response:
    """第十四条：公开C级用人单位的失信信息，按公示时间倒序；可按单位名称片段、统一社会信用代码、
    乡镇和评价年度查询。无需登录。"""
    body = await reads.list_public(
        session=session, today=today, q=q, uscc=uscc, town=town, year=year,
        limit=limit, cursor=cursor,
    )  # fmt: skip
    return _answer(body, if_none_match)


@router.get(
    "/{disclosure_id}",
    summary="查看失信信息公示 / Read a disclosure",
    response_model=None,
    responses={
        200: {"model": DisclosurePublic, "description": "the disclosure"},
        **NOT_MODIFIED,
        **problems(DisclosureNotFound, DisclosureWithdrawn),
    },
    description="One disclosure, the Art 14 fields only. A withdrawn one (the unit left C, "
    "or every item ended) is never deleted: 410 `disclosure-withdrawn` with `withdrawn_at` "
    "and `reason` (`grade_changed` or `items_ended`). `ETag` / `If-None-Match` (304).",
)
async def get_disclosure(
    disclosure_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    _rate: PublicRate,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """单个公示，只含第十四条规定的内容；已撤销的公示返回410，并说明撤销时间和原因。"""
    body = await reads.get_public(session=session, disclosure_id=disclosure_id, clock=clock)
    return _answer(body, if_none_match)
