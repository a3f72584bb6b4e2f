"""A simulator of the city credit-sharing platform, to develop and test the push against
(issue 14; docs/operations.md, "The platform simulator"): `labor-credit platform-sim`.

It verifies Standard Webhooks signatures, keeps one copy per message id, checks each employer's
sequence, answers receipts in the response (`sync`) or by a signed callback (`callback`), shows
what it received (`GET /received`) and injects faults on request (`POST /faults`).
`server.build_app(config)` is the ASGI app; `serving.running(config)` runs it on a free port in
a background thread for tests.
"""
