"""RFC 9457 problem details: the body of every refusal (rendered by `core.errors`).

Here, not in `core`, because API schemas (an intake item's answer) embed a problem, and models
import nothing above them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

# A problem's `type` is a relative reference served by the service itself: resolved against the
# request's URI (RFC 9457 §3.1.1, RFC 3986 §5) it is the type's page on the host that answered,
# `GET /problems/{slug}`, and the same string whatever host name a client used.
PROBLEM_BASE = "/problems/"


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="path of the bad field, e.g. ['body', 'uscc']")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        examples=[PROBLEM_BASE + "not-found"],
        description="the problem type: its page, relative to the service (GET it)",
    )
    title: str = Field(
        examples=["不存在"], description="the type's title, in the request's language"
    )
    status: int = Field(examples=[404])
    detail: str | None = Field(
        default=None,
        examples=["用人单位 3f0c… 不存在"],
        description="what happened this time, in the request's language",
    )
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldProblem] | None = None


class Bilingual(BaseModel):
    zh: str
    en: str


class ProblemType(BaseModel):
    """A problem type's page, as JSON (`GET /problems/{slug}` with `Accept: application/json`)."""

    slug: str = Field(examples=["record-not-draft"])
    type: str = Field(examples=[PROBLEM_BASE + "record-not-draft"], description="its URI")
    status: int = Field(examples=[409])
    title: Bilingual
    about: Bilingual = Field(description="when it happens")
    remedy: Bilingual = Field(description="what to do")
    operations: list[str] = Field(
        default_factory=list,
        description="the operations that declare it, e.g. `POST /api/v1/credit-records`",
    )


class ProblemTypes(BaseModel):
    items: list[ProblemType]
