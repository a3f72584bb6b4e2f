"""The import templates: the header row in Chinese and English, one example row (skipped on
import: its title and remarks begin with 示例), and in the XLSX a second sheet listing every
allowed value of every enum column with its labels, from the vocabularies (`models/labels.py`).
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date
from typing import Any

from app.intake.files import COLUMNS, DATE_FORMS, DATES, ENUMS, EXAMPLE_MARK, LABELS

# A made-up employer of Wenshui (division 141121) whose code passes every rule of GB 32100.
EXAMPLE_USCC = "91141121MA0K2E7P3B"
EXAMPLE: dict[str, Any] = {
    "uscc": EXAMPLE_USCC,
    "category": "失信信息",
    "source": "劳动保障监察",
    "kind": "工资支付和最低工资",
    "occurred_date": date(2026, 3, 2),
    "title": f"【{EXAMPLE_MARK}】拖欠12名农民工工资",
    "description": "2025年11月至12月拖欠12名农民工工资共8.6万元",
    "issuing_authority": "文水县人力资源和社会保障局",
    "decision_number": "文人社监罚字〔2026〕12号",
    "violation_type": "拖欠劳动者工资",
    "violation_facts": "拖欠12名农民工2025年11月至12月工资共8.6万元，经责令限期支付仍未支付",
    "legal_basis": "《保障农民工工资支付条例》第五十四条",
    "penalty_category": "罚款",
    "penalty_content": "罚款人民币2万元",
    "fine_amount": 20000,
    "decision_date": date(2026, 3, 10),
    "data_source_unit": "文水县劳动保障监察大队",
    "remarks": f"{EXAMPLE_MARK}：导入时跳过此行，请删除或改写 (example: skipped on import)",
    "punished": "是",
    "severity": "一般",
    "rectification_ordered_date": date(2026, 3, 10),
}
VALUES_SHEET = "可选值 (values)"
VALUES_HEADER = ["列 (column)", "代码 (code)", "中文 (Chinese)", "English", "也可填写 (also)"]


def header_cells() -> list[str]:
    return [f"{label} ({key})" for key, label in COLUMNS]


def example_cells() -> list[Any]:
    return [EXAMPLE.get(key) for key, _ in COLUMNS]


def csv_template() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header_cells())
    writer.writerow("" if v is None else v.isoformat() if isinstance(v, date) else v
                    for v in example_cells())  # fmt: skip
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def value_rows() -> list[list[str]]:
    """The values sheet: each enum column's values (code, 中文, English, other words accepted),
    是/否 for the yes/no column, and the accepted date forms."""
    rows: list[list[str]] = []
    for key, label in COLUMNS:
        column = f"{label} ({key})"
        if key in ENUMS:
            rows += [[column, m.value, m.zh, m.en, "、".join(m.aliases)] for m in ENUMS[key]]
        elif key == "punished":
            rows += [
                [column, "true", "是", "yes", "1、y"],
                [column, "false", "否", "no", "0、n、空"],
            ]
    dates = "、".join(f"{LABELS[k]}" for k, _ in COLUMNS if k in DATES)
    rows.append([f"日期列 (dates): {dates}", "", DATE_FORMS, "or an Excel date cell", ""])
    return rows


def xlsx_template() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "信用记录 (records)"
    sheet.append(header_cells())
    sheet.append(example_cells())
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell, (key, _) in zip(sheet[2], COLUMNS, strict=True):
        cell.font = Font(italic=True, color="808080")  # the example row
        if key in DATES:
            cell.number_format = "yyyy-mm-dd"
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(LABELS[key]) * 2 + 4)
        if key.endswith("uscc"):  # text, so Excel does not turn an 18-digit code into a number
            sheet.column_dimensions[letter].number_format = "@"
    values = workbook.create_sheet(VALUES_SHEET)
    values.append(VALUES_HEADER)
    for cell in values[1]:
        cell.font = Font(bold=True)
    for row in value_rows():
        values.append(row)
    for letter, width in zip("ABCDE", (34, 34, 40, 50, 30), strict=True):
        values.column_dimensions[letter].width = width
    _drop_downs(sheet, values, DataValidation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _drop_downs(sheet: Any, values: Any, validation: Any) -> None:
    """A drop-down of the Chinese labels on each single-valued enum column (and 是/否); typing a
    code or another accepted word is only warned about, since the import reads those too."""
    first_row: dict[str, int] = {}
    last_row: dict[str, int] = {}
    for number, row in enumerate(values.iter_rows(min_row=2, values_only=True), start=2):
        first_row.setdefault(row[0], number)
        last_row[row[0]] = number
    for cell, (key, label) in zip(sheet[1], COLUMNS, strict=True):
        column = f"{label} ({key})"
        if column not in first_row or key == "serious_conditions":  # several values per cell
            continue
        source = f"'{VALUES_SHEET}'!$C${first_row[column]}:$C${last_row[column]}"
        check = validation(type="list", formula1=source, allow_blank=True, errorStyle="warning")
        check.error = "不是可选值之一；也可填写代码 (not one of the values; a code works too)"
        sheet.add_data_validation(check)
        check.add(f"{cell.column_letter}2:{cell.column_letter}1048576")
