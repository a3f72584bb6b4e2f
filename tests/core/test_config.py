"""Settings that were renamed keep answering to their old variable names."""

from __future__ import annotations

import pytest

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
