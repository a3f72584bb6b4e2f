"""File import over HTTP: templates, a job that finishes with counts and a report of rejected rows,
dry runs, encodings, bad files, resuming an interrupted job, and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.accounts import auth
from app.core.actors import Actor
from app.intake import imports
from app.models.credit_record import CreditRecord
from app.models.import_job import ImportJob, ImportStatus
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc

IMPORTS = "/api/v1/imports"
HEADER = [
    "统一社会信用代码 (uscc)",
    "信息类别 (category)",
    "信息来源 (source)",
    "信息种类 (kind)",
    "发生日期 (occurred_date)",
    "标题 (title)",
    "处罚类别 (penalty_category)",
    "罚款金额(元) (fine_amount)",
    "处罚决定日期 (decision_date)",
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def good(uscc: str, title: str) -> list[str]:
    return [
        uscc,
        "dishonesty",
        "inspection",
        "wages",
        "2026-03-01",
        title,
        "fine",
        "2000",
        "2026-03-10",
    ]


@pytest.fixture(autouse=True)
def import_settings(app, settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files go to this test's own folder."""
    app.state.settings = settings.model_copy(update={"data_dir": tmp_path})
    return app.state.settings


@pytest.fixture
def staff(make_user, settings, clock):  # type: ignore[no-untyped-def]
    """A new staff account with `role`: (user, its Authorization headers)."""

    async def make(role: Role = Role.inspector):  # type: ignore[no-untyped-def]
        user = await make_user(role)
        return user, {"Authorization": f"Bearer {auth.issue_token(user, settings, clock)}"}

    return make


async def upload(client, headers, content, name="records.csv", dry_run=False):  # type: ignore[no-untyped-def]
    files = {"file": (name, content, "application/octet-stream")}
    data = {"dry_run": "true" if dry_run else "false"}
    return await client.post(IMPORTS, files=files, data=data, headers=headers)


async def records_of(session, employer_id) -> list[CreditRecord]:  # type: ignore[no-untyped-def]
    found = await session.scalars(
        select(CreditRecord)
        .where(CreditRecord.employer_id == employer_id)
        .order_by(CreditRecord.title)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def test_templates_have_the_bilingual_header(client, staff):
    _, headers = await staff(Role.auditor)
    c = await client.get(f"{IMPORTS}/templates/csv", headers=headers)
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    assert "credit-records-template.csv" in c.headers["content-disposition"]
    assert c.content.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert header[0] == "统一社会信用代码 (uscc)" and "标题 (title)" in header
    x = await client.get(f"{IMPORTS}/templates/xlsx", headers=headers)
    assert x.status_code == 200
    workbook = load_workbook(io.BytesIO(x.content))
    assert [cell.value for cell in next(workbook.worksheets[0].iter_rows())] == header
    assert_problem(await client.get(f"{IMPORTS}/templates/xls", headers=headers), 422)


async def test_upload_finishes_with_counts_and_a_report_of_rejected_rows(
    client, session, staff, make_employer
):
    employer = await make_employer()
    user, headers = await staff(Role.inspector)
    rows = [
        good(employer.uscc, "甲 拖欠工资"),
        good(new_uscc(), "乙 未登记单位"),
        good(employer.uscc, "丙 拖欠工资"),
        [*good(employer.uscc, "丁 罚款无类别")[:6], "", "500", "2026-03-10"],
        [*good(employer.uscc, "戊 未来决定")[:8], "2099-01-01"],
        [*good(employer.uscc, "己 种类错误")[:3], "nonsense", *good("", "己")[4:]],
    ]
    r = await upload(client, headers, csv_bytes(rows))
    assert r.status_code == 202, r.text
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert job["status"] == "finished", job
    assert (job["rows_total"], job["rows_done"]) == (6, 6)
    assert (job["created_count"], job["rejected_count"]) == (2, 4)
    assert job["created_by"] == str(user.id)
    report = await client.get(job["errors_url"], headers=headers)
    assert report.status_code == 200 and report.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "column", "reason"]  # the client asks for English
    by_row = {int(line[0]): (line[1], line[2]) for line in lines[1:]}
    assert sorted(by_row) == [3, 5, 6, 7]  # the spreadsheet's rows: the header is row 1
    assert by_row[3][0] == "uscc" and "no employer with USCC" in by_row[3][1]
    assert by_row[5][0] == "fine_amount" and "penalty_category" in by_row[5][1]
    assert by_row[6][0] == "decision_date" and "future" in by_row[6][1]
    assert by_row[7][0] == "kind"
    created = await records_of(session, employer.id)
    assert [r.title for r in created] == ["丙 拖欠工资", "甲 拖欠工资"]
    assert {(r.status, r.collected_by, r.source) for r in created} == {
        ("draft", user.id, "inspection")
    }


