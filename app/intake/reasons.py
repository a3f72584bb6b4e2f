"""Why a row (a file's row, an intake item) was rejected, in Chinese and in English.

Pydantic and the content rules (`records.rules`) say what is wrong in English, by field; here
each problem is also said in Chinese, naming the column as the template names it and quoting
what was written. For a clerk's file the English says it in the file's terms too (the labels
and date forms the import reads); for a machine client's JSON the English is left as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import ErrorDetails

from app.core.i18n import Text
from app.employers import uscc
from app.intake.files import DATE_FORMS, ENUMS, LABELS, RECTIFICATION
from app.models.credit_record import KIND_CATEGORY, CreditRecordCreate, RecordKind

_RECTIFICATION_COLUMNS = {field: key for key, field in RECTIFICATION.items()}


def column_of(loc: Sequence[str | int]) -> str | None:
    """The column (a file's key) a problem's location names: `["rectification",
    "rectified_date"]` is `rectified_date`, `["serious_conditions", 1]` `serious_conditions`."""
    if not loc:
        return None
    if loc[0] == "rectification" and len(loc) > 1:
        return _RECTIFICATION_COLUMNS.get(str(loc[1]), str(loc[1]))
    return str(loc[0])


def label(key: str | None) -> str:
    return LABELS.get(key, key) if key else "本行"


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def unknown_employer(code: str) -> Text:
    return Text(
        f"未登记统一社会信用代码为{code}的用人单位；请核对代码，或先登记该单位",
        f"no employer with USCC {code} is registered",
    )


def uscc_breach(breach: uscc.Breach, key: str) -> Text:
    """One rule of GB 32100 a code breaks (`uscc.breaches`), said in both languages."""
    name, at = label(key), breach.position
    if breach.rule == "check":
        return Text(
            f"{name}校验位错误：应为{breach.expected}",
            f"the USCC's check character is wrong: expected {breach.expected}",
        )
    zh = {
        "length": f"{name}应为18位",
        "character": f"{name}第{at}位不是允许的字符（代码不使用 I、O、Z、S、V）",
        "category": f"{name}第1–2位不是 GB 32100 的登记管理部门和机构类别代码",
        "division": f"{name}第3–8位应为六位数字的行政区划代码，第{at}位不是数字",
        "organisation_check": f"{name}第17位（组织机构代码校验位）错误：应为{breach.expected}",
    }.get(breach.rule, f"{name}不符合 GB 32100")
    return Text(zh, breach.message.en)


def of_validation(error: ErrorDetails, *, from_file: bool) -> Text:
    """A pydantic error of a row's shape (loc relative to the row)."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx") or {}
    key = column_of(loc)
    name, value = label(key), _shown(error.get("input"))
    en = error["msg"]
    if kind == "missing":
        return Text(f"必须填写“{name}”", f"{key} is required" if from_file else en)
    if kind == "enum" and key in ENUMS:
        members = list(ENUMS[key])
        if from_file:
            return Text(
                f"“{name}”的“{value}”不是可选值；可填：" + "、".join(m.zh for m in members),
                f"{key} {value!r} is not one of: "
                + ", ".join(f"{m.value} ({m.en})" for m in members),
            )
        return Text(
            f"“{name}”的“{value}”不是可选值；可用代码：" + "、".join(m.value for m in members), en
        )
    if kind.startswith("date_"):
        if from_file:
            return Text(
                f"“{name}”的“{value}”不是日期；请写成 {DATE_FORMS}",
                f"{key} {value!r} is not a date: write {DATE_FORMS.replace('、', ', ')}",
            )
        return Text(f"“{name}”的“{value}”不是日期（应为 YYYY-MM-DD）", en)
    if kind == "string_type" and from_file and isinstance(error.get("input"), int | float):
        return Text(
            f"“{name}”应为文本而不是数字：长代码在 Excel 中存成数字会丢失末几位，"
            "请把该列设为文本格式后重新填写",
            f"{key} must be text, not a number: a long code stored as a number in Excel has "
            "lost its last digits; format the column as text and type it again",
        )
    if kind.startswith("bool_"):
        return Text(f"“{name}”应填“是”或“否”", f"{key} must be 是 or 否 (yes or no)")
    zh = {
        "string_type": f"“{name}”应为文本",
        "string_too_long": f"“{name}”不能超过{ctx.get('max_length')}个字符",
        "string_too_short": f"“{name}”不能为空",
        "decimal_parsing": f"“{name}”的“{value}”不是数字",
        "decimal_type": f"“{name}”的“{value}”不是数字",
        "decimal_max_digits": f"“{name}”最多{ctx.get('max_digits')}位数字",
        "decimal_max_places": f"“{name}”最多{ctx.get('decimal_places')}位小数",
        "decimal_whole_digits": f"“{name}”的整数部分最多{ctx.get('whole_digits')}位",
        "greater_than_equal": f"“{name}”不能小于{ctx.get('ge')}",
        "list_type": f"“{name}”应为列表",
        "extra_forbidden": f"不认识的字段“{key}”",
        "model_type": "应为一个对象（JSON object）",
        "dict_type": "应为一个对象（JSON object）",
    }.get(kind, f"“{name}”有误：{en}")
    return Text(zh, en)


def of_rule(loc: Sequence[str | int], msg: str, kind: str, content: CreditRecordCreate) -> Text:
    """A content rule's problem (`records.rules.problems`, loc relative to the record)."""
    key = column_of(loc)
    name = label(key)
    value = _value(content, loc)
    if kind.startswith("uscc.") and key and isinstance(value, str):
        found = uscc.breaches(uscc.normalise(value))
        if found:
            return uscc_breach(found[0], key)
    zh = (
        {
            "date.too_early": f"“{name}”{value}早于1990年1月1日，"
            "不是劳动保障记录的日期（输入错误？）",
            "date.future": f"“{name}”{value}晚于今天",
            "date.before_decision": f"“{name}”{value}早于它所针对的处罚决定日期"
            f"{content.decision_date}",
            "fine.no_category": "填写了罚款金额，也要填写处罚类别（罚款）",
        }.get(kind)
        or _value_error(key, content)
        or f"“{name}”有误：{msg}"
    )
    return Text(zh, msg)


def _value_error(key: str | None, content: CreditRecordCreate) -> str | None:
    if key == "kind" and isinstance(content.kind, RecordKind):
        expected = KIND_CATEGORY[content.kind]
        return (
            f"信息种类“{content.kind.zh}”属于“{expected.zh}”，与信息类别“{content.category.zh}”不符"
        )
    return {
        "fine_amount": "处罚类别为罚款时，要填写罚款金额（元）",
        "punished": "“是否查处”只适用于失信信息",
        "serious_conditions": "“严重情形”只适用于失信信息",
        "decision_date": "已查处（是否查处为“是”）的记录要填写处罚决定日期",
    }.get(key or "")


def _value(content: CreditRecordCreate, loc: Sequence[str | int]) -> Any:
    value: Any = content
    for part in loc:
        value = getattr(value, str(part), None) if not isinstance(part, int) else None
    return value
