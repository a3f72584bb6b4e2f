"""The sender: claims the messages that are due, sends them through the platform transport and
records each Outcome; several pushers (replicas, the scheduler's job, `labor-credit pusher`) may
run at once.

Order per employer, employers in parallel: a message is claimed only when every earlier message
of its employer is past — awaiting its receipt, accepted, or rejected (the platform has it and
answered with a receipt). A pending or sending message holds its employer's later ones, and so
does a dead letter: the platform never got it and would refuse what follows as out of order
(409 out_of_order), so they stay pending, "blocked behind a dead letter" (`blocked_by` in the
deliveries, `blocked` in the stats), until an operator replays it (back to pending: the
employer then flows in sequence). A claim takes at most one message per employer, `FOR UPDATE
SKIP LOCKED`, and marks it `sending` under a lease with a claim id, in a transaction of its own
that commits before anything is sent. So two pushers never hold one message, and an employer's
next message waits until its predecessor is past. A pusher that dies between send and
acknowledge leaves its messages `sending`: when the lease ends they are claimed again and
re-sent with the same message id, which the platform de-duplicates. An acknowledgement counts
only for the claim that sent it (its claim id).

A claim's work is proportional to its batch, whatever the backlog (a grading run leaves about a
million messages, one per employer): it walks the expired leases (partial index on lease_until
WHERE sending) and then the due messages in the order they are due (partial index on
(next_attempt_at, id) WHERE pending), and keeps each one whose employer has no earlier message
holding it — one probe of the partial index on (employer_id, sequence) WHERE pending, sending or
dead — until the batch is full. Rows it must step over are the due messages of employers whose
earlier message holds them (a deep backlog of a few employers, or messages behind a dead
letter or a retry's wait): at most those employers' backlog, never the whole outbox.

Retries follow `push_retry_schedule_seconds` with jitter, never sooner than the platform's
Retry-After; after the last one the message is dead. The circuit breaker is one row in the
database (`push_breaker`), so every pusher of every replica shares it: after
`push_breaker_failures` consecutive transport failures it opens for `push_breaker_open_seconds`,
then lets one pusher send one message as a probe (half open, under a lease): an answer closes
it, a failure opens it again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import Clock
from app.core.config import Settings
from app.core.observability import REGISTRY
from app.integrations.platform.client import Outcome, Transport
from app.integrations.platform.payloads import Message
from app.models.push import BreakerState
from app.push import rules

log = logging.getLogger(__name__)

Factory = async_sessionmaker[AsyncSession]
BREAKER = "platform"
ATTEMPTS = Counter(
    "push_attempts_total",
    "messages sent to the city platform, by outcome",
    ["outcome"],
    registry=REGISTRY,
)


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    claim_id: uuid.UUID
    attempts: int  # this one included
    message: Message


# The employer's earlier messages that hold `m` back (`HOLDING`): one index probe per candidate.
_FIRST_IN_LINE = """
NOT EXISTS (SELECT 1 FROM push_messages e
            WHERE e.employer_id = m.employer_id AND e.sequence < m.sequence
              AND e.status IN ('pending', 'sending', 'dead'))
"""
_EXPIRED = f"""
SELECT m.id FROM push_messages m
WHERE m.status = 'sending' AND m.lease_until <= :now AND {_FIRST_IN_LINE}
ORDER BY m.lease_until, m.id
LIMIT :limit
FOR UPDATE OF m SKIP LOCKED
"""
_DUE = f"""
SELECT m.id FROM push_messages m
WHERE m.status = 'pending' AND m.next_attempt_at <= :now AND {_FIRST_IN_LINE}
ORDER BY m.next_attempt_at, m.id
LIMIT :limit
FOR UPDATE OF m SKIP LOCKED
"""
_TAKE = """
UPDATE push_messages SET status = 'sending', claim_id = :claim_id, lease_until = :lease_until,
       attempts = attempts + 1, updated_at = :now
