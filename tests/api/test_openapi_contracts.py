"""The OpenAPI document as a contract a generated client can rely on: every list's items are
typed."""

from __future__ import annotations

from typing import Any


async def _document(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_every_list_names_its_item_type(client):  # type: ignore[no-untyped-def]
    schemas = (await _document(client))["components"]["schemas"]
    pages = {
        name: schema["properties"]["items"]
        for name, schema in schemas.items()
        if {"items", "next_cursor"} <= set(schema.get("properties", {}))
    }
    assert len(pages) >= 13  # every list of the API
    untyped = {
        name: items
        for name, items in pages.items()
        if items.get("type") != "array"
        or set(items.get("items", {})) != {"$ref"}
        or items["items"]["$ref"].rsplit("/", 1)[-1] not in schemas
    }
    assert not untyped


async def test_every_list_operation_answers_a_typed_page(client):  # type: ignore[no-untyped-def]
    """A GET answering a JSON array at the top would be a list without `next_cursor`."""
    document = await _document(client)
    bare = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
        for content in response.get("content", {}).values()
        if content.get("schema", {}).get("type") == "array"
    ]
    assert not bare
