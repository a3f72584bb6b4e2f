"""Every actor against every route: the permission table decides; the public sees almost nothing.

The matrix is built from the app's own routes and the permission each one requires, so a new
route is covered the moment it exists.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select
from starlette.routing import Mount

from app.api.routing import guards
from app.core.access import ROLES, SCOPES, STAFF, Permission
from app.disclosure import service as disclosure_service
from app.grading import apply
from app.grading import service as grading
from app.main import create_app
from app.models.client import DEFAULT_SCOPES, ClientSource
from app.models.credit_record import RecordKind
from app.models.employer import Employer
from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.event import EventSubject
from app.models.problem import PROBLEM_BASE
from app.models.user import Role
from tests.conftest import assert_problem, server_settings
from tests.disclosure import support as disclosure_support
from tests.grading.support import Spec, actor_of, add_record
from tests.notifications import support as notifications

PUBLIC_PATHS = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/openapi.json"),
    ("GET", "/static/favicon.svg"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/vocabularies"),  # reference data, the same for everyone
    ("GET", "/api/v1/vocabularies/{name}"),
    ("GET", "/problems"),  # every problem type's page: a refusal's `type` resolves to it
    ("GET", "/problems/{slug}"),
    ("GET", "/api/v1/disclosures"),  # the public C list (Art 14): no sign-in
    ("GET", "/api/v1/disclosures/{disclosure_id}"),
    ("GET", "/api/v1/inspection-plans/{plan_id}/publication"),  # 一公开, once closed
    # a credit report is checked by whoever holds it: its code is the key (issue 15 §3)
    ("GET", "/api/v1/credit-reports/{code}"),
    ("GET", "/api/v1/credit-reports/{code}.pdf"),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    permission: Permission | None
    route: APIRoute

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _permission(dependant: Dependant) -> Permission | None:
    """The Permission given to deps.require(...) somewhere in the route's dependencies."""
    found = guards(dependant)
    return found[0].permission if found else None


def _endpoints() -> list[Endpoint]:
    app = create_app(server_settings("postgresql://unused/unused"))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith("/api/v1/"):
            for method in sorted(context.methods or ()):
                found.append(Endpoint(method, context.path, _permission(route.dependant), route))
    return found


ENDPOINTS = _endpoints()
ACTORS = [*(r.value for r in Role), "client:social_insurance", "client:city_platform", "public"]


def test_every_api_route_but_sign_in_and_the_vocabularies_requires_a_permission():
    public = {str(e) for e in ENDPOINTS if e.permission is None}
    assert public == {
        "POST /api/v1/auth/token",
        "GET /api/v1/vocabularies",
        "GET /api/v1/vocabularies/{name}",
        "GET /api/v1/disclosures",
        "GET /api/v1/disclosures/{disclosure_id}",
        "GET /api/v1/inspection-plans/{plan_id}/publication",
        "GET /api/v1/credit-reports/{code}",
        "GET /api/v1/credit-reports/{code}.pdf",
    }


def _allowed(actor: str, permission: Permission | None) -> bool:
    if permission is None:
        return True
    if actor == "public":
        return False
    if actor.startswith("client:"):
        scopes = set(DEFAULT_SCOPES[ClientSource(actor.removeprefix("client:"))])
        return bool(SCOPES.get(permission, frozenset()) & scopes)
    return Role(actor) in ROLES[permission]


def _url(endpoint: Endpoint, employer_id: uuid.UUID) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "employer_id":
            return str(employer_id)
        param = next(p for p in endpoint.route.dependant.path_params if p.name == name)
        return "2026" if param.field_info.annotation is int else str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", fill, endpoint.path)


