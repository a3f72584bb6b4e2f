"""Opaque keyset cursors: the sort key of the last item, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.core.errors import InvalidField
from app.core.i18n import Text

T = TypeVar("T")

# Longer than any cursor this service issues (a name of 300 characters and a uuid), so a
# forged one is refused before it is decoded at all.
MAX_CURSOR = 2048


def encode(key: Sequence[Any]) -> str:
    raw = json.dumps([str(k) if not isinstance(k, int | str) else k for k in key])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class CursorInvalid(InvalidField):
    slug = "cursor-invalid"
    title = Text("翻页游标无效", "Invalid cursor")
    about = Text(
        "cursor 不是本服务发出的：游标是不透明的，只能原样使用上一页回答中的 next_cursor。",
        "The cursor is not one this service issued: cursors are opaque, to be sent back as the "
        "previous page's next_cursor, unchanged.",
    )
    remedy = Text(
        "不带 cursor 重新读第一页，再用每页回答中的 next_cursor 往下翻。",
        "Read the first page again without a cursor, then follow each page's next_cursor.",
    )


def _not_ours() -> InvalidField:
    return CursorInvalid(
        ["query", "cursor"],
        Text("cursor 不是本服务发出的翻页游标", "cursor is not one this service issued"),
        "cursor",
    )


def decode(cursor: str, parts: int) -> list[Any]:
    """The key a cursor of `parts` parts carries. Checked part by part: a cursor this service
    issued is a flat list of integers and strings without NUL; anything else (nested, too long,
    holding a NUL that PostgreSQL cannot take) is a 422, never decoded further."""
    if len(cursor) > MAX_CURSOR:
        raise _not_ours()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError) as exc:
        raise _not_ours() from exc
    if not isinstance(key, list) or len(key) != parts or not all(map(_flat_part, key)):
        raise _not_ours()
    return key


def _flat_part(part: Any) -> bool:
    if isinstance(part, bool):
        return False
    return isinstance(part, int) or (isinstance(part, str) and "\x00" not in part)


def moment(text: str) -> datetime:
    """A cursor's timestamp, in UTC: one whose UTC value leaves the calendar is refused here,
    not by the database (`0001-01-01T00:00:00+14:00` is in year 0 in UTC)."""
    return datetime.fromisoformat(text).astimezone(UTC)


def decode_as(cursor: str, *kinds: Callable[[str], Any]) -> list[Any]:
    """decode(), each part converted by its kind (str, int, uuid.UUID, ...): a forged cursor is
    a 422, not a database error."""
    key = decode(cursor, len(kinds))
    try:
        return [kind(str(part)) for kind, part in zip(kinds, key, strict=True)]
    except (ValueError, OverflowError) as exc:
        raise _not_ours() from exc


def page(
    rows: list[T], limit: int, key: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    """Given `limit + 1` rows, return the page and the cursor of the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(key(rows[-1]))
