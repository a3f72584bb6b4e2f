"""Reading import files: encodings, bilingual headers, XLSX cells, and bad files refused."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.core.errors import InvalidField
from app.intake import files as import_files

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
    return list(import_files.rows(path, file_format, encoding))


def test_csv_template_has_a_bom_and_both_languages():
    content = import_files.csv_template()
    assert content.startswith(codecs.BOM_UTF8)  # so Excel opens it as UTF-8
    header = content.decode("utf-8-sig").strip().split(",")
    assert header[0] == "统一社会信用代码 (uscc)"
    assert "罚款金额(元) (fine_amount)" in header
    assert len(header) == len(import_files.COLUMNS)


def test_xlsx_template_has_the_same_header_as_the_csv():
    workbook = load_workbook(io.BytesIO(import_files.xlsx_template()))
    cells = [c.value for c in next(workbook.worksheets[0].iter_rows())]
    assert cells == import_files.csv_template().decode("utf-8-sig").strip().split(",")


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
    sheet.append(import_files.header_cells())
    values = dict.fromkeys(import_files.header_cells())
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