def _body(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.route.body_field is None:
        return {}
    if not isinstance(endpoint.route.body_field.field_info, params.Form):
        return {"json": {}}
    # A form of one of its own fields (an unknown one is refused before the access check).
    fields = endpoint.route.body_field.field_info.annotation.model_fields
    return {"data": {next(iter(fields)): ""}}


@pytest.fixture
def actor_headers(headers_for, make_api_client):
    async def headers(actor: str, employer_id: uuid.UUID) -> dict[str, str]:
        if actor == "public":
            return {}
        if actor.startswith("client:"):
            _, key = await make_api_client(ClientSource(actor.removeprefix("client:")))
            return {"X-API-Key": key}
        role = Role(actor)
        return await headers_for(role, employer_id=employer_id if role == Role.employer else None)

    return headers


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access_matrix(client, make_employer, actor_headers, endpoint, actor):
    employer = await make_employer()  # an employer account is bound to this one
    headers = await actor_headers(actor, employer.id)
    response = await client.request(
        endpoint.method, _url(endpoint, employer.id), headers=headers, **_body(endpoint)
    )
    if _allowed(actor, endpoint.permission):
        # past the access check; a 403 may still come from a role rule (evidence is for staff)
        assert response.status_code != 401, response.text
        refused = response.status_code == 403 and str(endpoint.permission) in response.text
        assert not refused, response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == (401 if actor == "public" else 403), response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_measures_and_policies_are_read_by_staff_and_written_by_admins():
    """Art 11-13 and 18: an employer reads the measures and award eligibility of its own grade
    (scoped like every employer route, below), not the catalogue's versions or the policies."""
    assert ROLES[Permission.measures_read] == STAFF | {Role.employer}
    assert ROLES[Permission.measure_sets_read] == STAFF
    assert ROLES[Permission.measures_write] == {Role.admin}
    assert ROLES[Permission.policies_read] == STAFF
    assert ROLES[Permission.policies_write] == {Role.admin}
    required = {str(e): e.permission for e in ENDPOINTS}
    assert required == required | {
        "GET /api/v1/measure-sets": Permission.measure_sets_read,
        "GET /api/v1/measure-sets/{version}": Permission.measure_sets_read,
        "POST /api/v1/measure-sets": Permission.measures_write,
        "GET /api/v1/employers/{employer_id}/measures": Permission.measures_read,
        "GET /api/v1/employers/{employer_id}/award-eligibility": Permission.measures_read,
        "GET /api/v1/policies": Permission.policies_read,
        "GET /api/v1/policies/{policy_id}": Permission.policies_read,
        "POST /api/v1/policies": Permission.policies_write,
        "POST /api/v1/policies/{policy_id}/extension": Permission.policies_write,
    }


async def test_the_public_reaches_only_health_docs_and_sign_in(app, client):
    """Every route of the app, asked without credentials: 401 unless it is on the public list."""
    answers = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            answers[("GET", "/static/favicon.svg")] = await client.get("/static/favicon.svg")
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            path = re.sub(r"\{\w+\}", str(uuid.uuid4()), context.path)
            if "{year}" in context.path:
                path = context.path.replace("{year}", "2026")
            answers[(method, context.path)] = await client.request(method, path)
    assert answers.keys() >= PUBLIC_PATHS
    for key, response in answers.items():
        if key in PUBLIC_PATHS:
            assert response.status_code not in (401, 403), key
        else:
            assert response.status_code == 401, key


async def test_an_api_client_can_ask_who_it_is(client, make_api_client):
    client_id, key = await make_api_client(ClientSource.arbitration)
    response = await client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json() | {"id": str(client_id)} == {
        "kind": "client",
        "id": str(client_id),
        "name": "arbitration system",
        "role": None,
        "employer_id": None,
    }


# --- employer scoping: another employer's file is as absent as what does not exist ----------

NOT_AN_EMPLOYERS = {"year", "name"}  # path parameters that name nothing of one employer's file
# Reached through the permission table but refused by a role rule whoever owns the record
# (history and evidence are for bureau staff, Art 8): 403 for the employer's own record too.
STAFF_ONLY = {
    "GET /api/v1/credit-records/{record_id}/history",
    "GET /api/v1/credit-records/{record_id}/attachments",
    "GET /api/v1/credit-records/{record_id}/attachments/{attachment_id}",
}
PDF = b"%PDF-1.7\n" + b"evidence " * 50
REQUEST_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/evaluations/{evaluation_id}/representations": {"json": {"text": "已整改"}},
    "POST /api/v1/evaluations/{evaluation_id}/representations/attachments": {
        "files": {"file": ("整改凭证.pdf", PDF, "application/pdf")}
    },
    "POST /api/v1/objections/{objection_id}/attachments": {
        "files": {"file": ("复议决定书.pdf", PDF, "application/pdf")}
    },
    "POST /api/v1/repairs/{repair_id}/attachments": {
        "files": {"file": ("工资发放凭证.pdf", PDF, "application/pdf")}
    },
    "POST /api/v1/objections/{objection_id}/withdrawal": {"json": {"reason": "撤回异议"}},
    "POST /api/v1/employers/{employer_id}/credit-report": {"json": {"purpose": "award"}},
    # built from the filled ids (`_ask`): the item of the disclosure named
    "POST /api/v1/disclosures/{disclosure_id}/repairs": {"json": {"statement": "已整改"}},
}
ITEM_OF = {"POST /api/v1/disclosures/{disclosure_id}/repairs"}
CHILD_LABOUR = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _owned_parameters(endpoint: Endpoint) -> list[str]:
    return [n for n in re.findall(r"\{(\w+)\}", endpoint.path) if n not in NOT_AN_EMPLOYERS]


