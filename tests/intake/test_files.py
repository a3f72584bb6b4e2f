"""Reading import files: encodings, bilingual headers, XLSX cells, and bad files refused."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.core.errors import InvalidField
from app.intake import files as import_files
from app.intake import templates

HEADER = ",".join(
    [
        "统一社会信用代码 (uscc)",
        "信息类别",
        "source",
        "kind",
        "发生日期 (occurred_date)",
        "标题",
        "是否查处",
        "严重情形",
    ]
)
ROW = ",".join(
    [
        "91141121000000001X",
        "dishonesty",
        "inspection",
        "wages",
        "2026-03-01",
        "拖欠工资",
        "是",
        "group_incident；criminal_liability",  # a full-width semicolon, as typed in Chinese
    ]
)


def read(tmp_path: Path, name: str, content: bytes) -> list[dict[str, object]]:
    """What the importer makes of an upload: sniff, store, read back."""
    file_format, encoding = import_files.sniff(name, content)
    path = tmp_path / f"upload.{file_format}"
    path.write_bytes(content)
    return [row.values for row in import_files.rows(path, file_format, encoding)]


@pytest.mark.parametrize(
    "content",
    [
        f"{HEADER}\r\n{ROW}\r\n".encode(),
        codecs.BOM_UTF8 + f"{HEADER}\n{ROW}\n".encode(),
        f"{HEADER}\r\n{ROW}\r\n".encode("gbk"),
        f"{HEADER}\r\n{ROW}\r\n".encode("gb18030"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gbk", "gb18030"],
)
def test_csv_in_each_encoding_reads_the_same(tmp_path, content):
    [row] = read(tmp_path, "records.CSV", content)
    assert row == {
        "uscc": "91141121000000001X",
        "category": "dishonesty",
        "source": "inspection",
        "kind": "wages",
        "occurred_date": "2026-03-01",
        "title": "拖欠工资",
        "punished": True,
        "serious_conditions": ["group_incident", "criminal_liability"],
    }


def test_gbk_file_whose_chinese_is_only_at_the_very_end_is_read_as_gbk(tmp_path):
    content = "uscc,category,source,kind,occurred_date,title\nX,good,other,honour,2026-01-01,是\n"
    [row] = read(tmp_path, "records.csv", content.encode("gbk"))
    assert row["title"] == "是"


def test_text_that_is_neither_utf8_nor_gbk_is_refused(tmp_path):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "records.csv", b"uscc,title\n\x80\x80\x80\xff\xfe,x\n")
    assert "neither UTF-8 nor GBK" in refused.value.detail.en


def test_a_file_that_stops_being_utf8_past_its_start_says_where(tmp_path):
    path = tmp_path / "upload.csv"
    good = f"{HEADER}\n" + f"{ROW}\n" * 2000  # well past the text decoder's first chunk
    path.write_bytes(good.encode() + f"{ROW}\n".encode("gbk"))
    with pytest.raises(InvalidField) as refused:
        list(import_files.rows(path, "csv", "utf-8-sig"))
    assert "stops being utf-8-sig text after line" in refused.value.detail.en


def test_header_may_use_labels_keys_or_both_and_blank_lines_are_skipped(tmp_path):
    content = "信息类别,uscc,信息来源 (source),信息种类,occurred_date,标题,备注\n,,,,,,\n"
    content += "good,91141121000000001X,other,honour,2026-01-02,市级表彰,\n"
    [row] = read(tmp_path, "r.csv", content.encode())
    assert row["category"] == "good" and row["source"] == "other"
    assert "remarks" not in row  # an empty cell is left out, not an empty string


def test_rectification_columns_become_one_field(tmp_path):
    content = f"{HEADER},责令整改日期,整改完成日期 (rectified_date)\n{ROW},2026-03-05,2026-04-01\n"
    [row] = read(tmp_path, "r.csv", content.encode())
    assert row["rectification"] == {"ordered_date": "2026-03-05", "rectified_date": "2026-04-01"}


def test_unknown_header_is_refused_naming_it(tmp_path):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "r.csv", f"{HEADER},联系电话\n{ROW},123\n".encode())
    assert "'联系电话'" in refused.value.detail.en and "column 9" in refused.value.detail.en


def test_missing_required_columns_are_named(tmp_path):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "r.csv", b"uscc,category,source,kind\nX,good,other,honour\n")
    assert refused.value.detail.en == "missing required columns: occurred_date, title"


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "r.csv", b"")
    assert "empty" in refused.value.detail.en


@pytest.mark.parametrize("name", ["records.xls", "records.txt", "records"])
def test_other_suffixes_are_refused(tmp_path, name):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, name, f"{HEADER}\n{ROW}\n".encode())
    assert refused.value.detail.en.startswith("send a .csv or .xlsx file")


def test_a_csv_named_xlsx_is_refused_as_not_a_workbook(tmp_path):
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "records.xlsx", f"{HEADER}\n{ROW}\n".encode())
    assert "is not an XLSX workbook" in refused.value.detail.en


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InvalidField) as refused:
        read(tmp_path, "records.xlsx", buffer.getvalue())
    assert "cannot be read" in refused.value.detail.en


def test_xlsx_cells_of_any_type_become_values(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(templates.header_cells())
    values = dict.fromkeys(templates.header_cells())
    keyed = {key: f"{label} ({key})" for key, label in import_files.COLUMNS}
    values[keyed["uscc"]] = "91141121000000001X"
    values[keyed["category"]] = "dishonesty"
    values[keyed["source"]] = "inspection"
    values[keyed["kind"]] = "wages"
    values[keyed["occurred_date"]] = datetime(2026, 3, 1)
    values[keyed["decision_date"]] = date(2026, 3, 10)
    values[keyed["title"]] = "  拖欠工资  "
    values[keyed["fine_amount"]] = 20000.5
    values[keyed["punished"]] = "否"
    sheet.append(list(values.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    [row] = read(tmp_path, "records.xlsx", buffer.getvalue())
    assert row == {
        "uscc": "91141121000000001X",
        "category": "dishonesty",
        "source": "inspection",
        "kind": "wages",
        "occurred_date": "2026-03-01",
        "decision_date": "2026-03-10",
        "title": "拖欠工资",
        "fine_amount": "20000.5",
        "punished": False,
    }


# --- as a clerk fills it in: labels for codes, dates in the usual forms, the sheet's row numbers


def _csv(tmp_path: Path, lines: list[str]) -> list[import_files.FileRow]:
    path = tmp_path / "clerk.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(import_files.rows(path, "csv", "utf-8-sig"))


def test_enum_columns_take_chinese_labels_and_aliases_spaced_and_cased_as_typed(tmp_path):
    header = "统一社会信用代码,信息类别,信息来源,信息种类,发生日期,标题,处罚类别,失信等级,严重情形"
    rows = _csv(tmp_path, [
        header,
        "X,失信,劳动保障监察,工资,2026-03-01,甲,罚款,严重,使用童工、被依法追究刑事责任",
        "X, 失信信息 ,投诉举报,工资支付和最低工资,2026-03-01,乙,Warning,一 般,",
        "X,Dishonesty,Written Review,WAGES,2026-03-01,丙,fine,light,",
        "X,良好,其他,表彰奖励,2026-03-01,丁,,,",
    ])  # fmt: skip
    values = [row.values for row in rows]
    assert [v["category"] for v in values] == ["dishonesty", "dishonesty", "dishonesty", "good"]
    assert [v["source"] for v in values] == ["inspection", "complaint", "written_review", "other"]
    assert [v["kind"] for v in values] == ["wages", "wages", "wages", "honour"]
    assert [v.get("penalty_category") for v in values] == ["fine", "warning", "fine", None]
    assert [v.get("severity") for v in values] == ["serious", "general", "light", None]
    assert values[0]["serious_conditions"] == ["child_or_forced_labour", "criminal_liability"]


def test_a_word_that_is_no_value_is_left_for_validation_to_name(tmp_path):
    [row] = _csv(tmp_path, ["uscc,category,source,kind,occurred_date,title",
                            "X,失信名单,劳动保障监察,工资,2026-03-01,甲"])  # fmt: skip
    assert row.values["category"] == "失信名单"


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("2025-12-12", "2025-12-12"),
        ("2025/12/12", "2025-12-12"),
        ("2025年12月12日", "2025-12-12"),
        ("2025年1月5日", "2025-01-05"),
        ("2025.12.12", "2025-12-12"),
        ("2025/1/5", "2025-01-05"),
        ("20251212", "2025-12-12"),
        ("2025/12/12 0:00", "2025-12-12"),  # a date exported with its time
        ("２０２５－１２－１２", "2025-12-12"),  # full-width, as an IME may type it
        (" 2025 年 12 月 12 日 ", "2025-12-12"),
        ("2025-02-30", "2025-02-30"),  # no such day: left for validation
        ("2025-12/12", "2025-12/12"),  # mixed separators: not a form we read
        ("12/12/2025", "12/12/2025"),  # day-first or month-first? not guessed
    ],
)
def test_dates_are_read_in_the_forms_clerks_write(tmp_path, written, read_as):
    [row] = _csv(tmp_path, ["uscc,category,source,kind,occurred_date,title,处罚决定日期",
                            f"X,good,other,honour,{written},甲,{written}"])  # fmt: skip
    assert row.values["occurred_date"] == read_as
    assert row.values["decision_date"] == read_as


def test_xlsx_date_cells_and_excel_serial_numbers_are_dates(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["uscc", "category", "source", "kind", "occurred_date", "title",
                  "decision_date", "rectified_date", "penalty_valid_until"])  # fmt: skip
    sheet.append(["X", "good", "other", "honour", 46082, "甲", 46091.75, date(2026, 4, 1),
                  datetime(2027, 3, 10, 8, 30)])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    [row] = read(tmp_path, "dates.xlsx", buffer.getvalue())
    assert row["occurred_date"] == "2026-03-01"  # serial 46082
    assert row["decision_date"] == "2026-03-10"  # a serial with a time of day
    assert row["rectification"] == {"rectified_date": "2026-04-01"}
    assert row["penalty_valid_until"] == "2027-03-10"


def test_csv_rows_keep_the_spreadsheet_s_row_numbers(tmp_path):
    rows = _csv(tmp_path, [
        "uscc,category,source,kind,occurred_date,title",
        "A,good,other,honour,2026-01-01,第2行",
        ",,,,,",
        "",
        'B,good,other,honour,2026-01-01,"第5行，标题里有',
        '换行"',
        "C,good,other,honour,2026-01-01,第6行",
    ])  # fmt: skip
    assert [(r.number, r.values["uscc"]) for r in rows] == [(2, "A"), (5, "B"), (6, "C")]


def test_xlsx_rows_keep_the_sheet_s_row_numbers(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["uscc", "category", "source", "kind", "occurred_date", "title"])
    sheet.append(["A", "good", "other", "honour", "2026-01-01", "第2行"])
    sheet.append([None, "  ", None])
    sheet.cell(row=6, column=1, value="B")
    path = tmp_path / "rows.xlsx"
    workbook.save(path)
    rows = list(import_files.rows(path, "xlsx", None))
    assert [(r.number, r.values["uscc"]) for r in rows] == [(2, "A"), (6, "B")]


@pytest.mark.parametrize(
    ("values", "example"),
    [
        ({"title": "【示例】拖欠工资"}, True),
        ({"title": "示例：拖欠工资"}, True),
        ({"title": "拖欠工资", "remarks": "示例：导入时跳过此行"}, True),
        ({"title": "拖欠工资", "remarks": " 示例"}, True),
        ({"title": "拖欠工资", "remarks": "见示例文件"}, False),
        ({"title": "拖欠工资"}, False),
    ],
)
def test_a_row_marked_as_the_example_is_known(values, example):
    assert import_files.is_example(values) is example
