"""Evaluations over HTTP: the notice before a C, representations, decisions, notice expiry,
the credit profile, dynamic adjustment from credit events and Art 17."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.accounts import auth
from app.core import events
from app.evaluations import service as evaluations
from app.grading import adjustment, apply, rule_sets
from app.grading import rectification as art17
from app.grading import service as grading
from app.grading import stats as grading_stats
from app.models.credit_record import RecordKind, RevocationCreate
from app.models.evaluation import Evaluation, EvaluationOrigin
from app.models.rule_set import Parameters, Rule, RuleSetCreate
from app.models.user import Role
from app.records import service as credit_records
from tests.conftest import assert_problem
from tests.grading.support import Spec, actor_of, add_record

BASE = "/api/v1/evaluations"
CHILD_LABOUR = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour)


async def _adjust(session, settings, clock) -> int:  # type: ignore[no-untyped-def]
    """One batch of grading's consumer of the event log (dynamic adjustment)."""
    return await events.consume(
        session=session,
        consumer=adjustment.CONSUMER,
        clock=clock,
        batch=settings.events_batch,
        horizon=timedelta(seconds=settings.events_horizon_seconds),
    )


@pytest.fixture
async def staff(make_user, settings):  # type: ignore[no-untyped-def]
    users = {role: await make_user(role) for role in (Role.inspector, Role.reviewer, Role.admin)}
    users["other_reviewer"] = await make_user(Role.reviewer)
    return users


def bearer(user, settings, clock):  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {auth.issue_token(user, settings, clock)}"}


async def graded(session, employer_ids, today, cycle=2025, policy=None):  # type: ignore[no-untyped-def]
    await grading.regrade(
        session=session,
        employer_ids=employer_ids,
        cycle=cycle,
        policy=policy or apply.Policy(origin=EvaluationOrigin.batch),
        today=today,
    )


async def current(session, employer_id, cycle=2025):  # type: ignore[no-untyped-def]
    return (
        await session.execute(
            text(
                "SELECT * FROM evaluations WHERE employer_id = :e AND cycle = :c "
                "AND status IN ('notice', 'final')"
            ),
            {"e": employer_id, "c": cycle},
        )
    ).one()


@pytest.fixture
async def proposed_c(session, settings, make_employer, staff, clock, today):  # type: ignore[no-untyped-def]
    """An employer with a child-labour record collected by the reviewer: a C notice."""
    employer = await make_employer()
    collector, verifier = actor_of(staff[Role.reviewer]), actor_of(staff["other_reviewer"])
    await add_record(
        session,
        settings,
        employer.id,
        CHILD_LABOUR,
        clock=clock,
        collector=collector,
        reviewer=verifier,
    )
    await graded(session, [employer.id], today)
    return employer, await current(session, employer.id)


async def test_a_c_is_first_a_notice_with_a_working_day_deadline(client, proposed_c, headers_for):  # type: ignore[no-untyped-def]
    _, notice = proposed_c
    body = (await client.get(f"{BASE}/{notice.id}", headers=await headers_for(Role.auditor))).json()
    assert body["status"] == "notice"
    assert body["grade"] == "C"
    assert body["representation_deadline"] == "2026-12-03"  # Thu + 5 working days
    assert body["effective_from"] is None
    assert [e["rule_id"] for e in body["explanation"]] == ["C.child_or_forced_labour"]
    assert body["explanation"][0]["citation"].startswith("人社部规〔2016〕1号 第七条")


async def test_a_c_explains_itself_by_its_c_rules_only(
    client, session, settings, make_employer, staff, headers_for, clock, today
):  # type: ignore[no-untyped-def]
    """Child labour and a second punishment: the B rule held too, but the notice the employer
    reads must not also say "no C condition" — only the C rule and its record."""
    employer = await make_employer()
    people = {
        "collector": actor_of(staff[Role.inspector]),
        "reviewer": actor_of(staff[Role.reviewer]),
    }
    child = await add_record(session, settings, employer.id, CHILD_LABOUR, clock=clock, **people)
    await add_record(session, settings, employer.id, Spec(), clock=clock, **people)
    await graded(session, [employer.id], today)
    notice = await current(session, employer.id)
    own = await headers_for(Role.employer, employer_id=employer.id)
    body = (await client.get(f"{BASE}/{notice.id}", headers=own)).json()
    assert (body["grade"], body["status"]) == ("C", "notice")
    assert [(e["rule_id"], e["grade"], e["record_ids"]) for e in body["explanation"]] == [
        ("C.child_or_forced_labour", "C", [str(child)])
    ]
    assert not any("无C级情形" in e["detail"] for e in body["explanation"])
    preview = await client.get(
        f"{BASE}/preview", params={"employer_id": str(employer.id), "cycle": 2025},
        headers=await headers_for(Role.auditor),
    )  # fmt: skip
    assert preview.json()["explanation"] == body["explanation"]


