"""What a validation error says, in the request's language: pydantic writes English; the Chinese
is ours, by the error's `type`, with its `ctx` values filled in. An error that carries its own
Chinese (`ctx["zh"]`: our validators, `models.base.refusal`, and the route checks) says that.
A type we do not know gets a Chinese sentence naming the field with pydantic's English beside it,
never an error of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.core.i18n import Text, say
from app.models.problem import FieldProblem

# pydantic error type -> the Chinese message; {name} is filled from the error's ctx.
CHINESE: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不接受这个字段",
    "string_type": "应为字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "不符合格式 {pattern}",
    "string_nul": "文本不能包含 NUL 字符（\\u0000）",
    "string_unicode": "应为有效的 Unicode 文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "整数太大",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "小数最多 {decimal_places} 位",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "bool_type": "应为布尔值（true 或 false）",
    "bool_parsing": "应为布尔值（true 或 false）",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "datetime_type": "应为日期时间（ISO 8601）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
    "timezone_aware": "应带时区",
    "timezone_naive": "不应带时区",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "uuid_version": "应为第 {expected_version} 版 UUID",
    "json_invalid": "不是有效的 JSON：{error}",
    "json_type": "应为 JSON 文本",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "frozen_set_type": "应为列表",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dataclass_type": "应为对象",
    "url_type": "应为网址",
    "url_parsing": "应为网址",
    "url_scheme": "网址应以 {expected_schemes} 开头",
    "union_tag_invalid": "{discriminator} 应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少区分字段 {discriminator}",
    "bytes_type": "应为字节串",
    "bytes_too_short": "至少 {min_length} 个字节",
    "bytes_too_long": "最多 {max_length} 个字节",
    "value_error": "取值不对：{error}",
    "assertion_error": "取值不对：{error}",
}


def message(error: Mapping[str, Any]) -> Text:
    """The error's message in both languages; the English is pydantic's own."""
    english = str(error.get("msg", ""))
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("zh"), str):
        return Text(ctx["zh"], english)
    template = CHINESE.get(str(error.get("type")))
    if template is not None:
        try:
            return Text(template.format_map({k: _shown(v) for k, v in ctx.items()}), english)
        except (KeyError, IndexError, ValueError):
            pass  # a ctx pydantic did not give: the generic sentence below
    where = ".".join(str(part) for part in error.get("loc", ())) or "请求"
    return Text(f"{where} 的值不被接受（{english}）", english)


def _shown(value: Any) -> str:
    """A ctx value as the Chinese reads it: pydantic's English lists end `'a' or 'b'`."""
    text = str(value)
    return text.replace(" or ", " 或 ") if isinstance(value, str) else text


def field_problem(error: Mapping[str, Any], loc: Sequence[str | int] | None = None) -> FieldProblem:
    """A pydantic error as a FieldProblem in the running request's language (`loc`: where it
    is, when not the error's own)."""
    where = error["loc"] if loc is None else loc
    return FieldProblem(
        loc=[p if isinstance(p, int) else str(p) for p in where],
        msg=say(message(error)),
        type=str(error["type"]),
    )
