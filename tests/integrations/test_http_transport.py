"""The HTTP transport through httpx.MockTransport: what it sends (signed, Idempotency-Key, the
settings' timeouts) and how it reads each answer (the contract's classification)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from app.core.clock import Clock
from app.core.config import Settings
from app.integrations.platform import client as platform_client
from app.integrations.platform import signing
from app.integrations.platform.client import FileTransport, HttpTransport, Outcome
from app.integrations.platform.payloads import Message, Receipt
from tests.integrations.factories import USCC_B, message, messages

SECRETS = [signing.new_secret(), signing.new_secret()]
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def _transport(handler: Handler, *, timeout: httpx.Timeout | None = None) -> HttpTransport:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpTransport(
        client=client,
        url="https://platform.example/api/",
        secrets=SECRETS,
        clock=Clock.pinned(NOW),
        timeout=timeout,
    )


def _receipt(request: httpx.Request, status: str = "accepted") -> dict[str, object]:
    sent = json.loads(request.content)
    return Receipt(
        message_id=sent["message_id"],
        status=status,  # type: ignore[arg-type]
        acceptance_number="LL1" if status == "accepted" else None,
        reasons=[] if status == "accepted" else ["统一社会信用代码不存在"],
        received_at=NOW,
    ).model_dump(mode="json")


async def _one(handler: Handler, sent: Message | None = None) -> Outcome:
    outcomes = await _transport(handler).send([sent or message()])
    assert len(outcomes) == 1
    return outcomes[0]


async def test_a_message_is_posted_signed_under_every_secret_with_its_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_receipt(request))

    sent = message()
    outcome = await _one(handler, sent)
    assert outcome.kind == "accepted" and outcome.receipt is not None
    assert outcome.receipt.acceptance_number == "LL1"
    (request,) = seen
    assert str(request.url) == "https://platform.example/api/messages"
    assert request.headers["idempotency-key"] == str(sent.message_id)
    assert request.headers["webhook-id"] == str(sent.message_id)
    assert request.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert Message.model_validate_json(request.content) == sent
    for secret in SECRETS:  # either secret of the rotation verifies
        signing.verify(secrets=[secret], headers=request.headers, body=request.content,
                       now=int(NOW.timestamp()))  # fmt: skip


def _answer(status: int, body: object = None, **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        content = body(request) if callable(body) else body
        if content is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=content, headers=headers)

    return handler


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (_answer(200, _receipt), "accepted"),
        (_answer(201, lambda r: _receipt(r, "rejected")), "rejected"),
        (_answer(202, _receipt), "awaiting_receipt"),
        (_answer(202), "awaiting_receipt"),
        (_answer(200, {"ok": True}), "awaiting_receipt"),
        (_answer(204), "awaiting_receipt"),
        (_answer(409, _receipt), "accepted"),
        (_answer(409, {"error": "duplicate"}), "awaiting_receipt"),
        (_answer(409, {"error": "out_of_order", "expected": 2}), "retry"),
        (_answer(408), "retry"),
        (_answer(425), "retry"),
        (_answer(429), "retry"),
        (_answer(500, {"error": "boom"}), "retry"),
        (_answer(503), "retry"),
        (_answer(400, {"error": "bad"}), "permanent"),
        (_answer(401, {"error": "signature"}), "permanent"),
        (_answer(403), "permanent"),
        (_answer(404), "permanent"),
        (_answer(413), "permanent"),
        (_answer(422, {"error": "invalid"}), "permanent"),
        (_answer(301, location="https://elsewhere.example/"), "permanent"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_each_answer_is_read_as_the_contract_says(handler: Handler, kind: str) -> None:
    assert (await _one(handler)).kind == kind


async def test_a_receipt_for_another_message_is_no_receipt_of_this_one() -> None:
    other = message()
    outcome = await _one(_answer(200, lambda r: _receipt(_post(other))))
    assert outcome == Outcome("awaiting_receipt")


def _post(sent: Message) -> httpx.Request:
    return httpx.Request("POST", "https://x/", content=sent.model_dump_json().encode())


async def test_a_refusal_says_its_status_and_an_excerpt_of_the_body() -> None:
    outcome = await _one(_answer(401, {"error": "signature", "reason": "no v1 " * 100}))
    assert outcome.kind == "permanent"
    assert outcome.reason.startswith('401 Unauthorized: {"error":"signature","reason":"no v1')
    assert len(outcome.reason) < 240


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Thu, 26 Nov 2026 01:00:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("1.5", None),
    ],
)
async def test_retry_after_as_delta_seconds_or_an_http_date(
    value: str, seconds: float | None
) -> None:
    expected = None if seconds is None else pytest.approx(seconds, abs=1)  # the clock runs on
    outcome = await _one(_answer(503, None, **{"Retry-After": value}))
    assert outcome.kind == "retry" and outcome.retry_after == expected
    outcome = await _one(_answer(429, None, **{"Retry-After": value}))
    assert outcome.retry_after == expected


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "no answer (ConnectError)"),
        (httpx.ReadTimeout("timed out"), "timeout (ReadTimeout): timed out"),
        (httpx.ConnectTimeout("timed out"), "timeout (ConnectTimeout)"),
        (httpx.RemoteProtocolError("peer closed"), "no answer (RemoteProtocolError)"),
    ],
)
async def test_no_answer_is_a_retry_naming_the_transport_error(
    error: httpx.TransportError, said: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    outcome = await _one(handler)
    assert outcome.kind == "retry" and outcome.reason.startswith(said)


async def test_the_settings_timeouts_reach_each_request() -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(202)

    settings = Settings(
        environment="test",
        platform_connect_timeout_seconds=1.5,
        platform_read_timeout_seconds=7.0,
    )
    transport = _transport(handler, timeout=platform_client.timeout(settings))
    await transport.send([message()])
    assert seen[0]["connect"] == 1.5 and seen[0]["read"] == 7.0
    client = platform_client.http_client(settings)
    assert (client.timeout.connect, client.timeout.read) == (1.5, 7.0)
    assert client.follow_redirects is False
    await client.aclose()


async def test_an_employers_messages_go_in_order_and_stop_at_the_first_not_delivered() -> None:
    order: list[tuple[str, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent = Message.model_validate_json(request.content)
        order.append((sent.employer.uscc, sent.sequence))
        if sent.employer.uscc == USCC_B and sent.sequence == 2:
            return httpx.Response(503)
        return httpx.Response(200, json=_receipt(request))

    a, b = messages(3), messages(3, uscc=USCC_B)
    batch = [a[0], b[0], a[1], b[1], a[2], b[2]]
    outcomes = await _transport(handler).send(batch)
    assert [o.kind for o in outcomes] == ["accepted", "accepted", "accepted", "retry", "accepted",
                                          "retry"]  # fmt: skip
    assert outcomes[5].reason.startswith(f"not sent: message {b[1].message_id}")
    assert [seq for uscc, seq in order if uscc != USCC_B] == [1, 2, 3]
    assert [seq for uscc, seq in order if uscc == USCC_B] == [1, 2]  # the third never left
    assert [o.receipt.message_id for o in outcomes if o.receipt] == [
        m.message_id for m in (a[0], b[0], a[1], a[2])
    ]


async def test_the_transport_the_settings_choose(tmp_path: Path) -> None:
    secret = signing.new_secret()
    async with httpx.AsyncClient() as client:
        assert platform_client.transport(Settings(environment="test"), client) is None
        http = Settings(
            environment="test",
            platform_transport="http",
            platform_url="https://platform.example",
            platform_secrets=[secret],
        )
        assert isinstance(platform_client.transport(http, client), HttpTransport)
        files = Settings(environment="test", platform_transport="file",
                         platform_files_dir=tmp_path, platform_secrets=[secret])  # fmt: skip
        chosen = platform_client.transport(files, client)
        assert isinstance(chosen, FileTransport)
        assert chosen.receipts_dir == tmp_path / "receipts"


def test_an_http_transport_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        HttpTransport(client=httpx.AsyncClient(), url="https://x", secrets=[], clock=Clock("UTC"))
