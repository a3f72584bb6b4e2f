"""Reading import files as a clerk fills them in: CSV (UTF-8 or GBK/GB18030) and XLSX with
bilingual headers; enum columns by code or Chinese label, dates in the usual Chinese forms.

Each data row keeps the spreadsheet's own row number (the header is row 1), so a report names
the row the clerk sees. The templates themselves are built in `templates.py`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from app.core.errors import InvalidField
from app.core.i18n import Text
from app.models.credit_record import (
    PenaltyCategory,
    RecordCategory,
    RecordKind,
    RecordSource,
    SeriousCondition,
    Severity,
)
from app.models.labels import LabelledEnum, folded

# (key, Chinese label): a header cell may be "统一社会信用代码 (uscc)", the label or the key.
COLUMNS: list[tuple[str, str]] = [
    ("uscc", "统一社会信用代码"),
    ("category", "信息类别"),
    ("source", "信息来源"),
    ("kind", "信息种类"),
    ("occurred_date", "发生日期"),
    ("title", "标题"),
    ("description", "描述"),
    ("issuing_authority", "作出决定机关"),
    ("issuing_authority_uscc", "作出决定机关统一社会信用代码"),
    ("decision_number", "行政处罚决定书文号"),
    ("violation_type", "违法行为类型"),
    ("violation_facts", "违法事实"),
    ("legal_basis", "处罚依据"),
    ("penalty_category", "处罚类别"),
    ("penalty_content", "处罚内容"),
    ("fine_amount", "罚款金额(元)"),
    ("decision_date", "处罚决定日期"),
    ("penalty_valid_until", "处罚有效期"),
    ("data_source_unit", "数据来源单位"),
    ("data_source_unit_uscc", "数据来源单位统一社会信用代码"),
    ("remarks", "备注"),
    ("punished", "是否查处"),
    ("serious_conditions", "严重情形"),
    ("severity", "失信等级"),
    ("rectification_ordered_date", "责令整改日期"),
    ("rectified_date", "整改完成日期"),
    ("penalty_performed_date", "处罚履行日期"),
]
LABELS = dict(COLUMNS)
REQUIRED = {"uscc", "category", "source", "kind", "occurred_date", "title"}
RECTIFICATION = {
    "rectification_ordered_date": "ordered_date",
    "rectified_date": "rectified_date",
    "penalty_performed_date": "penalty_performed_date",
}
# Columns of an enum: a cell holds the code, the Chinese or English label or an alias
# ("失信" for 失信信息), spaced and cased as typed (LabelledEnum.matching).
ENUMS: dict[str, type[LabelledEnum]] = {
    "category": RecordCategory,
    "source": RecordSource,
    "kind": RecordKind,
    "penalty_category": PenaltyCategory,
    "serious_conditions": SeriousCondition,  # several, separated by ；;，, or 、
    "severity": Severity,
}
DATES = {"occurred_date", "decision_date", "penalty_valid_until", *RECTIFICATION}
DATE_FORMS = "2025-12-12、2025/12/12、2025年12月12日、2025.12.12"
_BY_NAME = {name: key for key, label in COLUMNS for name in (key, label, f"{label} ({key})")}
_TRUE, _FALSE = {"true", "1", "是", "yes", "y"}, {"false", "0", "否", "no", "n", ""}
XLSX_SIGNATURE = b"PK\x03\x04"
# A row is the template's example, skipped, when its title or remarks begins with this.
EXAMPLE_MARK = "示例"
_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")  # "2025/12/12 0:00" from an export
# Excel's day 1 is 1900-01-01, counted from 1899-12-30 because Excel takes 1900 for a leap year;
# the last day it can hold is 9999-12-31 (serial 2958465).
EXCEL_EPOCH, EXCEL_LAST_SERIAL = date(1899, 12, 30), 2958465


class FileRow(NamedTuple):
    number: int  # the spreadsheet's row number: the header is row 1, the first data row 2
    values: dict[str, Any]


class ImportFileType(InvalidField):
    slug = "import-file-type"
    title = Text("导入文件不是 CSV 或 XLSX", "Import file not CSV or XLSX")
    about = Text(
        "导入只接受 .csv 和 .xlsx 文件，且文件内容要与后缀相符（XLSX 是 zip 压缩包）。",
        "Imports take .csv and .xlsx files only, and the content must match the suffix (an "
        "XLSX file is a zip archive).",
    )
    remedy = Text(
        "在 Excel 或 WPS 中另存为“CSV UTF-8”或“Excel 工作簿（.xlsx）”后上传；模板见 "
        "GET /api/v1/imports/templates/csv。",
        "Save it from Excel or WPS as “CSV UTF-8” or “Excel Workbook (.xlsx)” and upload that; "
        "the template is at GET /api/v1/imports/templates/csv.",
    )


class ImportFileEncoding(InvalidField):
    slug = "import-file-encoding"
    title = Text("导入文件的编码不对", "Import file encoding")
    about = Text(
        "CSV 文件既不是 UTF-8 也不是 GBK/GB18030 文本，或读到中途不再是。",
        "The CSV file is neither UTF-8 nor GBK/GB18030 text, or stops being so part way.",
    )
    remedy = Text("把整个文件另存为“CSV UTF-8”。", "Save the whole file as “CSV UTF-8”.")


class ImportFileEmpty(InvalidField):
    slug = "import-file-empty"
    title = Text("导入文件是空的", "Import file empty")
    about = Text("文件里连表头行都没有。", "The file has not even a header row.")
    remedy = Text(
        "用模板的表头行，在下面逐行填写记录。",
        "Start from the template's header row, a record a row.",
    )


class ImportFileHeader(InvalidField):
    slug = "import-file-header"
    title = Text("导入文件的表头不对", "Import file header")
    about = Text(
        "表头有不认识的列，或缺少必填的列（统一社会信用代码、信息类别、信息来源、信息种类、发生日期、"
        "标题）。",
        "The header has a column the import does not know, or lacks a required one (uscc, "
        "category, source, kind, occurred_date, title).",
    )
    remedy = Text(
        "下载模板（GET /api/v1/imports/templates/xlsx 或 templates/csv），使用它的表头。",
        "Download the template (GET /api/v1/imports/templates/xlsx or templates/csv) and use its "
        "header.",
    )


def sniff(file_name: str, head: bytes) -> tuple[str, str | None]:
    """(format, encoding) of an upload, or a 422 saying exactly what is wrong with it."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx":
        if not head.startswith(XLSX_SIGNATURE):
            raise ImportFileType(
                ["body", "file"],
                Text(
                    f"{file_name} 不是 XLSX 工作簿（XLSX 文件是 zip 压缩包，这个文件的开头不像）",
                    f"{file_name} is not an XLSX workbook (an XLSX "
                    "file is a zip archive; this one does not start like one)",
                ),
                kind="file.not_xlsx",
            )
        return "xlsx", None
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads GBK and GB2312 too
            try:
                head.decode(encoding)
            except UnicodeDecodeError as exc:
                if exc.end == len(head) and exc.start >= len(head) - 4:  # a character cut off
                    return "csv", encoding
                continue
            return "csv", encoding
        raise ImportFileEncoding(
            ["body", "file"],
            Text(
                f"{file_name} 既不是 UTF-8 也不是 GBK/GB18030 文本；请另存为 CSV UTF-8",
                f"{file_name} is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8",
            ),
            kind="file.encoding",
        )
    shown = suffix or "no suffix"
    raise ImportFileType(
        ["body", "file"],
        Text(
            f"请上传 .csv 或 .xlsx 文件，而不是 {suffix or '无扩展名的文件'}",
            f"send a .csv or .xlsx file, not {shown}",
        ),
        kind="file.type",
    )