def _filters_by_employer(endpoint: Endpoint) -> bool:
    return any(p.name == "employer_id" for p in endpoint.route.dependant.query_params)


# Every route an employer account may call that names a thing of one employer's file, by a path
# parameter or the `employer_id` filter: walked from the app, so no route family is forgotten.
EMPLOYER_SCOPED = [
    e
    for e in ENDPOINTS
    if e.permission is not None  # the public C list is no one's file: everyone reads it
    and _allowed(Role.employer.value, e.permission)
    and (_owned_parameters(e) or _filters_by_employer(e))
]


def test_the_walk_finds_every_employer_facing_route_family():
    found = {str(e) for e in EMPLOYER_SCOPED}
    assert found >= {
        "GET /api/v1/employers/{employer_id}",
        "GET /api/v1/employers/{employer_id}/credit-profile",
        "GET /api/v1/employers/{employer_id}/credit-records",
        "GET /api/v1/employers/{employer_id}/measures",
        "GET /api/v1/employers/{employer_id}/award-eligibility",
        "GET /api/v1/credit-records",
        "GET /api/v1/credit-records/{record_id}",
        "GET /api/v1/blacklist-entries",
        "GET /api/v1/blacklist-entries/{entry_id}",
        "GET /api/v1/evaluations",
        "GET /api/v1/evaluations/{evaluation_id}",
        "GET /api/v1/evaluations/{evaluation_id}/representations",
        "GET /api/v1/evaluations/{evaluation_id}/representations/attachments",
        "GET /api/v1/evaluations/{evaluation_id}/representations/attachments/{attachment_id}",
        "GET /api/v1/interviews",
        "GET /api/v1/interviews/{interview_id}",
        "GET /api/v1/notifications",
        "GET /api/v1/notifications/{notification_id}",
        "POST /api/v1/notifications/{notification_id}/read",
        "GET /api/v1/objections",
        "GET /api/v1/objections/{objection_id}",
        "GET /api/v1/objections/{objection_id}/attachments",
        "GET /api/v1/objections/{objection_id}/attachments/{attachment_id}",
        "GET /api/v1/repairs/{repair_id}",
        "GET /api/v1/repairs/{repair_id}/attachments",
        "GET /api/v1/repairs/{repair_id}/attachments/{attachment_id}",
        "POST /api/v1/objections/{objection_id}/withdrawal",
        "GET /api/v1/employers/{employer_id}/credit-report/{code}",
        "GET /api/v1/documents",
        "GET /api/v1/documents/{document_id}",
        "GET /api/v1/documents/{document_id}/pdf",
        *REQUEST_BODIES,
        *STAFF_ONLY,
    }
    assert "GET /api/v1/calendar/{year}" not in found


