"""The route class every router uses: 415 for a body of a media type the route does not take,
and 422 for text holding NUL characters, which PostgreSQL cannot store in any text column."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.exceptions import HTTPException

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL = "\x00"
NUL_MESSAGE = "text may not contain NUL characters (\\u0000)"


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


class CheckedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_form = self.body_field is not None and isinstance(
            self.body_field.field_info, params.Form
        )
        takes_json = self.body_field is not None and not takes_form
        accepted = "a form (" + ", ".join(FORM_TYPES) + ")" if takes_form else "application/json"

        async def checked(request: Request) -> Response:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            has_body = (
                request.headers.get("content-length", "0") != "0"
                or "transfer-encoding" in request.headers
            )
            ok = media_type in FORM_TYPES if takes_form else _is_json(media_type)
            if self.body_field is not None and has_body and not ok:
                raise HTTPException(415, f"send {accepted}, not {media_type or 'no content type'}")
            _refuse_nul_in_params(request)
            if takes_json and has_body:
                _refuse_nul_in_json(await request.body())  # cached: the handler reads it again
            return await handler(request)

        return checked


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
    for path in _nul_paths(document, ["body"]):
        raise _nul_error(path)


def _nul_paths(node: Any, path: list[str | int]) -> Iterator[list[str | int]]:
    if isinstance(node, str) and NUL in node:
        yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            if NUL in key:
                yield [*path, key]
            yield from _nul_paths(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nul_paths(value, [*path, index])


def _nul_error(loc: list[str | int]) -> RequestValidationError:
    return RequestValidationError([{"loc": tuple(loc), "msg": NUL_MESSAGE, "type": "string_nul"}])


def api_router(**kwargs: object) -> APIRouter:
    """An APIRouter whose routes refuse bodies of the wrong media type and NUL characters."""
    return APIRouter(route_class=CheckedRoute, **kwargs)  # type: ignore[arg-type]
