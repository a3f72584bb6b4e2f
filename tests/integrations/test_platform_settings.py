"""The platform settings: a transport chosen has what it needs, secrets are Standard Webhooks
secrets (never echoed when refused), and no clear-text HTTP leaves the machine off the embedded
database."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings, SettingsRefused, get_settings
from app.integrations.platform import signing
from tests.conftest import SECRETS_ENV

SECRET = signing.new_secret()
SERVER = "postgresql://labor@db.example:5432/labor_credit"


def _settings(**fields: object) -> Settings:
    return Settings(environment="test", **fields)  # type: ignore[arg-type]


def test_by_default_nothing_is_sent() -> None:
    settings = _settings()
    assert settings.platform_transport == "none" and settings.platform_secrets == []
    assert (settings.platform_connect_timeout_seconds, settings.platform_read_timeout_seconds) == (
        3.0, 10.0)  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"platform_transport": "http", "platform_url": "https://p.example"},
         "LABOR_CREDIT_PLATFORM_SECRETS is empty"),
        ({"platform_transport": "http", "platform_secrets": [SECRET]},
         "LABOR_CREDIT_PLATFORM_URL is unset"),
        ({"platform_transport": "file", "platform_secrets": [SECRET]},
         "LABOR_CREDIT_PLATFORM_FILES_DIR is unset"),
        ({"platform_url": "ftp://p.example"}, "an http(s) base URL"),
        ({"platform_url": "https://p.example/api?x=1"}, "without query"),
        ({"platform_secrets": [SECRET, SECRET]}, "holds a secret twice"),
        ({"platform_connect_timeout_seconds": 0}, "greater than 0"),
    ],
)  # fmt: skip
def test_a_platform_setting_that_cannot_work_is_refused(
    fields: dict[str, object], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        _settings(**fields)


@pytest.mark.parametrize(
    ("secret", "rule"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "lacks the prefix"),
        ("whsec_*not-base64*", "not base64"),
        ("whsec_" + base64.b64encode(b"0123456789").decode(), "24 to 64 bytes"),
    ],
)
@pytest.mark.parametrize("variable", ["PLATFORM_SECRETS", "PLATFORM_CALLBACK_SECRETS"])
def test_a_secret_that_is_no_whsec_secret_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, secret: str, rule: str, variable: str
) -> None:
    monkeypatch.setenv(f"LABOR_CREDIT_{variable}", json.dumps([SECRET, secret]))
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsRefused) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    message = str(refused.value)
    assert f"LABOR_CREDIT_{variable}: entry 2: " in message and rule in message
    assert secret not in message and SECRET not in message


def test_secrets_are_read_from_the_environment_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = signing.new_secret()
    monkeypatch.setenv("LABOR_CREDIT_PLATFORM_TRANSPORT", "file")
    monkeypatch.setenv("LABOR_CREDIT_PLATFORM_SECRETS", json.dumps([SECRET, other]))
    monkeypatch.setenv("LABOR_CREDIT_PLATFORM_FILES_DIR", str(tmp_path))
    settings = _settings()
    assert settings.platform_secrets == [SECRET, other]
    assert settings.platform_receipts_path == tmp_path / "receipts"
    assert (
        _settings(platform_receipts_dir=tmp_path / "in").platform_receipts_path == tmp_path / "in"
    )


def test_clear_text_http_to_another_machine_only_on_a_developers_machine() -> None:
    http = {"platform_transport": "http", "platform_secrets": [SECRET]}
    assert _settings(**http, platform_url="http://10.0.0.5:8600/").platform_url == (
        "http://10.0.0.5:8600")  # fmt: skip
    keys = {
        name.removeprefix("LABOR_CREDIT_").lower(): value for name, value in SECRETS_ENV.items()
    }
    on_a_server = {**http, **keys, "database_url": SERVER}
    with pytest.raises(ValidationError, match="clear-text http to another machine, refused with"):
        _settings(**on_a_server, platform_url="http://10.0.0.5:8600")
    assert _settings(**on_a_server, platform_url="https://platform.example").platform_url
    assert _settings(**on_a_server, platform_url="http://127.0.0.1:8600").platform_url
