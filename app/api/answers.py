"""Answers built from public data (app.core.showing.data) rather than models: the JSON the
route's `response_model` (which the OpenAPI document shows) would give, without building and
validating the models first. A list's page of 50 spent two thirds of its showing there."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def page(items: list[dict[str, Any]], next_cursor: str | None) -> Response:
    """A `Page` of the items' data."""
    return one({"items": items, "next_cursor": next_cursor})


def one(data: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(content=to_json(data), media_type="application/json", headers=headers)
