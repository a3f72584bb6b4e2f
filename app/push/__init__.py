"""The push to the city credit-sharing platform (Art 7, 16; issue 14): the outbox fed by the event
log, the sender, receipts, reconciliation and the pusher's jobs."""
