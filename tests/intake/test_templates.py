"""The import templates: a bilingual header, one example row that an import skips, and in the
XLSX a sheet of every allowed value of every enum column with its labels."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from app.employers import uscc
from app.intake import files as import_files
from app.intake import templates
from app.models.credit_record import RecordKind, SeriousCondition


def _csv_lines() -> list[list[str]]:
    content = templates.csv_template()
    assert content.startswith(codecs.BOM_UTF8)  # so Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_template_has_the_bilingual_header_and_one_example_row():
    header, example = _csv_lines()
    assert header[0] == "统一社会信用代码 (uscc)"
    assert "罚款金额(元) (fine_amount)" in header
    assert len(header) == len(example) == len(import_files.COLUMNS)
    row = dict(zip([key for key, _ in import_files.COLUMNS], example, strict=True))
    assert row["title"].startswith("【示例】") and row["remarks"].startswith("示例")
    assert (row["category"], row["kind"], row["severity"]) == (
        "失信信息",
        "工资支付和最低工资",
        "一般",
    )
    assert row["occurred_date"] == "2026-03-02"


def test_the_example_row_reads_as_valid_values_and_is_marked_as_the_example(tmp_path):
    path = tmp_path / "template.csv"
    path.write_bytes(templates.csv_template())
    [row] = list(import_files.rows(path, "csv", "utf-8-sig"))
    assert row.number == 2
    assert row.values["category"] == "dishonesty" and row.values["kind"] == "wages"
    assert row.values["source"] == "inspection" and row.values["penalty_category"] == "fine"
    assert import_files.is_example(row.values)
    assert uscc.validate(templates.EXAMPLE_USCC) == templates.EXAMPLE_USCC


def test_xlsx_template_has_the_same_header_and_example_with_date_cells():
    workbook = load_workbook(io.BytesIO(templates.xlsx_template()))
    sheet = workbook.worksheets[0]
    header, example = ([c.value for c in row] for row in sheet.iter_rows(max_row=2))
    assert header == _csv_lines()[0]
    by_key = dict(zip([key for key, _ in import_files.COLUMNS], example, strict=True))
    assert by_key["occurred_date"] == datetime(2026, 3, 2)  # a real date cell
    assert by_key["title"].startswith("【示例】")
    assert sheet.max_row == 2


def test_xlsx_values_sheet_lists_every_value_of_every_enum_column():
    workbook = load_workbook(io.BytesIO(templates.xlsx_template()))
    values = workbook[templates.VALUES_SHEET]
    header, *rows = ([c.value for c in row] for row in values.iter_rows())
    assert header == templates.VALUES_HEADER
    kinds = [(r[1], r[2], r[3]) for r in rows if r[0] == "信息种类 (kind)"]
    assert kinds == [(k.value, k.zh, k.en) for k in RecordKind]
    conditions = [r[1] for r in rows if r[0] == "严重情形 (serious_conditions)"]
    assert conditions == [c.value for c in SeriousCondition]
    listed = {r[0] for r in rows}
    for key, enum in import_files.ENUMS.items():
        column = f"{import_files.LABELS[key]} ({key})"
        assert column in listed, key
        assert len([r for r in rows if r[0] == column]) == len(enum)
    assert ["是否查处 (punished)", "true", "是", "yes", "1、y"] in rows
    category_aliases = {r[1]: r[4] for r in rows if r[0] == "信息类别 (category)"}
    assert "失信" in category_aliases["dishonesty"]
    assert any("2025年12月12日" in (r[2] or "") for r in rows)  # the date forms


def test_xlsx_enum_columns_drop_down_the_chinese_labels():
    workbook = load_workbook(io.BytesIO(templates.xlsx_template()))
    sheet = workbook.worksheets[0]
    checks = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    letter = {key: sheet.cell(row=1, column=i).column_letter
              for i, (key, _) in enumerate(import_files.COLUMNS, start=1)}  # fmt: skip
    category = checks[f"{letter['category']}2"]
    assert category.type == "list" and category.errorStyle == "warning"
    first, last = category.formula1.split("!")[1].replace("$", "").split(":")
    values = workbook[templates.VALUES_SHEET]
    labels = [values[f"C{n}"].value for n in range(int(first[1:]), int(last[1:]) + 1)]
    assert labels == ["基础信息", "良好信息", "失信信息"]
    assert f"{letter['serious_conditions']}2" not in checks  # several values per cell
