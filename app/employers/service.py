"""Employers (Art 3): registration with a checked USCC, search, audited updates."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, or_, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.audit import service as audit
from app.core import access, entities, pagination, personal_data, showing
from app.core.actors import Actor
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import (
    DoesNotExist,
    FieldProblem,
    InvalidField,
    NullNotAllowed,
    check_if_match,
)
from app.core.i18n import Text, say
from app.employers import grades, uscc
from app.employers.errors import (
    UsccExceptionReviewerOnly,
    UsccExceptionUnneeded,
    UsccInvalid,
    UsccRegistered,
)
from app.models.employer import (
    Employer,
    EmployerCreate,
    EmployerPublic,
    EmployerStatus,
    EmployerUpdate,
    SubjectType,
)
from app.models.rule_set import Grade
from app.models.user import Role

_PLAIN_FIELDS = (
    "name",
    "subject_type",
    "legal_representative",
    "town",
    "industry_code",
    "address",
    "employee_count",
    "status",
)
_REQUIRED = {
    "name",
    "subject_type",
    "legal_representative",
    "town",
    "industry_code",
    "employee_count",
    "status",
}


def etag(employer: Employer) -> str:
    return f'"{employer.version}"'


def to_public(employer: Employer, *, actor: Actor, settings: Settings) -> EmployerPublic:
    return showing.model(EmployerPublic, employer, **_personal_shown(employer, actor, settings))


def to_public_data(employer: Employer, *, actor: Actor, settings: Settings) -> dict[str, Any]:
    """`to_public`'s JSON as plain data (showing.data): what its reads send."""
    return showing.data(EmployerPublic, employer, **_personal_shown(employer, actor, settings))


def _personal_shown(employer: Employer, actor: Actor, settings: Settings) -> dict[str, Any]:
    """Personal data is shown in full to admins only (Art 8: no leaking of personal privacy); a
    ciphertext that does not decrypt for this row shows masked and is named in
    `unreadable_fields` (never another row's number)."""
    shown: dict[str, Any] = {
        "legal_representative_id_number": employer.legal_representative_id_number_masked,
        "contact_phone": employer.contact_phone_masked,
    }
    unreadable: list[str] = []
    if actor.role == Role.admin:
        plain, unreadable = _personal_plain(employer, settings)
        shown.update({field: text for field, text in plain.items() if text is not None})
    shown["unreadable_fields"] = unreadable
    return shown


def _checked_uscc(data: EmployerCreate, actor: Actor) -> tuple[str, list[uscc.Breach]]:
    """The normalised code and, for a reviewer's exception, the GB 32100 rules it waives."""
    if data.checksum_exception and actor.role != Role.reviewer:
        raise UsccExceptionReviewerOnly(
            Text(
                "只有审核员可以把统一社会信用代码作为规则的例外登记",
                "only a reviewer may register a USCC as an exception to its rules",
            )
        )
    try:
        code = uscc.validate(data.uscc, allow_exception=data.checksum_exception)
    except uscc.UsccError as exc:
        raise _invalid_uscc(exc) from exc
    waived = uscc.breaches(code) if data.checksum_exception else []
    if data.checksum_exception and not waived:
        raise UsccExceptionUnneeded(
            ["body", "checksum_exception"],
            Text(
                f"统一社会信用代码 {code} 符合 GB 32100 的全部规则：请不以例外登记",
                f"USCC {code} breaks none of the rules of GB 32100: register it without an "
                "exception",
            ),
            kind="uscc.exception_unneeded",
        )
    return code, waived


def _invalid_uscc(exc: uscc.UsccError) -> InvalidField:
    """One 422 naming every broken rule; `rule`, `position`, `expected` are the first's."""
    extra = {"rule": exc.rule, "position": exc.position, "expected": exc.expected}
    error = UsccInvalid(
        ["body", "uscc"],
        exc.text,
        kind=f"uscc.{exc.rule}",
        **{k: v for k, v in extra.items() if v is not None},
    )
    error.errors = [
        FieldProblem(loc=["body", "uscc"], msg=say(b.message), type=f"uscc.{b.rule}")
        for b in exc.breaches
    ]
    return error