def rows(path: Path, file_format: str, encoding: str | None) -> Iterator[FileRow]:
    """Data rows as {key: value} (empty cells left out) with their spreadsheet row numbers,
    after checking the header; blank rows are left out but keep their numbers counted."""
    raw = _xlsx_rows(path) if file_format == "xlsx" else _csv_rows(path, encoding or "utf-8-sig")
    header = next(raw, None)
    if header is None:
        raise ImportFileEmpty(
            ["body", "file"],
            Text("文件是空的：没有表头行", "the file is empty: no header row"),
            kind="file.empty",
        )
    keys = _keys(header)
    for number, cells in enumerate(raw, start=2):
        if all(_cell(c) is None for c in cells):
            continue  # a blank row
        yield FileRow(number, _row(keys, cells))


def is_example(values: Mapping[str, Any]) -> bool:
    """The template's example row, or a row marked as one: its title or remarks begins 示例
    (【示例】 too)."""
    marked = (folded(str(values.get(key, ""))).lstrip("【[(（") for key in ("title", "remarks"))
    return any(text.startswith(EXAMPLE_MARK) for text in marked)


def _keys(header: list[Any]) -> list[str | None]:
    keys: list[str | None] = []
    for position, cell in enumerate(header, start=1):
        name = re.sub(r"\s+", " ", str(cell or "")).strip()
        if not name:
            keys.append(None)
            continue
        if name not in _BY_NAME:
            raise ImportFileHeader(
                ["body", "file"],
                Text(
                    f"不认识的列“{name}”（第{position}列）；请下载导入模板查看可用的表头",
                    f"unknown column {name!r} (column {position}); "
                    "download the template for the accepted headers",
                ),
                kind="file.header",
            )
        keys.append(_BY_NAME[name])
    missing = [key for key, _ in COLUMNS if key in REQUIRED and key not in keys]
    if missing:
        raise ImportFileHeader(
            ["body", "file"],
            Text(
                "缺少必填的列：" + "、".join(f"{LABELS[k]} ({k})" for k in missing),
                f"missing required columns: {', '.join(sorted(missing))}",
            ),
            kind="file.header",
        )
    return keys


