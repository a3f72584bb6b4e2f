"""RFC 9457 problem details: the body of every refusal (rendered by `core.errors`).

Here, not in `core`, because API schemas (an intake item's answer) embed a problem, and models
import nothing above them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

PROBLEM_BASE = "https://labour-credit.wenshui.gov.cn/problems/"


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="path of the bad field, e.g. ['body', 'uscc']")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[PROBLEM_BASE + "not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["employer 3f0c… does not exist"])
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldProblem] | None = None