async def create(
    *, session: AsyncSession, data: EmployerCreate, actor: Actor, settings: Settings
) -> Employer:
    code, waived = _checked_uscc(data, actor)
    existing = await session.scalar(select(Employer.id).where(Employer.uscc == code))
    if existing:
        raise UsccRegistered(_registered(code), existing_id=str(existing))
    employer = Employer(
        **data.model_dump(include=set(_PLAIN_FIELDS)),
        uscc=code,
        checksum_exception=data.checksum_exception,
        checksum_exception_reason=data.checksum_exception_reason,
    )
    _set_personal_data(employer, data.model_dump(exclude_unset=True), settings)
    session.add(employer)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise UsccRegistered(_registered(code)) from exc
    changes = audit.created(_audited(employer))
    if waived:  # docs/law.md §9: the audit log records what a reviewer let through, and why
        changes["uscc_rules_waived"] = {"old": None, "new": [b.rule for b in waived]}
    await audit.record(
        session=session,
        actor=actor,
        action="employer.create",
        resource_type="employer",
        resource_id=employer.id,
        changes=changes,
    )
    return employer


def _registered(code: str) -> Text:
    return Text(
        f"统一社会信用代码为 {code} 的用人单位已登记",
        f"an employer with USCC {code} is already registered",
    )


async def ids_by_uscc(*, session: AsyncSession, codes: set[str]) -> dict[str, uuid.UUID]:
    """Normalised USCC -> employer id for the codes that are registered (one query)."""
    rows = await session.execute(_IDS_BY_USCC, {"codes": list(codes)})
    return {code: employer_id for code, employer_id in rows}


# One array parameter, not an IN list of a bind each: the statement is the same text for any
# number of codes (prepared once), and nothing renders a thousand placeholders per batch.
_IDS_BY_USCC = text("SELECT uscc, id FROM employers WHERE uscc = ANY(CAST(:codes AS varchar[]))")


async def get(*, session: AsyncSession, employer_id: uuid.UUID, actor: Actor) -> Employer:
    employer = await entities.by_id(session, Employer, employer_id)
    return access.visible(
        actor, employer, missing=Text(f"用人单位 {employer_id}", f"employer {employer_id}")
    )


async def list_(
    *,
    session: AsyncSession,
    actor: Actor,
    uscc_exact: str | None = None,
    q: str | None = None,
    town: str | None = None,
    subject_type: SubjectType | None = None,
    status: EmployerStatus | None = None,
    grade: Grade | None = None,
    industry_code: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Employer], str | None]:
    """By name. `grade`: the grade in force (employers.grades); `industry_code`: a GB/T 4754
    code at any level, matching it and every code below it (`E` all of construction, `E47`
    division 47, `E4720` one class)."""
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("own", access.own_employer(actor, None)),
            ("uscc", uscc.normalise(uscc_exact) if uscc_exact else None),
            ("town", town), ("subject_type", subject_type), ("status", status),
            ("industry_code", industry_code), ("grade", grade),
        )
        if value is not None
    }  # fmt: skip
    if q:
        given.update(_matching(q))
    if cursor:
        given["after_name"], given["after_id"] = pagination.decode_as(cursor, str, uuid.UUID)
    query = _listing(tuple(given))
    rows = await entities.listed(session, Employer, query, {**given, "limit": limit + 1})
    return pagination.page(rows, limit, lambda e: [e.name, str(e.id)])


def _matching(q: str) -> dict[str, str]:
    """A name fragment (trigram index) or, when it looks like one, a USCC prefix too."""
    fragment = q.strip()
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = {"name_like": f"%{escaped}%"}
    code = uscc.normalise(fragment)
    if code and all(ch in uscc.VALUES for ch in code):  # no LIKE wildcard among them
        matching["uscc_prefix"] = code
    return matching


_EQUALS = {
    "own": Employer.id,
    "uscc": Employer.uscc,
    "town": Employer.town,
    "subject_type": Employer.subject_type,
    "status": Employer.status,
}


@functools.cache
def _listing(given: tuple[str, ...]) -> Select[Any]:
    """The page's query for the filters `given` (and the cursor's `after_name`, `after_id`), its
    values named binds (a template of `entities.listed`), built once per shape."""
    query = select(Employer)
    for name in given:
        if name in _EQUALS:
            query = query.where(_EQUALS[name] == bindparam(name))
    if "name_like" in given:
        by_name = col(Employer.name).ilike(bindparam("name_like"))
        if "uscc_prefix" in given:
            query = query.where(
                or_(by_name, col(Employer.uscc).startswith(bindparam("uscc_prefix")))
            )
        else:
            query = query.where(by_name)
    if "industry_code" in given:  # letters and digits (INDUSTRY_PATTERN): no LIKE wildcard
        query = query.where(col(Employer.industry_code).startswith(bindparam("industry_code")))
    if "grade" in given:
        query = query.where(grades.is_in_force(Employer.id, bindparam("grade")))
    if "after_id" in given:
        after = tuple_(bindparam("after_name", type_=String), bindparam("after_id", type_=Uuid))
        query = query.where(tuple_(col(Employer.name), col(Employer.id)) > after)
    order = (col(Employer.name), col(Employer.id))
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


