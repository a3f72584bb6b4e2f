"""Who may scrape /metrics (docs/operations.md). Its gauges are county figures (Art 17 deadlines,
the calendar, request counts by route), not for anyone who can reach the port: a scrape from an
allowed network (LABOR_CREDIT_METRICS_ALLOWED_NETWORKS, by default this machine only) is let in,
and from anywhere else one sending `Authorization: Bearer <LABOR_CREDIT_METRICS_TOKEN>`, which
Prometheus sends with `authorization: {credentials_file: ...}` in its scrape config."""

from __future__ import annotations

import hmac
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.deps import SettingsDep, client_address
from app.core.config import Settings
from app.core.errors import Forbidden, Unauthorized
from app.core.i18n import Text


class MetricsTokenRequired(Unauthorized):
    slug = "metrics-token-required"
    title = Text("需要监控令牌", "Metrics token required")
    about = Text(
        "/metrics 只对允许的网络（LABOR_CREDIT_METRICS_ALLOWED_NETWORKS）和带有监控令牌"
        "（LABOR_CREDIT_METRICS_TOKEN）的抓取开放：这次抓取来自其他地址，没有带令牌或令牌不对。",
        "/metrics is open to the allowed networks (LABOR_CREDIT_METRICS_ALLOWED_NETWORKS) and to "
        "scrapes carrying the metrics token (LABOR_CREDIT_METRICS_TOKEN): this one came from "
        "elsewhere without the token, or with another.",
    )
    remedy = Text(
        "在 Prometheus 的抓取配置中设置 authorization（类型 Bearer，凭据为该令牌），或从允许的网络"
        "抓取。",
        "Set `authorization` (type Bearer, the token as credentials) in Prometheus's scrape "
        "config, or scrape from an allowed network.",
    )
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}  # noqa: RUF012  (read-only)


class MetricsAddressRefused(Forbidden):
    slug = "metrics-address-refused"
    title = Text("不允许从这个地址抓取监控指标", "Metrics not open to this address")
    about = Text(
        "/metrics 只对允许的网络（LABOR_CREDIT_METRICS_ALLOWED_NETWORKS，默认只有本机）开放，"
        "且没有设置监控令牌（LABOR_CREDIT_METRICS_TOKEN）：这次抓取来自其他地址。",
        "/metrics is open only to the allowed networks (LABOR_CREDIT_METRICS_ALLOWED_NETWORKS, by "
        "default this machine) and no metrics token (LABOR_CREDIT_METRICS_TOKEN) is set: this "
        "scrape came from another address.",
    )
    remedy = Text(
        "把 Prometheus 所在的网络加入 LABOR_CREDIT_METRICS_ALLOWED_NETWORKS，或设置"
        " LABOR_CREDIT_METRICS_TOKEN 并让 Prometheus 以 Bearer 令牌发送。",
        "Add Prometheus's network to LABOR_CREDIT_METRICS_ALLOWED_NETWORKS, or set "
        "LABOR_CREDIT_METRICS_TOKEN and have Prometheus send it as a Bearer token.",
    )


def _address(host: str | None) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(host or "")
    except ValueError:  # no client address (a Unix socket) or not an IP
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped:  # a dual-stack socket
        return address.ipv4_mapped
    return address


def check(settings: Settings, host: str | None, token: str | None) -> None:
    """Let the scrape from `host` with `token` (a Bearer credential) in, or raise the refusal
    that says what would let it in."""
    address = _address(host)
    if address is not None and any(address in n for n in settings.metrics_allowed_networks):
        return
    expected = settings.metrics_token
    if expected is not None:
        sent = (token or "").encode()
        if hmac.compare_digest(sent, expected.get_secret_value().encode()):
            return
        raise MetricsTokenRequired(
            Text("缺少监控令牌或令牌不对", "the metrics token is missing or wrong")
        )
    raise MetricsAddressRefused(
        Text(
            f"{host or '未知地址'} 不在允许抓取监控指标的网络之中",
            f"{host or 'an unknown address'} is not in a network allowed to scrape metrics",
        )
    )


_metrics_token = HTTPBearer(
    auto_error=False,
    scheme_name="MetricsToken",
    description="LABOR_CREDIT_METRICS_TOKEN, for a scrape from outside the allowed networks",
)


async def _allowed_scraper(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_metrics_token)],
) -> None:
    check(settings, client_address(request), bearer.credentials if bearer else None)


AllowedScraper = Annotated[None, Depends(_allowed_scraper)]
