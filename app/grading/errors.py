"""Refusals of rule set edits: an edit names the ETag of the version it was read at."""

from __future__ import annotations

from app.core.errors import PreconditionFailed, PreconditionRequired
from app.core.i18n import Text


class RuleSetIfMatchRequired(PreconditionRequired):
    slug = "rule-set-if-match-required"
    title = Text("缺少 If-Match", "If-Match required")
    about = Text(
        "修改评价规则版本须带上读取时的 ETag，以免覆盖他人的修改。",
        "An edit of a rule set version names the ETag it was read at, so no one's edit is lost.",
    )
    remedy = Text(
        "读取该版本（GET /api/v1/rule-sets/{version}），在 If-Match 请求头中发送其 ETag。",
        "Read the version (GET /api/v1/rule-sets/{version}) and send its ETag in the If-Match "
        "header.",
    )

    def __init__(self, version: int) -> None:
        super().__init__(
            Text(
                f"请在 If-Match 中发送所读取的评价规则第{version}版的 ETag",
                f"send If-Match with the ETag of rule set version {version} as you read it",
            ),
            version=version,
        )


class RuleSetChanged(PreconditionFailed):
    slug = "rule-set-changed"
    title = Text("评价规则版本已被修改", "Rule set version changed")
    about = Text(
        "读取之后，该评价规则版本已被修改（编辑，或被新版本截止）。",
        "The rule set version changed since it was read (edited, or closed by a newer version).",
    )
    remedy = Text("重新读取后再修改。", "Read it again and retry.")

    def __init__(self, version: int, etag: str) -> None:
        super().__init__(
            Text(
                f"评价规则第{version}版在读取后已被修改（当前 ETag {etag}）；请重新读取后再试",
                f"rule set version {version} changed since you read it (now ETag {etag}); "
                "reload and retry",
            ),
            version=version,
        )