WHERE id = ANY(:ids)
RETURNING id, attempts, body
"""


async def claim(*, factory: Factory, settings: Settings, clock: Clock, limit: int) -> list[Claimed]:
    """Up to `limit` due messages, at most one per employer (the first in its line), now ours
    to send: expired leases first (a pusher died holding them), then in the order they are due."""
    now = clock.now()
    claim_id = uuid.uuid4()
    async with factory() as session, session.begin():
        ids = list((await session.scalars(text(_EXPIRED), {"now": now, "limit": limit})).all())
        if len(ids) < limit:
            params = {"now": now, "limit": limit - len(ids)}
            ids += (await session.scalars(text(_DUE), params)).all()
        if not ids:
            return []
        lease_until = now + timedelta(seconds=settings.push_lease_seconds)
        rows = (
            await session.execute(
                text(_TAKE),
                {"ids": ids, "claim_id": claim_id, "lease_until": lease_until, "now": now},
            )
        ).all()
    found = [
        Claimed(row.id, claim_id, row.attempts, Message.model_validate(row.body)) for row in rows
    ]
    place = {one: n for n, one in enumerate(ids)}
    return sorted(found, key=lambda c: place[c.id])


async def _send(transport: Transport, claimed: Sequence[Claimed]) -> list[Outcome]:
    """The transport's Outcomes; one that raises, or answers the wrong number, is a retry for
    every message (the platform may have received some: they are re-sent with their ids)."""
    try:
        outcomes = await transport.send([c.message for c in claimed])
    except Exception as exc:  # a transport's failure is an outcome, never the pusher's end
        log.warning("push transport failed", exc_info=True)
        return [Outcome("retry", reason=f"{type(exc).__name__}: {exc}"[:500])] * len(claimed)
    if len(outcomes) != len(claimed):
        reason = f"the transport answered {len(outcomes)} outcomes for {len(claimed)} messages"
        return [Outcome("retry", reason=reason)] * len(claimed)
    return list(outcomes)


_RECEIPTED = """
UPDATE push_messages SET status = :status, acceptance_number = :number,
       receipt_reasons = :reasons, receipt_received_at = :received_at,
       acknowledged_at = :now, sent_at = :now, sent_on = coalesce(sent_on, :today),
       lease_until = NULL, claim_id = NULL, last_error = NULL, updated_at = :now
WHERE id = :id AND claim_id = :claim_id AND status = 'sending'
"""
_DELIVERED = """
UPDATE push_messages SET status = 'awaiting_receipt', acknowledged_at = :now, sent_at = :now,
       sent_on = coalesce(sent_on, :today), lease_until = NULL, claim_id = NULL,
       last_error = NULL, updated_at = :now
WHERE id = :id AND claim_id = :claim_id AND status = 'sending'
"""
_RETRY = """
UPDATE push_messages SET status = 'pending', next_attempt_at = :next_attempt_at,
       last_error = :error, sent_at = :now, lease_until = NULL, claim_id = NULL, updated_at = :now
WHERE id = :id AND claim_id = :claim_id AND status = 'sending'
"""
_DEAD = """
UPDATE push_messages SET status = 'dead', last_error = :error, sent_at = :now,
       lease_until = NULL, claim_id = NULL, updated_at = :now
