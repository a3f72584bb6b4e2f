"""The preconditions of loading a year over HTTP (PUT /calendar/{year}): replacing a loaded
year names the ETag it was read at (`If-Match`, 428 without it, 412 when stale); loading a
year not loaded yet needs none, and may say it must not exist yet (`If-None-Match: *`, 412 if
it does). If-Match on a year not loaded is a 412 too: there is nothing it can match."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import PreconditionFailed, check_if_match
from app.core.i18n import Text


@dataclass(frozen=True)
class Precondition:
    if_match: str | None = None
    if_none_match: str | None = None  # only "*" (the route refuses anything else)

    def check(self, year: int, etag: str | None) -> None:
        """`etag`: the loaded year's, None when the year is not loaded."""
        if etag is None:
            if self.if_match is not None:
                raise CalendarYearNotLoadedYet(year)
            return
        if self.if_none_match is not None:
            raise CalendarYearExists(year, etag)
        check_if_match(
            self.if_match, etag, Text(f"{year}年的工作日历", f"calendar {year}"), year=year
        )


class CalendarYearNotLoadedYet(PreconditionFailed):
    slug = "calendar-year-not-loaded-yet"
    title = Text("该年尚未载入", "Year not loaded yet")
    about = Text(
        "If-Match 要求替换已有的年份，但该年尚未载入。",
        "If-Match asks to replace a year that is not loaded yet.",
    )
    remedy = Text(
        "载入新的年份时不要发送 If-Match（可发送 If-None-Match: *）。",
        "To load a new year send no If-Match (If-None-Match: * may be sent).",
    )

    def __init__(self, year: int) -> None:
        super().__init__(
            Text(
                f"{year}年的工作日历尚未载入：载入时不要发送 If-Match",
                f"calendar {year} is not loaded: send no If-Match to load it",
            ),
            year=year,
        )


class CalendarYearExists(PreconditionFailed):
    slug = "calendar-year-exists"
    title = Text("该年已载入", "Year loaded already")
    about = Text(
        "If-None-Match: * 要求只在该年尚未载入时载入，但该年已经载入。",
        "If-None-Match: * asks to load the year only if it is not loaded, and it is.",
    )
    remedy = Text(
        "读取该年，再以 If-Match 发送其 ETag 来替换。",
        "Read the year and send its ETag in If-Match to replace it.",
    )

    def __init__(self, year: int, etag: str) -> None:
        super().__init__(
            Text(
                f"{year}年的工作日历已载入（ETag {etag}）；替换时请在 If-Match 中发送其 ETag",
                f"calendar {year} is loaded already (ETag {etag}): send If-Match with its ETag "
                "to replace it",
            ),
            year=year,
        )
