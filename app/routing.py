"""The route class every router uses: 415 for a body of a media type the route does not take."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, params
from fastapi.routing import APIRoute, APIRouter
from starlette.exceptions import HTTPException

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


class CheckedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        takes_form = isinstance(self.body_field.field_info, params.Form)
        accepted = "a form (" + ", ".join(FORM_TYPES) + ")" if takes_form else "application/json"

        async def checked(request: Request) -> Response:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            has_body = (
                request.headers.get("content-length", "0") != "0"
                or "transfer-encoding" in request.headers
            )
            ok = media_type in FORM_TYPES if takes_form else _is_json(media_type)
            if has_body and not ok:
                raise HTTPException(415, f"send {accepted}, not {media_type or 'no content type'}")
            return await handler(request)

        return checked


def api_router(**kwargs: object) -> APIRouter:
    """An APIRouter whose routes refuse bodies of the wrong media type."""
    return APIRouter(route_class=CheckedRoute, **kwargs)  # type: ignore[arg-type]
