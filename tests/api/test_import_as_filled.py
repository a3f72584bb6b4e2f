"""File import as a clerk fills it in, over HTTP: Chinese labels and dates in the usual forms,
the template's example row skipped, the spreadsheet's row numbers, a wrong USCC check
character said as that, a dry run's per-row outcomes, and reasons read in either language."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.accounts import auth
from app.intake import files as import_files
from app.models.credit_record import CreditRecord
from app.models.user import Role
from tests.conftest import new_uscc

IMPORTS = "/api/v1/imports"
KEYS = [key for key, _ in import_files.COLUMNS]


@pytest.fixture(autouse=True)
def import_settings(app, settings, tmp_path):  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(update={"data_dir": tmp_path})
    return app.state.settings


@pytest.fixture
async def inspector(make_user, settings, clock):  # type: ignore[no-untyped-def]
    user = await make_user(Role.inspector)
    return {"Authorization": f"Bearer {auth.issue_token(user, settings, clock)}"}


def clerk_row(code: str, title: str, **cells: str) -> dict[str, str]:
    return {
        "uscc": code,
        "category": "失信",
        "source": "劳动保障监察",
        "kind": "工资",
        "occurred_date": "2026年3月1日",
        "title": title,
        **cells,
    }


def clerk_csv(rows: list[dict[str, str]], *, blank_after_first: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(f"{label} ({key})" for key, label in import_files.COLUMNS)
    for n, row in enumerate(rows):
        writer.writerow(row.get(key, "") for key in KEYS)
        if blank_after_first and n == 0:
            writer.writerow([""] * len(KEYS))  # a blank line the clerk left
    return buffer.getvalue().encode("gb18030")  # as Excel saves CSV in Chinese


async def upload(client, headers, content, name="台账.csv", dry_run=False):  # type: ignore[no-untyped-def]
    files = {"file": (name, content, "application/octet-stream")}
    data = {"dry_run": "true" if dry_run else "false"}
    r = await client.post(IMPORTS, files=files, data=data, headers=headers)
    assert r.status_code == 202, r.text
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert job["status"] == "finished", job
    return job


async def records_of(session, employer_id) -> list[CreditRecord]:  # type: ignore[no-untyped-def]
    found = await session.scalars(
        select(CreditRecord)
        .where(CreditRecord.employer_id == employer_id)
        .order_by(CreditRecord.title)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def report(client, headers, job, language=None):  # type: ignore[no-untyped-def]
    """The rejected rows' CSV read in `language`; None: with no Accept-Language at all."""
    if language is not None:
        r = await client.get(job["errors_url"], headers={**headers, "Accept-Language": language})
    else:
        asked = client.headers.pop("Accept-Language")
        try:
            r = await client.get(job["errors_url"], headers=headers)
        finally:
            client.headers["Accept-Language"] = asked
    assert r.status_code == 200, r.text
    return r, list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def _wrong_check(code: str) -> tuple[str, str]:
    """`code` with a wrong last character, and the right one."""
    right = code[-1]
    wrong = next(ch for ch in "0123456789" if ch != right)
    return code[:-1] + wrong, right


async def test_chinese_labels_and_date_forms_become_codes_and_dates(
    client, session, inspector, make_employer
):
    employer = await make_employer()
    rows = [
        clerk_row(employer.uscc, "甲", penalty_category="罚款", fine_amount="2000",
                  decision_date="2026/3/10", severity="一般", punished="是",
                  serious_conditions="使用童工；被依法追究刑事责任"),
        clerk_row(employer.uscc, "乙", category="良好信息", source="投诉举报", kind="表彰奖励",
                  occurred_date="2026.02.03"),
        clerk_row(employer.uscc, "丙", category=" Dishonesty ", source="written review",
                  occurred_date="2026-01-05", rectification_ordered_date="20260106"),
    ]  # fmt: skip
    job = await upload(client, inspector, clerk_csv(rows))
    assert (job["created_count"], job["rejected_count"], job["skipped_count"]) == (3, 0, 0)
    a, b, c = await records_of(session, employer.id)  # 丙 乙 甲 in title order
    assert (c.title, c.category, c.source, c.kind) == ("甲", "dishonesty", "inspection", "wages")
    assert (c.penalty_category, c.severity, c.punished) == ("fine", "general", True)
    assert c.serious_conditions == ["child_or_forced_labour", "criminal_liability"]
    assert (c.occurred_date, c.decision_date) == (date(2026, 3, 1), date(2026, 3, 10))
    assert (b.category, b.source, b.kind, b.occurred_date) == (
        "good", "complaint", "honour", date(2026, 2, 3)
    )  # fmt: skip
    assert (a.source, a.rectification_ordered_date) == ("written_review", date(2026, 1, 6))


