"""The home of every problem type (`/problems`, `/problems/{slug}`, no login): each refusal's
`type` resolves here. HTML by default, JSON with `Accept: application/json`."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from app.api import problem_pages
from app.api.routing import api_router
from app.core.errors import AppError, DoesNotExist, InvalidRequest, problems
from app.core.i18n import Text
from app.models.problem import ProblemType, ProblemTypes

router = api_router(prefix="/problems", tags=["problems"])
_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "the page (HTML by default)"}
}


def _described(request: Request) -> list[ProblemType]:
    operations = problem_pages.operations_by_slug(request.app.openapi())
    return [
        problem_pages.described(kind, operations.get(slug, []))
        for slug, kind in sorted(AppError.types.items())
    ]


@router.get(
    "",
    summary="全部问题类型 / Every problem type",
    description="The index of the problem types this service answers with: HTML by default, "
    "JSON (`items`) with `Accept: application/json`.",
    response_model=ProblemTypes,
    responses={**_HTML, **problems(InvalidRequest)},
)
async def list_problem_types(request: Request) -> Response | ProblemTypes:
    """本服务答复的全部问题类型（拒绝的种类）：每种的中英文名称、HTTP 状态、何时发生、怎么办。"""
    found = _described(request)
    if problem_pages.wants_json(request.headers.get("accept")):
        return ProblemTypes(items=found)
    return _html(problem_pages.index(found))


@router.get(
    "/{slug}",
    summary="问题类型说明页 / A problem type's page",
    description="What the type is (both languages), its HTTP status, when it happens and what "
    "to do, and the operations that may answer it: HTML by default, JSON with `Accept: "
    "application/json`. A problem's `type` is this page's address.",
    response_model=ProblemType,
    responses={**_HTML, **problems(DoesNotExist, InvalidRequest)},
)
async def get_problem_type(slug: str, request: Request) -> Response | ProblemType:
    """一种问题类型的说明：中英文名称、HTTP 状态、何时发生、怎么办，以及可能答复它的接口；
    错误响应的 type 即此页地址。"""
    found = {p.slug: p for p in _described(request)}.get(slug)
    if found is None:
        raise DoesNotExist(Text(f"问题类型 {slug} 不存在", f"problem type {slug} does not exist"))
    if problem_pages.wants_json(request.headers.get("accept")):
        return found
    return _html(problem_pages.page(found))


def _html(page: str) -> HTMLResponse:
    return HTMLResponse(page, headers={"Content-Security-Policy": problem_pages.POLICY})