WHERE id = :id AND claim_id = :claim_id AND status = 'sending'
"""


def _statement(
    claimed: Claimed, outcome: Outcome, settings: Settings, now: datetime, today: Any
) -> tuple[str, dict[str, Any]]:
    key = {"id": claimed.id, "claim_id": claimed.claim_id, "now": now}
    if outcome.kind in ("accepted", "rejected"):
        receipt = outcome.receipt
        return _RECEIPTED, {
            **key, "status": outcome.kind, "today": today,
            # the platform's words, cut to the columns: one over-long answer must not fail
            # the batch's acknowledgement (and send it again, forever)
            "number": receipt.acceptance_number[:200] if receipt and receipt.acceptance_number
            else None,
            "reasons": [r[:1000] for r in receipt.reasons[:50]] if receipt and receipt.reasons
            else None,
            "received_at": receipt.received_at if receipt else now,
        }  # fmt: skip
    if outcome.kind == "awaiting_receipt":
        return _DELIVERED, {**key, "today": today}
    if outcome.kind == "permanent":
        return _DEAD, {**key, "error": f"permanent: {outcome.reason}"[:2000]}
    delay = rules.retry_delay(
        claimed.attempts,
        settings.push_retry_schedule_seconds,
        jitter=settings.push_jitter,
        retry_after=outcome.retry_after,
    )
    if delay is None:
        error = f"retries exhausted after {claimed.attempts} attempts: {outcome.reason}"
        return _DEAD, {**key, "error": error[:2000]}
    return _RETRY, {
        **key,
        "next_attempt_at": rules.next_attempt(now, delay),
        "error": f"attempt {claimed.attempts}: {outcome.reason}"[:2000],
    }


async def acknowledge(
    *,
    factory: Factory,
    settings: Settings,
    clock: Clock,
    claimed: Sequence[Claimed],
    outcomes: Sequence[Outcome],
) -> None:
    """Record each Outcome (only for the claim that sent it) and feed the breaker."""
    now = clock.now()
    today = clock.local(now).date()
    grouped: dict[str, list[dict[str, Any]]] = {}  # one executemany per kind of statement
    for one, outcome in zip(claimed, outcomes, strict=True):
        statement, params = _statement(one, outcome, settings, now, today)
        grouped.setdefault(statement, []).append(params)
    async with factory() as session, session.begin():
        for statement, rows in grouped.items():
            await session.execute(text(statement), rows)
        for outcome in outcomes:
            ATTEMPTS.labels(outcome.kind).inc()
        failures = [o for o in outcomes if o.kind == "retry"]
        await _feed_breaker(session, settings, now, len(failures), len(outcomes), failures)


# --- the circuit breaker --------------------------------------------------------------------


async def _breaker(session: AsyncSession) -> Any:
    await session.execute(
        text("INSERT INTO push_breaker (name, state, failures) VALUES (:n, 'closed', 0) "
             "ON CONFLICT DO NOTHING"),
        {"n": BREAKER},
    )  # fmt: skip
    return (
        await session.execute(
            text("SELECT * FROM push_breaker WHERE name = :n FOR UPDATE"), {"n": BREAKER}
        )
    ).one()


async def admit(
    *, factory: Factory, settings: Settings, clock: Clock, wanted: int
) -> tuple[int, bool]:
    """How many messages the breaker lets this pusher send now, and whether they are the probe:
    `wanted` when closed, 1 for the probe when its open time has passed (no other pusher
    probing), else 0."""
    now = clock.now()
    async with factory() as session, session.begin():
        row = await _breaker(session)
        if row.state == BreakerState.closed:
            return wanted, False
        if row.state == BreakerState.open and row.open_until > now:
            return 0, False
        if row.state == BreakerState.half_open and row.probe_until > now:
            return 0, False  # another pusher is probing
        await session.execute(
            text("UPDATE push_breaker SET state = 'half_open', probe_until = :until, "
                 "updated_at = :now WHERE name = :n"),
            {"until": now + timedelta(seconds=settings.push_lease_seconds), "now": now,
             "n": BREAKER},
        )  # fmt: skip
        log.info("push breaker half open: one probe")
        return 1, True


async def _feed_breaker(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    failed: int,
    sent: int,
    failures: Sequence[Outcome],
) -> None:
    row = await _breaker(session)
    if failed < sent:  # the platform answered: it is up
        if row.state != BreakerState.closed or row.failures:
            await session.execute(
                text("UPDATE push_breaker SET state = 'closed', failures = 0, open_until = NULL, "
                     "probe_until = NULL, updated_at = :now WHERE name = :n"),
                {"now": now, "n": BREAKER},
            )  # fmt: skip
            if row.state != BreakerState.closed:
                log.info("push breaker closed: the platform answers")
        return
    count = row.failures + failed
    opens = row.state == BreakerState.half_open or count >= settings.push_breaker_failures
    until = now + timedelta(seconds=settings.push_breaker_open_seconds) if opens else None
    await session.execute(
        text(
            "UPDATE push_breaker SET failures = :count, last_error = :error, updated_at = :now, "
            "state = CASE WHEN :opens THEN 'open' ELSE state END, "
            "open_until = CASE WHEN :opens THEN CAST(:until AS timestamptz) ELSE open_until END, "
            "probe_until = NULL WHERE name = :n"
        ),
        {"count": count, "error": failures[-1].reason[:2000] if failures else None,
         "now": now, "opens": opens, "until": until, "n": BREAKER},
    )  # fmt: skip
    if opens:
        log.warning("push breaker open", extra={"failures": count, "until": str(until)})


# --- draining -------------------------------------------------------------------------------


async def drain(
    *,
    factory: Factory,
    transport: Transport,
    settings: Settings,
    clock: Clock,
    limit: int | None = None,
) -> int:
    """Send until nothing is due (or the breaker stops it, or `limit` messages were sent); the
    number of messages sent, whatever their outcome."""
    sent = 0
    while limit is None or sent < limit:
        wanted = settings.push_batch if limit is None else min(settings.push_batch, limit - sent)
        allowed, probing = await admit(
            factory=factory, settings=settings, clock=clock, wanted=wanted
        )
        if not allowed:
            break
        claimed = await claim(factory=factory, settings=settings, clock=clock, limit=allowed)
        if not claimed:
            if probing:  # the probe found nothing to send: the next round may probe
                await _release_probe(factory, clock)
            break
        outcomes = await _send(transport, claimed)
        await acknowledge(
            factory=factory, settings=settings, clock=clock, claimed=claimed, outcomes=outcomes
        )
        sent += len(claimed)
    return sent


async def _release_probe(factory: Factory, clock: Clock) -> None:
    async with factory() as session, session.begin():
        await session.execute(
            text("UPDATE push_breaker SET probe_until = :now WHERE name = :n "
                 "AND state = 'half_open'"),
            {"now": clock.now(), "n": BREAKER},
        )  # fmt: skip