async def test_a_c_stored_with_its_b_rule_before_is_kept_and_reads_consistently(
    client, session, settings, make_employer, staff, headers_for, clock, today
):  # type: ignore[no-untyped-def]
    """Written before the engine recorded only the deciding rules: the row keeps what it stored
    (history is never rewritten), the API shows only its C rule, and the yearly re-run on the
    same facts leaves it alone."""
    employer = await make_employer()
    people = {
        "collector": actor_of(staff[Role.inspector]),
        "reviewer": actor_of(staff[Role.reviewer]),
    }
    child = await add_record(session, settings, employer.id, CHILD_LABOUR, clock=clock, **people)
    other = await add_record(session, settings, employer.id, Spec(), clock=clock, **people)
    old = Evaluation(
        employer_id=employer.id, cycle=2025, grade="C", computed_grade="C", status="final",
        origin=EvaluationOrigin.batch, rule_set_version=1,
        fired_rules=["C.child_or_forced_labour", "B.punished"], evidence_counts=[1, 2],
        evidence_ids=[child, child, other], effective_from=today - timedelta(days=300),
    )  # fmt: skip
    session.add(old)
    await session.flush()
    body = (await client.get(f"{BASE}/{old.id}", headers=await headers_for(Role.auditor))).json()
    assert [(e["rule_id"], e["record_ids"]) for e in body["explanation"]] == [
        ("C.child_or_forced_labour", [str(child)])
    ]
    await graded(session, [employer.id], today)
    kept = await current(session, employer.id)
    assert (kept.id, kept.fired_rules, kept.evidence_counts) == (
        old.id, ["C.child_or_forced_labour", "B.punished"], [1, 2],
    )  # fmt: skip


async def test_representation_then_decision(
    client, session, proposed_c, staff, settings, headers_for, clock, today
):  # type: ignore[no-untyped-def]
    employer, notice = proposed_c
    own = await headers_for(Role.employer, employer_id=employer.id)
    url = f"{BASE}/{notice.id}"
    decision = {"outcome": "confirm"}
    early = await client.post(
        f"{url}/decision", json=decision, headers=bearer(staff["other_reviewer"], settings, clock)
    )
    # nothing to decide on before a representation
    assert assert_problem(early, 409)["type"].endswith("/representation-not-filed")
    response = await client.post(f"{url}/representations", json={"text": "已整改"}, headers=own)
    assert (response.status_code, response.json()["seq"]) == (201, 1), response.text
    again = await client.post(f"{url}/representations", json={"text": "补充"}, headers=own)
    assert (again.status_code, again.json()["seq"]) == (201, 2), again.text  # a second is kept
    # the reviewer collected the child-labour record: another reviewer must decide
    refused = await client.post(
        f"{url}/decision", json=decision, headers=bearer(staff[Role.reviewer], settings, clock)
    )
    refusal = assert_problem(refused, 403)
    assert (refusal["reason"], refusal["type"].rsplit("/", 1)[1]) == (
        "collector", "decider-collected-evidence",
    )  # fmt: skip
    inspector = await client.post(
        f"{url}/decision", json=decision, headers=bearer(staff[Role.inspector], settings, clock)
    )
    assert_problem(inspector, 403)
    change = {"outcome": "change", "grade": "B"}
    assert_problem(
        await client.post(
            f"{url}/decision", json=change, headers=bearer(staff["other_reviewer"], settings, clock)
        ),
        422,
    )
    change["reason"] = "陈述申辩成立：童工系误认"
    decided = await client.post(
        f"{url}/decision", json=change, headers=bearer(staff["other_reviewer"], settings, clock)
    )
    assert decided.status_code == 200, decided.text
    new = decided.json()
    assert (new["grade"], new["status"], new["origin"]) == ("B", "final", "decision")
    assert new["supersedes_id"] == str(notice.id)
    # the rule that made the C proposed, then why the reviewer changed it
    assert [e["rule_id"] for e in new["explanation"]] == [
        "C.child_or_forced_labour", "review.change",
    ]  # fmt: skip
    old = (await client.get(url, headers=own)).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", new["id"])
    # the decision closed the window
    late = await client.post(f"{url}/representations", json={"text": "又及"}, headers=own)
    assert assert_problem(late, 409)["type"].endswith("/notice-window-closed")
    assert "was decided" in late.json()["detail"]
    # a re-grade with the same outcome keeps the reviewer's decision
    await graded(session, [employer.id], today)
    assert str((await current(session, employer.id)).id) == new["id"]


