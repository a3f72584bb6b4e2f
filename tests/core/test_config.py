"""Settings: renamed ones keep answering to their old variable names; a value that cannot be
meant is refused; on a database server the development placeholders for secrets are refused,
whatever the environment says."""

from __future__ import annotations

import base64
import os
from datetime import date

import pytest
from pydantic import ValidationError

from app.core.config import (
    DEVELOPMENT_DATA_KEY,
    DEVELOPMENT_SECRET,
    Settings,
    SettingsRefused,
    get_settings,
)


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


# --- secrets ------------------------------------------------------------------------------------

SERVER = "postgresql://labor@db.example:5432/labor_credit"
SECRET = "s" * 40
DATA_KEY = base64.b64encode(os.urandom(32)).decode()
ENVIRONMENTS = ["development", "test", "production"]


@pytest.fixture(autouse=True)
def _no_secrets_from_the_environment(monkeypatch) -> None:
    for name in (
        "DATABASE_URL",
        "LABOR_CREDIT_DATABASE_URL",
        "LABOR_CREDIT_SECRET_KEY",
        "LABOR_CREDIT_DATA_KEY",
        "LABOR_CREDIT_DATA_KEY_VERSION",
        "LABOR_CREDIT_DATA_KEYS_RETIRED",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_on_a_database_server_the_placeholder_jwt_secret_is_refused_whatever_the_environment(
    environment: str,
) -> None:
    with pytest.raises(ValidationError, match="LABOR_CREDIT_SECRET_KEY is the development"):
        Settings(environment=environment, database_url=SERVER, data_key=DATA_KEY)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_on_a_database_server_the_placeholder_data_key_is_refused_whatever_the_environment(
    environment: str,
) -> None:
    with pytest.raises(ValidationError, match="LABOR_CREDIT_DATA_KEY is the development"):
        Settings(environment=environment, database_url=SERVER, secret_key=SECRET)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("database_url", [None, SERVER])
def test_a_jwt_secret_shorter_than_32_bytes_is_refused_everywhere(environment, database_url):
    with pytest.raises(ValidationError, match="LABOR_CREDIT_SECRET_KEY is 31 bytes long"):
        Settings(
            environment=environment,
            database_url=database_url,
            secret_key="x" * 31,
            data_key=DATA_KEY,
        )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize(
    ("data_key", "message"),
    [
        (base64.b64encode(os.urandom(16)).decode(), "is base64 of 16 bytes"),
        (base64.b64encode(os.urandom(31)).decode(), "is base64 of 31 bytes"),
        (base64.b64encode(os.urandom(33)).decode(), "is base64 of 33 bytes"),
        ("not base64 at all!", "is not base64"),
        ("", "is base64 of 0 bytes"),
    ],
)
def test_a_data_key_that_is_not_base64_of_32_bytes_is_refused_at_load_everywhere(
    environment: str, data_key: str, message: str
) -> None:
    """On the embedded database too: a wrong key would otherwise fail at the first number."""
    with pytest.raises(ValidationError, match=f"LABOR_CREDIT_DATA_KEY {message}"):
        Settings(environment=environment, data_key=data_key)


def test_the_embedded_database_runs_with_the_placeholders_outside_production() -> None:
    """`make run`: a developer's machine needs no secrets."""
    for environment in ("development", "test"):
        settings = Settings(environment=environment)
        assert settings.embedded
        assert settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        assert settings.data_key.get_secret_value() == DEVELOPMENT_DATA_KEY


def test_a_server_runs_with_real_secrets_in_any_environment() -> None:
    for environment in ENVIRONMENTS:
        Settings(
            environment=environment,
            database_url=SERVER,
            secret_key=SECRET,
            data_key=DATA_KEY,
            audit_key=SECRET,
        )


def test_retired_data_keys_are_read_by_version_beside_the_current_one() -> None:
    old = [os.urandom(32), os.urandom(32)]
    retired = f"1:{base64.b64encode(old[0]).decode()}, 3:{base64.b64encode(old[1]).decode()}"
    settings = Settings(data_key=DATA_KEY, data_key_version=4, data_keys_retired=retired)
    assert settings.data_keys() == (
        4,
        {1: old[0], 3: old[1], 4: base64.b64decode(DATA_KEY)},
    )


@pytest.mark.parametrize(
    ("retired", "message"),
    [
        ("1", "each entry is version:base64"),
        ("one:" + DATA_KEY, "each entry is version:base64"),
        (f"0:{DATA_KEY}", "version 0 is repeated or not between 1 and 65535"),
        (f"1:{DATA_KEY},1:{DATA_KEY}", "version 1 is repeated"),
        ("1:c2hvcnQ=", r"LABOR_CREDIT_DATA_KEYS_RETIRED \(version 1\) is base64 of 5 bytes"),
        (f"2:{DATA_KEY}", "LABOR_CREDIT_DATA_KEYS_RETIRED holds version 2, the version of the"),
    ],
)
def test_retired_data_keys_that_cannot_be_meant_are_refused(retired: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(data_key=DATA_KEY, data_key_version=2, data_keys_retired=retired)


def test_refused_settings_name_the_variable_and_never_show_its_value(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", SERVER)
    monkeypatch.setenv("LABOR_CREDIT_SECRET_KEY", "a-short-secret")
    monkeypatch.setenv("LABOR_CREDIT_DATA_KEY", "c2hvcnQtYnV0LXNlY3JldA==")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsRefused) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    message = str(refused.value)
    assert "LABOR_CREDIT_SECRET_KEY is 14 bytes long" in message
    assert "LABOR_CREDIT_DATA_KEY is base64 of 16 bytes" in message
    assert "a-short-secret" not in message and "c2hvcnQtYnV0LXNlY3JldA" not in message
