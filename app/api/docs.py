"""The API's documentation: Swagger UI and ReDoc served offline, and schemas FastAPI cannot see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app.api.routing import FORM_TYPES

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
