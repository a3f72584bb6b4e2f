"""The city credit-sharing platform (市信用信息共享平台, Art 7, 16): the wire format
(`payloads`), Standard Webhooks signing (`signing`), and the transports that deliver messages to
it: over HTTP (`client`) or as signed file packages (`files`, GB/T 39443 file mode).

The platform's real interface is not published (DOMAIN §10), so everything here is configurable
(`LABOR_CREDIT_PLATFORM_*`, docs/operations.md) and developed against `platform_sim`.
"""
