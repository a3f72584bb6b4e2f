"""The AppError family, rendered once as RFC 9457 `application/problem+json`."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import Text, negotiate, say
from app.models.problem import PROBLEM_BASE, FieldProblem, Problem

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """A refusal. Each named problem type is a subclass with its own `slug`, and says in both
    languages what it is (`title`), when it happens (`about`) and what to do (`remedy`): the
    page `/problems/{slug}` shows them, and each route's OpenAPI responses list its types.
    `detail` says what happened this time, in both languages (`Text`)."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[Text | None] = None
    about: ClassVar[Text | None] = None
    remedy: ClassVar[Text | None] = None
    headers: dict[str, str] | None = None
    # A refusal that must keep what the service wrote first (a failed login's counter).
    keeps_writes: ClassVar[bool] = False
    # slug -> problem type, filled as subclasses are defined
    types: ClassVar[dict[str, type[AppError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "slug" in cls.__dict__:
            AppError.types.setdefault(cls.slug, cls)

    def __init__(self, detail: Text | str, **extra: Any) -> None:
        super().__init__(detail if isinstance(detail, str) else detail.en)
        self.detail = detail
        self.extra = extra


class NotFound(AppError):
    status, slug = 404, "not-found"


class Unauthorized(AppError):
    status, slug = 401, "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  (read-only)


class Forbidden(AppError):
    status, slug = 403, "forbidden"


class Conflict(AppError):
    status, slug = 409, "conflict"


class PreconditionFailed(AppError):
    status, slug = 412, "precondition-failed"


class PreconditionRequired(AppError):
    status, slug = 428, "precondition-required"


class InvalidField(AppError):
    """A business-rule failure of one field, shaped like a 422 validation error."""

    status, slug = 422, "validation"

    def __init__(
        self, loc: list[str | int], detail: Text | str, kind: str = "value_error", **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        # raised inside a request, whose language the middleware has set
        self.errors = [FieldProblem(loc=loc, msg=say(detail), type=kind)]


class TooManyRequests(AppError):
    status, slug = 429, "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


def problem_response(
    request: Request,
    status: int,
    *,
    slug: str,
    detail: Text | str | None = None,
    errors: list[FieldProblem] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    language = negotiate(request.headers.get("accept-language"))
    kind = AppError.types.get(slug)
    title = kind.title if kind is not None and kind.title is not None else None
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title.in_(language) if title else HTTPStatus(status).phrase,
        status=status,
        detail=detail.in_(language) if isinstance(detail, Text) else detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    ).model_dump(exclude_none=True)
    # Extension members never replace the standard ones (RFC 9457 §3.2).
    body = {**(extra or {}), **body}
    headers = {**(headers or {}), "Content-Language": language}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_SLUGS = {
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    401: "unauthorized",
    403: "forbidden",
}


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        exc.status,
        slug=exc.slug,
        detail=exc.detail,
        errors=getattr(exc, "errors", None),
        extra=exc.extra,
        headers=exc.headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, HTTPStatus(exc.status_code).phrase.lower())
    return problem_response(
        request,
        exc.status_code,
        slug=slug.replace(" ", "-"),
        detail=str(exc.detail),
        headers=getattr(exc, "headers", None),
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(
            loc=[str(p) if not isinstance(p, int) else p for p in e["loc"]],
            msg=e["msg"],
            type=e["type"],
        )
        for e in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e.loc) for e in errors)
    return problem_response(
        request, 422, slug="validation", detail=f"invalid input: {fields}", errors=errors
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unhandled error", extra={"request_id": request_id})
    # Starlette sends this response outside our middleware, which adds X-Request-ID to the rest.
    return problem_response(
        request,
        500,
        slug="internal",
        detail="an unexpected error occurred; quote the request id",
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry declaring the problem+json errors a route can return."""
    return {
        s: {
            "model": Problem,
            "description": HTTPStatus(s).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
