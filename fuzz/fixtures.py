"""What the demo county lacks and some operations read: an import, evidence on a record and on a
representation. Made through the API, as the inspector and the demo employer would, before any
case runs; their ids join the run's dictionaries."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

API = "/api/v1"
PDF = b"%PDF-1.7\n" + b"evidence " * 50
IMPORT_HEADER = [
    "统一社会信用代码 (uscc)",
    "信息类别 (category)",
    "信息来源 (source)",
    "信息种类 (kind)",
    "发生日期 (occurred_date)",
    "标题 (title)",
]


def made(
    base_url: str,
    inspector: dict[str, str],
    employer: dict[str, str],
    seeded_uscc: str,
    record: dict[str, Any],
    own_evaluations: list[str],
) -> dict[str, list[Any]]:
    """{"import_id": [...], "attachment_id": [...], "record_id": [...]}: what was made."""
    with httpx.Client(base_url=f"{base_url}{API}", timeout=60) as client:
        created = _ok(client.post("/credit-records", json=record, headers=inspector))
        evidence = _ok(
            client.post(
                f"/credit-records/{created['id']}/attachments",
                files={"file": ("处罚决定书.pdf", PDF, "application/pdf")},
                headers=inspector,
            )
        )
        job = _ok(
            client.post(
                "/imports",
                files={"file": ("records.csv", _csv(seeded_uscc))},
                data={"dry_run": "false"},
                headers=inspector,
            )
        )
        attachments = [evidence["id"]]
        for evaluation_id in own_evaluations:  # the one with an open C notice takes evidence
            answer = client.post(
                f"/evaluations/{evaluation_id}/representations/attachments",
                files={"file": ("整改凭证.pdf", PDF, "application/pdf")},
                headers=employer,
            )
            if answer.status_code == 201:
                attachments.append(answer.json()["id"])
                break
    return {"import_id": [job["id"]], "attachment_id": attachments, "record_id": [created["id"]]}


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    found: dict[str, Any] = response.json()
    return found


def _csv(uscc: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADER)
    writer.writerow([uscc, "dishonesty", "inspection", "wages", "2026-03-01", "拖欠工资（导入）"])
    writer.writerow([uscc, "dishonesty", "inspection", "wages", "not a date", "a row in error"])
    return buffer.getvalue().encode()
