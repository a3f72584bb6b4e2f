"""The platform simulator as a real HTTP server (uvicorn on a free port, in a thread), driven by
our HTTP transport: signatures, de-duplication, the per-employer order check, sync and callback
receipts, and every fault it injects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.core.clock import Clock
from app.integrations.platform import signing
from app.integrations.platform.client import HttpTransport, Outcome
from app.integrations.platform.payloads import Message, Receipt
from app.integrations.platform_sim.serving import Running, running, running_app
from app.integrations.platform_sim.state import SimConfig
from tests.conftest import PINNED_AT
from tests.integrations.factories import USCC_B, message, messages

OLD, NEW = signing.new_secret(), signing.new_secret()
CALLBACK_SECRET = signing.new_secret()


@pytest.fixture
def shared_clock() -> Clock:
    """One clock for the service's side and the platform's: their timestamps agree."""
    return Clock.pinned(PINNED_AT)


@pytest.fixture
def simulator(shared_clock: Clock) -> Iterator[Running]:
    with running(SimConfig(secrets=(NEW,), clock=shared_clock)) as sim:
        yield sim


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def _transport(
    http: httpx.AsyncClient,
    url: str,
    clock: Clock,
    *,
    secrets: tuple[str, ...] = (OLD, NEW),
    read_timeout: float = 5.0,
) -> HttpTransport:
    return HttpTransport(
        client=http,
        url=url,
        secrets=secrets,
        clock=clock,
        timeout=httpx.Timeout(read_timeout, connect=2.0),
    )


async def _received(http: httpx.AsyncClient, sim: Running) -> dict[str, object]:
    response = await http.get(f"{sim.url}/received")
    assert response.status_code == 200
    received: dict[str, object] = response.json()
    return received


async def _faults(http: httpx.AsyncClient, sim: Running, **faults: object) -> dict[str, object]:
    response = await http.post(f"{sim.url}/faults", json=faults)
    assert response.status_code == 200, response.text
    shown: dict[str, object] = response.json()
    return shown


async def test_messages_arrive_signed_and_receipted(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    sent = [*messages(3), *messages(2, uscc=USCC_B)]
    outcomes = await transport.send(sent)
    assert [o.kind for o in outcomes] == ["accepted"] * 5
    numbers = {o.receipt.acceptance_number for o in outcomes if o.receipt}
    assert len(numbers) == 5 and all(n and n.startswith("SIM20261126") for n in numbers)
    received = await _received(http, simulator)
    assert received["counts"]["received"] == 5  # type: ignore[index]
    assert received["last_sequence"] == {sent[0].employer.uscc: 3, USCC_B: 2}
    shown = received["messages"]
    assert {m["message_id"] for m in shown} == {str(m.message_id) for m in sent}  # type: ignore[attr-defined]
    first = next(m for m in shown if m["message_id"] == str(sent[0].message_id))  # type: ignore[attr-defined]
    assert Message.model_validate(first["body"]) == sent[0]
    assert (first["employer_uscc"], first["sequence"], first["type"], first["subject"]) == (
        sent[0].employer.uscc, 1, "upsert", "evaluation")  # fmt: skip
    assert (await http.get(f"{simulator.url}/healthz")).json()["status"] == "ok"


async def test_a_message_sent_again_is_kept_once_and_answered_as_the_first_time(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    sent = message()
    (first,) = await transport.send([sent])
    (again,) = await transport.send([sent])
    assert again == first and first.kind == "accepted"
    counts = (await _received(http, simulator))["counts"]
    assert counts["received"] == 1 and counts["duplicates"] == 1  # type: ignore[index]


async def test_an_employers_gap_is_refused_until_the_missing_message_arrives(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    one, two, three = messages(3)
    assert [o.kind for o in await transport.send([one])] == ["accepted"]
    (early,) = await transport.send([three])
    assert early.kind == "retry"
    assert early.reason == '409 Conflict: {"error":"out_of_order","expected":2}'
    # another employer is not held up
    assert [o.kind for o in await transport.send([message(uscc=USCC_B)])] == ["accepted"]
    assert [o.kind for o in await transport.send([two, three])] == ["accepted", "accepted"]
    received = await _received(http, simulator)
    mine = [m["sequence"] for m in received["messages"] if m["employer_uscc"] == one.employer.uscc]  # type: ignore[attr-defined]
    assert mine == [1, 2, 3]
    assert received["counts"]["out_of_order"] == 1  # type: ignore[index]
    # a new message id with a sequence already taken is a bug of the sender: permanent
    (reused,) = await transport.send([message(2)])
    assert reused.kind == "permanent" and "sequence_taken" in reused.reason


async def test_signatures_under_a_secret_it_does_not_hold_are_refused(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    (rotating,) = await _transport(http, simulator.url, shared_clock).send([message()])
    assert rotating.kind == "accepted"  # OLD and NEW: the platform holds NEW
    stranger = _transport(http, simulator.url, shared_clock, secrets=(OLD,))
    (refused,) = await stranger.send([message(2)])
    assert refused.kind == "permanent"
    assert refused.reason.startswith("401 Unauthorized:") and "no v1 signature" in refused.reason
    counts = (await _received(http, simulator))["counts"]
    assert counts["received"] == 1 and counts["bad_signatures"] == 1  # type: ignore[index]


async def test_a_timestamp_outside_the_tolerance_is_refused(
    simulator: Running, http: httpx.AsyncClient
) -> None:
    ahead = Clock.pinned(PINNED_AT + timedelta(minutes=10))
    (refused,) = await _transport(http, simulator.url, ahead).send([message()])
    assert refused.kind == "permanent" and "more than 300 s ahead" in refused.reason


async def test_fault_wrong_secret_refuses_every_message_until_reset(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    assert (await _faults(http, simulator, wrong_secret=True))["wrong_secret"] is True
    outcomes = await transport.send([message(), message(uscc=USCC_B)])
    assert [o.kind for o in outcomes] == ["permanent", "permanent"]
    assert all(o.reason.startswith("401") for o in outcomes)
    assert (await http.delete(f"{simulator.url}/faults")).json()["wrong_secret"] is False
    assert [o.kind for o in await transport.send([message()])] == ["accepted"]


async def test_fault_error_rate_with_retry_after(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    await _faults(http, simulator, error_rate=1, retry_after_seconds=7)
    (failed,) = await transport.send([message()])
    assert failed == Outcome("retry", retry_after=7.0,
                             reason='503 Service Unavailable: {"error":"injected"}')  # fmt: skip
    await _faults(http, simulator, error_rate=0.5, seed=14)
    pending = {m.message_id: m for m in (message(uscc=f"91141121MA0K{n:04d}X5") for n in range(20))}
    rounds = 0
    while pending:  # resend what failed: in the end each arrives, once
        batch = list(pending.values())
        for sent, outcome in zip(batch, await transport.send(batch), strict=True):
            if outcome.kind == "accepted":
                del pending[sent.message_id]
            else:
                assert outcome.kind == "retry"
        rounds += 1
    assert rounds > 1  # some failed at first
    counts = (await _received(http, simulator))["counts"]
    assert counts["received"] == 20 and counts["injected_errors"] >= rounds - 1  # type: ignore[index]


async def test_fault_latency_times_the_client_out(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    await _faults(http, simulator, latency_ms=500)
    impatient = _transport(http, simulator.url, shared_clock, read_timeout=0.1)
    sent = message()
    (late,) = await impatient.send([sent])
    assert late.kind == "retry" and late.reason.startswith("timeout (ReadTimeout)")
    # the platform took it all the same: sent again, it is the same message, kept once
    patient = _transport(http, simulator.url, shared_clock)
    started = asyncio.get_running_loop().time()
    (slow,) = await patient.send([sent])
    assert slow.kind == "accepted" and asyncio.get_running_loop().time() - started >= 0.5
    counts = (await _received(http, simulator))["counts"]
    assert counts["received"] == 1 and counts["duplicates"] == 1  # type: ignore[index]


async def test_fault_outage_window(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    shown = await _faults(http, simulator, outage_seconds=0.6, retry_after_seconds=1)
    assert shown["outage_until"] is not None
    (down,) = await transport.send([message()])
    assert down.kind == "retry" and down.retry_after == 1.0 and '"outage"' in down.reason
    await asyncio.sleep(0.7)
    assert [o.kind for o in await transport.send([message()])] == ["accepted"]
    until = (shared_clock.now() + timedelta(seconds=30)).isoformat()
    await _faults(http, simulator, outage_until=until)
    (down_again,) = await transport.send([message(2)])
    assert down_again.kind == "retry"
    assert (await _received(http, simulator))["counts"]["outage_refusals"] == 2  # type: ignore[index]


async def test_fault_rejecting_chosen_subjects(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    transport = _transport(http, simulator.url, shared_clock)
    refused, fine = message(1), message(2)
    await _faults(http, simulator, reject_subject_ids=[str(refused.subject_id)])
    outcomes = await transport.send([refused, fine])
    assert [o.kind for o in outcomes] == ["rejected", "accepted"]
    receipt = outcomes[0].receipt
    assert receipt is not None and receipt.acceptance_number is None
    assert receipt.reasons == [f"evaluation {refused.subject_id}: 被拒收（模拟）/ rejected by "
                               "the simulator's fault injection"]  # fmt: skip
    counts = (await _received(http, simulator))["counts"]
    assert (counts["accepted"], counts["rejected"]) == (1, 1)  # type: ignore[index]


async def test_faults_that_cannot_be_meant_are_refused_and_reset_clears_what_it_received(
    simulator: Running, http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    response = await http.post(f"{simulator.url}/faults", json={"error_rate": 2, "typo": 1})
    assert response.status_code == 422
    assert {e["loc"][0] for e in response.json()["detail"]} == {"error_rate", "typo"}
    transport = _transport(http, simulator.url, shared_clock)
    await transport.send(messages(2))
    cleared = (await http.post(f"{simulator.url}/reset")).json()
    assert cleared["counts"]["received"] == 0 and cleared["last_sequence"] == {}
    assert [o.kind for o in await transport.send(messages(1))] == ["accepted"]  # 1 again


async def test_an_unreachable_platform_is_a_retry(http: httpx.AsyncClient) -> None:
    with running(SimConfig(secrets=(NEW,))) as gone:
        url = gone.url
    (outcome,) = await _transport(http, url, Clock("UTC")).send([message()])
    assert outcome.kind == "retry" and outcome.reason.startswith("no answer (ConnectError)")


# --- receipts by callback -----------------------------------------------------------------------


class Receiver:
    """The service's receipts endpoint, as far as the simulator can tell: verifies the
    signature and the API key, and fails the first `failures` calls."""

    def __init__(self, clock: Clock, failures: int) -> None:
        self.clock, self.failures = clock, failures
        self.calls = 0
        self.receipts: list[tuple[str, Receipt]] = []

    def app(self) -> Starlette:
        async def receipts(request: Request) -> Response:
            self.calls += 1
            if self.calls <= self.failures:
                return JSONResponse({"error": "down"}, status_code=503)
            body = await request.body()
            try:
                signing.verify(secrets=[CALLBACK_SECRET], headers=request.headers, body=body,
                               now=int(self.clock.now().timestamp()))  # fmt: skip
            except signing.SignatureInvalid as exc:
                return JSONResponse({"error": exc.reason}, status_code=401)
            if request.headers.get("x-api-key") != "lc_test_key":
                return JSONResponse({"error": "key"}, status_code=401)
            self.receipts.append((request.headers["webhook-id"], Receipt.model_validate_json(body)))
            return Response(status_code=204)

        return Starlette(routes=[Route("/api/v1/platform/receipts", receipts, methods=["POST"])])


async def _until(condition: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.05)


async def test_callback_receipts_are_signed_and_retried_while_the_service_is_down(
    http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    receiver = Receiver(shared_clock, failures=2)
    with running_app(receiver.app()) as service:
        config = SimConfig(
            secrets=(NEW,),
            receipts="callback",
            callback_url=f"{service}/api/v1/platform/receipts",
            callback_secret=CALLBACK_SECRET,
            callback_api_key="lc_test_key",
            callback_backoff_seconds=0.05,
            clock=shared_clock,
        )
        with running(config) as sim:
            transport = _transport(http, sim.url, shared_clock)
            sent = message()
            assert await transport.send([sent]) == [Outcome("awaiting_receipt")]
            await _until(lambda: receiver.receipts)
            ((webhook_id, receipt),) = receiver.receipts
            assert webhook_id != str(sent.message_id)  # the callback is a webhook of its own
            assert receipt.message_id == sent.message_id and receipt.status == "accepted"
            assert receiver.calls == 3
            (callback,) = (await _received(http, sim))["callbacks"]  # type: ignore[misc]
            assert callback["attempts"] == 3 and callback["delivered"] is True
            # the same message again: the first answer, and no second receipt
            assert await transport.send([sent]) == [Outcome("awaiting_receipt")]
            await asyncio.sleep(0.2)
            assert len(receiver.receipts) == 1


async def test_a_callback_given_up_after_its_attempts_shows_why(
    http: httpx.AsyncClient, shared_clock: Clock
) -> None:
    with running_app(Receiver(shared_clock, failures=0).app()) as closed:
        pass  # its port is free again: nothing answers there
    config = SimConfig(
        secrets=(NEW,),
        receipts="callback",
        callback_url=f"{closed}/api/v1/platform/receipts",
        callback_secret=CALLBACK_SECRET,
        callback_attempts=3,
        callback_backoff_seconds=0.02,
        clock=shared_clock,
    )
    with running(config) as sim:
        await _transport(http, sim.url, shared_clock).send([message()])
        await _until(lambda: sim.platform.callbacks and sim.platform.callbacks[0].attempts == 3)
        await asyncio.sleep(0.1)
        (callback,) = (await _received(http, sim))["callbacks"]  # type: ignore[misc]
        assert callback["delivered"] is False and callback["attempts"] == 3
        assert callback["last_error"].startswith("ConnectError")
        assert (await _received(http, sim))["counts"]["callbacks_pending_or_failed"] == 1  # type: ignore[index]


def test_callback_receipts_need_a_url_and_a_secret() -> None:
    with pytest.raises(ValueError, match="callback URL and a callback secret"):
        SimConfig(secrets=(NEW,), receipts="callback")
    with pytest.raises(ValueError, match="at least one secret"):
        SimConfig(secrets=())
