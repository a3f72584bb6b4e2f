"""Unexpected errors (a 500 is a bug): the caller gets a problem with the request id, the log one
line per failure naming the request, and the traceback once per kind of failure in a while, so
a failure repeated a thousand times a minute is a thousand short lines and one traceback."""

from __future__ import annotations

import logging
import time
import traceback
from collections import OrderedDict

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from app.core.errors import InternalError
from app.core.i18n import Text
from app.core.problem_json import problem_response

log = logging.getLogger(__name__)

TRACEBACK_EVERY_SECONDS = 300.0  # per kind of failure (exception type and where it was raised)
KINDS_KEPT = 256  # kinds remembered; the oldest is forgotten first


class Failures:
    """When each kind of failure last had its traceback logged."""

    def __init__(self, every: float = TRACEBACK_EVERY_SECONDS) -> None:
        self.every = every
        self._logged: OrderedDict[tuple[str, str, int], float] = OrderedDict()

    def log(self, exc: BaseException, *, request_id: str, method: str, path: str) -> None:
        kind = _kind(exc)
        now = time.monotonic()
        last = self._logged.get(kind)
        with_traceback = last is None or now - last >= self.every
        if with_traceback:
            self._logged[kind] = now
            self._logged.move_to_end(kind)
            while len(self._logged) > KINDS_KEPT:
                self._logged.popitem(last=False)
        log.error(
            "unhandled error",
            exc_info=exc if with_traceback else None,
            extra={
                "request_id": request_id,
                "method": method,
                "path": path,
                "error": kind[0],
                "at": f"{kind[1]}:{kind[2]}",
                "traceback": "logged" if with_traceback else "logged before",
            },
        )


def _kind(exc: BaseException) -> tuple[str, str, int]:
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1] if frames else None
    return (
        type(exc).__qualname__,
        where.filename if where else "",
        where.lineno or 0 if where else 0,
    )


async def answer(scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
    """The 500 problem (with no word of what failed: the log has it)."""
    response = problem_response(
        Request(scope, receive),
        InternalError,
        detail=Text(
            f"服务内部出错；请把请求编号 {request_id} 告诉系统管理员",
            "an unexpected error occurred; quote the request id",
        ),
    )
    await response(scope, receive, send)