async def update(
    *,
    session: AsyncSession,
    employer_id: uuid.UUID,
    data: EmployerUpdate,
    if_match: str | None,
    actor: Actor,
    settings: Settings,
    clock: Clock,
) -> Employer:
    employer = await session.get(Employer, employer_id, with_for_update=True)
    if employer is None:
        raise DoesNotExist(
            Text(f"用人单位 {employer_id} 不存在", f"employer {employer_id} does not exist")
        )
    check_if_match(if_match, etag(employer), Text("用人单位", "employer"))
    values = data.model_dump(exclude_unset=True)
    for key in sorted(_REQUIRED & values.keys()):
        if values[key] is None:
            raise NullNotAllowed(key)
    before = _audited(employer)
    for key in _PLAIN_FIELDS:
        if key in values:
            setattr(employer, key, values[key])
    personal_before, _ = _personal_plain(employer, settings)  # an unreadable one: changed
    _set_personal_data(employer, values, settings)
    changes = audit.diff(before, _audited(employer))
    for field in ("legal_representative_id_number", "contact_phone"):
        if field in values and values[field] != personal_before.get(field) and field not in changes:
            masked = _audited(employer)[field]  # same mask, different number: still a change
            changes[field] = {"old": masked, "new": masked}
    if changes:
        employer.version += 1
        employer.updated_at = clock.now()
        await session.flush()
        await audit.record(
            session=session,
            actor=actor,
            action="employer.update",
            resource_type="employer",
            resource_id=employer.id,
            changes=changes,
        )
    return employer


def _set_personal_data(employer: Employer, values: dict[str, Any], settings: Settings) -> None:
    keys = personal_data.keyring(settings)

    def sealed(column: personal_data.Column, plain: str | None) -> bytes | None:
        if not plain:
            return None
        return personal_data.encrypt(plain, keys=keys, column=column, row_id=employer.id)

    if "legal_representative_id_number" in values:
        raw = values["legal_representative_id_number"]
        raw = raw.upper() if raw else None
        employer.legal_representative_id_number_enc = sealed(personal_data.EMPLOYER_ID_NUMBER, raw)
        employer.legal_representative_id_number_masked = (
            personal_data.mask_id_number(raw) if raw else None
        )
    if "contact_phone" in values:
        phone = values["contact_phone"]
        employer.contact_phone_enc = sealed(personal_data.EMPLOYER_PHONE, phone)
        employer.contact_phone_masked = personal_data.mask_phone(phone) if phone else None


def _personal_plain(
    employer: Employer, settings: Settings
) -> tuple[dict[str, str | None], list[str]]:
    """Each personal field's plain text (None when empty), and the fields whose ciphertext does
    not decrypt for this row (left out of the first)."""
    keys = personal_data.keyring(settings)
    plain: dict[str, str | None] = {}
    unreadable = []
    for column, blob in (
        (personal_data.EMPLOYER_ID_NUMBER, employer.legal_representative_id_number_enc),
        (personal_data.EMPLOYER_PHONE, employer.contact_phone_enc),
    ):
        text = (
            None
            if blob is None
            else personal_data.reveal(blob, keys=keys, column=column, row_id=employer.id)
        )
        if blob is not None and text is None:
            unreadable.append(column.field)
        else:
            plain[column.field] = text
    return plain, unreadable


def _audited(employer: Employer) -> dict[str, Any]:
    """What the audit trail shows of an employer: personal data only in masked form."""
    fields = {k: getattr(employer, k) for k in _PLAIN_FIELDS}
    fields["uscc"] = employer.uscc
    fields["legal_representative_id_number"] = employer.legal_representative_id_number_masked
    fields["contact_phone"] = employer.contact_phone_masked
    if employer.checksum_exception:
        fields["checksum_exception_reason"] = employer.checksum_exception_reason
    return fields
