"""Settings: renamed ones keep answering to their old variable names; a value that cannot be
meant is refused."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from app.core.config import Settings


@pytest.mark.parametrize("prefix", ["LABOR_CREDIT_EVENTS_", "LABOR_CREDIT_GRADING_EVENTS_"])
def test_the_event_log_settings_read_old_and_new_names(monkeypatch, prefix: str) -> None:
    monkeypatch.setenv(f"{prefix}SECONDS", "2.5")
    monkeypatch.setenv(f"{prefix}BATCH", "7")
    monkeypatch.setenv(f"{prefix}HORIZON_SECONDS", "60")
    settings = Settings(environment="test")
    assert (settings.events_seconds, settings.events_batch, settings.events_horizon_seconds) == (
        2.5,
        7,
        60,
    )


def test_the_calendar_warning_day_is_1_october_unless_configured(monkeypatch) -> None:
    monkeypatch.delenv("LABOR_CREDIT_CALENDAR_WARNING_FROM", raising=False)
    assert Settings(environment="test").calendar_warning_date(2026) == date(2026, 10, 1)
    monkeypatch.setenv("LABOR_CREDIT_CALENDAR_WARNING_FROM", "11-15")
    settings = Settings(environment="test")
    assert settings.calendar_warning_from == "11-15"
    assert settings.calendar_warning_date(2026) == date(2026, 11, 15)


@pytest.mark.parametrize("value", ["13-01", "10-32", "02-30", "02-29", "1001", "10-1", "10/01", ""])
def test_a_calendar_warning_day_that_is_not_a_day_of_every_year_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="calendar_warning_from"):
        Settings(environment="test", calendar_warning_from=value)
