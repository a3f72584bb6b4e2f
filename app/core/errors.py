"""Refusals: the AppError family, one named problem type per refusal (rendered once as RFC 9457
`application/problem+json` by `core.problem_json`, each type's page at `/problems/{slug}`), and
each route's types declared in its OpenAPI responses (`problems(...)`)."""

from __future__ import annotations

import re
from collections import defaultdict
from http import HTTPStatus
from typing import Any, ClassVar

from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import Text, say
from app.models.problem import PROBLEM_BASE, FieldProblem, Problem

PROBLEM_JSON = "application/problem+json"
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class AppError(Exception):
    """A refusal. Each named problem type is a subclass with its own `slug` that says in both
    languages what it is (`title`), when it happens (`about`) and what to do (`remedy`): the
    page `/problems/{slug}` shows them, and each route's OpenAPI responses list its types.
    `detail` says what happened this time, in both languages (`Text`).

    A class without a slug of its own is a family (NotFound, Conflict, ...): it groups named
    types by status and cannot be raised, so no refusal goes out without its own name."""

    status: ClassVar[int] = 500
    slug: ClassVar[str]
    # Each named type says these in both languages (tests/api/test_problems.py checks every one).
    title: ClassVar[Text] = Text("", "")
    about: ClassVar[Text] = Text("", "")
    remedy: ClassVar[Text] = Text("", "")
    headers: dict[str, str] | None = None
    # A refusal that must keep what the service wrote first (a failed login's counter).
    keeps_writes: ClassVar[bool] = False
    # slug -> problem type, filled as named types are defined
    types: ClassVar[dict[str, type[AppError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "slug" not in cls.__dict__:
            return  # a family
        if not _SLUG.fullmatch(cls.slug):
            raise TypeError(f"{cls.__name__}: slug {cls.slug!r} is not kebab-case")
        taken = AppError.types.get(cls.slug)
        if taken is not None and _name(taken) != _name(cls):  # not a module read again
            raise TypeError(f"{cls.__name__}: slug {cls.slug!r} is {taken.__name__}'s already")
        AppError.types[cls.slug] = cls

    @classmethod
    def named(cls) -> bool:
        return "slug" in cls.__dict__

    def __init__(self, detail: Text, **extra: Any) -> None:
        if not type(self).named():
            raise TypeError(
                f"{type(self).__name__} is a family of problem types: raise one of its named "
                "types (a subclass with its own slug, title, about and remedy)"
            )
        super().__init__(detail.en)
        self.detail = detail
        self.extra = extra


def _name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


# --- families: one per status, never raised themselves -----------------------------------------


class NotFound(AppError):
    status = 404


class Unauthorized(AppError):
    status = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  (read-only)


class Forbidden(AppError):
    status = 403


class Conflict(AppError):
    status = 409


class Gone(AppError):
    """A thing that existed and was ended, never deleted (a withdrawn disclosure)."""

    status = 410


class PreconditionFailed(AppError):
    status = 412


class PreconditionRequired(AppError):
    status = 428


class InvalidField(AppError):
    """A business-rule failure of one field (or several), shaped like a 422 validation error:
    `errors[]` names each field (`loc`) and the rule it broke (`type`, a kind such as
    `uscc.check` or `date.future`)."""

    status = 422

    def __init__(
        self, loc: list[str | int], detail: Text, kind: str = "value_error", **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        # raised inside a request, whose language the middleware has set
        self.errors = [FieldProblem(loc=loc, msg=say(detail), type=kind)]


class TooManyRequests(AppError):
    status = 429

    def __init__(self, detail: Text, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


# --- named types every route shares: the HTTP level and the common precondition refusals -------


class DoesNotExist(NotFound):
    slug = "not-found"
    title = Text("不存在", "Not found")
    about = Text(
        "请求的对象（用人单位、信用记录、评价、账号等，或这个地址本身）不存在；另一用人单位的对象"
        "对用人单位账号来说也是不存在的。",
        "The thing asked for (an employer, a credit record, an evaluation, an account…, or the "
        "address itself) does not exist; to an employer account another employer's things do "
        "not exist either.",
    )
    remedy = Text(
        "核对地址中的编号：它应来自本服务此前的回答。",
        "Check the id in the address: it should come from an earlier answer of this service.",
    )


class InvalidRequest(AppError):
    """Rendered from FastAPI's RequestValidationError (see `_validation_error`)."""

    status = 422
    slug = "validation"
    title = Text("请求不符合规则", "Invalid request")
    about = Text(
        "请求的某个字段缺失、类型或格式不对、超出范围，或是接口不接受的字段或查询参数；errors[] "
        "逐一列出每个字段（loc）和它违反的规则（type）。",
        "A field of the request is missing, of the wrong type or format, out of range, or one "
        "the operation does not take (a body field or query parameter it does not declare); "
        "errors[] names each field (loc) and the rule it broke (type).",
    )
    remedy = Text(
        "按 errors[] 逐项改正后重新发送；接口文档（/docs）列出每个字段的规则。",
        "Correct each field errors[] names and send again; the API docs (/docs) give each "
        "field's rules.",
    )


class MalformedRequest(AppError):
    status = 400
    slug = "bad-request"
    title = Text("请求无法解析", "Malformed request")
    about = Text(
        "请求体无法解析（例如损坏的 multipart 表单）。",
        "The request body cannot be parsed (a broken multipart form, for example).",
    )
    remedy = Text("检查客户端发送的内容后重试。", "Check what the client sends and retry.")


class MethodNotAllowed(AppError):
    status = 405
    slug = "method-not-allowed"
    title = Text("不支持该请求方法", "Method not allowed")
    about = Text(
        "这个地址存在，但不接受这种 HTTP 方法（例如对只读的列表发 DELETE）。",
        "The address exists but does not take this HTTP method (a DELETE to a list that is "
        "only read, for example).",
    )
    remedy = Text(
        "使用响应头 Allow 列出的方法；接口文档（/docs）列出每个地址的操作。",
        "Use a method the Allow header lists; the API docs (/docs) give each address's operations.",
    )


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = Text("请求体过大", "Request body too large")
    about = Text(
        "请求体超过服务接受的上限（LABOR_CREDIT_MAX_BODY_BYTES）。",
        "The request body is larger than the service takes (LABOR_CREDIT_MAX_BODY_BYTES).",
    )
    remedy = Text(
        "分批发送（机构数据接口每批最多 500 条），或把大文件拆小。",
        "Send smaller batches (intake takes up to 500 records a batch) or split the file.",
    )


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = Text("不支持的内容类型", "Unsupported media type")
    about = Text(
        "请求体的 Content-Type 不是这个接口接受的"
        "（JSON 接口要 application/json，上传接口要表单）。",
        "The body's Content-Type is not one the operation takes (application/json for JSON "
        "operations, a form for uploads).",
    )
    remedy = Text(
        "按接口文档设置 Content-Type 后重新发送。",
        "Set the Content-Type the API docs give for the operation and send again.",
    )


class InternalError(AppError):
    status = 500
    slug = "internal"
    title = Text("服务内部错误", "Internal error")
    about = Text(
        "服务处理请求时出了意料之外的错误；日志中记录了同一个请求编号。",
        "The service met an unexpected error handling the request; the logs hold the same "
        "request id.",
    )
    remedy = Text(
        "稍后重试；仍然出错时，把 request_id（响应头 X-Request-ID）告诉系统管理员。",
        "Retry later; if it persists, give the request_id (the X-Request-ID header) to the "
        "system's administrators.",
    )


class IfMatchRequired(PreconditionRequired):
    slug = "if-match-required"
    title = Text("缺少 If-Match", "If-Match required")
    about = Text(
        "修改一个对象需要带上 If-Match：你读到它时的 ETag，以免覆盖别人在此期间的修改。",
        "Changing a thing needs If-Match with the ETag you read it with, so that nobody's "
        "change in between is overwritten.",
    )
    remedy = Text(
        "先 GET 这个对象，把响应头 ETag 的值放进 If-Match 再发送修改。",
        "GET the thing first and send its ETag header's value as If-Match with the change.",
    )


class StaleEtag(PreconditionFailed):
    slug = "stale-etag"
    title = Text("对象已被修改", "Changed since you read it")
    about = Text(
        "If-Match 中的 ETag 不是对象当前的 ETag：你读到它之后，别人修改过它。",
        "The ETag in If-Match is not the thing's current one: someone changed it after you "
        "read it.",
    )
    remedy = Text(
        "重新 GET，核对别人的修改，再以新的 ETag 重新提交你的修改。",
        "GET it again, look at the other change, and send yours again with the new ETag.",
    )


def check_if_match(if_match: str | None, current: str, thing: Text, **extra: Any) -> None:
    """An update's precondition: 428 `if-match-required` without If-Match, 412 `stale-etag`
    when it is not the `current` ETag (a weak `W/` tag compares too). `thing` names what was
    read, e.g. Text("用人单位", "employer")."""
    if if_match is None:
        raise IfMatchRequired(
            Text(
                f"请在 If-Match 中发送你读到的{thing.zh}的 ETag",
                f"send If-Match with the ETag of the {thing.en} you read",
            ),
            **extra,
        )
    if if_match.removeprefix("W/") != current:
        raise StaleEtag(
            Text(
                f"{thing.zh}在你读取后被修改过（现在的 ETag 是 {current}）；请重新读取后再试",
                f"{thing.en} changed since you read it (now ETag {current}); reload and retry",
            ),
            **extra,
        )


class NullNotAllowed(InvalidField):
    slug = "null-not-allowed"
    title = Text("字段不能为空值", "Field cannot be null")
    about = Text(
        "修改时把一个必有的字段设成了 null。",
        "A change set a field that must always have a value to null.",
    )
    remedy = Text(
        "不想修改这个字段就不要发送它；否则给出新的值。",
        "Leave the field out to keep it as it is, or send its new value.",
    )

    def __init__(self, field: str) -> None:
        super().__init__(
            ["body", field], Text(f"{field} 不能为 null", f"{field} cannot be null"), "null"
        )


class HttpRefusal(StarletteHTTPException):
    """An HTTP-level refusal of a named type raised where only an HTTPException gets through:
    FastAPI turns any other exception raised while it reads a body into a 400."""

    def __init__(self, kind: type[AppError], detail: Text) -> None:
        super().__init__(kind.status, detail.en)
        self.kind = kind
        self.text = detail


# --- declaring them: each route's OpenAPI responses ---------------------------------------------


def problems(*kinds: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` declaring the problem types a route can answer, grouped by status:
    each status lists its types (slug, titles, a link to the type's page) and has an example of
    each, keyed by slug."""
    by_status: dict[int, list[type[AppError]]] = defaultdict(list)
    for kind in dict.fromkeys(kinds):
        if not kind.named():
            raise TypeError(f"{kind.__name__} is a family: declare its named types")
        by_status[kind.status].append(kind)
    return {
        status: {
            "model": Problem,
            "description": _described(status, group),
            "content": {
                PROBLEM_JSON: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {kind.slug: _example(kind) for kind in group},
                }
            },
        }
        for status, group in sorted(by_status.items())
    }


def _described(status: int, group: list[type[AppError]]) -> str:
    lines = [f"{HTTPStatus(status).phrase}:", ""]
    lines += [
        f"- [`{kind.slug}`]({PROBLEM_BASE}{kind.slug}): {kind.title.zh} / {kind.title.en}"
        for kind in group
    ]
    return "\n".join(lines)


def _example(kind: type[AppError]) -> dict[str, Any]:
    value = {
        "type": PROBLEM_BASE + kind.slug,
        "title": kind.title.zh,
        "status": kind.status,
        "detail": kind.about.zh,
    }
    return {"summary": f"{kind.title.zh} / {kind.title.en}", "value": value}


def declared(operation: dict[str, Any]) -> set[str]:
    """The problem slugs an OpenAPI operation declares (the examples `problems` writes)."""
    found: set[str] = set()
    for response in operation.get("responses", {}).values():
        examples = response.get("content", {}).get(PROBLEM_JSON, {}).get("examples", {})
        found.update(examples)
    return found
