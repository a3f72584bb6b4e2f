"""A representation against a proposed C is a list of statements and files, each with its filer:
staff filing for the employer (a walk-in, a letter) never locks the employer out; the reviewer
reads them all, in order; the employer reads them all too, bureau staff unnamed; after the
deadline or a decision nothing more is taken (409 notice-window-closed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.accounts import auth
from app.core.clock import Clock
from app.models.user import Role
from tests.api.test_evaluations import CHILD_LABOUR, current, graded
from tests.conftest import assert_problem
from tests.grading.support import actor_of, add_record

BASE = "/api/v1/evaluations"
PDF = "%PDF-1.7\n整改凭证\n%%EOF".encode()


@pytest.fixture
async def people(session, make_user, make_employer):  # type: ignore[no-untyped-def]
    """A C unit and its account, a clerk at the bureau's front desk, two reviewers."""
    employer = await make_employer()
    found = {
        "account": await make_user(Role.employer, employer_id=employer.id),
        "clerk": await make_user(Role.inspector),
        "collector": await make_user(Role.reviewer),
        "reviewer": await make_user(Role.reviewer),
    }
    for who, name in (("account", "赵会计"), ("clerk", "钱监察"), ("reviewer", "李审核")):
        found[who].full_name = name
    await session.flush()
    return {"employer": employer, **found}


@pytest.fixture
async def notice(session, settings, people, clock, today):  # type: ignore[no-untyped-def]
    """The unit's proposed C, its window open until 2026-12-03."""
    await add_record(
        session, settings, people["employer"].id, CHILD_LABOUR, clock=clock,
        collector=actor_of(people["collector"]), reviewer=actor_of(people["reviewer"]),
    )  # fmt: skip
    await graded(session, [people["employer"].id], today)
    found = await current(session, people["employer"].id)
    assert (found.status, str(found.representation_deadline)) == ("notice", "2026-12-03")
    return found


@pytest.fixture
def as_(people, settings, app):  # type: ignore[no-untyped-def]
    def headers(who: str) -> dict[str, str]:
        token = auth.issue_token(people[who], settings, app.state.clock)
        return {"Authorization": f"Bearer {token}"}

    return headers


WALK_IN = {"text": "法定代表人到窗口说明：该人员已满16周岁", "channel": "in_person",
           "presented_by": "周法人（法定代表人）"}  # fmt: skip


def _move(app, by: timedelta) -> None:  # type: ignore[no-untyped-def]
    app.state.clock = Clock.pinned(app.state.clock.now() + by)


async def _count(session, table: str, evaluation_id) -> int:  # type: ignore[no-untyped-def]
    query = text(f"SELECT count(*) FROM {table} WHERE evaluation_id = :i")
    return int(await session.scalar(query, {"i": evaluation_id}))


async def test_staff_filing_leaves_the_employer_its_say_and_the_reviewer_reads_both(  # type: ignore[no-untyped-def]
    client, session, people, notice, as_, app
):
    url = f"{BASE}/{notice.id}/representations"
    walk_in = await client.post(url, json=WALK_IN, headers=as_("clerk"))
    assert walk_in.status_code == 201, walk_in.text
    assert walk_in.json()["filed_by"] == {
        "side": "bureau", "user_id": str(people["clerk"].id), "name": "钱监察",
        "role": "inspector",
    }  # fmt: skip
    _move(app, timedelta(hours=2))
    own = await client.post(url, json={"text": "补充：附身份证复印件"}, headers=as_("account"))
    assert own.status_code == 201, own.text  # not "already filed"
    again = await client.post(url, json={"text": "再补充：劳动合同"}, headers=as_("account"))
    assert again.status_code == 201, again.text

    read = await client.get(url, headers=as_("reviewer"))
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["open"], body["status"], body["representation_deadline"]) == (
        True, "notice", "2026-12-03",
    )  # fmt: skip
    shown = [
        (s["seq"], s["text"], s["channel"], s["filed_by"]["user_id"]) for s in body["statements"]
    ]
    assert shown == [
        (1, WALK_IN["text"], "in_person", str(people["clerk"].id)),
        (2, "补充：附身份证复印件", "online", str(people["account"].id)),
        (3, "再补充：劳动合同", "online", str(people["account"].id)),
    ]  # fmt: skip
    first, second, _ = body["statements"]
    assert first["presented_by"] == "周法人（法定代表人）"
    assert second["filed_by"] == {
        "side": "employer", "user_id": str(people["account"].id), "name": "赵会计",
        "role": "employer",
    }  # fmt: skip
    # filed at the app's clock: the employer's two hours after the walk-in
    assert first["filed_at"] < second["filed_at"]
    evaluation = (await client.get(f"{BASE}/{notice.id}", headers=as_("reviewer"))).json()
    assert datetime.fromisoformat(evaluation["represented_at"]) == datetime.fromisoformat(
        first["filed_at"]
    )  # the first filing
    audited = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE action = 'evaluation.represent' "
             "AND resource_id = :i"),
        {"i": str(notice.id)},
    )  # fmt: skip
    assert audited == 3

    # the employer reads every statement on its own evaluation, the bureau's unnamed
    mine = (await client.get(url, headers=as_("account"))).json()
    assert [s["seq"] for s in mine["statements"]] == [1, 2, 3]
    assert mine["statements"][0]["filed_by"] == {
        "side": "bureau", "user_id": None, "name": None, "role": None,
    }  # fmt: skip
    assert mine["statements"][0]["text"] == WALK_IN["text"]
    assert mine["statements"][1]["filed_by"]["name"] == "赵会计"

    # then the reviewer decides on them all
    decided = await client.post(
        f"{BASE}/{notice.id}/decision", json={"outcome": "confirm"}, headers=as_("reviewer")
    )
    assert decided.status_code == 200, decided.text
    closed = (await client.get(url, headers=as_("account"))).json()
    assert (closed["open"], closed["status"], len(closed["statements"])) == (False, "final", 3)


