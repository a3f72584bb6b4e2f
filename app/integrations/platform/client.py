"""Delivering messages to the city platform: the Transport protocol, its Outcome, and the HTTP
transport (`files.FileTransport` is the other).

How an HTTP answer is read (docs/operations.md, "The city platform"):
- 200/201 with a Receipt for the message -> `accepted` / `rejected` (the receipt's status);
- 202, or any other 2xx without a receipt -> `awaiting_receipt` (it comes by callback);
- 408, 425, 429, 5xx, and no answer at all (timeout, refused, reset) -> `retry`, with the
  Retry-After header's wait when it has one (delta-seconds or an HTTP date);
- 409: a Receipt in the body -> that receipt; `{"error": "out_of_order"}` -> `retry` (an
  earlier message of the employer has not arrived yet); otherwise the platform already holds
  this message id -> `awaiting_receipt`;
- any other status (another 4xx, a 3xx) -> `permanent`: sending again would not help.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx
from pydantic import ValidationError

from app.core.clock import Clock
from app.integrations.platform import signing
from app.integrations.platform.files import FileTransport
from app.integrations.platform.outcome import Outcome, Transport
from app.integrations.platform.payloads import Message, Receipt

if TYPE_CHECKING:
    from app.core.config import Settings

__all__ = [
    "FileTransport",
    "HttpTransport",
    "Outcome",
    "Transport",
    "classify",
    "http_client",
    "retry_after",
    "transport",
]

RETRY_STATUSES = frozenset({408, 425, 429})
EXCERPT_CHARS = 200  # of a refusing answer's body, in Outcome.reason


def body(message: Message) -> bytes:
    """The bytes sent and signed: the message's JSON (UTF-8, no spaces)."""
    return message.model_dump_json().encode()


class HttpTransport:
    """POSTs each message, signed under every active secret, to `{url}/messages`.

    Messages of one employer go one after the other, in the order given; when one is not
    delivered (retry or permanent) the employer's later messages of the batch are not sent
    (`retry`, "not sent: ..."), so the platform never sees them out of order. Different
    employers' messages go concurrently over the one client.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        url: str,
        secrets: Sequence[str],
        clock: Clock,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        if not secrets:
            raise ValueError("the HTTP transport signs every message: give at least one secret")
        for secret in secrets:
            signing.secret_key(secret)
        self._client = client
        self._endpoint = url.rstrip("/") + "/messages"
        self._secrets = tuple(secrets)
        self._clock = clock
        self._timeout = timeout

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        by_employer: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            by_employer.setdefault(message.employer.uscc, []).append(index)
        outcomes: list[Outcome | None] = [None] * len(messages)

        async def employer_in_order(indexes: list[int]) -> None:
            held: str | None = None
            for index in indexes:
                if held is not None:
                    outcomes[index] = Outcome("retry", reason=held)
                    continue
                outcome = await self.send_one(messages[index])
                outcomes[index] = outcome
                if outcome.kind in ("retry", "permanent"):
                    held = (
                        f"not sent: message {messages[index].message_id} of this employer "
                        "before it was not delivered"
                    )

        await asyncio.gather(*(employer_in_order(ix) for ix in by_employer.values()))
        return [outcome for outcome in outcomes if outcome is not None]

    async def send_one(self, message: Message) -> Outcome:
        content = body(message)
        signed = signing.headers(
            secrets=self._secrets,
            message_id=str(message.message_id),
            timestamp=int(self._clock.now().timestamp()),
            body=content,
        )
        try:
            response = await self._client.post(
                self._endpoint,
                content=content,
                headers=signed,
                timeout=self._timeout or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as exc:
            return Outcome("retry", reason=f"timeout ({type(exc).__name__}): {exc}".rstrip(": "))
        except httpx.TransportError as exc:
            return Outcome("retry", reason=f"no answer ({type(exc).__name__}): {exc}".rstrip(": "))
        return classify(response, message, now=self._clock.now())


def classify(response: httpx.Response, message: Message, *, now: datetime) -> Outcome:
    """The Outcome of the platform's answer to `message` (the rules in this module's doc)."""
    status = response.status_code
    receipt = _receipt(response, message)
    if status in (200, 201, 409) and receipt is not None:
        return Outcome(receipt.status, receipt=receipt)
    if status == 409 and _error(response) == "out_of_order":
        return Outcome("retry", retry_after=retry_after(response, now), reason=_excerpt(response))
    if 200 <= status < 300 or status == 409:
        return Outcome("awaiting_receipt")
    if status in RETRY_STATUSES or status >= 500:
        return Outcome("retry", retry_after=retry_after(response, now), reason=_excerpt(response))
    return Outcome("permanent", reason=_excerpt(response))


def _receipt(response: httpx.Response, message: Message) -> Receipt | None:
    try:
        receipt = Receipt.model_validate_json(response.content)
    except ValidationError:
        return None
    return receipt if receipt.message_id == message.message_id else None


def _error(response: httpx.Response) -> object:
    try:
        content = json.loads(response.content)
    except ValueError:
        return None
    return content.get("error") if isinstance(content, dict) else None


def _excerpt(response: httpx.Response) -> str:
    text = response.content[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
    text = " ".join(text.split())[:EXCERPT_CHARS]
    return f"{response.status_code} {response.reason_phrase}: {text}".rstrip(": ")


def retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Retry-After (RFC 9110 §10.2.3) in seconds from `now`: delta-seconds or an HTTP date;
    None when absent or unreadable, 0 for a date already past."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        return None
    return max(0.0, (when - now).total_seconds())


def timeout(settings: Settings) -> httpx.Timeout:
    """The platform client's timeouts: connect and read from the settings, write and pool as
    long as read."""
    read = settings.platform_read_timeout_seconds
    return httpx.Timeout(read, connect=settings.platform_connect_timeout_seconds)


def http_client(settings: Settings) -> httpx.AsyncClient:
    """The one client of the platform (lifespan state): the settings' timeouts, no redirects
    followed (a redirect is a wrong `platform_url`: `permanent`)."""
    return httpx.AsyncClient(timeout=timeout(settings), follow_redirects=False)


def transport(
    settings: Settings, client: httpx.AsyncClient, *, clock: Clock | None = None
) -> Transport | None:
    """The transport the settings choose; None for `none` (messages queue, nothing is sent)."""
    clock = clock or Clock(settings.timezone)
    if settings.platform_transport == "http":
        assert settings.platform_url is not None  # the settings refuse http without a URL
        return HttpTransport(
            client=client,
            url=settings.platform_url,
            secrets=settings.platform_secrets,
            clock=clock,
            timeout=timeout(settings),
        )
    if settings.platform_transport == "file":
        assert settings.platform_files_dir is not None  # the settings refuse file without it
        return FileTransport(
            files_dir=settings.platform_files_dir,
            receipts_dir=settings.platform_receipts_path,
            secrets=settings.platform_secrets,
            clock=clock,
        )
    return None
