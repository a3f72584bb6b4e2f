"""The simulated platform's memory and rules: what it received, each employer's last sequence,
the answer it gave each message id, and the faults it was asked to inject."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.clock import Clock
from app.integrations.platform import signing
from app.integrations.platform.payloads import Message, Receipt

ReceiptMode = Literal["sync", "callback"]
REJECTED = "被拒收（模拟）/ rejected by the simulator's fault injection"


@dataclass(frozen=True)
class SimConfig:
    secrets: tuple[str, ...]
    receipts: ReceiptMode = "sync"
    callback_url: str | None = None  # e.g. http://127.0.0.1:8000/api/v1/platform/receipts
    callback_secret: str | None = None
    callback_api_key: str | None = None  # sent as X-API-Key (a city_platform client's key)
    callback_attempts: int = 5
    callback_backoff_seconds: float = 1.0  # doubled after each failed attempt
    tolerance_seconds: int = signing.DEFAULT_TOLERANCE_SECONDS
    clock: Clock = field(default_factory=lambda: Clock("Asia/Shanghai"))

    def __post_init__(self) -> None:
        if not self.secrets:
            raise ValueError("the simulator verifies signatures: give at least one secret")
        for secret in (*self.secrets, *filter(None, [self.callback_secret])):
            signing.secret_key(secret)
        if self.receipts == "callback" and not (self.callback_url and self.callback_secret):
            raise ValueError("callback receipts need a callback URL and a callback secret")


class Faults(BaseModel):
    """What `POST /faults` sets (every field not given goes back to its default)."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(default=0.0, ge=0, le=1, description="share answered 503")
    error_status: int = Field(default=503, ge=400, le=599)
    latency_ms: int = Field(default=0, ge=0, le=60_000, description="before every answer")
    outage_seconds: float | None = Field(default=None, gt=0, description="down from now for")
    outage_until: datetime | None = Field(default=None, description="down until (aware)")
    retry_after_seconds: int | None = Field(
        default=None, ge=0, description="Retry-After of injected errors and outage answers"
    )
    reject_subject_ids: list[uuid.UUID] = Field(
        default_factory=list, description="messages about these are answered rejected"
    )
    wrong_secret: bool = Field(default=False, description="verify with another secret: all 401")
    seed: int | None = Field(default=None, description="of the error draw, for repeatable runs")


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Callback:
    receipt: Receipt
    webhook_id: str
    attempts: int = 0
    delivered: bool = False
    last_error: str = ""


@dataclass
class Counters:
    duplicates: int = 0
    bad_signatures: int = 0
    out_of_order: int = 0
    injected_errors: int = 0
    outage_refusals: int = 0
    invalid: int = 0