def _listing(employer_id: uuid.UUID, listed_on: date) -> dict[str, Any]:
    return {
        "employer_id": str(employer_id), "decision_number": "文人社失惩字〔2026〕2号",
        "listed_on": listed_on.isoformat(), "payment_order_number": "文人社监令字〔2026〕7号",
        "payment_deadline": (listed_on - timedelta(days=30)).isoformat(),
        "amount_owed": "86000.50", "workers_affected": 12, "ground": "arrears_over_threshold",
        "facts": "拖欠12名农民工工资，经责令限期支付逾期未付",
        "responsible_persons": [
            {"name": "张建国", "role": "legal_representative", "id_number": "14112119800101123X"}
        ],
    }  # fmt: skip


def _interview(employer_id: uuid.UUID, interviewed_on: date) -> dict[str, Any]:
    return {
        "employer_id": str(employer_id), "interviewed_on": interviewed_on.isoformat(),
        "subject": "拖欠农民工工资问题", "location": "县人社局三楼会议室",
        "persons": [{"name": "张建国", "role": "legal_representative"}],
        "officers": ["刘监察"], "summary": "告知评为C级的原因及后果，要求限期整改",
    }  # fmt: skip


Thing = tuple[str, ...]  # the path parameters down to one, e.g. ("evaluation_id", "attachment_id")


