"""The public C list through the API: no sign-in, Art 14 fields only, nothing personal, items
past their end never shown, withdrawn is 410, ETag/304, keyset pages, search, rate limit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.core.clock import Clock
from app.disclosure import service
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc
from tests.disclosure.support import add_record, final_evaluation, staff

ID_NUMBER = "14112119800101123X"
PHONE = "13912345678"
ADDRESS = "凤城镇幸福路88号3单元502室"
SECRETS = (ID_NUMBER, PHONE, ADDRESS, "14112119800101", "3912345678", "幸福路88号")


async def _published(session, settings, clock, employer_id, people, **over):
    record = await add_record(session, settings, clock, employer_id, people, **over)
    await final_evaluation(session, employer_id, evidence=[record.id])
    await service.reflect(session=session, employer_id=employer_id, clock=clock, settings=settings)
    return record


async def test_the_list_shows_exactly_the_art_14_fields_and_nothing_personal(
    app, client, session, settings, clock, headers_for, make_user, tmp_path
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    admin = await headers_for(Role.admin)
    created = await client.post(
        "/api/v1/employers",
        headers=admin,
        json={"uscc": new_uscc(), "name": "文水县隐私测试有限公司", "subject_type": "enterprise",
              "legal_representative": "李四", "town": "凤城镇", "industry_code": "C1311",
              "legal_representative_id_number": ID_NUMBER, "contact_phone": PHONE,
              "address": ADDRESS},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    employer_id = created.json()["id"]
    people = await staff(make_user)
    personal = f"联系人{PHONE}，身份证{ID_NUMBER}，住{ADDRESS}"
    record = await _published(
        session, settings, clock, employer_id, people,
        description=personal, violation_facts=personal, remarks=personal,
    )  # fmt: skip
    inspector = await headers_for(Role.reviewer)
    uploaded = await client.post(
        f"/api/v1/credit-records/{record.id}/attachments",
        headers=inspector,
        files={"file": (f"{PHONE}-{ID_NUMBER}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text

    listed = await client.get("/api/v1/disclosures", params={"q": "隐私测试"})
    assert listed.status_code == 200, listed.text
    [disclosure] = listed.json()["items"]
    assert set(disclosure) == {
        "id", "cycle", "employer_name", "uscc", "legal_representative", "list_status",
        "list_status_label", "published_at", "items",
    }  # fmt: skip
    assert disclosure["legal_representative"] == "李四"
    [item] = disclosure["items"]
    assert item == {
        "id": item["id"],
        "penalty_date": "2026-03-10",
        "decision_number": record.decision_number,
        "violation": "拖欠劳动者工资",
        "legal_basis": "《保障农民工工资支付条例》第五十四条",
        "result": "罚款：罚款2万元",
        "dishonesty_level": "general",
        "dishonesty_level_label": "一般",
        "list_status": "yellow",
        "list_status_label": "黄名单（重点关注名单）",
        "publication_end_date": "2027-03-10",
        "disputed": False,
    }
    one = await client.get(f"/api/v1/disclosures/{disclosure['id']}")
    assert one.status_code == 200
    for response in (listed, one):
        for secret in SECRETS:
            assert secret not in response.text
        assert "凤城镇" not in response.text  # the town is searched, never shown


async def test_an_id_number_or_phone_typed_into_a_shown_text_is_removed(
    client, session, settings, clock, make_employer, make_user
):
    """The violation, legal basis and result are shown (Art 14) and written by clerks: a person's
    ID number or phone typed into them is removed before publication."""
    employer = await make_employer(name="文水县隐去测试有限公司")
    people = await staff(make_user)
    await _published(
        session, settings, clock, employer.id, people,
        violation_type=f"拖欠王某（身份证{ID_NUMBER}）工资",
        legal_basis="《保障农民工工资支付条例》第五十四条（举报电话0358-1234567）",
        penalty_content=f"罚款2万元，联系人电话{PHONE}、+86 139-1234-5678",
    )  # fmt: skip
    [disclosure] = (await client.get("/api/v1/disclosures", params={"q": "隐去测试"})).json()[
        "items"
    ]
    [item] = disclosure["items"]
    assert item["violation"] == "拖欠王某（身份证［个人信息已隐去］）工资"
    assert (
        item["legal_basis"] == "《保障农民工工资支付条例》第五十四条（举报电话［个人信息已隐去］）"
    )
    assert item["result"] == "罚款：罚款2万元，联系人电话［个人信息已隐去］、［个人信息已隐去］"
    for secret in (*SECRETS, "1234567", "139-1234-5678"):
        assert secret not in str(disclosure)


async def test_a_light_item_is_not_shown_and_an_item_past_its_end_never_is(
    app, client, session, settings, clock, make_employer, make_user
):
    employer = await make_employer(name="文水县过期测试有限公司")
    people = await staff(make_user)
    await add_record(session, settings, clock, employer.id, people, severity="light")
    await _published(session, settings, clock, employer.id, people, decided=date(2026, 1, 5))
    listed = (await client.get("/api/v1/disclosures", params={"q": "过期测试"})).json()
    [disclosure] = listed["items"]
    assert [i["dishonesty_level"] for i in disclosure["items"]] == ["general"]
    # the day after its end date, before the daily job has run: not shown, and the
    # disclosure reads as withdrawn
    app.state.clock = Clock.pinned(datetime(2027, 1, 6, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    listed = (await client.get("/api/v1/disclosures", params={"q": "过期测试"})).json()
    assert listed["items"] == []
    gone = assert_problem(await client.get(f"/api/v1/disclosures/{disclosure['id']}"), 410)
    assert gone["reason"] == "items_ended"
    assert gone["withdrawn_at"].startswith("2027-01-06T00:00:00")


async def test_a_withdrawn_disclosure_is_410_with_when_and_why_in_chinese_by_default(
    client, session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    await _published(session, settings, clock, employer.id, people)
    listed = (await client.get("/api/v1/disclosures", params={"uscc": employer.uscc})).json()
    [disclosure] = listed["items"]
    await final_evaluation(session, employer.id, grade="B")
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    response = await client.get(
        f"/api/v1/disclosures/{disclosure['id']}", headers={"Accept-Language": "zh"}
    )
    body = assert_problem(response, 410)
    assert body["type"].endswith("/disclosure-withdrawn")
    assert body["reason"] == "grade_changed" and body["withdrawn_at"]
    assert "撤销" in body["detail"] and "不再评为C级" in body["detail"]
    missing = await client.get("/api/v1/disclosures/00000000-0000-4000-8000-000000000000")
    assert_problem(missing, 404)


async def test_etag_and_if_none_match(
    client, session, settings, clock, make_employer, make_user, headers_for
):
    employer = await make_employer()
    people = await staff(make_user)
    await _published(session, settings, clock, employer.id, people)
    first = await client.get("/api/v1/disclosures", params={"uscc": employer.uscc})
    etag = first.headers["ETag"]
    again = await client.get(
        "/api/v1/disclosures", params={"uscc": employer.uscc}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert first.headers["Cache-Control"] == again.headers["Cache-Control"] == "public, no-cache"
    [disclosure] = first.json()["items"]
    url = f"/api/v1/disclosures/{disclosure['id']}"
    one = await client.get(url)
    assert (
        await client.get(url, headers={"If-None-Match": one.headers["ETag"]})
    ).status_code == 304
    own = await headers_for(Role.employer, employer_id=employer.id)
    contest = {"target_type": "disclosure_item", "target_id": disclosure["items"][0]["id"],
               "reason_category": "error", "statement": "处罚决定已撤销"}  # fmt: skip
    assert (await client.post("/api/v1/objections", json=contest, headers=own)).status_code == 201
    changed = await client.get(url, headers={"If-None-Match": one.headers["ETag"]})
    assert changed.status_code == 200 and changed.json()["items"][0]["disputed"] is True


async def test_keyset_pages_and_search_filters(
    client, session, settings, clock, make_employer, make_user
):
    people = await staff(make_user)
    made = []
    for n in range(5):
        town = "南庄镇" if n % 2 else "孝义镇"
        employer = await make_employer(name=f"文水县翻页{n}号建筑有限公司", town=town)
        await _published(session, settings, clock, employer.id, people)
        made.append(employer)
    seen, cursor = [], None
    while True:
        params = {"q": "翻页", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/disclosures", params=params)).json()
        seen += [d["employer_name"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(e.name for e in made) and len(seen) == 5
    by_town = await client.get("/api/v1/disclosures", params={"q": "翻页", "town": "南庄镇"})
    assert len(by_town.json()["items"]) == 2
    by_year = await client.get("/api/v1/disclosures", params={"q": "翻页", "year": 2025})
    assert by_year.json()["items"] == []
    assert (
        len((await client.get("/api/v1/disclosures", params={"q": "翻页3号"})).json()["items"]) == 1
    )
    assert_problem(await client.get("/api/v1/disclosures", params={"cursor": "x"}), 422)
    unknown = await client.get("/api/v1/disclosures", params={"name": "翻页"})
    assert_problem(unknown, 422)


async def test_the_rate_limit_answers_429_with_retry_after(app, client, settings):
    app.state.settings = settings.model_copy(update={"public_rate_per_minute": 3})
    for _ in range(3):
        assert (await client.get("/api/v1/disclosures")).status_code == 200
    refused = await client.get("/api/v1/disclosures")
    body = assert_problem(refused, 429)
    assert body["type"].endswith("/too-many-requests")
    assert int(refused.headers["Retry-After"]) >= 1


async def test_a_publication_time_reads_as_python_writes_it(
    client, session, settings, clock, make_employer, make_user
):
    """The list's JSON is built by PostgreSQL: a time on the second has no fraction, another
    six digits, as `datetime.isoformat` writes them (and as the single read shows them)."""
    employer = await make_employer(name="文水县时刻测试有限公司")
    await _published(session, settings, clock, employer.id, await staff(make_user))
    for moment in ("2026-11-20 08:00:00+00", "2026-11-20 08:00:00.12+00"):
        await session.execute(
            text("UPDATE disclosures SET published_at = :t WHERE employer_id = :e"),
            {"t": datetime.fromisoformat(moment), "e": employer.id},
        )
        [listed] = (await client.get("/api/v1/disclosures", params={"q": "时刻测试"})).json()[
            "items"
        ]
        one = (await client.get(f"/api/v1/disclosures/{listed['id']}")).json()
        assert listed["published_at"] == one["published_at"]
        assert listed["published_at"] == datetime.fromisoformat(moment).isoformat()
