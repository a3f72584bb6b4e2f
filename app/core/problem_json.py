"""Refusals rendered once, as RFC 9457 `application/problem+json` in the request's language
(`Accept-Language`; Chinese unless it prefers English): the app's exception handlers, and the
body of a problem for what embeds one (an intake item's answer)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import validation
from app.core.errors import (
    PROBLEM_JSON,
    AppError,
    DoesNotExist,
    HttpRefusal,
    InternalError,
    InvalidRequest,
    MalformedRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.core.i18n import Language, Text, current, negotiate
from app.models.problem import PROBLEM_BASE, FieldProblem, Problem


def problem_body(
    kind: type[AppError],
    *,
    detail: Text,
    errors: list[FieldProblem] | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    language: Language | None = None,
) -> Problem:
    """The problem of `kind`, in `language` (the running request's when not given)."""
    language = language or current()
    return Problem(
        type=PROBLEM_BASE + kind.slug,
        title=kind.title.in_(language) or HTTPStatus(kind.status).phrase,
        status=kind.status,
        detail=detail.in_(language),
        instance=instance,
        request_id=request_id,
        errors=errors,
    )


def problem_response(
    request: Request,
    kind: type[AppError],
    *,
    detail: Text,
    errors: list[FieldProblem] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    language = negotiate(request.headers.get("accept-language"))
    body = problem_body(
        kind,
        detail=detail,
        errors=errors,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        language=language,
    ).model_dump(exclude_none=True)
    # Extension members never replace the standard ones (RFC 9457 §3.2).
    body = {**(extra or {}), **body}
    headers = {**(headers or {}), "Content-Language": language}
    return JSONResponse(body, status_code=kind.status, media_type=PROBLEM_JSON, headers=headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        type(exc),
        detail=exc.detail,
        errors=getattr(exc, "errors", None),
        extra=exc.extra,
        headers=exc.headers,
    )


def _http_detail(request: Request, status: int) -> tuple[type[AppError], Text]:
    path, method = request.url.path, request.method
    if status == 404:
        return DoesNotExist, Text(f"本服务没有 {path} 这个地址", f"there is nothing at {path}")
    if status == 405:
        return MethodNotAllowed, Text(
            f"{path} 不接受 {method} 请求", f"{path} does not take {method}"
        )
    if status == 413:
        return PayloadTooLarge, Text("请求体过大", "the request body is too large")
    if status == 415:
        return UnsupportedMediaType, Text("不支持的内容类型", "unsupported content type")
    if status >= 500:
        return InternalError, Text("服务内部错误", "an unexpected error occurred")
    return MalformedRequest, Text("请求无法解析", "the request cannot be parsed")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, HttpRefusal):
        kind, detail = exc.kind, exc.text
    else:
        kind, detail = _http_detail(request, exc.status_code)
    return problem_response(request, kind, detail=detail, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [validation.field_problem(e) for e in exc.errors()]
    fields = ", ".join(".".join(str(p) for p in e.loc) for e in errors)
    detail = Text(
        f"字段 {'、'.join('.'.join(str(p) for p in e.loc) for e in errors)} 不符合规则"
        "（errors 逐项说明）",
        f"invalid input: {fields}",
    )
    return problem_response(request, InvalidRequest, detail=detail, errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