class Platform:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.faults = Faults()
        self._outage_until: datetime | None = None
        self._random = random.Random()
        self._wrong_secret = signing.new_secret()
        self.reset()

    def reset(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: dict[uuid.UUID, Answer] = {}
        self.last_sequence: dict[str, int] = {}
        self.callbacks: list[Callback] = []
        self.counters = Counters()
        self._acceptances = 0

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        now = self.config.clock.now()
        until = [faults.outage_until] if faults.outage_until else []
        if faults.outage_seconds:
            until.append(now + timedelta(seconds=faults.outage_seconds))
        self._outage_until = max(until) if until else None
        self._random = random.Random(faults.seed)

    def faults_shown(self) -> dict[str, Any]:
        shown = self.faults.model_dump(mode="json")
        shown["outage_until"] = self._outage_until.isoformat() if self._outage_until else None
        return shown

    def before_verifying(self) -> Answer | None:
        """An outage or an injected error answers before anything is looked at."""
        now = self.config.clock.now()
        retry = self._retry_after()
        if self._outage_until is not None and now < self._outage_until:
            self.counters.outage_refusals += 1
            body = {"error": "outage", "until": self._outage_until.isoformat()}
            return Answer(503, body, retry)
        if self.faults.error_rate and self._random.random() < self.faults.error_rate:
            self.counters.injected_errors += 1
            return Answer(self.faults.error_status, {"error": "injected"}, retry)
        return None

    def _retry_after(self) -> dict[str, str]:
        seconds = self.faults.retry_after_seconds
        return {} if seconds is None else {"Retry-After": str(seconds)}

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[Answer, Callback | None]:
        """The answer to one POST /messages, and the callback to make (callback mode)."""
        secrets = (self._wrong_secret,) if self.faults.wrong_secret else self.config.secrets
        now = self.config.clock.now()
        try:
            signing.verify(
                secrets=secrets,
                headers=headers,
                body=body,
                now=int(now.timestamp()),
                tolerance=self.config.tolerance_seconds,
            )
        except signing.SignatureInvalid as exc:
            self.counters.bad_signatures += 1
            return Answer(401, {"error": "signature", "reason": exc.reason}), None
        try:
            message = Message.model_validate_json(body)
        except ValidationError as exc:
            self.counters.invalid += 1
            return Answer(422, {"error": "invalid", "detail": exc.errors(include_url=False)}), None
        if headers.get("webhook-id") != str(message.message_id):
            self.counters.invalid += 1
            return Answer(422, {"error": "invalid", "detail": "webhook-id is not message_id"}), None
        if message.message_id in self.answers:  # the same message again: the first answer
            self.counters.duplicates += 1
            return self.answers[message.message_id], None
        return self._take(message, body, now)

    def _take(self, message: Message, body: bytes, now: datetime) -> tuple[Answer, Callback | None]:
        uscc = message.employer.uscc
        expected = self.last_sequence.get(uscc, 0) + 1
        if message.sequence > expected:
            self.counters.out_of_order += 1
            return Answer(409, {"error": "out_of_order", "expected": expected}), None
        if message.sequence < expected:  # a new message id with a sequence already taken
            self.counters.invalid += 1
            return Answer(422, {"error": "sequence_taken", "expected": expected}), None
        self.last_sequence[uscc] = message.sequence
        receipt = self._receipt(message, now)
        self.received.append(
            {
                "message_id": str(message.message_id),
                "employer_uscc": uscc,
                "sequence": message.sequence,
                "type": message.type.value,
                "subject": message.subject.value,
                "subject_id": str(message.subject_id),
                "received_at": now.isoformat(),
                "receipt": receipt.model_dump(mode="json"),
                "body": message.model_dump(mode="json"),
                "bytes": len(body),
            }
        )
        if self.config.receipts == "sync":
            answer = Answer(200, receipt.model_dump(mode="json"))
            self.answers[message.message_id] = answer
            return answer, None
        waiting = {"status": "awaiting_receipt", "message_id": str(message.message_id)}
        self.answers[message.message_id] = Answer(202, waiting)
        callback = Callback(receipt=receipt, webhook_id=str(uuid.uuid4()))
        self.callbacks.append(callback)
        return self.answers[message.message_id], callback

    def _receipt(self, message: Message, now: datetime) -> Receipt:
        if message.subject_id in self.faults.reject_subject_ids:
            return Receipt(
                message_id=message.message_id,
                status="rejected",
                reasons=[f"{message.subject.value} {message.subject_id}: {REJECTED}"],
                received_at=now,
            )
        self._acceptances += 1
        day = self.config.clock.local(now).strftime("%Y%m%d")
        return Receipt(
            message_id=message.message_id,
            status="accepted",
            acceptance_number=f"SIM{day}{self._acceptances:08d}",
            received_at=now,
        )

    def shown(self) -> dict[str, Any]:
        """GET /received."""
        counts = {
            "received": len(self.received),
            "accepted": sum(1 for r in self.received if r["receipt"]["status"] == "accepted"),
            "rejected": sum(1 for r in self.received if r["receipt"]["status"] == "rejected"),
            **vars(self.counters),
            "callbacks_delivered": sum(1 for c in self.callbacks if c.delivered),
            "callbacks_pending_or_failed": sum(1 for c in self.callbacks if not c.delivered),
        }
        return {
            "counts": counts,
            "last_sequence": dict(sorted(self.last_sequence.items())),
            "messages": self.received,
            "callbacks": [
                {
                    "message_id": str(c.receipt.message_id),
                    "status": c.receipt.status,
                    "attempts": c.attempts,
                    "delivered": c.delivered,
                    "last_error": c.last_error,
                }
                for c in self.callbacks
            ],
        }