async def test_another_units_employer_finds_nothing_and_files_nothing(  # type: ignore[no-untyped-def]
    client, session, notice, headers_for, as_
):
    url = f"{BASE}/{notice.id}/representations"
    await client.post(url, json=WALK_IN, headers=as_("clerk"))
    stranger = await headers_for(Role.employer)
    for response in (
        await client.get(url, headers=stranger),
        await client.post(url, json={"text": "冒名"}, headers=stranger),
        await client.post(
            f"{url}/attachments", files={"file": ("x.pdf", PDF, "application/pdf")},
            headers=stranger,
        ),
    ):  # fmt: skip
        problem = assert_problem(response, 404)
        assert problem["detail"] == f"evaluation {notice.id} does not exist"
    assert await _count(session, "representation_statements", notice.id) == 1
    assert await _count(session, "representation_attachments", notice.id) == 0


async def test_after_the_deadline_nothing_is_taken_and_nothing_changes(  # type: ignore[no-untyped-def]
    client, session, settings, app, tmp_path, notice, as_
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    url = f"{BASE}/{notice.id}/representations"
    assert (await client.post(url, json=WALK_IN, headers=as_("clerk"))).status_code == 201
    before = (await client.get(url, headers=as_("reviewer"))).json()
    _move(app, timedelta(days=8))  # Fri 2026-12-04: the day after the deadline
    for response in (
        await client.post(url, json={"text": "迟到的陈述"}, headers=as_("account")),
        await client.post(url, json={**WALK_IN, "channel": "letter"}, headers=as_("clerk")),
        await client.post(
            f"{url}/attachments", files={"file": ("x.pdf", PDF, "application/pdf")},
            headers=as_("account"),
        ),
    ):  # fmt: skip
        problem = assert_problem(response, 409)
        assert problem["type"].endswith("/notice-window-closed")
        assert problem["representation_deadline"] == "2026-12-03"
        assert problem["detail"] == (
            "the representation window closed on 2026-12-03 (today is 2026-12-04); the "
            "proposed C takes effect as notified"
        )
    after = (await client.get(url, headers=as_("reviewer"))).json()
    assert after == {**before, "open": False}
    assert not list(tmp_path.rglob("*"))  # refused before anything was stored


async def test_the_window_is_closed_in_chinese_too(client, notice, as_, app):  # type: ignore[no-untyped-def]
    _move(app, timedelta(days=8))
    late = await client.post(
        f"{BASE}/{notice.id}/representations", json={"text": "迟到"},
        headers={**as_("account"), "Accept-Language": "zh-CN"},
    )  # fmt: skip
    problem = assert_problem(late, 409)
    assert (problem["title"], problem["detail"]) == (
        "陈述申辩期已结束",
        "陈述申辩期限已于2026-12-03届满（今天是2026-12-04），拟评C级按告知生效",
    )


async def test_each_filers_files_are_listed_with_their_filer(  # type: ignore[no-untyped-def]
    client, settings, app, tmp_path, people, notice, as_
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    url = f"{BASE}/{notice.id}/representations"
    letter = {"file": ("来信.pdf", PDF + b"letter", "application/pdf")}
    receipt = {"file": ("身份证复印件.pdf", PDF + b"id", "application/pdf")}
    by_clerk = await client.post(f"{url}/attachments", files=letter, headers=as_("clerk"))
    assert by_clerk.status_code == 201, by_clerk.text
    by_unit = await client.post(f"{url}/attachments", files=receipt, headers=as_("account"))
    assert by_unit.status_code == 201, by_unit.text
    assert by_unit.json()["filed_by"]["side"] == "employer"

    listed = (await client.get(f"{url}/attachments", headers=as_("reviewer"))).json()["items"]
    assert [(a["file_name"], a["uploaded_by"], a["filed_by"]["name"]) for a in listed] == [
        ("来信.pdf", str(people["clerk"].id), "钱监察"),
        ("身份证复印件.pdf", str(people["account"].id), "赵会计"),
    ]
    whole = (await client.get(url, headers=as_("reviewer"))).json()
    assert [(a["id"], a["filed_by"]["role"]) for a in whole["attachments"]] == [
        (by_clerk.json()["id"], "inspector"), (by_unit.json()["id"], "employer"),
    ]  # fmt: skip
    # the employer sees both files; the bureau's without the staff member
    theirs = (await client.get(f"{url}/attachments", headers=as_("account"))).json()["items"]
    assert [(a["uploaded_by"], a["filed_by"]["side"], a["filed_by"]["name"]) for a in theirs] == [
        (None, "bureau", None), (str(people["account"].id), "employer", "赵会计"),
    ]  # fmt: skip
    # one file a page: the cursor leads from the clerk's to the unit's, then ends
    first = await client.get(f"{url}/attachments", params={"limit": 1}, headers=as_("reviewer"))
    rest = await client.get(
        f"{url}/attachments",
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
        headers=as_("reviewer"),
    )
    assert [a["id"] for a in first.json()["items"] + rest.json()["items"]] == [
        by_clerk.json()["id"], by_unit.json()["id"],
    ]  # fmt: skip
    assert rest.json()["next_cursor"] is None
    # the same file again is the one kept, with whoever filed it first
    same = await client.post(f"{url}/attachments", files=letter, headers=as_("account"))
    assert (same.status_code, same.json()["id"]) == (200, by_clerk.json()["id"])
    assert same.json()["filed_by"] == {
        "side": "bureau",
        "user_id": None,
        "name": None,
        "role": None,
    }


@pytest.mark.parametrize(
    ("who", "body", "slug", "field"),
    [
        ("clerk", {"text": "电话说明"}, "representation-channel-required", "channel"),
        ("clerk", {"text": "代录", "channel": "online"}, "representation-channel-required",
         "channel"),
        ("account", {"text": "自述", "channel": "letter"}, "representation-staff-field", "channel"),
        ("account", {"text": "自述", "presented_by": "周法人"}, "representation-staff-field",
         "presented_by"),
    ],
)  # fmt: skip
async def test_staff_say_how_the_case_was_made_and_the_employer_files_as_itself(  # type: ignore[no-untyped-def]
    client, session, notice, as_, who, body, slug, field
):
    refused = await client.post(f"{BASE}/{notice.id}/representations", json=body, headers=as_(who))
    problem = assert_problem(refused, 422)
    assert problem["type"].endswith(f"/{slug}")
    assert problem["errors"][0]["loc"] == ["body", field]
    assert await _count(session, "representation_statements", notice.id) == 0


async def test_statements_are_kept_as_filed(session, client, notice, as_):  # type: ignore[no-untyped-def]
    await client.post(f"{BASE}/{notice.id}/representations", json=WALK_IN, headers=as_("clerk"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE representation_statements SET text = 'x' WHERE evaluation_id = :i"),
                {"i": notice.id},
            )


async def test_an_a_grade_takes_no_representation(  # type: ignore[no-untyped-def]
    client, session, make_employer, headers_for, today
):
    employer = await make_employer()
    await graded(session, [employer.id], today)
    final_a = await current(session, employer.id)
    own = await headers_for(Role.employer, employer_id=employer.id)
    refused = await client.post(
        f"{BASE}/{final_a.id}/representations", json={"text": "无"}, headers=own
    )
    problem = assert_problem(refused, 409)
    assert (problem["type"].rsplit("/", 1)[1], problem["evaluation_status"]) == (
        "evaluation-not-a-notice", "final",
    )  # fmt: skip
    shown = (await client.get(f"{BASE}/{final_a.id}/representations", headers=own)).json()
    assert (shown["open"], shown["statements"], shown["attachments"]) == (False, [], [])


async def test_a_file_that_is_not_what_it_declares_is_refused(  # type: ignore[no-untyped-def]
    client, settings, app, tmp_path, notice, as_
):
    """An HTML page declared a Word document (tests/records/test_evidence_types.py: each type)."""
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    page = {"file": ("整改报告.doc", b"<html><body>rectified</body></html>", "application/msword")}
    url = f"{BASE}/{notice.id}/representations/attachments"
    body = assert_problem(await client.post(url, files=page, headers=as_("account")), 415)
    assert body["type"].endswith("/attachment-content-mismatch")
    assert (await client.get(url, headers=as_("account"))).json()["items"] == []
