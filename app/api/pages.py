"""A list's page answered from its items' public data (app.core.showing.data): the JSON the
route's `response_model` (a `Page` of the public model, which the OpenAPI document shows)
would give, without building the models first."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def answer(items: list[dict[str, Any]], next_cursor: str | None) -> Response:
    return Response(
        content=to_json({"items": items, "next_cursor": next_cursor}),
        media_type="application/json",
    )
