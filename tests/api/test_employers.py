"""Employers (Art 3): registration with a checked USCC, search, paging, audited updates."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from sqlalchemy import text

from app.employers import uscc
from app.models.employer import SubjectType
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc

EMPLOYERS = "/api/v1/employers"
ID_NUMBER = "141121199001011234"
PHONE = "13812345678"


def employer_body(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "uscc": new_uscc(),
        "name": f"文水县{uuid.uuid4().hex[:6]}建筑工程有限公司",
        "subject_type": "enterprise",
        "legal_representative": "张建国",
        "legal_representative_id_number": ID_NUMBER,
        "contact_phone": PHONE,
        "town": "凤城镇",
        "industry_code": "E4720",
        "address": "山西省文水县凤城镇",
        "employee_count": 120,
    }
    body.update(fields)
    return body


@pytest.fixture
async def inspector(headers_for):
    return await headers_for(Role.inspector)


async def register(client, headers, **fields: object) -> dict[str, object]:
    response = await client.post(EMPLOYERS, json=employer_body(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def audit_events(connection, resource_id: object) -> list[dict[str, object]]:
    rows = await connection.execute(
        text(
            "SELECT actor_type, actor_id, action, resource_type, changes, request_id "
            "FROM audit_events WHERE resource_id = :id ORDER BY seq"
        ),
        {"id": str(resource_id)},
    )
    return [dict(r._mapping) for r in rows]


# --- registration -------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["914403001922038216", "91110000600037341L"])
async def test_register_with_a_valid_uscc(client, inspector, code):
    response = await client.post(EMPLOYERS, json=employer_body(uscc=code), headers=inspector)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["uscc"] == code
    assert created["status"] == "active"
    assert created["version"] == 1
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{EMPLOYERS}/{created['id']}"
    again = await client.get(response.headers["location"], headers=inspector)
    assert again.status_code == 200
    assert again.json() == created


@pytest.mark.parametrize(
    "raw",
    [
        " 9144 0300 1922 0382 16 ",
        "9144-0300-1922-0382-16",
        "９１４４０３００１９２２０３８２１６",  # full-width digits
        "91110000600037341l",  # lower case check character
    ],
)
async def test_uscc_is_normalised_before_it_is_checked(client, inspector, raw):
    created = await register(client, inspector, uscc=raw)
    assert created["uscc"] == uscc.normalise(raw)
    assert len(created["uscc"]) == 18


ORGANISATION = uscc.organisation_code("MA0K2LRN")


@pytest.mark.parametrize(
    ("code", "rule", "position", "in_detail", "expected"),
    [
        ("91440300192203821", "length", None, "17", None),
        ("9144030019220382166", "length", None, "19", None),
        ("91350100M000100Y4Z", "character", 18, "position 18", None),
        ("9144030019I2038216", "character", 11, "position 11", None),
        (uscc.make("94141121" + ORGANISATION), "category", 2, "position 2 '4'", None),
        (uscc.make("B1141121" + ORGANISATION), "category", 1, "position 1 'B'", None),
        (uscc.make("91ABCDEF" + ORGANISATION), "division", 3, "position 3 is 'A'", None),
        (uscc.make("91141121MA0K2LRN8"), "organisation_check", 17, "position 17", "3"),
        ("914403001922038217", "check", 18, "'6'", "6"),
        ("91110000600037341A", "check", 18, "'L'", "L"),
    ],
)
async def test_a_bad_uscc_is_422_naming_the_broken_rule(
    client, inspector, code, rule, position, in_detail, expected
):
    response = await client.post(EMPLOYERS, json=employer_body(uscc=code), headers=inspector)
    problem = assert_problem(response, 422)
    assert problem["rule"] == rule
    assert problem.get("position") == position
    assert problem.get("expected") == expected
    assert in_detail in problem["detail"]
    assert problem["errors"] == [
        {"loc": ["body", "uscc"], "msg": problem["detail"], "type": f"uscc.{rule}"}
    ]


async def test_a_uscc_breaking_several_rules_is_one_422_with_an_error_for_each(client, inspector):
    response = await client.post(
        EMPLOYERS, json=employer_body(uscc="91141121MA0K2LRN8J"), headers=inspector
    )
    problem = assert_problem(response, 422)
    assert [e["type"] for e in problem["errors"]] == ["uscc.organisation_check", "uscc.check"]
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("body", "uscc")}
    assert (problem["rule"], problem["position"], problem["expected"]) == (
        "organisation_check",
        17,
        "3",
    )


@pytest.mark.parametrize(
    ("code", "waived"),
    [
        ("914403001922038217", ["check"]),
        (uscc.make("91141121MA0K2LRN8"), ["organisation_check"]),
        (uscc.make("9114A121" + ORGANISATION), ["division"]),
        (uscc.make("94141121" + ORGANISATION), ["category"]),
        ("91141121MA0K2LRN8J", ["organisation_check", "check"]),
    ],
)
async def test_a_reviewer_may_register_an_exception_with_a_reason(
    client, headers_for, connection, code, waived
):
    reviewer = await headers_for(Role.reviewer)
    reason = "早期试点代码，经市场监管局核实为真实代码"
    body = employer_body(uscc=code, checksum_exception=True, checksum_exception_reason=reason)
    response = await client.post(EMPLOYERS, json=body, headers=reviewer)
    assert response.status_code == 201, response.text
    assert response.json()["uscc"] == code
    assert response.json()["checksum_exception"] is True
    (event,) = await audit_events(connection, response.json()["id"])
    assert event["changes"]["checksum_exception_reason"] == {"old": None, "new": reason}
    assert event["changes"]["uscc_rules_waived"] == {"old": None, "new": waived}


async def test_a_valid_uscc_is_audited_without_waived_rules(client, inspector, connection):
    created = await register(client, inspector)
    assert created["checksum_exception"] is False
    (event,) = await audit_events(connection, created["id"])
    assert "uscc_rules_waived" not in event["changes"]
    assert "checksum_exception_reason" not in event["changes"]


@pytest.mark.parametrize(
    ("code", "rule"),
    [("91440300192203821", "length"), ("9144030019220382IZ", "character")],
)
async def test_an_exception_never_waives_the_length_or_the_alphabet(
    client, headers_for, code, rule
):
    body = employer_body(uscc=code, checksum_exception=True, checksum_exception_reason="真实代码")
    response = await client.post(EMPLOYERS, json=body, headers=await headers_for(Role.reviewer))
    assert assert_problem(response, 422)["rule"] == rule


async def test_an_exception_for_a_valid_uscc_is_422(client, headers_for):
    body = employer_body(checksum_exception=True, checksum_exception_reason="真实代码")
    response = await client.post(EMPLOYERS, json=body, headers=await headers_for(Role.reviewer))
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "checksum_exception"]
    assert problem["errors"][0]["type"] == "uscc.exception_unneeded"


@pytest.mark.parametrize("role", [Role.inspector, Role.admin])
@pytest.mark.parametrize("code", ["914403001922038217", uscc.make("9114A121" + ORGANISATION)])
async def test_only_a_reviewer_may_register_an_exception(client, headers_for, role, code):
    body = employer_body(uscc=code, checksum_exception=True, checksum_exception_reason="真实代码")
    response = await client.post(EMPLOYERS, json=body, headers=await headers_for(role))
    assert_problem(response, 403)


@pytest.mark.parametrize("reason", [None, "", "   "])
async def test_an_exception_needs_a_reason(client, headers_for, reason):
    body = employer_body(
        uscc="914403001922038217", checksum_exception=True, checksum_exception_reason=reason
    )
    response = await client.post(EMPLOYERS, json=body, headers=await headers_for(Role.reviewer))
    problem = assert_problem(response, 422)
    assert any("checksum_exception_reason" in e["msg"] for e in problem["errors"])


async def test_a_registered_uscc_is_409_with_the_existing_id(client, inspector):
    first = await register(client, inspector)
    spaced = " ".join(str(first["uscc"]))
    response = await client.post(EMPLOYERS, json=employer_body(uscc=spaced), headers=inspector)
    assert assert_problem(response, 409)["existing_id"] == first["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_representative_id_number", "14112119900101123"),
        ("legal_representative_id_number", "1411211990010112AB"),
        ("contact_phone", "call me"),
        ("industry_code", "Z99"),
        ("industry_code", "c1311"),
    ],
)
async def test_malformed_fields_are_422_naming_the_field(client, inspector, field, value):
    response = await client.post(EMPLOYERS, json=employer_body(**{field: value}), headers=inspector)
    assert [e["loc"] for e in assert_problem(response, 422)["errors"]] == [["body", field]]


# The pattern's optional "+" and 20 digits: 21 characters, longer than the masked copy's column
# (found by `make fuzz`: a 500 from PostgreSQL before the field was bounded).
LONG_PHONE = "+" + "1" * 20


async def test_a_phone_longer_than_20_characters_is_422_naming_it(client, inspector):
    def refused(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
        return [e["loc"] for e in assert_problem(response, 422)["errors"]]

    long = employer_body(contact_phone=LONG_PHONE)
    assert refused(await client.post(EMPLOYERS, json=long, headers=inspector)) == [
        ["body", "contact_phone"]
    ]
    created = await client.post(EMPLOYERS, json=employer_body(), headers=inspector)
    url = f"{EMPLOYERS}/{created.json()['id']}"
    headers = {**inspector, "If-Match": created.headers["ETag"]}
    patched = await client.patch(url, json={"contact_phone": LONG_PHONE}, headers=headers)
    assert refused(patched) == [["body", "contact_phone"]]


# --- reading and searching ----------------------------------------------------------------


async def test_unknown_employer_is_404(client, inspector):
    assert_problem(await client.get(f"{EMPLOYERS}/{uuid.uuid4()}", headers=inspector), 404)


async def test_employer_id_that_is_not_a_uuid_is_422(client, inspector):
    problem = assert_problem(await client.get(f"{EMPLOYERS}/42", headers=inspector), 422)
    assert problem["errors"][0]["loc"] == ["path", "employer_id"]


async def test_search_by_exact_uscc_after_normalisation(client, inspector, make_employer):
    wanted = await make_employer()
    await make_employer()
    response = await client.get(
        EMPLOYERS,
        params={"uscc": f" {wanted.uscc[:6]}-{wanted.uscc[6:].lower()}"},
        headers=inspector,
    )
    assert [e["id"] for e in response.json()["items"]] == [str(wanted.id)]


async def test_search_by_chinese_name_fragment(client, inspector, make_employer):
    tag = uuid.uuid4().hex[:6]
    distillery = await make_employer(name=f"文水县汾河{tag}酒业有限公司")
    await make_employer(name=f"文水县则天{tag}食品有限公司")
    response = await client.get(EMPLOYERS, params={"q": f"汾河{tag}"}, headers=inspector)
    assert [e["id"] for e in response.json()["items"]] == [str(distillery.id)]


async def test_search_name_fragment_treats_percent_literally(client, inspector, make_employer):
    tag = uuid.uuid4().hex[:6]
    await make_employer(name=f"百分之百{tag}有限公司")
    response = await client.get(EMPLOYERS, params={"q": f"%{tag}"}, headers=inspector)
    assert response.json()["items"] == []


async def test_search_by_uscc_prefix(client, inspector, make_employer):
    organisation = uscc.organisation_code(
        "".join(uscc.ALPHABET[int(c, 16)] for c in uuid.uuid4().hex[:8])
    )
    wanted = await make_employer(uscc=uscc.make(f"92141121{organisation}"))
    await make_employer()
    prefix = wanted.uscc[:13].lower()
    response = await client.get(EMPLOYERS, params={"q": prefix}, headers=inspector)
    assert [e["id"] for e in response.json()["items"]] == [str(wanted.id)]


async def test_filters_by_town_subject_type_and_status(client, inspector, make_employer):
    tag = uuid.uuid4().hex[:6]
    town = f"测试{tag}镇"
    target = await make_employer(town=town, subject_type=SubjectType.foundation)
    await make_employer(town=town, subject_type=SubjectType.enterprise)
    await make_employer(town=town, subject_type=SubjectType.foundation, status="deregistered")
    await make_employer(town="开栅镇", subject_type=SubjectType.foundation)
    params = {"town": town, "subject_type": "foundation", "status": "active"}
    response = await client.get(EMPLOYERS, params=params, headers=inspector)
    assert [e["id"] for e in response.json()["items"]] == [str(target.id)]
    by_town = await client.get(EMPLOYERS, params={"town": town}, headers=inspector)
    assert len(by_town.json()["items"]) == 3


async def test_unknown_filter_value_is_422(client, inspector):
    response = await client.get(EMPLOYERS, params={"subject_type": "company"}, headers=inspector)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "subject_type"]


async def test_keyset_pages_have_no_duplicates_and_no_gaps(client, inspector, make_employer):
    tag = uuid.uuid4().hex[:6]
    names = ["甲", "乙", "乙", "丙", "丁", "丁", "丁"]  # repeated names: the id breaks ties
    for name in names:
        await make_employer(name=f"分页{tag}{name}有限公司")
    everything = await client.get(EMPLOYERS, params={"q": tag, "limit": 100}, headers=inspector)
    expected = [e["id"] for e in everything.json()["items"]]
    assert len(expected) == len(names)

    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": tag, "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(EMPLOYERS, params=params, headers=inspector)).json()
        seen += [e["id"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 3


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%not-base64",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["only one"]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["name", "not-a-uuid"]).encode()).decode(),
    ],
)
async def test_a_bad_cursor_is_422(client, inspector, cursor):
    response = await client.get(EMPLOYERS, params={"cursor": cursor}, headers=inspector)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "cursor"]


# --- employer accounts --------------------------------------------------------------------


async def test_an_employer_account_sees_only_its_own_employer(client, headers_for, make_employer):
    own, other = await make_employer(), await make_employer()
    headers = await headers_for(Role.employer, employer_id=own.id)
    assert (await client.get(f"{EMPLOYERS}/{own.id}", headers=headers)).status_code == 200
    assert_problem(await client.get(f"{EMPLOYERS}/{other.id}", headers=headers), 404)
    listed = await client.get(EMPLOYERS, headers=headers)
    assert [e["id"] for e in listed.json()["items"]] == [str(own.id)]
    searched = await client.get(EMPLOYERS, params={"uscc": other.uscc}, headers=headers)
    assert searched.json()["items"] == []


# --- updates ------------------------------------------------------------------------------


async def test_patch_with_the_etag_bumps_the_version(client, inspector, connection):
    created = await register(client, inspector)
    url = f"{EMPLOYERS}/{created['id']}"
    etag = (await client.get(url, headers=inspector)).headers["etag"]
    response = await client.patch(
        url, json={"town": "开栅镇", "employee_count": 130}, headers={**inspector, "If-Match": etag}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["version"] == 2
    assert response.json()["town"] == "开栅镇"
    assert (await client.get(url, headers=inspector)).json()["employee_count"] == 130
    stale = await client.patch(
        url, json={"town": "南庄镇"}, headers={**inspector, "If-Match": etag}
    )
    assert_problem(stale, 412)
    events = await audit_events(connection, created["id"])
    assert [e["action"] for e in events] == ["employer.create", "employer.update"]
    assert events[1]["changes"] == {
        "town": {"old": "凤城镇", "new": "开栅镇"},
        "employee_count": {"old": 120, "new": 130},
    }


async def test_patch_accepts_a_weak_etag(client, inspector):
    created = await register(client, inspector)
    response = await client.patch(
        f"{EMPLOYERS}/{created['id']}",
        json={"status": "deregistered"},
        headers={**inspector, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "deregistered"


async def test_patch_that_changes_nothing_keeps_the_version_and_writes_no_event(
    client, inspector, connection
):
    created = await register(client, inspector)
    response = await client.patch(
        f"{EMPLOYERS}/{created['id']}",
        json={"town": created["town"]},
        headers={**inspector, "If-Match": '"1"'},
    )
    assert response.headers["etag"] == '"1"'
    assert len(await audit_events(connection, created["id"])) == 1


@pytest.mark.parametrize("field", ["name", "subject_type", "town", "employee_count", "status"])
async def test_null_for_a_required_field_is_422(client, inspector, field):
    created = await register(client, inspector)
    response = await client.patch(
        f"{EMPLOYERS}/{created['id']}", json={field: None}, headers={**inspector, "If-Match": '"1"'}
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", field]


async def test_patch_of_unknown_employer_is_404(client, inspector):
    response = await client.patch(
        f"{EMPLOYERS}/{uuid.uuid4()}",
        json={"town": "x镇"},
        headers={**inspector, "If-Match": '"1"'},
    )
    assert_problem(response, 404)


# --- personal data ------------------------------------------------------------------------


async def test_personal_data_is_encrypted_at_rest(client, inspector, connection):
    created = await register(client, inspector)
    row = (
        await connection.execute(
            text(
                "SELECT legal_representative_id_number_enc AS id_enc,"
                " contact_phone_enc AS phone_enc, employers::text AS whole_row"
                " FROM employers WHERE id = :id"
            ),
            {"id": created["id"]},
        )
    ).one()
    assert row.id_enc and ID_NUMBER.encode() not in row.id_enc
    assert row.phone_enc and PHONE.encode() not in row.phone_enc
    assert ID_NUMBER not in row.whole_row
    assert PHONE not in row.whole_row


@pytest.mark.parametrize("role", [Role.inspector, Role.reviewer, Role.auditor])
async def test_personal_data_is_masked_for_staff_other_than_admins(
    client, inspector, headers_for, role
):
    created = await register(client, inspector)
    response = await client.get(f"{EMPLOYERS}/{created['id']}", headers=await headers_for(role))
    assert response.json()["legal_representative_id_number"] == "1411**********1234"
    assert response.json()["contact_phone"] == "138****5678"
    listed = await client.get(EMPLOYERS, params={"uscc": created["uscc"]}, headers=inspector)
    assert listed.json()["items"][0]["legal_representative_id_number"] == "1411**********1234"


async def test_personal_data_is_masked_for_the_employer_account_itself(
    client, inspector, headers_for
):
    created = await register(client, inspector)
    headers = await headers_for(Role.employer, employer_id=uuid.UUID(str(created["id"])))
    response = await client.get(f"{EMPLOYERS}/{created['id']}", headers=headers)
    assert response.json()["legal_representative_id_number"] == "1411**********1234"


async def test_admins_see_personal_data_in_full(client, headers_for):
    admin = await headers_for(Role.admin)
    created = await register(client, admin, legal_representative_id_number="14112119900101123x")
    assert created["legal_representative_id_number"] == "14112119900101123X"
    response = await client.get(f"{EMPLOYERS}/{created['id']}", headers=admin)
    assert response.json()["legal_representative_id_number"] == "14112119900101123X"
    assert response.json()["contact_phone"] == PHONE


async def test_the_audit_trail_holds_personal_data_masked(client, inspector, connection):
    created = await register(client, inspector)
    new_number = "141121198512125678"
    await client.patch(
        f"{EMPLOYERS}/{created['id']}",
        json={"legal_representative_id_number": new_number, "contact_phone": "13912345678"},
        headers={**inspector, "If-Match": '"1"'},
    )
    events = await audit_events(connection, created["id"])
    dumped = json.dumps([e["changes"] for e in events], ensure_ascii=False)
    for secret in (ID_NUMBER, PHONE, new_number, "13912345678"):
        assert secret not in dumped
    assert events[0]["changes"]["legal_representative_id_number"] == {
        "old": None,
        "new": "1411**********1234",
    }
    assert events[1]["changes"]["legal_representative_id_number"] == {
        "old": "1411**********1234",
        "new": "1411**********5678",
    }
    assert events[1]["changes"]["contact_phone"] == {"old": "138****5678", "new": "139****5678"}


async def test_a_new_id_number_with_the_same_mask_is_still_audited(client, inspector, connection):
    created = await register(client, inspector)
    same_mask = "141121200001011234"  # differs only in the masked middle
    response = await client.patch(
        f"{EMPLOYERS}/{created['id']}",
        json={"legal_representative_id_number": same_mask},
        headers={**inspector, "If-Match": '"1"'},
    )
    assert response.json()["version"] == 2
    events = await audit_events(connection, created["id"])
    assert "legal_representative_id_number" in events[-1]["changes"]
