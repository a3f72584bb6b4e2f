"""One Settings object: `LABOR_CREDIT_*` variables, an optional `.env`, and `DATABASE_URL`."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.core import file_types

# Values that only make sense on a developer's machine, on the embedded database; refused as soon
# as DATABASE_URL names a server, whatever LABOR_CREDIT_ENVIRONMENT says.
DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"
DEVELOPMENT_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1kYXRhLWtleS0zMmJ5dGU="  # base64 of 32 bytes
SECRET_MIN_BYTES = 32
DATA_KEY_BYTES = 32  # AES-256-GCM
MAX_KEY_VERSION = 65535  # two bytes in each ciphertext's header (core.personal_data)
DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-change-me-0123456789"

# Standard Webhooks secrets (the city platform's, app.integrations.platform.signing)
WEBHOOK_SECRET_PREFIX = "whsec_"
WEBHOOK_SECRET_BYTES = (24, 64)  # the spec's bounds of a key

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
    database_password: SecretStr | None = Field(
        default=None,
        description="the password of DATABASE_URL's user, given apart from the URL (compose.yaml): "
        "quoted into it here, so any character (@, /, :, %) is safe",
    )
    data_dir: Path = Field(default=Path(".data"), description="embedded database and files")
    db_pool_size: int = Field(default=10, ge=1, le=200)

    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="signs the JWTs: 32+ random characters",
    )
    data_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_DATA_KEY),
        description="base64 of 32 bytes: the AES-GCM key personal data is encrypted with now",
    )
    data_key_version: int = Field(
        default=1,
        ge=1,
        le=MAX_KEY_VERSION,
        description="the version of data_key, written into every ciphertext it makes",
    )
    data_keys_retired: SecretStr = Field(
        default=SecretStr(""),
        description="older data keys, still read until `labor-credit rotate-data-key` has "
        "re-encrypted everything: version:base64,version:base64",
    )
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    # Sign-in throttling by client address (app/accounts/throttle.py): wrong passwords for one
    # name from one address, and for any names from one address, in a window of
    # login_lock_minutes, before that address waits out the rest of the window.
    login_max_failures: int = Field(default=5, ge=1, description="per name and address")
    login_address_max_failures: int = Field(default=20, ge=1, description="per address")
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

    # Public disclosure (Art 14, docs/law.md §5): a C unit is on the black list (严重失信名单) when
    # it is on the wage-arrears list and/or has a serious item in the cycle (each a setting: the
    # county's own definition is unknown); otherwise on the yellow list (重点关注名单).
    disclosure_black_on_listing: bool = True
    disclosure_black_on_serious_item: bool = True
    disclosure_expiry_cron: str = Field(
        default="10 0 * * *", description="daily end of items past their publication end date"
    )
    # The public routes (/disclosures): requests per minute per client address, a token bucket
    # held in each process (N replicas allow N times as much); 0 = no limit.
    public_rate_per_minute: int = Field(default=120, ge=0)
    # Credit repair (信用修复, 国家发展改革委令第36号, docs/law.md §11): the minimum publication
    # before an item may be repaired, from its decision date, and the bureau's working days to
    # accept an application and to decide it once accepted.
    repair_months_general: int = Field(default=3, ge=0, le=12)
    repair_months_serious: int = Field(default=12, ge=0, le=36)
    repair_acceptance_working_days: int = Field(default=2, ge=1, le=30)
    repair_decision_working_days: int = Field(default=5, ge=1, le=30)

    # Wage-arrears joint-punishment list (人社部令第45号, docs/law.md §7). The arrears threshold is
    # the province's amount for the crime of refusing to pay wages (national band for one worker:
    # 5,000-20,000 yuan); a listing on that ground below it is refused. Unknown for Shanxi.
    blacklist_term_years: int = Field(default=3, ge=1, le=10)
    blacklist_early_removal_months: int = Field(default=6, ge=0, le=36)
    blacklist_arrears_threshold_yuan: Decimal = Field(default=Decimal("5000"), ge=0)

    # Inspection plans (DOMAIN §4, §12): routine patrols per year by grade (Art 11-13: A exempt,
    # B more, C key targets), pro rata over a plan's months; and whether an inspector who
    # collected a credit record of a unit in the cycle is kept from inspecting it.
    patrol_per_year_a: int = Field(default=0, ge=0, le=12)
    patrol_per_year_b: int = Field(default=2, ge=0, le=12)
    patrol_per_year_c: int = Field(default=4, ge=0, le=12)
    plans_exclude_collectors: bool = True

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
    # Art 16: objections due within this many working days show as "due soon"
    objections_due_soon_working_days: int = Field(default=2, ge=1, le=30)
    objections_deadlines_cron: str = Field(
        default="0 8 * * *", description="daily log of objections due today, soon and overdue"
    )

    # Notifications (app.notifications): the in-app inbox (`api`) is always on; other channels
    # (SMS, mail, when implemented and registered) deliver from the first time they are enabled
    # here, each delivery retried with exponential backoff until sent or out of attempts.
    notification_channels: tuple[str, ...] = Field(
        default=("api",), description="delivery channels besides the always-on inbox `api`"
    )
    notification_delivery_seconds: float = Field(
        default=30.0, gt=0, description="how often due deliveries are sent"
    )
    notification_delivery_batch: int = Field(default=200, ge=1, le=10_000)
    notification_retry_seconds: int = Field(
        default=60, ge=1, description="the wait after a first failed delivery, doubled each time"
    )
    notification_retry_max_seconds: int = Field(
        default=6 * 3600, ge=1, description="the longest wait between two attempts"
    )
    notification_max_attempts: int = Field(
        default=12, ge=1, description="a delivery given up after this many failures stays shown"
    )

    # The city credit-sharing platform (Art 7, 16; app.integrations.platform, docs/operations.md
    # "The city platform"). Its interface is unpublished, so: how messages travel (`none`: they
    # queue in the outbox, nothing is sent), where to, and the Standard Webhooks secrets
    # (`whsec_<base64>`) every message is signed with, all of them during a rotation.
    platform_transport: Literal["none", "http", "file"] = Field(
        default="none", description="none (messages queue), http (POST), file (packages)"
    )
    platform_url: str | None = Field(
        default=None, description="base URL: messages are POSTed to <platform_url>/messages"
    )
    platform_secrets: list[str] = Field(
        default_factory=list,
        description="whsec_<base64> secrets; each signs every message (one v1 entry each)",
    )
    platform_callback_secrets: list[str] = Field(
        default_factory=list,
        description="whsec_<base64> secrets the platform's receipt callbacks are verified with",
    )
    platform_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=120)
    platform_read_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    platform_files_dir: Path | None = Field(
        default=None, description="file transport: where packages are written"
    )
    platform_receipts_dir: Path | None = Field(
        default=None, description="file transport: receipt files; unset = <files_dir>/receipts"
    )
    # The push to the city platform (app.push, issue 14): the pusher sends every `push_seconds`
    # at most `push_batch` messages a round; a failed attempt is tried again after the next wait
    # of the schedule (each +/- `push_jitter`, at least the platform's Retry-After), and after
    # the last one the message is dead-lettered for an operator to replay.
    push_seconds: float = Field(default=5.0, gt=0, description="how often the pusher runs")
    push_batch: int = Field(default=100, ge=1, le=10_000, description="messages per round")
    push_retry_schedule_seconds: list[int] = Field(
        default=[10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800],
        min_length=1,
        description="the waits after each failed attempt (about 23.7 h in all)",
    )
    push_jitter: float = Field(default=0.2, ge=0, lt=1, description="each wait +/- this share")
    push_lease_seconds: int = Field(
        default=300, ge=1, description="a claimed message not answered by then is sent again"
    )
    # Art 16 gives 5 working days after an objection or repair decision; the other types get this
    push_due_working_days: int = Field(default=5, ge=1, le=60)
    push_receipt_overdue_hours: int = Field(default=24, ge=1)
    push_breaker_failures: int = Field(
        default=5, ge=1, description="consecutive transport failures that open the breaker"
    )
    push_breaker_open_seconds: float = Field(
        default=60.0, gt=0, description="how long an open breaker stops sending before a probe"
    )
    push_reconciliation_cron: str = Field(
        default="15 0 * * *", description="daily reconciliation of yesterday's pushes"
    )

    # /metrics (docs/operations.md): its gauges are county figures. A scrape from these networks
    # is let in (an empty list: none); from anywhere with `Authorization: Bearer <token>`.
    metrics_allowed_networks: tuple[IPvAnyNetwork, ...] = Field(
        default=(IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")),
        description="networks that may scrape /metrics without the token; default this machine",
    )
    metrics_token: SecretStr | None = Field(
        default=None, min_length=24, description="a scrape from anywhere sends it as a Bearer token"
    )

    # Where the public reaches this service: a credit report's QR code and check link point at
    # <public_url>/api/v1/credit-reports/<code> (app.reports.credit_report).
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="the service's public base URL, printed on credit reports (QR code)",
    )

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # How long `serve` keeps an idle keep-alive connection open. Longer than a client's or a
    # proxy's own idle limit (httpx 5 s, nginx's upstream keepalive_timeout 60 s, a cloud load
    # balancer's 60 s), so the client is always the one to close it: when both sides have the
    # same limit (uvicorn's default 5 s against httpx's 5 s), a request sent on a connection the
    # server is closing at that moment gets no answer, and a POST is not resent.
    keep_alive_seconds: int = Field(
        default=75, ge=1, le=3600, description="idle keep-alive connections closed after this"
    )
    log_level: str = "INFO"

    @field_validator("attachment_content_types")
    @classmethod
    def _only_checked_types(cls, value: frozenset[str]) -> frozenset[str]:
        """An evidence file's content is checked against its declared type: a type with no
        check (core.file_types) would be taken on its word."""
        unchecked = sorted(value - file_types.CHECKED_TYPES)
        if unchecked:
            checked = ", ".join(sorted(file_types.CHECKED_TYPES))
            raise ValueError(f"no content check for {', '.join(unchecked)}; checked: {checked}")
        return value

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

    @field_validator("secret_key")
    @classmethod
    def _a_long_secret(cls, value: SecretStr) -> SecretStr:
        length = len(value.get_secret_value().encode())
        if length < SECRET_MIN_BYTES:
            raise ValueError(
                f"LABOR_CREDIT_SECRET_KEY is {length} bytes long: it must be at least "
                f"{SECRET_MIN_BYTES} random characters (e.g. `openssl rand -base64 48`)"
            )
        return value

    @field_validator("data_key")
    @classmethod
    def _a_data_key(cls, value: SecretStr) -> SecretStr:
        _data_key(value.get_secret_value(), "LABOR_CREDIT_DATA_KEY")
        return value

    @field_validator("data_keys_retired")
    @classmethod
    def _retired_data_keys(cls, value: SecretStr) -> SecretStr:
        _parse_retired(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        """The placeholders are public (they are in this file): a service whose data outlives a
        developer's machine (a database server) or that says it is production refuses them."""
        if self.embedded and self.environment != "production":
            return self
        where = "with DATABASE_URL set" if not self.embedded else "in production"
        if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError(
                f"LABOR_CREDIT_SECRET_KEY is the development placeholder, refused {where}: "
                "set 32+ random characters (e.g. `openssl rand -base64 48`)"
            )
        if self.data_key.get_secret_value() == DEVELOPMENT_DATA_KEY:
            raise ValueError(
                f"LABOR_CREDIT_DATA_KEY is the development placeholder, refused {where}: "
                "set base64 of 32 random bytes (e.g. `openssl rand -base64 32`)"
            )
        if self.audit_key.get_secret_value() == DEVELOPMENT_AUDIT_KEY:
            # the audit key anchors the trail outside the database (app.audit.checkpoints)
            raise ValueError(
                f"LABOR_CREDIT_AUDIT_KEY is the development placeholder, refused {where}: "
                "set 32+ random characters (e.g. `openssl rand -base64 48`)"
            )
        return self

    @field_validator("platform_secrets", "platform_callback_secrets")
    @classmethod
    def _webhook_secrets(cls, value: list[str], info: ValidationInfo) -> list[str]:
        variable = _variable(str(info.field_name))
        for number, secret in enumerate(value, 1):
            try:
                webhook_secret_key(secret)
            except ValueError as exc:  # the message names the rule, never the value
                raise ValueError(f"{variable}: entry {number}: {exc}") from None
        if len(set(value)) != len(value):
            raise ValueError(f"{variable} holds a secret twice")
        return value

    @field_validator("public_url")
    @classmethod
    def _a_public_url(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
            raise ValueError("an http(s) base URL without query or fragment, e.g. "
                             "https://credit.wenshui.gov.cn")  # fmt: skip
        return value.rstrip("/")

    @field_validator("platform_url")
    @classmethod
    def _a_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
            raise ValueError("an http(s) base URL without query or fragment, e.g. "
                             "https://platform.example/api")  # fmt: skip
        return value.rstrip("/")

    @model_validator(mode="after")
    def _platform_transport_complete(self) -> Settings:
        """A transport chosen is a transport usable: what it needs is set, and (off the
        embedded database, or in production) no clear-text HTTP to another machine."""
        if self.platform_transport == "none":
            return self
        if not self.platform_secrets:
            raise ValueError(
                f"LABOR_CREDIT_PLATFORM_SECRETS is empty, and the {self.platform_transport} "
                "transport signs every message: set a JSON list of whsec_<base64> secrets"
            )
        if self.platform_transport == "file":
            if self.platform_files_dir is None:
                raise ValueError(
                    "LABOR_CREDIT_PLATFORM_FILES_DIR is unset, and the file transport writes there"
                )
            return self
        if self.platform_url is None:
            raise ValueError(
                "LABOR_CREDIT_PLATFORM_URL is unset, and the http transport POSTs to it"
            )
        url = urlsplit(self.platform_url)
        loopback = url.hostname in ("localhost", "127.0.0.1", "::1")
        if (
            url.scheme == "http"
            and not loopback
            and not (self.embedded and self.environment != "production")
        ):
            where = "with DATABASE_URL set" if not self.embedded else "in production"
            raise ValueError(
                f"LABOR_CREDIT_PLATFORM_URL is clear-text http to another machine, refused "
                f"{where}: use https"
            )
        return self

    @model_validator(mode="after")
    def _current_data_key_not_retired(self) -> Settings:
        if self.data_key_version in _parse_retired(self.data_keys_retired.get_secret_value()):
            raise ValueError(
                f"LABOR_CREDIT_DATA_KEYS_RETIRED holds version {self.data_key_version}, the "
                "version of the current key (LABOR_CREDIT_DATA_KEY_VERSION)"
            )
        return self

    def data_keys(self) -> tuple[int, dict[int, bytes]]:
        """The current data key's version, and every key still read (the current one too)."""
        keys = _parse_retired(self.data_keys_retired.get_secret_value())
        keys[self.data_key_version] = _data_key(
            self.data_key.get_secret_value(), "LABOR_CREDIT_DATA_KEY"
        )
        return self.data_key_version, keys

    @model_validator(mode="after")
    def _password_into_the_url(self) -> Settings:
        """A password pasted into a URL breaks it at its first `@` or `/`: given apart, it is
        quoted into the URL."""
        if self.database_password is None:
            return self
        if self.database_url is None:
            raise ValueError("LABOR_CREDIT_DATABASE_PASSWORD is set but DATABASE_URL is not")
        try:
            url = make_url(self.database_url)
        except ArgumentError as exc:
            raise ValueError(f"DATABASE_URL is not a database URL: {exc}") from None
        if url.password is not None:
            raise ValueError("DATABASE_URL holds a password and LABOR_CREDIT_DATABASE_PASSWORD "
                             "is set too: give it once")  # fmt: skip
        password = self.database_password.get_secret_value()
        self.database_url = url.set(password=password).render_as_string(hide_password=False)
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
    def platform_receipts_path(self) -> Path:
        """The file transport's receipt folder."""
        if self.platform_receipts_dir is not None:
            return self.platform_receipts_dir
        return (self.platform_files_dir or self.data_dir / "platform") / "receipts"

    @property
    def imports_path(self) -> Path:
        """Uploaded import files, kept so an interrupted import can resume."""
        return self.data_dir / "imports"


def _data_key(text: str, variable: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{variable} is not base64: it must be base64 of {DATA_KEY_BYTES} random bytes "
            "(e.g. `openssl rand -base64 32`)"
        ) from None
    if len(key) != DATA_KEY_BYTES:
        raise ValueError(
            f"{variable} is base64 of {len(key)} bytes: it must be base64 of exactly "
            f"{DATA_KEY_BYTES} (e.g. `openssl rand -base64 32`)"
        )
    return key


def _parse_retired(text: str) -> dict[int, bytes]:
    """`version:base64,version:base64` (spaces and empty entries ignored) -> {version: key}."""
    keys: dict[int, bytes] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        version, colon, key = entry.partition(":")
        if not colon or not version.strip().isdigit():
            raise ValueError(
                "LABOR_CREDIT_DATA_KEYS_RETIRED: each entry is version:base64, e.g. 1:<key>"
            )
        number = int(version)
        if not 1 <= number <= MAX_KEY_VERSION or number in keys:
            raise ValueError(
                f"LABOR_CREDIT_DATA_KEYS_RETIRED: version {number} is repeated or not between 1 "
                f"and {MAX_KEY_VERSION}"
            )
        keys[number] = _data_key(key.strip(), f"LABOR_CREDIT_DATA_KEYS_RETIRED (version {number})")
    return keys


def webhook_secret_key(secret: str) -> bytes:
    """The key of a `whsec_<base64>` secret; ValueError naming the rule (never the value)."""
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError(f"a secret is {WEBHOOK_SECRET_PREFIX}<base64>: this one lacks the prefix")
    try:
        key = base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"a secret is {WEBHOOK_SECRET_PREFIX}<base64>: this one is not base64"
        ) from None
    low, high = WEBHOOK_SECRET_BYTES
    if not low <= len(key) <= high:
        raise ValueError(
            f"a secret's key is {low} to {high} bytes, this one {len(key)} "
            "(`labor-credit platform-sim --new-secret` prints a fresh secret)"
        )
    return key


class SettingsRefused(Exception):
    """Settings the service will not start with; the message names each variable, never its
    value (a refused value may be a secret)."""


def _variable(field: str) -> str:
    return "DATABASE_URL" if field == "database_url" else f"LABOR_CREDIT_{field.upper()}"


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        variable = _variable(str(problem["loc"][0])) if problem["loc"] else ""
        named = not variable or message.startswith(variable)
        lines.append(f"  {message}" if named else f"  {variable}: {message}")
    return "the settings are refused:\n" + "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment (and .env); SettingsRefused names what is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsRefused(_describe(exc)) from None
