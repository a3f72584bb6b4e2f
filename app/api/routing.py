"""The route class every router uses: 415 for a body of a media type the route does not take,
422 for text holding NUL characters, which PostgreSQL cannot store in any text column, and 422
for query parameters, form fields or a body the route does not declare (docs/architecture.md:
refused, never ignored; JSON bodies refuse unknown fields by their models' `extra="forbid"`).
A route behind `require` authenticates and authorizes before it reads a body. It ends each
request's transaction once the endpoint has returned (app.core.db.RequestTransaction). It also
documents each operation in both languages, Chinese first: the endpoint's docstring, then the
route's English `description=`."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import FastAPI, Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.routing import Match
from starlette.types import Scope

from app.api.deps import TRANSACTION, require
from app.core.db import RequestTransaction
from app.core.errors import UnsupportedMediaType
from app.core.i18n import Text

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL = "\x00"
NUL_MESSAGE = Text(
    "文本不能包含 NUL 字符（\\u0000）", "text may not contain NUL characters (\\u0000)"
)
UNKNOWN = "extra_forbidden"  # pydantic's type for an unknown body field: one type for all


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


class CheckedRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if endpoint.__doc__:  # auditors read the document offline, Chinese first
            docstring = inspect.cleandoc(endpoint.__doc__)
            english = self.description.removeprefix(docstring).strip()  # FastAPI's fallback
            self.description = f"{_unwrap(docstring)}\n\n{english}".strip()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_form = self.body_field is not None and isinstance(
            self.body_field.field_info, params.Form
        )
        takes_json = self.body_field is not None and not takes_form
        # The route's own dependant: an inclusion's `dependencies=` (none in this app) would add
        # parameters these names miss, and a request using them would be refused, loudly.
        query_names = _declared(self.dependant, lambda d: d.query_params)
        form_names = _declared(self.dependant, lambda d: d.body_params) if takes_form else None
        checks = guards(self.dependant)

        async def checked(request: Request) -> Response:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            has_body = (
                request.headers.get("content-length", "0") != "0"
                or "transfer-encoding" in request.headers
            )
            if has_body:  # who asks first: a stranger's body is refused unread
                for guard in checks:
                    await guard.before_body(request)
            ok = media_type in FORM_TYPES if takes_form else _is_json(media_type)
            if self.body_field is not None and has_body and not ok:
                raise UnsupportedMediaType(_unsupported(takes_form, media_type))
            _refuse_unknown_query(request, query_names)
            _refuse_nul_in_params(request)
            if takes_json and has_body:
                _refuse_nul_in_json(await request.body())  # cached: the handler reads it again
            elif form_names is not None and has_body:
                # Parsed once, here (with the route's own limits; the app sets none on routers):
                # the handler takes this cached form and closes it.
                await _refuse_unknown_form_fields(
                    await request.form(**self.form_limits), form_names
                )
            elif self.body_field is None and has_body:
                _refuse_any_body(await request.body())
            transaction = request.scope[TRANSACTION] = RequestTransaction(request)
            try:
                response = await handler(request)
            except BaseException as error:
                await transaction.end(error)
                raise
            await transaction.end()  # before the response is sent: a failed commit is an error
            return response

        return checked


def guards(dependant: Dependant) -> list[require]:
    """The access checks (`require`) among a route's dependencies (also what tests/api/test_access
    and the fuzzing gate read each route's permission from)."""
    found: list[require] = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        if isinstance(current.call, require):
            found.append(current.call)
    return found


def _unsupported(takes_form: bool, media_type: str) -> Text:
    sent = media_type or "no content type"
    if takes_form:
        forms = ", ".join(FORM_TYPES)
        return Text(
            f"这个接口接受表单（{forms}），不接受 {media_type or '没有 Content-Type 的请求体'}",
            f"send a form ({forms}), not {sent}",
        )
    return Text(
        f"这个接口接受 application/json，不接受 {media_type or '没有 Content-Type 的请求体'}",
        f"send application/json, not {sent}",
    )


