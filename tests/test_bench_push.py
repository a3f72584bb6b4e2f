"""The push benchmark at a tiny size (a database of this module's own, committed for real): its
outbox rows are valid Messages numbered per employer as the outbox numbers them, `sender.drain`
delivers them through the HTTP transport to the platform simulator in its own process exactly
once and in order per employer, and so does the bare loop, to a fresh simulator."""

from __future__ import annotations

import asyncio

from app.core import migrations
from app.core.clock import Clock
from app.integrations.platform import signing
from bench import push
from tests.conftest import throwaway_database

MESSAGES, EACH = 50, 5


async def test_the_bench_drains_its_outbox_exactly_once_in_order(database_url: str) -> None:
    secret = signing.new_secret()
    async with throwaway_database(database_url, "push_bench") as url:
        await asyncio.to_thread(migrations.upgrade, url)
        now = Clock("Asia/Shanghai").now()
        assert await push.load(url, MESSAGES, each=EACH, now=now) == MESSAGES
        messages = await push.outbox(url)
        assert len({m.employer.uscc for m in messages}) == MESSAGES // EACH
        per_employer = list(range(1, EACH + 1)) * (MESSAGES // EACH)
        assert sorted(m.sequence for m in messages) == sorted(per_employer)
        async with push.simulator(secret) as base:
            settings = push.settings_for(url, base, secret).model_copy(update={"push_batch": 4})
            rounds = push.batches(messages, settings.push_batch)
            assert all(len({messages[i].employer.uscc for i in r}) == len(r) for r in rounds)
            payloads = push.signed(messages, secret, Clock(settings.timezone).now())
            ok, _ = await push.bare(base, payloads, rounds, settings)
            assert ok == MESSAGES
            assert push.check_exactly_once_in_order(await push.received(base), messages) == MESSAGES
        async with push.simulator(secret) as base:
            settings = push.settings_for(url, base, secret).model_copy(update={"push_batch": 4})
            sent, _ = await push.drain(url, settings)
            shown = await push.received(base)
        assert sent == MESSAGES
        assert push.check_exactly_once_in_order(shown, messages) == MESSAGES
        assert shown["counts"]["out_of_order"] == 0
        assert await push.statuses(url) == {"accepted": MESSAGES}