def _row(keys: list[str | None], cells: list[Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    rectification: dict[str, Any] = {}
    for key, cell in zip(keys, cells, strict=False):
        if key is None:
            continue
        value = _date(cell) if key in DATES else _cell(cell)
        if value is None:
            continue
        if key in RECTIFICATION:
            rectification[RECTIFICATION[key]] = value
        elif key == "serious_conditions":
            parts = [v.strip() for v in re.split(r"[;；,，、]", str(value)) if v.strip()]
            row[key] = [_enum(SeriousCondition, part) for part in parts]
        elif key == "punished":
            row[key] = _flag(str(value))
        elif key in ENUMS:
            row[key] = _enum(ENUMS[key], value)
        else:
            row[key] = value
    if rectification:
        row["rectification"] = rectification
    return row


def _cell(cell: Any) -> Any:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int) and not isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float):
        # Excel keeps numbers as doubles: a whole one up to 2**53 is exact, so a short code or
        # amount typed as a number reads back as its digits; an 18-digit code has already lost
        # digits in Excel, so it is left a number, which validation rejects as "not a string".
        if cell.is_integer():
            return str(int(cell)) if abs(cell) <= 2**53 else cell
        return repr(cell)  # the shortest text that reads back as the same number
    if isinstance(cell, str):  # a NUL is never text (broken exports); PostgreSQL refuses it
        return cell.replace("\x00", "").strip() or None
    return cell


def _date(cell: Any) -> Any:
    """An ISO date from a date cell, an Excel serial number or text in one of DATE_FORMS (or
    20251212); anything else as it is, for validation to reject with the accepted forms."""
    is_number = isinstance(cell, int | float) and not isinstance(cell, bool)
    if is_number and 1 <= cell <= EXCEL_LAST_SERIAL:
        return (EXCEL_EPOCH + timedelta(days=int(cell))).isoformat()  # a fraction is the time
    value = _cell(cell)
    if not isinstance(value, str):
        return value
    text = _TIME.sub("", unicodedata.normalize("NFKC", value)).replace(" ", "")
    for form in (_SEPARATED, _CHINESE, _COMPACT):
        if match := form.fullmatch(text):
            year, month, day = (int(g) for g in match.groups() if g.isdigit())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return value  # 2025-02-30: no such day
    return value


def _enum(enum: type[LabelledEnum], value: Any) -> Any:
    found = enum.matching(value) if isinstance(value, str) else None
    return found.value if found is not None else value  # unknown: validation names the values


def _flag(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # left for validation to reject with its own message


def _csv_rows(path: Path, encoding: str) -> Iterator[list[Any]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from reader
        except UnicodeDecodeError as exc:  # past the part sniff() looked at
            raise ImportFileEncoding(
                ["body", "file"],
                Text(
                    f"文件在第{reader.line_num}行之后不再是 {encoding} 文本（{exc.reason}）；"
                    "请把整个文件另存为 CSV UTF-8",
                    f"the file stops being {encoding} text after line {reader.line_num} "
                    f"({exc.reason}); save the whole file as CSV UTF-8",
                ),
                kind="file.encoding",
            ) from exc


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileType(
            ["body", "file"],
            Text(f"无法读取 XLSX 工作簿：{exc}", f"the XLSX workbook cannot be read: {exc}"),
            kind="file.not_xlsx",
        ) from exc
    try:
        sheet = workbook.worksheets[0]  # the records; a second sheet lists the allowed values
        for values in sheet.iter_rows(values_only=True):  # gaps come as rows of None
            yield list(values)
    finally:
        workbook.close()


def count_rows(path: Path, file_format: str, encoding: str | None) -> int:
    return sum(1 for _ in rows(path, file_format, encoding))