async def test_confirm_makes_the_c_final(
    client, proposed_c, staff, settings, headers_for, clock, today
):  # type: ignore[no-untyped-def]
    employer, notice = proposed_c
    own = await headers_for(Role.employer, employer_id=employer.id)
    await client.post(f"{BASE}/{notice.id}/representations", json={"text": "申辩"}, headers=own)
    response = await client.post(
        f"{BASE}/{notice.id}/decision",
        json={"outcome": "confirm"},
        headers=bearer(staff["other_reviewer"], settings, clock),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["effective_from"]) == ("final", str(today))


async def test_representation_after_the_window_is_refused(client, session, proposed_c, headers_for):  # type: ignore[no-untyped-def]
    employer, notice = proposed_c
    await session.execute(
        text("UPDATE evaluations SET representation_deadline = '2026-11-20' WHERE id = :i"),
        {"i": notice.id},
    )
    own = await headers_for(Role.employer, employer_id=employer.id)
    late = await client.post(f"{BASE}/{notice.id}/representations", json={"text": "x"}, headers=own)
    problem = assert_problem(late, 409)
    assert problem["representation_deadline"] == "2026-11-20"
    assert problem["type"].endswith("/notice-window-closed")
    assert "closed on 2026-11-20" in problem["detail"]
    assert (await current(session, employer.id)).represented_at is None
    filed = await session.scalar(
        text("SELECT count(*) FROM representation_statements WHERE evaluation_id = :i"),
        {"i": notice.id},
    )
    assert filed == 0


async def test_notice_becomes_final_when_the_window_closes(session, proposed_c):  # type: ignore[no-untyped-def]
    employer, _ = proposed_c
    assert await evaluations.close_notices(session=session, today=date(2026, 12, 3)) == 0
    assert await evaluations.close_notices(session=session, today=date(2026, 12, 4)) >= 1
    closed = await current(session, employer.id)
    assert (closed.status, closed.effective_from) == ("final", date(2026, 12, 4))


async def test_employers_see_only_their_own(client, proposed_c, headers_for):  # type: ignore[no-untyped-def]
    employer, notice = proposed_c
    stranger = await headers_for(Role.employer)
    assert_problem(await client.get(f"{BASE}/{notice.id}", headers=stranger), 404)
    listed = await client.get(BASE, params={"employer_id": str(employer.id)}, headers=stranger)
    assert_problem(listed, 404)
    own = await headers_for(Role.employer, employer_id=employer.id)
    page = (await client.get(BASE, params={"cycle": 2025}, headers=own)).json()
    assert [item["id"] for item in page["items"]] == [str(notice.id)]
    profile = await client.get(f"/api/v1/employers/{employer.id}/credit-profile", headers=own)
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert body["current"] is None and body["pending_notice"]["id"] == str(notice.id)
    assert body["records"]["by_category"] == {"dishonesty": 1}
    assert_problem(
        await client.get(f"/api/v1/employers/{employer.id}/credit-profile", headers=stranger), 404
    )


