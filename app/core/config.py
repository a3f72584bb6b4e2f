"""One Settings object: `LABOR_CREDIT_*` variables, an optional `.env`, and `DATABASE_URL`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that only make sense on a developer's machine; refused anywhere else.
DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"
DEVELOPMENT_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1kYXRhLWtleS0zMmJ5dGU="  # base64 of 32 bytes
DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-change-me-0123456789"

_MONTH_DAY = re.compile(r"[0-9]{2}-[0-9]{2}")  # calendar_warning_from


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

    timezone: str = Field(default="Asia/Shanghai", description="legal dates and cron schedules")
    scheduler_poll_seconds: float = Field(default=5.0, gt=0, description="standby retry")
    scheduler_heartbeat_seconds: float = Field(default=15.0, gt=0)
    audit_check_cron: str = Field(
        default="30 3 * * *", description="daily audit check and signed checkpoint"
    )
    # Art 8: the audit trail's checkpoints are signed (HMAC-SHA256) with a key the database never
    # holds, so whoever can rewrite the database cannot forge one (app.audit.checkpoints).
    audit_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_AUDIT_KEY), min_length=32)
    audit_checkpoints_file: Path | None = Field(
        default=None,
        description="JSON lines of signed audit checkpoints; unset = "
        "<data_dir>/audit-checkpoints.jsonl",
    )

    # Working days (docs/law.md §8): the State Council publishes year N's holiday notice around
    # November of N-1, and a deadline in a year the calendar lacks is refused. From this day of
    # each year (MM-DD) a missing next year is a warning: /readyz, /metrics, /stats/calendar.
    calendar_warning_from: str = Field(
        default="10-01",
        description="MM-DD: from this day of each year, next year's calendar missing is a warning",
    )
    calendar_check_cron: str = Field(
        default="0 9 * * *", description="daily check that next year's calendar is loaded"
    )

    # Credit records (docs/law.md §2, §5). Publication months per severity, from the decision date
    # (国家发展改革委令第36号): 0 = not shown.
    publication_months_light: int = Field(default=0, ge=0, le=3)
    publication_months_general: int = Field(default=12, ge=3, le=12)
    publication_months_serious: int = Field(default=36, ge=12, le=36)
    # Art 7: which records the Lüliang catalogue holds (its content is unknown, so configurable).
    # A record is in the catalogue when its kind is listed, or its category is listed and (if
    # required) it carries a decision number. Default: dishonesty decisions and honours.
    catalogue_kinds: frozenset[str] = frozenset({"honour"})
    catalogue_categories: frozenset[str] = frozenset({"dishonesty"})
    catalogue_requires_decision_number: bool = True
    attachments_dir: Path | None = Field(
        default=None, description="evidence files; unset = <data_dir>/attachments"
    )
    attachment_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1)
    attachment_content_types: frozenset[str] = frozenset(
        {
            "application/pdf",
            "application/ofd",
            "image/jpeg",
            "image/png",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    )

    # Wage-arrears joint-punishment list (人社部令第45号, docs/law.md §7). The arrears threshold is
    # the province's amount for the crime of refusing to pay wages (national band for one worker:
    # 5,000-20,000 yuan); a listing on that ground below it is refused. Unknown for Shanxi.
    blacklist_term_years: int = Field(default=3, ge=1, le=10)
    blacklist_early_removal_months: int = Field(default=6, ge=0, le=36)
    blacklist_arrears_threshold_yuan: Decimal = Field(default=Decimal("5000"), ge=0)

    # Grading (Art 9, 10, 17; docs/law.md §3). The yearly run grades the year just ended.
    grading_cron: str = Field(default="0 2 1 1 *", description="yearly grading, Asia/Shanghai")
    grading_slice_employers: int = Field(
        default=50_000, ge=1, description="employers per transaction of a grading run"
    )
    grading_workers: int = Field(
        default=2,
        ge=1,
        le=32,
        description="slices of a grading run graded at once, each on its own connection "
        "(about one per database core)",
    )
    grading_work_mem_mb: int = Field(
        default=256, ge=4, le=4096, description="work_mem of a grading run's transactions"
    )
    grading_run_lease_seconds: int = Field(
        default=120, ge=5, description="a running run whose worker is silent this long resumes"
    )
    # The event log (core.events): how often, and in batches of how many, its consumers
    # (grading's dynamic adjustment first) read it. The old LABOR_CREDIT_GRADING_EVENTS_* names
    # are still read.
    events_seconds: float = Field(
        default=10.0,
        gt=0,
        validation_alias=AliasChoices(
            "events_seconds", "LABOR_CREDIT_EVENTS_SECONDS", "LABOR_CREDIT_GRADING_EVENTS_SECONDS"
        ),
        description="how often each consumer of the event log reads it",
    )
    events_batch: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices(
            "events_batch", "LABOR_CREDIT_EVENTS_BATCH", "LABOR_CREDIT_GRADING_EVENTS_BATCH"
        ),
    )
    events_horizon_seconds: int = Field(
        default=900,
        ge=1,
        validation_alias=AliasChoices(
            "events_horizon_seconds",
            "LABOR_CREDIT_EVENTS_HORIZON_SECONDS",
            "LABOR_CREDIT_GRADING_EVENTS_HORIZON_SECONDS",
        ),
        description="no transaction writing events lasts longer; an event this old has no "
        "uncommitted predecessor, so a consumer's watermark may pass it",
    )
    grading_notices_minutes: int = Field(default=10, ge=1, description="notice windows closing")
    art17_cron: str = Field(default="30 1 * * *", description="daily Art 17 re-grading")

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    log_level: str = "INFO"

    @field_validator("calendar_warning_from")
    @classmethod
    def _month_and_day(cls, value: str) -> str:
        if not _MONTH_DAY.fullmatch(value):
            raise ValueError(f"expected MM-DD (e.g. 10-01), got {value!r}")
        month, day = int(value[:2]), int(value[3:])
        try:
            date(2001, month, day)  # a common year: a day every year has (not 02-29)
        except ValueError:
            raise ValueError(f"{value} is not a day of every year") from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("LABOR_CREDIT_SECRET_KEY must be set outside development")
            if self.data_key.get_secret_value() == DEVELOPMENT_DATA_KEY:
                raise ValueError("LABOR_CREDIT_DATA_KEY must be set outside development")
        # The audit key anchors the trail outside the database: a database of its own (not the
        # embedded one) never runs on the placeholder, whatever the environment says.
        placeholder_audit_key = self.audit_key.get_secret_value() == DEVELOPMENT_AUDIT_KEY
        if placeholder_audit_key and (self.environment == "production" or not self.embedded):
            raise ValueError(
                "LABOR_CREDIT_AUDIT_KEY must be set (32+ characters) unless on the embedded "
                "database"
            )
        return self

    def calendar_warning_date(self, year: int) -> date:
        """The day of `year` from which the calendar's lacking `year + 1` is a warning."""
        return date(year, int(self.calendar_warning_from[:2]), int(self.calendar_warning_from[3:]))

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def attachments_path(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @property
    def audit_checkpoints_path(self) -> Path:
        return self.audit_checkpoints_file or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def imports_path(self) -> Path:
        """Uploaded import files, kept so an interrupted import can resume."""
        return self.data_dir / "imports"


@lru_cache
def get_settings() -> Settings:
    return Settings()
