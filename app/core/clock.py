"""The service's one clock: nothing else reads the wall clock (docs/architecture.md).

Legal dates (decision dates, deadlines, the cycle) are dates in the service's time zone
(Asia/Shanghai); timestamps are aware UTC datetimes. The app owns one `Clock` (lifespan state),
routes reach it through `api.deps`, jobs are handed it. A pinned clock starts at a given instant
and runs on from there with the process's monotonic clock, so tests (and a demo) fix the day
while leases, lockouts and token lifetimes still pass.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, timezone: str, *, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("a pinned clock starts at an aware datetime")
        self.zone = ZoneInfo(timezone)
        self._start = start.astimezone(UTC) if start is not None else None
        self._origin = time.monotonic()

    @classmethod
    def pinned(cls, start: datetime, timezone: str = "Asia/Shanghai") -> Clock:
        """A clock that reads `start` now and runs on from there."""
        return cls(timezone, start=start)

    @property
    def is_pinned(self) -> bool:
        return self._start is not None

    def now(self) -> datetime:
        """This instant, in UTC."""
        if self._start is None:
            return datetime.now(UTC)
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def today(self) -> date:
        """Today's legal date, in the service's time zone."""
        return self.now().astimezone(self.zone).date()

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