async def test_credit_events_regrade_promptly(
    session, settings, make_employer, staff, clock, today
):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    collector, reviewer = actor_of(staff[Role.inspector]), actor_of(staff[Role.reviewer])
    spec = Spec(decided=date(2026, 3, 2), occurred=date(2026, 3, 1))
    record_id = await add_record(
        session, settings, employer.id, spec, clock=clock, collector=collector, reviewer=reviewer
    )
    await _adjust(session, settings, clock)
    now = await current(session, employer.id, 2026)
    assert (now.grade, now.status, now.origin) == ("B", "final", "event")
    assert await _adjust(session, settings, clock) == 0
    assert (await current(session, employer.id, 2026)).id == now.id  # consumed once
    await credit_records.revoke(
        session=session,
        record_id=record_id,
        data=RevocationCreate(reason="撤销", revoking_document="文人社撤字〔2026〕9号"),
        actor=reviewer,
        clock=clock,
    )
    await _adjust(session, settings, clock)
    after = await current(session, employer.id, 2026)
    assert after.grade == "A"  # the cause was revoked: upgrade at once


async def test_a_new_verified_record_never_upgrades(
    session, settings, make_employer, staff, clock, today
):  # type: ignore[no-untyped-def]
    """Under a laxer rule set a C unit would be B, but a verification is no correction."""
    employer = await make_employer()
    collector, reviewer = actor_of(staff[Role.inspector]), actor_of(staff[Role.reviewer])
    spec = Spec(decided=date(2026, 3, 2), occurred=date(2026, 3, 1))
    for _ in range(3):
        await add_record(
            session,
            settings,
            employer.id,
            spec,
            clock=clock,
            collector=collector,
            reviewer=reviewer,
        )
    await _adjust(session, settings, clock)
    assert (await current(session, employer.id, 2026)).grade == "C"
    first = await rule_sets.get(session=session, version=1)
    lax = RuleSetCreate(
        effective_from=today,
        parameters=Parameters(punished_threshold=5),
        rules=[Rule.model_validate(r) for r in first.rules],
    )
    await rule_sets.create(
        session=session, data=lax, actor=actor_of(staff[Role.admin]), clock=clock
    )
    await add_record(
        session,
        settings,
        employer.id,
        Spec(punished=False, decided=None, occurred=date(2026, 4, 1)),
        clock=clock,
        collector=collector,
        reviewer=reviewer,
    )
    await _adjust(session, settings, clock)
    assert (await current(session, employer.id, 2026)).grade == "C"


async def test_evaluations_are_never_rewritten(session, proposed_c):  # type: ignore[no-untyped-def]
    _, notice = proposed_c
    for statement in (
        "UPDATE evaluations SET grade = 'A' WHERE id = :i",
        "DELETE FROM evaluations WHERE id = :i",
    ):
        with pytest.raises(DBAPIError, match="evaluation"):
            async with session.begin_nested():
                await session.execute(text(statement), {"i": notice.id})


async def test_art17_regrades_rectified_c_units(
    client, session, settings, make_employer, staff, headers_for, clock, today
):  # type: ignore[no-untyped-def]
    fixed, unfixed = await make_employer(), await make_employer()
    collector, reviewer = actor_of(staff[Role.inspector]), actor_of(staff[Role.reviewer])
    for employer, rectified in ((fixed, True), (unfixed, False)):
        spec = Spec(
            serious=["child_or_forced_labour"], kind=RecordKind.child_labour, rectified=rectified
        )
        await add_record(
            session,
            settings,
            employer.id,
            spec,
            clock=clock,
            collector=collector,
            reviewer=reviewer,
        )
    await graded(session, [fixed.id, unfixed.id], today)
    await evaluations.close_notices(session=session, today=today + timedelta(days=30))
    waiting = await art17.eligible(session=session, today=today)
    assert [(d.employer_id, d.deadline) for d in waiting] == [(fixed.id, date(2026, 1, 8))]
    stats = (
        await client.get(
            "/api/v1/stats/grading", params={"cycle": 2025}, headers=await headers_for(Role.auditor)
        )
    ).json()
    assert (stats["art17_overdue"], stats["counts"]["C"]) == (1, 2)
    assert grading_stats.ART17_DEADLINES.labels("overdue")._value.get() == 1
    await art17.regrade_rectified(session=session, today=today)
    after = await current(session, fixed.id)
    assert (after.grade, after.origin, after.fired_rules) == ("B", "art17", ["B.art17_rectified"])
    assert (await current(session, unfixed.id)).grade == "C"
    assert await art17.eligible(session=session, today=today) == []
    await graded(session, [fixed.id], today)  # the yearly re-run leaves the Art 17 grade alone
    assert (await current(session, fixed.id)).id == after.id