@pytest.fixture
def employer_file(session, settings, clock, today, client, app, tmp_path, make_user, headers_for):  # type: ignore[no-untyped-def]
    """The id of a thing of an employer's file, made as staff make it when first asked for."""
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    evidence = {"files": {"file": ("证据.pdf", PDF + b"staff", "application/pdf")}}
    made: dict[tuple[uuid.UUID, Thing], str] = {}

    async def created(
        url: str, role: Role, employer: Employer | None = None, **request: Any
    ) -> str:
        """Made by staff of `role`, or by `employer`'s own account (role employer)."""
        bound = {"employer_id": employer.id} if employer is not None else {}
        response = await client.post(url, headers=await headers_for(role, **bound), **request)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def record(employer: Employer) -> str:  # verified, a C condition
        collector, verifier = await make_user(Role.inspector), await make_user(Role.reviewer)
        found = await add_record(
            session, settings, employer.id, CHILD_LABOUR, clock=clock,
            collector=actor_of(collector), reviewer=actor_of(verifier),
        )  # fmt: skip
        return str(found)

    async def notice(employer: Employer) -> str:  # the proposed C, its window open today
        await thing(employer, ("record_id",))
        policy = apply.Policy(origin=EvaluationOrigin.batch)
        await grading.regrade(
            session=session, employer_ids=[employer.id], cycle=2025, policy=policy, today=today
        )
        query = select(Evaluation.id).where(
            Evaluation.employer_id == employer.id, Evaluation.status == EvaluationStatus.notice
        )
        return str(await session.scalar(query))

    async def make(employer: Employer, names: Thing) -> str:
        match names:
            case ("employer_id",):
                return str(employer.id)
            case ("record_id",):
                return await record(employer)
            case ("record_id", "attachment_id"):
                record_id = await thing(employer, names[:1])
                url = f"/api/v1/credit-records/{record_id}/attachments"
                return await created(url, Role.inspector, **evidence)
            case ("evaluation_id",):
                return await notice(employer)
            case ("evaluation_id", "attachment_id"):
                evaluation_id = await thing(employer, names[:1])
                url = f"/api/v1/evaluations/{evaluation_id}/representations/attachments"
                return await created(url, Role.reviewer, **evidence)
            case ("entry_id",):  # in force: entered, then verified by a second reviewer
                listing = _listing(employer.id, today)
                entry_id = await created("/api/v1/blacklist-entries", Role.reviewer, json=listing)
                url = f"/api/v1/blacklist-entries/{entry_id}/verification"
                verified = await client.post(url, headers=await headers_for(Role.reviewer))
                assert verified.status_code == 200, verified.text
                return entry_id
            case ("objection_id",):  # a letter entered by staff against its record
                record_id = await thing(employer, ("record_id",))
                letter = {"target_type": "record", "target_id": record_id, "channel": "letter",
                          "reason_category": "error", "statement": "记录有误",
                          "receipt_date": today.isoformat()}  # fmt: skip
                return await created("/api/v1/objections", Role.inspector, json=letter)
            case ("objection_id", "attachment_id"):
                objection_id = await thing(employer, names[:1])
                url = f"/api/v1/objections/{objection_id}/attachments"
                return await created(url, Role.inspector, **evidence)
            case ("disclosure_id",):  # published from a final C, its item repairable today
                people = await disclosure_support.staff(make_user)
                found = await disclosure_support.add_record(
                    session, settings, clock, employer.id, people
                )
                await disclosure_support.final_evaluation(session, employer.id, evidence=[found.id])
                await disclosure_service.reflect(
                    session=session, employer_id=employer.id, clock=clock, settings=settings
                )
                [disclosure] = await disclosure_support.disclosures_of(session, employer.id)
                [item] = await disclosure_support.items_of(session, disclosure.id)
                made[employer.id, ("item_id",)] = str(item.id)
                return str(disclosure.id)
            case ("item_id",):
                await thing(employer, ("disclosure_id",))
                return made[employer.id, ("item_id",)]
            case ("repair_id",):  # applied for by the employer's own account
                disclosure_id = await thing(employer, ("disclosure_id",))
                body = {"item_id": await thing(employer, ("item_id",)), "statement": "已整改"}
                url = f"/api/v1/disclosures/{disclosure_id}/repairs"
                return await created(url, Role.employer, employer, json=body)
            case ("repair_id", "attachment_id"):  # filed by the employer, the applicant
                repair_id = await thing(employer, names[:1])
                url = f"/api/v1/repairs/{repair_id}/attachments"
                return await created(url, Role.employer, employer, **evidence)
            case ("interview_id",):
                interview = _interview(employer.id, today)
                return await created("/api/v1/interviews", Role.inspector, json=interview)
            case ("employer_id", "code"):  # a credit report issued by staff
                response = await client.post(
                    f"/api/v1/employers/{employer.id}/credit-report", json={"purpose": "award"},
                    headers=await headers_for(Role.inspector),
                )  # fmt: skip
                assert response.status_code == 201, response.text
                return str(response.json()["code"])
            case ("document_id",):  # an interview's record, issued on demand
                interview_id = await thing(employer, ("interview_id",))
                url = "/api/v1/documents/interview-records"
                return await created(url, Role.inspector, json={"interview_id": interview_id})
            case ("notification_id",):  # told of a final grade, as its event is consumed
                payload = {"cycle": 2025, "grade": "B", "effective_from": today.isoformat(),
                           "previous_grade": None, "origin": "batch"}  # fmt: skip
                await notifications.emit(
                    session, "evaluation.finalized", subject=EventSubject.evaluation,
                    employer_id=employer.id, payload=payload,
                )  # fmt: skip
                await notifications.consume(session, clock)
                found = await notifications.only(session, employer_id=employer.id)
                return str(found.id)
        raise AssertionError(f"{names}: say here how an employer's file holds one")

    async def thing(employer: Employer, names: Thing) -> str:
        if (employer.id, names) not in made:
            made[employer.id, names] = await make(employer, names)
        return made[employer.id, names]

    return thing