async def test_dry_run_writes_nothing_and_reports_the_same_counts(
    client, session, staff, make_employer
):
    employer = await make_employer()
    _, headers = await staff(Role.reviewer)
    rows = [good(employer.uscc, "甲"), good(new_uscc(), "乙"), good(employer.uscc, "丙")]
    r = await upload(client, headers, csv_bytes(rows), dry_run=True)
    assert r.status_code == 202, r.text
    assert r.json()["dry_run"] is True
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert job["status"] == "finished"
    assert (job["created_count"], job["rejected_count"]) == (2, 1)
    assert await records_of(session, employer.id) == []
    report = (await client.get(job["errors_url"], headers=headers)).content.decode("utf-8-sig")
    assert report.splitlines()[1].startswith("3,uscc,")


async def test_gbk_csv_with_chinese_content_is_read(client, session, staff, make_employer):
    employer = await make_employer()
    _, headers = await staff()
    r = await upload(client, headers, csv_bytes([good(employer.uscc, "拖欠农民工工资")], "gbk"))
    assert r.status_code == 202, r.text
    assert r.json()["encoding"] == "gb18030"
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert (job["status"], job["created_count"]) == ("finished", 1)
    [record] = await records_of(session, employer.id)
    assert record.title == "拖欠农民工工资"


async def test_xlsx_upload_is_imported(client, session, staff, make_employer):
    employer = await make_employer()
    _, headers = await staff()
    template = await client.get(f"{IMPORTS}/templates/xlsx", headers=headers)
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows())]
    row = dict.fromkeys(header)
    row.update(dict(zip(HEADER, good(employer.uscc, "表格导入"), strict=True)))
    sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    r = await upload(client, headers, buffer.getvalue(), name="记录.xlsx")
    assert r.status_code == 202, r.text
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert (job["status"], job["file_format"], job["created_count"]) == ("finished", "xlsx", 1)
    [record] = await records_of(session, employer.id)
    assert (record.title, str(record.fine_amount)) == ("表格导入", "2000.00")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("records.xlsx", csv_bytes([]), "is not an XLSX workbook"),
        ("records.xls", csv_bytes([]), "send a .csv or .xlsx file, not .xls"),
        ("records.csv", b"uscc,title,phone\nX,Y,Z\n", "unknown column 'phone'"),
        ("records.csv", b"uscc,category,title\nX,good,Y\n", "missing required columns"),
    ],
    ids=["not-xlsx", "suffix", "unknown-header", "missing-column"],
)
async def test_bad_file_is_422_saying_what_is_wrong_and_starts_no_job(
    client, session, staff, import_settings, name, content, says
):
    _, headers = await staff()
    jobs_before = await session.scalar(select(func.count()).select_from(ImportJob))
    body = assert_problem(await upload(client, headers, content, name=name), 422)
    assert says in body["detail"]
    assert body["errors"][0]["loc"] == ["body", "file"]
    assert await session.scalar(select(func.count()).select_from(ImportJob)) == jobs_before
    assert list((import_settings.data_dir / "imports").glob("*")) == []  # nothing kept


async def test_inspectors_see_only_their_own_imports(client, staff, headers_for):
    _, owner = await staff(Role.inspector)
    _, other = await staff(Role.inspector)
    r = await upload(client, owner, csv_bytes([good(new_uscc(), "乙")]))
    job_url = f"{IMPORTS}/{r.json()['id']}"
    assert (await client.get(job_url, headers=owner)).status_code == 200
    assert_problem(await client.get(job_url, headers=other), 403)
    assert_problem(await client.get(f"{job_url}/errors.csv", headers=other), 403)
    _, auditor = await staff(Role.auditor)
    assert (await client.get(f"{job_url}/errors.csv", headers=auditor)).status_code == 200
    employer_account = await headers_for(Role.employer)
    assert_problem(await client.get(job_url, headers=employer_account), 403)


@pytest.mark.parametrize("role", [Role.employer, Role.auditor, Role.admin])
async def test_only_inspectors_and_reviewers_may_import(
    client, session, headers_for, make_employer, role
):
    employer = await make_employer()
    r = await upload(client, await headers_for(role), csv_bytes([good(employer.uscc, "甲")]))
    assert_problem(r, 403)
    assert await session.scalar(select(func.count()).select_from(ImportJob)) == 0