async def test_art17_asks_only_the_records_behind_c_rules_to_be_rectified(
    session, settings, make_employer, staff, clock, today
):  # type: ignore[no-untyped-def]
    employer = await make_employer()
    people = {
        "collector": actor_of(staff[Role.inspector]),
        "reviewer": actor_of(staff[Role.reviewer]),
    }
    child = Spec(serious=["child_or_forced_labour"], kind=RecordKind.child_labour, rectified=True)
    await add_record(session, settings, employer.id, child, clock=clock, **people)
    await add_record(
        session, settings, employer.id, Spec(rectified=False), clock=clock, **people
    )  # B only
    await graded(session, [employer.id], today)
    await evaluations.close_notices(session=session, today=today + timedelta(days=30))
    c = await current(session, employer.id)
    assert (c.grade, c.fired_rules, c.evidence_counts) == (
        "C", ["C.child_or_forced_labour"], [1],
    )  # fmt: skip
    waiting = await art17.eligible(session=session, today=today)
    assert [d.employer_id for d in waiting] == [employer.id]


async def test_art17_reads_evidence_stored_as_items_before_migration_0012(
    session, settings, make_employer, staff, clock, today
):  # type: ignore[no-untyped-def]
    fixed, unfixed = await make_employer(), await make_employer()
    people = {
        "collector": actor_of(staff[Role.inspector]),
        "reviewer": actor_of(staff[Role.reviewer]),
    }
    for employer, rectified in ((fixed, True), (unfixed, False)):
        spec = Spec(
            serious=["child_or_forced_labour"], kind=RecordKind.child_labour, rectified=rectified
        )
        record = await add_record(session, settings, employer.id, spec, clock=clock, **people)
        items = [{"rule_id": "C.child_or_forced_labour", "grade": "C", "record_ids": [str(record)]}]
        session.add(
            Evaluation(
                employer_id=employer.id, cycle=2025, grade="C", computed_grade="C",
                status="final", origin=EvaluationOrigin.batch, rule_set_version=1,
                fired_rules=["C.child_or_forced_labour"], evidence=items, effective_from=today,
            )
        )  # fmt: skip
    await session.flush()
    waiting = await art17.eligible(session=session, today=today)
    assert [d.employer_id for d in waiting] == [fixed.id]


PDF = "%PDF-1.7\n申辩证据\n%%EOF".encode()


async def test_representation_evidence_is_filed_listed_and_downloaded(  # type: ignore[no-untyped-def]
    client, app, settings, tmp_path, proposed_c, headers_for
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    employer, notice = proposed_c
    own = await headers_for(Role.employer, employer_id=employer.id)
    url = f"{BASE}/{notice.id}/representations/attachments"
    files = {"file": ("整改凭证.pdf", PDF, "application/pdf")}
    first = await client.post(url, files=files, headers=own)
    assert first.status_code == 201, first.text
    assert (first.json()["file_name"], first.json()["size_bytes"]) == ("整改凭证.pdf", len(PDF))
    again = await client.post(url, files=files, headers=own)  # the same file is kept once
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    listed = await client.get(url, headers=await headers_for(Role.reviewer))
    assert [a["id"] for a in listed.json()["items"]] == [first.json()["id"]]
    download = await client.get(f"{url}/{first.json()['id']}", headers=own)
    assert (download.status_code, download.content) == (200, PDF)
    other = await headers_for(Role.employer)
    assert_problem(await client.get(url, headers=other), 404)
    fake = {"file": ("x.pdf", b"not a pdf", "application/pdf")}
    assert_problem(await client.post(url, files=fake, headers=own), 415)


async def test_representation_evidence_after_the_window_is_refused(  # type: ignore[no-untyped-def]
    client, app, settings, tmp_path, session, proposed_c, headers_for
):
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    employer, notice = proposed_c
    await session.execute(
        text("UPDATE evaluations SET representation_deadline = '2026-11-20' WHERE id = :i"),
        {"i": notice.id},
    )
    own = await headers_for(Role.employer, employer_id=employer.id)
    late = await client.post(
        f"{BASE}/{notice.id}/representations/attachments",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=own,
    )
    assert assert_problem(late, 409)["representation_deadline"] == "2026-11-20"
    assert not list(tmp_path.rglob("*"))  # refused before anything was stored