async def test_the_filled_in_xlsx_template_is_imported_without_its_example_row(
    client, session, inspector, make_employer
):
    employer = await make_employer()
    template = await client.get(f"{IMPORTS}/templates/xlsx", headers=inspector)
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    cells = clerk_row(employer.uscc, "模板填写", occurred_date="")
    sheet.append([cells.get(key) for key in KEYS])
    sheet.cell(row=3, column=KEYS.index("occurred_date") + 1, value=date(2026, 3, 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = await upload(client, inspector, buffer.getvalue(), name="台账.xlsx")
    assert (job["created_count"], job["rejected_count"], job["skipped_count"]) == (1, 0, 1)
    [record] = await records_of(session, employer.id)
    assert (record.title, record.occurred_date) == ("模板填写", date(2026, 3, 4))
    rows = (await client.get(job["rows_url"], headers=inspector)).json()["items"]
    assert [(r["row_number"], r["outcome"]) for r in rows] == [(2, "example"), (3, "created")]
    assert rows[1]["record_id"] == str(record.id)


async def test_a_wrong_check_character_is_said_as_that_in_both_languages(
    client, inspector, make_employer
):
    await make_employer()
    wrong, right = _wrong_check(new_uscc())
    unknown = new_uscc()  # a valid code nobody registered
    job = await upload(
        client, inspector, clerk_csv([clerk_row(wrong, "甲"), clerk_row(unknown, "乙")])
    )
    assert job["rejected_count"] == 2
    r, lines = await report(client, inspector, job, "en")
    assert r.headers["content-language"] == "en"
    assert lines[1] == ["2", "uscc", f"the USCC's check character is wrong: expected {right}"]
    assert lines[2] == ["3", "uscc", f"no employer with USCC {unknown} is registered"]
    r, lines = await report(client, inspector, job, "zh")
    assert r.headers["content-language"] == "zh"
    assert lines[0] == ["行号", "列", "原因"]
    assert lines[1] == ["2", "统一社会信用代码", f"统一社会信用代码校验位错误：应为{right}"]
    assert lines[2][2].startswith(f"未登记统一社会信用代码为{unknown}的用人单位")


async def test_a_registered_exception_to_the_check_character_is_imported(
    client, session, inspector, make_employer
):
    wrong, _ = _wrong_check(new_uscc())
    employer = await make_employer(
        uscc=wrong, checksum_exception=True, checksum_exception_reason="早期试点代码"
    )
    job = await upload(client, inspector, clerk_csv([clerk_row(wrong, "例外代码")]))
    assert (job["created_count"], job["rejected_count"]) == (1, 0)
    assert len(await records_of(session, employer.id)) == 1


async def test_the_report_is_chinese_unless_english_is_asked_for(client, inspector, make_employer):
    employer = await make_employer()
    rows = [
        clerk_row(employer.uscc, "甲", category="失信名单"),
        clerk_row(employer.uscc, "乙", occurred_date="2026/13/40"),
        clerk_row(employer.uscc, "丙", fine_amount="500"),
    ]
    job = await upload(client, inspector, clerk_csv(rows, blank_after_first=True))
    assert job["rejected_count"] == 3
    r, zh = await report(client, inspector, job)  # no Accept-Language
    assert r.headers["content-language"] == "zh"
    assert zh[0] == ["行号", "列", "原因"]
    by_row = {int(line[0]): line[1:] for line in zh[1:]}
    assert sorted(by_row) == [2, 4, 5]  # row 3 is the blank line the clerk left
    assert by_row[2][0] == "信息类别"
    assert by_row[2][1] == "“信息类别”的“失信名单”不是可选值；可填：基础信息、良好信息、失信信息"
    assert by_row[4] == ["发生日期", "“发生日期”的“2026/13/40”不是日期；请写成 "
                         "2025-12-12、2025/12/12、2025年12月12日、2025.12.12"]  # fmt: skip
    assert by_row[5][0] == "罚款金额(元)" and "处罚类别" in by_row[5][1]
    _, en = await report(client, inspector, job, "en")
    by_row = {int(line[0]): line[1:] for line in en[1:]}
    assert by_row[2] == ["category", "category '失信名单' is not one of: basic (basic "
                         "information), good (good information), dishonesty (dishonesty "
                         "information)"]  # fmt: skip
    assert by_row[4][1].startswith("occurred_date '2026/13/40' is not a date: write 2025-12-12")


async def test_a_dry_run_says_what_each_row_would_become(client, session, inspector, make_employer):
    employer = await make_employer()
    rows = [
        clerk_row(employer.uscc, "甲"),
        clerk_row(employer.uscc, "【示例】照抄的示例行"),
        clerk_row(new_uscc(), "乙"),
        clerk_row(employer.uscc, "丙", remarks="示例"),
        clerk_row(employer.uscc, "丁"),
    ]
    job = await upload(client, inspector, clerk_csv(rows), dry_run=True)
    assert (job["created_count"], job["rejected_count"], job["skipped_count"]) == (2, 1, 2)
    assert await records_of(session, employer.id) == []
    page = (await client.get(job["rows_url"], headers=inspector)).json()
    assert [(r["row_number"], r["outcome"]) for r in page["items"]] == [
        (2, "would_create"), (3, "example"), (4, "rejected"), (5, "example"), (6, "would_create")
    ]  # fmt: skip
    rejected = page["items"][2]
    assert rejected["record_id"] is None
    assert rejected["reasons"] == [
        {"column": "uscc", "column_label": "uscc", "reason": rejected["reasons"][0]["reason"]}
    ]
    assert "no employer with USCC" in rejected["reasons"][0]["reason"]
    zh = await client.get(
        job["rows_url"],
        params={"outcome": "rejected"},
        headers={**inspector, "Accept-Language": "zh"},
    )
    [item] = zh.json()["items"]
    assert item["reasons"][0]["column_label"] == "统一社会信用代码"
    assert item["reasons"][0]["reason"].startswith("未登记统一社会信用代码")
    first = await client.get(job["rows_url"], params={"limit": 2}, headers=inspector)
    second = await client.get(
        job["rows_url"],
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=inspector,
    )
    assert [r["row_number"] for r in second.json()["items"]] == [4, 5]