async def test_an_employer_account_may_not_download_templates(client, headers_for):
    employer_account = await headers_for(Role.employer)
    assert_problem(await client.get(f"{IMPORTS}/templates/csv", headers=employer_account), 403)


@pytest.fixture
def factory(connection):  # type: ignore[no-untyped-def]
    """Sessions for a worker: each of its transactions is a savepoint of the test's own."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


async def _queued(session, user, settings, rows) -> ImportJob:  # type: ignore[no-untyped-def]
    actor = Actor(kind="user", id=user.id, name=user.full_name, role=user.role)
    return await imports.start(
        session=session,
        file_name="records.csv",
        content=csv_bytes(rows),
        dry_run=False,
        actor=actor,
        settings=settings,
    )


async def _interrupt(session, job_id, *, rows_done, heartbeat_at) -> None:  # type: ignore[no-untyped-def]
    """As a worker leaves a job when it dies after committing `rows_done` rows."""
    await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            status=ImportStatus.running,
            rows_done=rows_done,
            created_count=rows_done,
            started_at=heartbeat_at,
            heartbeat_at=heartbeat_at,
        )
    )
    await session.flush()


async def test_an_interrupted_import_resumes_after_its_last_done_row(
    session, factory, make_user, make_employer, import_settings, clock
):
    employer = await make_employer()
    user = await make_user(Role.inspector)
    rows = [good(employer.uscc, f"第{n}行") for n in range(1, 6)]
    job = await _queued(session, user, import_settings, rows)
    assert job.id in await imports.resumable(session=session)  # queued: nobody works on it
    stale = (
        func.now() - imports.LEASE - timedelta(seconds=1)
    )  # the lease is on the database's clock
    await _interrupt(session, job.id, rows_done=2, heartbeat_at=stale)
    assert job.id in await imports.resumable(session=session)
    resumed = await imports.run(
        factory=factory, job_id=job.id, settings=import_settings, clock=clock
    )
    assert resumed is not None
    assert (resumed.status, resumed.rows_done, resumed.created_count) == ("finished", 5, 5)
    # rows 1-2 were the dead worker's (not written here); 3-5 are written once each
    titles = [r.title for r in await records_of(session, employer.id)]
    assert titles == ["第3行", "第4行", "第5行"]
    assert await imports.resumable(session=session) == []
    again = await imports.run(factory=factory, job_id=job.id, settings=import_settings, clock=clock)
    assert again is None  # a finished job is not run twice
    assert len(await records_of(session, employer.id)) == 3


async def test_a_job_with_a_live_worker_is_left_alone(
    session, factory, make_user, make_employer, import_settings, clock
):
    employer = await make_employer()
    user = await make_user(Role.inspector)
    job = await _queued(session, user, import_settings, [good(employer.uscc, "甲")])
    await _interrupt(session, job.id, rows_done=0, heartbeat_at=func.now())
    assert job.id not in await imports.resumable(session=session)
    assert (
        await imports.run(factory=factory, job_id=job.id, settings=import_settings, clock=clock)
        is None
    )
    assert await records_of(session, employer.id) == []


async def test_xlsx_numbers_in_text_columns(client, session, staff, make_employer):
    """Excel keeps numbers as doubles: a short number in a text column reads back as its digits;
    an 18-digit code typed as a number has lost digits in Excel and is rejected, not guessed."""
    employer = await make_employer()
    _, headers = await staff()
    template = await client.get(f"{IMPORTS}/templates/xlsx", headers=headers)
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows())]
    for title, code in ((2026, employer.uscc), ("数字代码", 121411211234567890)):
        row = dict.fromkeys(header)
        row.update(dict(zip(HEADER, good(employer.uscc, "x"), strict=True)))
        row[HEADER[0]], row[HEADER[5]] = code, title
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    r = await upload(client, headers, buffer.getvalue(), name="数字.xlsx")
    job = (await client.get(f"{IMPORTS}/{r.json()['id']}", headers=headers)).json()
    assert (job["created_count"], job["rejected_count"]) == (1, 1), job
    [record] = await records_of(session, employer.id)
    assert record.title == "2026"
    errors = (await client.get(f"{IMPORTS}/{job['id']}/errors.csv", headers=headers)).text
    assert '4,uscc,"uscc must be text, not a number' in errors  # row 2 is the example
