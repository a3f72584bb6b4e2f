"""One Settings object: `LABOR_CREDIT_*` variables, an optional `.env`, and `DATABASE_URL`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that only make sense on a developer's machine; refused anywhere else.
DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"
DEVELOPMENT_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1kYXRhLWtleS0zMmJ5dGU="  # base64 of 32 bytes


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LABOR_CREDIT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "LABOR_CREDIT_DATABASE_URL"),
        description="postgresql://user:password@host:port/db; unset = embedded PostgreSQL",
    )
    data_dir: Path = Field(default=Path(".data"), description="embedded database and files")
    db_pool_size: int = Field(default=10, ge=1, le=200)

    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET), min_length=32)
    data_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_DATA_KEY),
        description="base64 of 32 bytes: AES-GCM key for personal data at rest",
    )
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    login_max_failures: int = Field(default=5, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("LABOR_CREDIT_SECRET_KEY must be set outside development")
            if self.data_key.get_secret_value() == DEVELOPMENT_DATA_KEY:
                raise ValueError("LABOR_CREDIT_DATA_KEY must be set outside development")
        return self

    @property
    def embedded(self) -> bool:
        return self.database_url is None


@lru_cache
def get_settings() -> Settings:
    return Settings()
