"""Standard Webhooks signatures, checked against an independent implementation (the
`standardwebhooks` package of the spec's authors) both ways, and every way a signature fails."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.integrations.platform import signing

OLD, NEW = signing.new_secret(), signing.new_secret()
BODY = '{"message_id":"0196b2a4-3c1d-7e8f-9a0b-1c2d3e4f5a6b","note":"罚款 1.234567 万元"}'.encode()
MESSAGE_ID = "0196b2a4-3c1d-7e8f-9a0b-1c2d3e4f5a6b"


def test_a_spec_example_signature() -> None:
    """The example of the Standard Webhooks spec (its reference libraries' test vector)."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = signing.sign(
        secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_our_signatures_verify_with_the_standardwebhooks_package_under_either_secret() -> None:
    now = int(time.time())  # the package checks the timestamp against the wall clock
    headers = signing.headers(secrets=[OLD, NEW], message_id=MESSAGE_ID, timestamp=now, body=BODY)
    assert headers["webhook-signature"].count("v1,") == 2
    assert headers["Idempotency-Key"] == MESSAGE_ID
    for secret in (OLD, NEW):  # a platform holding only one of the rotation's secrets
        assert Webhook(secret).verify(BODY, headers)["note"] == "罚款 1.234567 万元"
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD).verify(BODY + b" ", headers)


def test_the_standardwebhooks_packages_signatures_verify_with_ours() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    signature = Webhook(NEW).sign(MESSAGE_ID, now, BODY.decode())
    headers = {
        "Webhook-Id": MESSAGE_ID,  # header names in any case
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": f"v1,{base64.b64encode(b'x' * 32).decode()} {signature}",
    }
    signing.verify(secrets=[OLD, NEW], headers=headers, body=BODY, now=int(now.timestamp()))
    with pytest.raises(signing.SignatureInvalid, match="no v1 signature matches"):
        signing.verify(secrets=[OLD], headers=headers, body=BODY, now=int(now.timestamp()))


NOW = 1_790_000_000


def _signed(**changes: str) -> dict[str, str]:
    headers = signing.signature_headers(
        secrets=[NEW], message_id=MESSAGE_ID, timestamp=NOW, body=BODY
    )
    return {**headers, **changes}


@pytest.mark.parametrize(
    ("headers", "now", "reason"),
    [
        ({"webhook-id": MESSAGE_ID}, NOW, "missing webhook-id"),
        (_signed(**{"webhook-timestamp": "17e8"}), NOW, "not whole seconds"),
        (_signed(), NOW + 301, "more than 300 s old"),
        (_signed(), NOW - 301, "more than 300 s ahead"),
        (_signed(**{"webhook-signature": "v2,abc v1"}), NOW, "no v1 entry"),
        (_signed(**{"webhook-id": "another"}), NOW, "no v1 signature matches"),
        (_signed(**{"webhook-timestamp": str(NOW + 1)}), NOW, "no v1 signature matches"),
    ],
    ids=["missing", "timestamp", "old", "ahead", "no-v1", "id", "changed-time"],
)
def test_a_signature_that_does_not_verify_says_why(
    headers: dict[str, str], now: int, reason: str
) -> None:
    with pytest.raises(signing.SignatureInvalid, match=reason):
        signing.verify(secrets=[NEW], headers=headers, body=BODY, now=now)


def test_within_the_tolerance_a_signature_verifies() -> None:
    for now in (NOW - 300, NOW, NOW + 300):
        signing.verify(secrets=[OLD, NEW], headers=_signed(), body=BODY, now=now)
    signing.verify(secrets=[NEW], headers=_signed(), body=BODY, now=NOW + 3000, tolerance=3600)


@pytest.mark.parametrize(
    ("secret", "rule"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "lacks the prefix"),
        ("whsec_not base64!", "not base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "24 to 64 bytes, this one 5"),
    ],
)
def test_a_malformed_secret_is_refused_naming_the_rule(secret: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        signing.sign(secret=secret, message_id=MESSAGE_ID, timestamp=NOW, body=BODY)