async def _ask(client, endpoint: Endpoint, headers: dict[str, str], fill) -> httpx.Response:  # type: ignore[no-untyped-def]
    """The route with each thing it names (and its `employer_id` filter) filled by `fill`."""
    names = _owned_parameters(endpoint)
    values = {name: await fill(tuple(names[: i + 1])) for i, name in enumerate(names)}
    params = {"employer_id": await fill(("employer_id",))} if _filters_by_employer(endpoint) else {}
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], endpoint.path)
    request = REQUEST_BODIES.get(str(endpoint), {})
    if str(endpoint) in ITEM_OF:
        request = {"json": {**request["json"], "item_id": await fill(("item_id",))}}
    assert endpoint.route.body_field is None or request, f"{endpoint}: add it to REQUEST_BODIES"
    return await client.request(endpoint.method, url, params=params, headers=headers, **request)


def _answer(response: httpx.Response) -> tuple[int, str, str]:
    """What a caller can tell from a refusal: status, problem type, the detail without ids."""
    body = assert_problem(response, response.status_code)
    return response.status_code, body["type"], UUID.sub("<id>", body["detail"])


@pytest.mark.parametrize("endpoint", EMPLOYER_SCOPED, ids=str)
async def test_another_employers_file_is_as_absent_as_what_does_not_exist(
    app, client, make_employer, headers_for, employer_file, endpoint
):
    """An employer account's own file answers 2xx; another employer's answers exactly as an id
    that exists nowhere: 404, the same problem type, the same `<thing> <id> does not exist`."""
    own, other = await make_employer(), await make_employer()
    account = await headers_for(Role.employer, employer_id=own.id)

    async def nowhere(names: Thing) -> str:
        return str(uuid.uuid4())

    mine = await _ask(client, endpoint, account, partial(employer_file, own))
    theirs = await _ask(client, endpoint, account, partial(employer_file, other))
    absent = await _ask(client, endpoint, account, nowhere)
    declared = app.openapi()["paths"][endpoint.path][endpoint.method.lower()]["responses"]
    if str(endpoint) in STAFF_ONLY:  # refused by role, the same way whoever owns it
        assert _answer(mine) == _answer(theirs) == _answer(absent)
        assert mine.status_code == 403 and "403" in declared
        return
    assert 200 <= mine.status_code < 300, mine.text
    assert _answer(theirs) == _answer(absent)
    status, problem_type, detail = _answer(theirs)
    assert (status, problem_type) == (404, PROBLEM_BASE + "not-found")
    assert detail.endswith(" <id> does not exist"), detail
    assert "404" in declared


def test_plans_are_read_by_staff_made_by_admins_and_reviewers_recorded_by_inspectors():
    """Issue 15 §2: an inspector, who is drawn, never makes or draws a plan; a visit's outcome
    is recorded by an inspector (the plans service further keeps it to the two assigned)."""
    assert ROLES[Permission.plans_read] == {Role.admin, Role.inspector, Role.reviewer, Role.auditor}
    assert ROLES[Permission.plans_write] == {Role.admin, Role.reviewer}
    assert ROLES[Permission.plan_visits_record] == {Role.inspector}
    routes = {str(e): e.permission for e in ENDPOINTS if "/inspection-plans" in e.path}
    assert routes == {
        "POST /api/v1/inspection-plans": Permission.plans_write,
        "GET /api/v1/inspection-plans": Permission.plans_read,
        "GET /api/v1/inspection-plans/{plan_id}": Permission.plans_read,
        "GET /api/v1/inspection-plans/{plan_id}/eligible": Permission.plans_read,
        "GET /api/v1/inspection-plans/{plan_id}/visits": Permission.plans_read,
        "POST /api/v1/inspection-plans/{plan_id}/commitment": Permission.plans_write,
        "POST /api/v1/inspection-plans/{plan_id}/draw": Permission.plans_write,
        "POST /api/v1/inspection-plans/{plan_id}/close": Permission.plans_write,
        "POST /api/v1/inspection-plans/{plan_id}/visits/{visit_id}/outcome":
            Permission.plan_visits_record,
        "GET /api/v1/inspection-plans/{plan_id}/publication": None,
    }  # fmt: skip


