"""The API's documentation: Swagger UI and ReDoc served offline, schemas FastAPI cannot see, and
what the routes answer beyond their bodies (headers; 413, 415, 412, 428 from the layers below)."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app.api.routing import FORM_TYPES
from app.core.errors import PROBLEM_JSON

STATIC = Path(__file__).resolve().parents[1] / "static"


def document_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add schemas that bodies refer to by name but FastAPI does not see (intake items are
    validated one by one, so the batch body is declared as plain objects), and say of form
    bodies what the routes do: an unknown field is refused (api/routing.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(generated.pop("$defs", {}))
                components[model.__name__] = generated
            for name in _form_bodies(schema):
                components[name]["additionalProperties"] = False
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _form_bodies(schema: dict[str, Any]) -> set[str]:
    """The component names of the form bodies (FastAPI's generated `Body_…` models)."""
    return {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for operations in schema.get("paths", {}).values()
        for operation in operations.values()
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items()
        if media_type in FORM_TYPES and "$ref" in content.get("schema", {})
    }


# Which operations send which headers on success (the routes set them on `response.headers` or
# a FileResponse). ETag is declared on each 2xx the operation documents, Location on its 201 or
# 202. tests/api/test_openapi_contracts.py checks what the routes answer against this table.
SENT_HEADERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/v1/users"): ("ETag", "Location"),
    ("get", "/api/v1/users/{user_id}"): ("ETag",),
    ("patch", "/api/v1/users/{user_id}"): ("ETag",),
    ("post", "/api/v1/employers"): ("ETag", "Location"),
    ("get", "/api/v1/employers/{employer_id}"): ("ETag",),
    ("patch", "/api/v1/employers/{employer_id}"): ("ETag",),
    ("get", "/api/v1/calendar/{year}"): ("ETag",),
    ("put", "/api/v1/calendar/{year}"): ("ETag",),
    ("post", "/api/v1/calendar/{year}/notice"): ("ETag",),  # when saved (`confirm`)
    ("post", "/api/v1/credit-records"): ("ETag", "Location"),
    ("get", "/api/v1/credit-records/{record_id}"): ("ETag",),
    ("patch", "/api/v1/credit-records/{record_id}"): ("ETag",),
    ("post", "/api/v1/credit-records/{record_id}/verification"): ("ETag",),
    ("post", "/api/v1/credit-records/{record_id}/corrections"): ("ETag", "Location"),
    ("post", "/api/v1/credit-records/{record_id}/revocation"): ("ETag",),
    ("get", "/api/v1/credit-records/{record_id}/attachments/{attachment_id}"): ("ETag",),
    ("get", "/api/v1/evaluations/{evaluation_id}/representations/attachments/{attachment_id}"): (
        "ETag",
    ),
    ("post", "/api/v1/blacklist-entries"): ("ETag", "Location"),
    ("get", "/api/v1/blacklist-entries/{entry_id}"): ("ETag",),
    ("patch", "/api/v1/blacklist-entries/{entry_id}"): ("ETag",),
    ("post", "/api/v1/blacklist-entries/{entry_id}/verification"): ("ETag",),
    ("post", "/api/v1/blacklist-entries/{entry_id}/removal"): ("ETag",),
    ("post", "/api/v1/interviews"): ("Location",),
    ("post", "/api/v1/rule-sets"): ("ETag", "Location"),
    ("get", "/api/v1/rule-sets/{version}"): ("ETag",),
    ("patch", "/api/v1/rule-sets/{version}"): ("ETag",),
    ("post", "/api/v1/grading-runs"): ("Location",),
}

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The entity tag of what this answer shows; a change of the resource "
        "sends it back in `If-Match`.",
        "schema": {"type": "string", "examples": ['"3"']},
    },
    "Location": {
        "description": "The URL of the resource this request created.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def document_responses(app: FastAPI) -> None:
    """Declare what the routes' decorators do not: the headers of SENT_HEADERS; Retry-After on
    every 429 (TooManyRequests sends it); 413 (BodyLimitMiddleware) and 415 (the route
    class) on every operation taking a body; 412 and 428 on every one taking If-Match; and a
    422 as the problem+json the error handlers answer, not FastAPI's default body."""
    build = app.openapi
    done: list[int] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if id(schema) not in done:  # built once, then cached by FastAPI
            _declare(schema)
            done.append(id(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _declare(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    for (method, path), names in SENT_HEADERS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            raise LookupError(f"SENT_HEADERS names {method.upper()} {path}, which is no route")
        for status, response in operation["responses"].items():
            wanted = [n for n in names if n == "ETag" or status in ("201", "202")]
            if status.startswith("2") and wanted:
                headers = response.setdefault("headers", {})
                headers.update({n: HEADERS[n] for n in wanted})
    for operations in paths.values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status in (413, 415):
                    responses.setdefault(str(status), _problem(status))
            parameters = operation.get("parameters", [])
            if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
                for status in (412, 428):
                    responses.setdefault(str(status), _problem(status))
            default_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
            if default_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                responses["422"] = _problem(422)
            if "429" in responses:  # no 503 sends Retry-After (/readyz does not)
                responses["429"].setdefault("headers", {})["Retry-After"] = HEADERS["Retry-After"]


def mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from assets in the package: they work on a network with no internet."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},  # no call to an outside validator
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url="/static/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )
