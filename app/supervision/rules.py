"""Inspection plans' pure rules: the months of a period and the patrol schedule per grade."""

from __future__ import annotations

import math
from datetime import date

MAX_MONTHS = 12  # a plan covers at most a year of months


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def months(period_from: date, period_to: date) -> list[date]:
    """The first day of every calendar month the period touches, in order."""
    found, month = [], first_of_month(period_from)
    while month <= period_to:
        found.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def visit_count(patrols_per_year: int, month_count: int) -> int:
    """A drawn unit's visits in a period of `month_count` months: its grade's yearly patrols
    pro rata, rounded up, and at least one (a unit drawn at random is inspected, even an A,
    which is exempt from routine patrols only)."""
    return max(1, math.ceil(patrols_per_year * month_count / 12))


def visit_months(patrols_per_year: int, period_months: list[date]) -> list[date]:
    """The months of a drawn unit's visits, spread evenly over the period: visit i of n falls
    in month floor(i × M / n) of the M months."""
    m = len(period_months)
    n = visit_count(patrols_per_year, m)
    return [period_months[i * m // n] for i in range(n)]