def _declared(dependant: Dependant, kind: Callable[[Dependant], list[Any]]) -> frozenset[str]:
    """The names a request may use for one kind of parameter, sub-dependencies' included (the
    pagination `limit` and `cursor`, the sign-in form); a parameter model stands for its fields."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        for field in kind(current):
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(f.alias or name for name, f in model.model_fields.items())
            else:
                names.add(field.alias)
    return frozenset(names)


def _refuse_unknown_query(request: Request, declared: frozenset[str]) -> None:
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in declared]
    if unknown:
        listed = _listed(declared)
        msg = (
            Text(
                f"未知的查询参数；这个接口接受 {listed}",
                f"unknown query parameter; this route takes {listed}",
            )
            if declared
            else Text(
                "未知的查询参数；这个接口不接受查询参数",
                "unknown query parameter; this route takes none",
            )
        )
        raise _unknown_error("query", unknown, msg)


async def _refuse_unknown_form_fields(form: FormData, declared: frozenset[str]) -> None:
    for name, value in form.multi_items():  # a NUL would reach SQL (a username, a reason)
        if isinstance(value, str) and NUL in value:
            await form.close()
            raise _nul_error(["body", name])
    unknown = [name for name in dict.fromkeys(form) if name not in declared]
    if unknown:
        await form.close()  # its uploads: the handler, which would close them, does not run
        listed = _listed(declared)
        msg = Text(
            f"未知的表单字段；这个表单接受 {listed}",
            f"unknown form field; this form takes {listed}",
        )
        raise _unknown_error("body", unknown, msg)


def _refuse_any_body(body: bytes) -> None:
    """A route that takes no body refuses one: its fields would be ignored. `{}` and `null`
    (what some clients always send) and whitespace are no body."""
    try:
        document = json.loads(body) if body.strip() else None
    except ValueError:
        document = body  # not JSON: a body all the same
    if document is None or document == {}:
        return
    if isinstance(document, dict):
        msg = Text("未知的字段；这个接口不接受请求体", "unknown field; this route takes no body")
        raise _unknown_error("body", list(document), msg)
    raise _error(("body",), Text("这个接口不接受请求体", "this route takes no body"), UNKNOWN)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _unknown_error(where: str, names: list[str], msg: Text) -> RequestValidationError:
    return RequestValidationError([_detail((where, n), msg, UNKNOWN) for n in names])


def _detail(loc: tuple[str | int, ...], msg: Text, kind: str) -> dict[str, Any]:
    """One error as pydantic writes it, carrying its Chinese (app.core.validation reads it)."""
    return {"loc": loc, "msg": msg.en, "type": kind, "ctx": {"zh": msg.zh}}


def _error(loc: tuple[str | int, ...], msg: Text, kind: str) -> RequestValidationError:
    return RequestValidationError([_detail(loc, msg, kind)])


def _refuse_nul_in_params(request: Request) -> None:
    for where, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            if NUL in str(value):
                raise _nul_error([where, name])


def _refuse_nul_in_json(body: bytes) -> None:
    if b"\\u0000" not in body:  # JSON can only carry a NUL escaped; most bodies stop here
        return
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON: the handler's own parsing says so
    except RecursionError:  # nested deeper than the parser goes: no request model is
        raise _too_deep(MAX_DEPTH) from None
    path = _first_nul(document)
    if path is not None:
        raise _nul_error(path)


# Deeper than any body of this API (an intake batch is 4 levels), far below Python's recursion
MAX_DEPTH = 32


def _first_nul(document: Any) -> list[str | int] | None:
    """Where the first NUL is, walking the document with a stack of its own (no recursion), to
    a bounded depth."""
    stack: list[tuple[Any, list[str | int]]] = [(document, ["body"])]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH + 1:
            raise _too_deep(MAX_DEPTH)
        if isinstance(node, str):
            if NUL in node:
                return path
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                if NUL in key:
                    return [*path, key]
                stack.append((value, [*path, key]))
        elif isinstance(node, list):
            stack.extend(
                (value, [*path, index]) for index, value in reversed(list(enumerate(node)))
            )
    return None


def _too_deep(limit: int) -> RequestValidationError:
    return _error(
        ("body",),
        Text(f"请求体嵌套超过{limit}层", f"the body is nested more than {limit} levels deep"),
        "too_deep",
    )


def _nul_error(loc: list[str | int]) -> RequestValidationError:
    return _error(tuple(loc), NUL_MESSAGE, "string_nul")


class PrefixRouter(APIRouter):
    """A router that answers "not mine" at once for a path outside `served_under`, the first
    segments of its routes' paths as served once included (`include`). Routes are matched one
    by one, in order, each at some cost: with some 200 routes in the API, a request (`/healthz`
    especially, the last) spent more time being matched than answered."""

    served_under: tuple[str, ...] = ("",)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # as Starlette matches: below the app's root path
            path = path[len(root) :]
        if not path.startswith(self.served_under):
            return Match.NONE, {}
        return super().matches(scope)


API_PREFIX = "/api/v1"


def include(app: FastAPI, router: PrefixRouter, prefix: str = API_PREFIX) -> None:
    """`router`'s routes in the app, under `prefix`: the router skips at once a path whose first
    segment below it none of its routes' paths begins with (the repairs of disclosures and
    `/repairs` itself, the whole of `/employers`, `/healthz`)."""
    firsts = {route.path.split("/")[1] for route in router.routes if isinstance(route, APIRoute)}
    router.served_under = tuple(sorted(f"{prefix}/{first}" for first in firsts))
    app.include_router(router, prefix=prefix)


def api_router(**kwargs: object) -> PrefixRouter:
    """A router whose routes refuse bodies of the wrong media type, NUL characters and query
    parameters, form fields or bodies they do not declare."""
    return PrefixRouter(route_class=CheckedRoute, **kwargs)  # type: ignore[arg-type]


def _unwrap(text: str) -> str:
    """Chinese puts no space between words: the lines of a paragraph wrapped in the source join
    without one (with a space only between two ASCII characters)."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        joined = ""
        for line in paragraph.splitlines():
            both_ascii = joined and joined[-1].isascii() and line[:1].isascii()
            joined += (" " if both_ascii else "") + line
        paragraphs.append(joined)
    return "\n\n".join(paragraphs)
