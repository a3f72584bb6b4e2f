"""The yearly supervision report (issue 15 §5) on a small county: six employers in two towns
graded over three cycles, objections (one decided late), credit repairs and push messages; the
figures exact in JSON, the same headline numbers in the PDF's Chinese text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.models.disclosure import Disclosure, DisclosureItem
from app.models.evaluation import Evaluation, EvaluationOrigin, EvaluationStatus
from app.models.inspection_plan import InspectionPlan, InspectionPlanUnit, InspectionVisit
from app.models.objection import Objection
from app.models.push import PushMessage
from app.models.repair import RepairApplication
from app.models.user import Role
from app.reports import pdf
from tests.conftest import assert_problem
from tests.disclosure.support import add_record, staff
from tests.reports.pdf_text import text_of

URL = "/api/v1/reports/yearly"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class County:
    names: dict[str, str]  # e1..e6 -> name
    reviewer: uuid.UUID


def _evaluation(employer_id: uuid.UUID, cycle: int, grade: str, **over: Any) -> Evaluation:
    values: dict[str, Any] = {
        "employer_id": employer_id,
        "cycle": cycle,
        "grade": grade,
        "computed_grade": grade,
        "status": EvaluationStatus.final,
        "origin": EvaluationOrigin.batch,
        "rule_set_version": 1,
        "effective_from": date(cycle + 1, 1, 20),
        "fired_rules": [f"{grade}.punished" if grade == "B" else "A.no_punishment"],
    }
    values.update(over)
    return Evaluation(**values)


def _fired(rule_id: str, records: list[uuid.UUID]) -> dict[str, Any]:
    return {"fired_rules": [rule_id], "evidence_counts": [len(records)], "evidence_ids": records}


async def _grades(session, settings, clock, make_employer, make_user) -> tuple[County, Any]:  # type: ignore[no-untyped-def]
    at = {
        "e1": ("凤城镇", "C1311", "enterprise"),
        "e2": ("凤城镇", "E4720", "enterprise"),
        "e3": ("凤城镇", "C2011", "individual_economic_organisation"),
        "e4": ("孝义镇", "F5100", "enterprise"),
        "e5": ("孝义镇", "E4810", "partnership"),
        "e6": ("孝义镇", "C1311", "enterprise"),  # never graded
    }
    e = {
        key: await make_employer(
            name=f"文水县{key}测试有限公司", town=town, industry_code=code, subject_type=kind
        )
        for key, (town, code, kind) in at.items()
    }
    people = await staff(make_user)
    penalties = [
        await add_record(
            session,
            settings,
            clock,
            e["e2"].id,
            people,
            severity="serious",
            decided=date(2025, month, 10),
        )
        for month in (2, 3, 4)
    ]
    child = await add_record(session, settings, clock, e["e3"].id, people, decided=date(2025, 5, 8))
    reviewer = people[1].id
    assert reviewer is not None
    rows = [
        _evaluation(e["e4"].id, 2023, "A"),  # before the trend's two cycles
        *(_evaluation(e[k].id, 2024, g) for k, g in (("e1", "A"), ("e2", "B"), ("e4", "A"))),
        _evaluation(e["e5"].id, 2024, "B"),
        _evaluation(e["e3"].id, 2024, "C", **_fired("C.child_or_forced_labour", [child.id])),
        _evaluation(e["e1"].id, 2025, "B"),
        _evaluation(e["e4"].id, 2025, "A"),
        _evaluation(
            e["e2"].id, 2025, "C", **_fired("C.punished_threshold", [p.id for p in penalties])
        ),
        _evaluation(
            e["e3"].id,
            2025,
            "C",
            status=EvaluationStatus.notice,
            effective_from=None,
            **_fired("C.child_or_forced_labour", [child.id]),
        ),
        # a proposed C a reviewer changed to B after the representation (the notice superseded)
        _evaluation(
            e["e5"].id,
            2025,
            "C",
            status=EvaluationStatus.superseded,
            effective_from=None,
            superseded_at=datetime(2026, 2, 1, tzinfo=UTC),
            **_fired("C.refused_to_perform", [penalties[0].id]),
        ),
        _evaluation(
            e["e5"].id,
            2025,
            "B",
            computed_grade="C",
            origin=EvaluationOrigin.decision,
            decision="change",
            decision_reason="陈述申辩成立",
            decided_by=reviewer,
            decided_at=datetime(2026, 2, 1, tzinfo=UTC),
            **_fired("C.refused_to_perform", [penalties[0].id]),
        ),
    ]
    session.add_all(rows)
    await session.flush()
    c_of_2025 = next(r for r in rows if r.employer_id == e["e2"].id and r.cycle == 2025)
    county = County(names={k: v.name for k, v in e.items()}, reviewer=reviewer)
    return county, (e, penalties, c_of_2025)


def _objection(employer_id: uuid.UUID, receipt: date, **over: Any) -> Objection:
    values: dict[str, Any] = {
        "employer_id": employer_id,
        "target_type": "record",
        "target_id": uuid.uuid4(),
        "target_key": uuid.uuid4(),
        "reason_category": "error",
        "statement": "记录有误",
        "channel": "letter",
        "receipt_date": receipt,
        "status": "filed",
    }
    values.update(over)
    return Objection(**values)


def _decided(handling: str, due: date, on: date, outcome: str) -> dict[str, Any]:
    return {
        "status": "decided",
        "handling": handling,
        "due_date": due,
        "outcome": outcome,
        "accepted_at": datetime(2025, 1, 2, tzinfo=UTC),
        "decision_reasons": "经核实",
        "decided_at": datetime.combine(on, datetime.min.time(), UTC),
        "decided_on": on,
        "departments": ["县市场监管局"] if handling == "departments" else [],
    }


def _objections(employer_id: uuid.UUID) -> list[Objection]:
    accepted = datetime(2025, 12, 5, tzinfo=UTC)
    return [
        _objection(
            employer_id,
            date(2025, 3, 3),
            **_decided("in_house", date(2025, 3, 6), date(2025, 3, 5), "rejected"),
        ),
        # decided two days after its due date
        _objection(
            employer_id,
            date(2025, 5, 6),
            **_decided("departments", date(2025, 5, 20), date(2025, 5, 22), "upheld"),
        ),
        _objection(
            employer_id,
            date(2025, 8, 1),
            status="withdrawn",
            closed_at=datetime(2025, 8, 2, tzinfo=UTC),
            closure_reason="撤回",
        ),
        # accepted, past its due date, still open
        _objection(
            employer_id,
            date(2025, 12, 5),
            status="accepted",
            handling="in_house",
            accepted_at=accepted,
            due_date=date(2025, 12, 10),
        ),
        _objection(
            employer_id,
            date(2024, 12, 30),
            status="withdrawn",  # the year before
            closed_at=datetime(2024, 12, 31, tzinfo=UTC),
            closure_reason="撤回",
        ),
    ]


async def _repairs(session, county: County, employer, penalties, evaluation) -> None:  # type: ignore[no-untyped-def]
    disclosure = Disclosure(
        employer_id=employer.id,
        evaluation_id=evaluation.id,
        cycle=2025,
        status="published",
        list_status="black",
        employer_name=employer.name,
        uscc=employer.uscc,
        legal_representative=employer.legal_representative,
        town=employer.town,
        published_at=datetime(2026, 1, 25, tzinfo=UTC),
    )
    session.add(disclosure)
    await session.flush()
    item = DisclosureItem(
        disclosure_id=disclosure.id,
        record_id=penalties[0].id,
        record_key=penalties[0].record_key,
        penalty_date=date(2025, 2, 10),
        violation="拖欠劳动者工资",
        severity="serious",
        publication_end_date=date(2028, 2, 10),
        repair_available_from=date(2026, 2, 10),
    )
    session.add(item)
    await session.flush()

    def repair(
        applied: date, status: str, accepted: date | None, decided: date | None, **over: Any
    ) -> RepairApplication:
        return RepairApplication(
            disclosure_id=disclosure.id,
            item_id=item.id,
            employer_id=employer.id,
            status=status,
            statement="已整改",
            applied_on=applied,
            acceptance_due_date=applied + timedelta(days=2),
            accepted_on=accepted,
            accepted_by=county.reviewer if accepted else None,
            decision_due_date=accepted + timedelta(days=7) if accepted else None,
            decided_on=decided,
            decided_by=county.reviewer if decided else None,
            **over,
        )

    session.add_all(
        [
            repair(date(2025, 6, 2), "approved", date(2025, 6, 3), date(2025, 6, 9)),
            # decided after its due date
            repair(
                date(2025, 7, 1),
                "refused",
                date(2025, 7, 2),
                date(2025, 7, 15),
                refusal_reasons=["not_corrected", "no_commitment"],
            ),
            repair(date(2026, 1, 5), "applied", None, None),  # the year after
        ]
    )


def _push(
    employer_id: uuid.UUID,
    sequence: int,
    subject: str,
    created: datetime,
    status: str,
    due: date | None,
    acknowledged: date | None = None,
) -> PushMessage:
    at = datetime.combine(acknowledged, datetime.min.time(), SHANGHAI) if acknowledged else None
    receipt = at if status in ("accepted", "rejected") else None
    return PushMessage(
        id=uuid.uuid4(),
        employer_id=employer_id,
        sequence=sequence,
        type="upsert",
        subject=subject,
        subject_id=uuid.uuid4(),
        event_id=sequence,
        occurred_at=created,
        body={},
        status=status,
        next_attempt_at=created,
        due_from=created.date(),
        due_date=due,
        sent_at=None if status == "pending" else (at or created),
        acknowledged_at=at,
        receipt_received_at=receipt,
        created_at=created,
        updated_at=created,
    )


def _pushes(employer_id: uuid.UUID) -> list[PushMessage]:
    march, june = datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 6, 3, tzinfo=UTC)
    return [
        _push(employer_id, 1, "evaluation", march, "accepted", date(2025, 3, 10), date(2025, 3, 5)),
        _push(employer_id, 2, "evaluation", march, "rejected", date(2025, 3, 10), date(2025, 3, 5)),
        _push(employer_id, 3, "credit_record", june, "dead", date(2025, 6, 10)),
        # delivered ten days after its due date
        _push(
            employer_id, 4, "credit_record", june, "accepted", date(2025, 6, 10), date(2025, 6, 20)
        ),
        # delivered, its receipt never came
        _push(
            employer_id,
            5,
            "objection",
            datetime(2025, 12, 30, tzinfo=UTC),
            "awaiting_receipt",
            date(2026, 1, 8),
            date(2025, 12, 31),
        ),
        # 23:30 on New Year's Eve in Shanghai: the year before; 00:30 on New Year's Day: this one
        _push(
            employer_id,
            6,
            "objection",
            datetime(2024, 12, 31, 23, 30, tzinfo=SHANGHAI),
            "accepted",
            date(2025, 1, 8),
            date(2025, 1, 2),
        ),
        _push(
            employer_id,
            7,
            "objection",
            datetime(2025, 1, 1, 0, 30, tzinfo=SHANGHAI),
            "pending",
            None,
        ),
    ]


async def _inspections(session, e, penalties) -> None:  # type: ignore[no-untyped-def]
    """A plan drawn for 2025-06..2026-05 (units at their 2024 grades) and a draft one."""

    def plan(status: str, **over: Any) -> InspectionPlan:
        return InspectionPlan(
            title="2025年下半年双随机抽查计划", period_from=date(2025, 6, 1),
            period_to=date(2026, 5, 31), status=status, ratio_a=Decimal("0"),
            ratio_b=Decimal("0.5"), ratio_c=Decimal("1"), patrols_a=0, patrols_b=2,
            patrols_c=4, exclude_collectors=True, algorithm="hmac-sha256-v1", **over,
        )  # fmt: skip

    drawn = plan("drawn", seed="0" * 64, seed_sha256="1" * 64)
    session.add_all([drawn, plan("draft")])
    await session.flush()
    for key, grade in (("e2", "B"), ("e3", "C"), ("e4", "A")):
        session.add(
            InspectionPlanUnit(
                plan_id=drawn.id, employer_id=e[key].id, uscc=e[key].uscc, name=e[key].name,
                grade=grade, selected=key != "e4",
            )
        )  # fmt: skip
    visits = [
        ("e2", date(2025, 7, 1), "violation_found"),
        ("e2", date(2025, 11, 1), "not_inspected"),
        ("e3", date(2025, 6, 1), "no_violation"),
        ("e3", date(2025, 8, 1), "no_violation"),
        ("e3", date(2025, 10, 1), None),
        ("e3", date(2025, 12, 1), None),
        ("e3", date(2026, 2, 1), None),  # the year after
    ]
    for key, month, outcome in visits:
        found = outcome == "violation_found"
        session.add(
            InspectionVisit(
                plan_id=drawn.id, employer_id=e[key].id, uscc=e[key].uscc, month=month,
                outcome=outcome, credit_record_id=penalties[1].id if found else None,
            )
        )  # fmt: skip


@pytest.fixture
async def county(session, settings, clock, make_employer, make_user) -> County:  # type: ignore[no-untyped-def]
    county, (e, penalties, c_of_2025) = await _grades(
        session, settings, clock, make_employer, make_user
    )
    session.add_all(_objections(e["e2"].id))
    await _repairs(session, county, e["e2"], penalties, c_of_2025)
    session.add_all(_pushes(e["e1"].id))
    await _inspections(session, e, penalties)
    await session.flush()
    return county


def _counts(a: int, b: int, c: int) -> dict[str, int]:
    return {"A": a, "B": b, "C": c, "total": a + b + c}


async def test_the_figures_of_a_small_county(client, headers_for, county):  # type: ignore[no-untyped-def]
    response = await client.get(f"{URL}/2025?cycles=2", headers=await headers_for(Role.auditor))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["year"], report["as_of"]) == (2025, "2026-11-26")

    grades = report["grades"]
    assert (grades["cycle"], grades["counts"], grades["notices"]) == (2025, _counts(1, 2, 2), 1)
    assert grades["trend"] == [
        {"cycle": 2024, **_counts(2, 2, 1)},
        {"cycle": 2025, **_counts(1, 2, 2)},
    ]
    towns = {g["key"]: g for g in grades["by_town"]}
    assert {k: g["counts"] for k, g in towns.items()} == {
        "凤城镇": _counts(0, 1, 2),
        "孝义镇": _counts(1, 1, 0),
    }
    assert towns["凤城镇"]["trend"] == [
        {"cycle": 2024, **_counts(1, 1, 1)},
        {"cycle": 2025, **_counts(0, 1, 2)},
    ]
    assert {g["key"]: g["counts"] for g in grades["by_industry"]} == {
        "C": _counts(0, 1, 1),
        "E": _counts(0, 1, 1),
        "F": _counts(1, 0, 0),
    }
    assert {g["key"]: g["counts"] for g in grades["by_subject_type"]} == {
        "enterprise": _counts(1, 1, 1),
        "individual_economic_organisation": _counts(0, 0, 1),
        "partnership": _counts(0, 1, 0),
    }

    c_units = report["c_units"]
    assert (c_units["total"], c_units["changed_by_reviewer"]) == (2, 1)
    assert [(r["rule_id"], r["units"]) for r in c_units["by_rule"]] == [
        ("C.child_or_forced_labour", 1),
        ("C.punished_threshold", 1),
    ]
    assert all(r["citation"] for r in c_units["by_rule"])
    listed = {u["name"]: u for u in c_units["listed"]}
    assert set(listed) == {county.names["e2"], county.names["e3"]}
    e2 = listed[county.names["e2"]]
    assert (e2["town"], e2["status"]) == ("凤城镇", "final")
    [why] = e2["explanation"]
    assert why["rule_id"] == "C.punished_threshold" and len(why["record_ids"]) == 3
    assert "3" in why["detail"] and why["citation"]
    assert listed[county.names["e3"]]["status"] == "notice"

    objections = report["objections"]
    assert objections["total"] == {
        "handling": "total",
        "received": 4,
        "decided": 2,
        "on_time": 1,
        "late": 1,
        "undetermined": 0,
        "open": 1,
        "open_overdue": 1,
        "withdrawn": 1,
        "lapsed": 0,
        "upheld": 1,
        "partly_upheld": 0,
        "rejected": 1,
    }
    handling = {h["handling"]: h for h in objections["by_handling"]}
    assert list(handling) == ["in_house", "departments", "not_accepted"]
    in_house, departments = handling["in_house"], handling["departments"]
    assert (in_house["received"], in_house["on_time"], in_house["late"]) == (2, 1, 0)
    assert (in_house["open"], in_house["open_overdue"]) == (1, 1)
    assert (departments["received"], departments["on_time"], departments["late"]) == (1, 0, 1)
    assert (handling["not_accepted"]["received"], handling["not_accepted"]["withdrawn"]) == (1, 1)

    assert report["repairs"] == {
        "applied": 2,
        "accepted": 2,
        "approved": 1,
        "refused": 1,
        "open": 0,
        "on_time": 1,
        "late": 1,
        "undetermined": 0,
        "open_overdue": 0,
        "refusal_reasons": {"no_commitment": 1, "not_corrected": 1},
    }
    assert report["inspections"] == {
        "plans": 1,
        "planned": _counts(0, 2, 4),
        "done": _counts(0, 1, 2),
        "violations_found": _counts(0, 1, 0),
        "not_inspected": _counts(0, 1, 0),
    }

    pushes = report["pushes"]
    assert pushes["total"] == {
        "subject": "total",
        "created": 6,
        "sent": 5,
        "delivered": 4,
        "accepted": 2,
        "rejected": 1,
        "dead": 1,
        "awaiting_receipt": 1,
        "waiting": 1,
        "overdue": 2,
        "delivered_late": 1,
        "receipts_overdue": 1,
        "awaiting_calendar": 1,
    }
    by_subject = {p["subject"]: p for p in pushes["by_subject"]}
    assert {s: p["created"] for s, p in by_subject.items()} == {
        "credit_record": 2,
        "evaluation": 2,
        "objection": 2,
    }
    assert (by_subject["credit_record"]["dead"], by_subject["credit_record"]["delivered_late"]) == (
        1,
        1,
    )


async def test_the_pdf_says_the_same_in_chinese(client, headers_for, county):  # type: ignore[no-untyped-def]
    headers = await headers_for(Role.reviewer)
    report = (await client.get(f"{URL}/2025?cycles=2", headers=headers)).json()
    response = await client.get(f"{URL}/2025.pdf?cycles=2", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)
    grades, objections = report["grades"]["counts"], report["objections"]["total"]
    pushes, repairs = report["pushes"]["total"], report["repairs"]
    expected = [
        "2025年度用人单位劳动保障信用分级分类监管报告",
        "统计截至2026年11月26日",
        "一、信用等级分布",
        f"评价单位总数{grades['total']}",
        f"C级（失信）{grades['C']}",
        "图1",
        "凤城镇",
        "孝义镇",
        "E建筑业",
        "个体经济组织",
        "会计师事务所、律师事务所等合伙组织",
        "图2",
        "2024—2025年度信用等级变化",
        "二、C级单位及其原因",
        f"C级单位共{report['c_units']['total']}家",
        county.names["e2"],
        county.names["e3"],
        "拟评C级告知",
        report["c_units"]["by_rule"][0]["citation"],
        "三、异议的受理和处理",
        f"本年度收到异议{objections['received']}件",
        f"按期处理{objections['on_time']}件",
        f"逾期处理{objections['late']}件",
        "本局核查（3个工作日）",
        "需其他部门核查（10个工作日）",
        "四、信用修复",
        f"准予修复{repairs['approved']}",
        f"不予修复{repairs['refused']}",
        "失信行为未纠正1件",
        "未作出书面信用承诺1件",
        "五、按等级的巡查检查",
        f"计划检查{report['inspections']['planned']['total']}户次",
        f"已检查{report['inspections']['done']['total']}户次",
        "发现违法行为1户次",
        "六、推送市信用信息共享平台及回执",
        f"本年度生成推送消息{pushes['created']}条",
        f"平台接收{pushes['accepted']}条",
        f"拒收{pushes['rejected']}条",
        f"发送失败（死信）{pushes['dead']}条",
        f"超过推送期限未送达{pushes['overdue']}条",
    ]
    missing = [e for e in expected if e.replace(" ", "") not in text]
    assert not missing, missing


async def test_a_year_without_anything_reports_zeros_and_still_renders(client, headers_for):  # type: ignore[no-untyped-def]
    headers = await headers_for(Role.admin)
    report = (await client.get(f"{URL}/2010", headers=headers)).json()
    assert report["grades"]["counts"] == _counts(0, 0, 0)
    assert [c["cycle"] for c in report["grades"]["trend"]] == [2006, 2007, 2008, 2009, 2010]
    assert report["grades"]["by_town"] == [] and report["c_units"]["listed"] == []
    assert report["objections"]["total"]["received"] == 0 and report["pushes"]["by_subject"] == []
    response = await client.get(f"{URL}/2010.pdf", headers=headers)
    assert response.status_code == 200, response.text
    text = text_of(response.content)
    empty = ("本年度无评价", "本年度无C级单位", "本年度未收到异议", "本年度无巡查检查计划")
    for sentence in (*empty, "本年度无推送消息"):
        assert sentence in text, sentence


@pytest.mark.parametrize("suffix", ["", ".pdf"])
async def test_a_year_not_begun_is_refused(client, headers_for, suffix):  # type: ignore[no-untyped-def]
    headers = await headers_for(Role.auditor)
    body = assert_problem(await client.get(f"{URL}/2027{suffix}", headers=headers), 422)
    assert body["type"].endswith("/report-year-not-begun")
    assert body["errors"][0]["loc"] == ["path", "year"]
    for bad in ("1999", "abc", "2025?cycles=0", "2025?cycles=11", "2025?cycle=2"):
        path = bad.replace("?", f"{suffix}?") if "?" in bad else f"{bad}{suffix}"
        assert_problem(await client.get(f"{URL}/{path}", headers=headers), 422)


async def test_inspectors_and_employers_do_not_read_it(client, headers_for):  # type: ignore[no-untyped-def]
    for role in (Role.inspector, Role.employer):
        response = await client.get(f"{URL}/2025", headers=await headers_for(role))
        assert assert_problem(response, 403)["type"].endswith("/forbidden-role")


def test_the_charts_labels_and_legends_are_text() -> None:
    """reports.pdf's charts set their category labels and legends in the Chinese font, so they
    extract like the rest (a chart that drew boxes for Chinese would fail here)."""
    document = pdf.Document("图表")
    towns = [f"第{n}乡" for n in range(1, 9)]  # more than six: slanted labels
    document.bar_chart(towns, [("甲系列", list(range(8))), ("乙系列", [0] * 8)], caption="图甲")
    document.line_chart(["2024", "2025"], [("丙系列", [3, 1])], caption="图乙")
    document.bar_chart([], [("丁系列", [])])  # nothing to show still renders
    text = text_of(document.render())
    for label in (*towns, "甲系列", "乙系列", "丙系列", "丁系列", "图甲", "图乙", "2024", "2025"):
        assert label in text, label