def test_reports_and_documents_are_for_staff_and_the_employer_concerned_templates_for_admins():
    """Issue 15 §3, §4: staff issue a credit report for any unit, a unit for itself; staff read
    every letter, a unit its own; only an admin reads and changes the templates."""
    staff_and_employer = {Role.admin, Role.inspector, Role.reviewer, Role.auditor, Role.employer}
    assert ROLES[Permission.credit_reports_issue] == staff_and_employer
    assert ROLES[Permission.documents_read] == staff_and_employer
    assert ROLES[Permission.document_templates_write] == {Role.admin}
    routes = {
        str(e): e.permission
        for e in ENDPOINTS
        if ("document" in e.path or "report" in e.path) and "/reports/yearly" not in e.path
    }
    assert routes == {
        "POST /api/v1/employers/{employer_id}/credit-report": Permission.credit_reports_issue,
        "GET /api/v1/employers/{employer_id}/credit-report/{code}":
            Permission.credit_reports_issue,
        "GET /api/v1/credit-reports/{code}": None,
        "GET /api/v1/credit-reports/{code}.pdf": None,
        "GET /api/v1/documents": Permission.documents_read,
        "POST /api/v1/documents/interview-records": Permission.interviews_write,
        "GET /api/v1/documents/{document_id}": Permission.documents_read,
        "GET /api/v1/documents/{document_id}/pdf": Permission.documents_read,
        "GET /api/v1/document-templates/{kind}": Permission.document_templates_write,
        "PUT /api/v1/document-templates/{kind}": Permission.document_templates_write,
    }  # fmt: skip


def test_the_push_is_read_by_admins_and_auditors_replayed_by_admins_receipted_by_the_platform():
    """Issue 14: the outbox shows what went to the city platform (admins, auditors); only an
    admin replays a dead letter; only the platform's machine client (scope receipts) sends
    receipts — no staff role may forge one."""
    assert ROLES[Permission.platform_deliveries_read] == {Role.admin, Role.auditor}
    assert ROLES[Permission.platform_deliveries_replay] == {Role.admin}
    assert ROLES[Permission.platform_receipts_write] == frozenset()
    assert _allowed("client:city_platform", Permission.platform_receipts_write)
    assert not _allowed("client:social_insurance", Permission.platform_receipts_write)
    routes = {str(e): e.permission for e in ENDPOINTS if "/platform/" in e.path}
    assert routes == {
        "GET /api/v1/platform/deliveries": Permission.platform_deliveries_read,
        "GET /api/v1/platform/deliveries/{message_id}": Permission.platform_deliveries_read,
        "POST /api/v1/platform/deliveries/{message_id}/replay":
            Permission.platform_deliveries_replay,
        "POST /api/v1/platform/deliveries/replay": Permission.platform_deliveries_replay,
        "GET /api/v1/platform/reconciliations": Permission.platform_deliveries_read,
        "POST /api/v1/platform/receipts": Permission.platform_receipts_write,
    }  # fmt: skip


def test_the_yearly_report_is_read_by_admins_reviewers_and_auditors():
    """Issue 15 §5: the bureau's management, its reviewers and the auditors read the yearly
    supervision report; inspectors (their dashboards are /stats) and employers do not."""
    assert ROLES[Permission.reports_read] == {Role.admin, Role.reviewer, Role.auditor}
    assert not SCOPES.get(Permission.reports_read)
    routes = {str(e): e.permission for e in ENDPOINTS if "/reports/yearly" in e.path}
    assert routes == {
        "GET /api/v1/reports/yearly/{year}": Permission.reports_read,
        "GET /api/v1/reports/yearly/{year}.pdf": Permission.reports_read,
    }
