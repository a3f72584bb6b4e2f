"""The database password given apart from DATABASE_URL (LABOR_CREDIT_DATABASE_PASSWORD, as
compose.yaml does) is quoted into the URL: a password with `@`, `/`, `:` or `%` reaches
PostgreSQL whole, and the URL still names the right host and database."""

from __future__ import annotations

import base64
import secrets

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import async_url

URL = "postgresql://labor@db:5432/labor_credit"
# real-looking secrets: a URL of a database server is no development machine
SECRETS = {
    "secret_key": secrets.token_urlsafe(48),
    "data_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    "audit_key": secrets.token_urlsafe(48),
}
PASSWORDS = ["p@ss/w:rd", "a%2Fb#c?d", "@@//::", "sp ace+plus", "ü&=;[]"]


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_apart_from_the_url_reaches_the_driver_whole(monkeypatch, password):
    monkeypatch.setenv("DATABASE_URL", URL)
    monkeypatch.setenv("LABOR_CREDIT_DATABASE_PASSWORD", password)
    settings = Settings(environment="production", **SECRETS)
    assert settings.database_url is not None
    for url in (make_url(settings.database_url), async_url(settings.database_url)):
        assert (url.username, url.password, url.host, url.port, url.database) == (
            "labor", password, "db", 5432, "labor_credit",
        )  # fmt: skip


def test_pasted_into_the_url_the_same_password_breaks_it():
    """What compose.yaml did before: `postgresql://labor:${POSTGRES_PASSWORD}@db:5432/...`."""
    pasted = make_url("postgresql://labor:p@ss/w:rd@db:5432/labor_credit")
    assert (pasted.password, pasted.host) != ("p@ss/w:rd", "db")


def test_a_password_needs_a_url_without_one():
    with pytest.raises(ValidationError, match="DATABASE_URL is not"):
        Settings(database_password="secret")
    with pytest.raises(ValidationError, match="give it once"):
        Settings(
            database_url="postgresql://labor:other@db/labor_credit",
            database_password="secret",
            **SECRETS,
        )
    plain = Settings(database_url=URL, **SECRETS)
    assert plain.database_url == URL  # no password given: the URL as it is
