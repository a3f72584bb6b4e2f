"""Refusals of account changes: a change names the ETag of the account it was read at."""

from __future__ import annotations

from app.core.errors import PreconditionFailed, PreconditionRequired
from app.core.i18n import Text


class AccountIfMatchRequired(PreconditionRequired):
    slug = "account-if-match-required"
    title = Text("缺少 If-Match", "If-Match required")
    about = Text(
        "修改账户须带上读取时的 ETag，以免覆盖他人的修改。",
        "A change to an account names the ETag it was read at, so no one's change is lost.",
    )
    remedy = Text(
        "读取该账户（GET /api/v1/users/{id}），在 If-Match 请求头中发送其 ETag。",
        "Read the account (GET /api/v1/users/{id}) and send its ETag in the If-Match header.",
    )

    def __init__(self) -> None:
        super().__init__(
            Text(
                "请在 If-Match 中发送所读取账户的 ETag",
                "send If-Match with the ETag of the account you read",
            )
        )


class AccountChanged(PreconditionFailed):
    slug = "account-changed"
    title = Text("账户已被修改", "Account changed")
    about = Text("读取之后，该账户已被他人修改。", "The account changed since it was read.")
    remedy = Text("重新读取后再修改。", "Read it again and retry.")

    def __init__(self, etag: str) -> None:
        super().__init__(
            Text(
                f"账户在读取后已被修改（当前 ETag {etag}）；请重新读取后再试",
                f"account changed since you read it (now ETag {etag}); reload and retry",
            )
        )
