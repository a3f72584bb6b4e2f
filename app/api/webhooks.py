"""The OpenAPI document's `webhooks`: every message the service pushes to the city
credit-sharing platform (issue 14), with examples, so the platform's team and auditors see the
exact payloads. Nothing here is served: FastAPI lists `app.webhooks` in /openapi.json only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import Body, FastAPI

from app.integrations.platform.payloads import (
    DoublePublicityRecord,
    Employer,
    Message,
    MessageType,
    Receipt,
    Subject,
)

EMPLOYER = {"uscc": "914403001922038216", "name": "文水县示例建筑有限公司",
            "legal_representative": "张建国"}  # fmt: skip
RECORD = {
    "decision_number": "文人社监罚字〔2026〕12号", "violation_type": "拖欠农民工工资",
    "violation_facts": "拖欠12名农民工工资共计86000.50元",
    "legal_basis": "《保障农民工工资支付条例》第五十五条",
    "penalty_category": "fine", "penalty_content": "罚款人民币贰万元",
    "fine_amount": Decimal("20000.00"),
    "decision_date": date(2026, 3, 10), "penalty_valid_until": date(2029, 3, 10),
    "publication_end_date": date(2029, 3, 10), "issuing_authority": "文水县人力资源和社会保障局",
    "issuing_authority_uscc": "11141121012345671P", "data_source_unit": "文水县劳动保障监察大队",
    "data_source_unit_uscc": "11141121012345671P", "remarks": None,
}  # fmt: skip
AT = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
HEADERS = (
    "Each message is POSTed as JSON to `{LABOR_CREDIT_PLATFORM_URL}/messages`, signed in the "
    "Standard Webhooks layout: `webhook-id` (the `message_id`), `webhook-timestamp` (Unix "
    'seconds), `webhook-signature` (`v1,<base64 HMAC-SHA256 over "id.timestamp.body">`, one '
    "per active secret during a rotation), and `Idempotency-Key` (the `message_id`). The "
    "platform de-duplicates by `message_id` (a crash re-sends the same one) and checks that "
    "each employer's `sequence` is its last + 1. It answers 200/201 with a Receipt, or 202 "
    "and later POSTs the Receipt to /api/v1/platform/receipts; 408, 409, 425, 429 and 5xx are "
    "retried (Retry-After honoured), any other 4xx is permanent (dead letter)."
)


def _message(kind: MessageType, subject: Subject, sequence: int, **fields: Any) -> dict[str, Any]:
    message = Message(
        message_id=uuid.UUID(int=sequence), type=kind, sequence=sequence, occurred_at=AT,
        subject=subject, subject_id=uuid.UUID(int=1000 + sequence),
        employer=Employer(uscc=EMPLOYER["uscc"], name=EMPLOYER["name"]), **fields,
    )  # fmt: skip
    return message.model_dump(mode="json")


def _record() -> DoublePublicityRecord:
    return DoublePublicityRecord.from_record(RECORD, EMPLOYER)


def _examples() -> dict[MessageType, dict[str, dict[str, Any]]]:
    record = {"record_key": str(uuid.UUID(int=7)), "version": 1, "kind": "wages",
              "category": "dishonesty", "severity": "serious", "in_catalogue": True}  # fmt: skip
    grade = {"cycle": 2025, "grade": "C", "effective_from": "2026-03-20",
             "previous_grade": "B", "origin": "dynamic"}  # fmt: skip
    disclosure = {"disclosure_id": str(uuid.UUID(int=9)), "cycle": 2025, "list_status": "black",
                  "items": [{"item_id": str(uuid.UUID(int=10)),
                             "record_id": str(uuid.UUID(int=1001)),
                             "decision_number": RECORD["decision_number"], "severity": "serious",
                             "publication_end_date": "2029-03-10",
                             "repair_available_from": "2027-03-10"}]}  # fmt: skip
    upsert, correct, withdraw = MessageType.upsert, MessageType.correct, MessageType.withdraw
    return {
        upsert: {
            "credit_record": _example("核实的目录信息（信用记录）", "a verified catalogue record",
                                      _message(upsert, Subject.credit_record, 1, record=_record(),
                                               data=record)),
            "grade": _example("信用等级生效", "a grade in force",
                              _message(upsert, Subject.evaluation, 2, data=grade)),
            "disclosure": _example("失信信息公示", "a disclosure published",
                                   _message(upsert, Subject.disclosure, 3, data=disclosure)),
        },
        correct: {
            "credit_record": _example(
                "异议成立后更正的记录（5个工作日内推送）",
                "a record corrected after an upheld objection (pushed within 5 working days)",
                _message(correct, Subject.credit_record, 4, record=_record(),
                         data={**record, "version": 2, "previous_id": str(uuid.UUID(int=1001)),
                               "reason": "处罚决定书号录入错误"}),
            ),
        },
        withdraw: {
            "credit_record": _example("撤销的记录", "a revoked record",
                                      _message(withdraw, Subject.credit_record, 5,
                                               record=_record(), data=record)),
            "grade": _example("信用修复通过：撤回公示事项", "a repair approved: the item withdrawn",
                              _message(withdraw, Subject.repair, 6,
                                       data={"repair_id": str(uuid.UUID(int=11)),
                                             "item_id": str(uuid.UUID(int=10)),
                                             "outcome": "approved", "reasons": [],
                                             "decided_on": "2027-04-02"})),
            "disclosure": _example("撤销公示", "a disclosure withdrawn",
                                   _message(withdraw, Subject.disclosure, 7,
                                            data={"disclosure_id": str(uuid.UUID(int=9)),
                                                  "cycle": 2025, "reason": "grade_changed",
                                                  "withdrawn_at": "2026-06-01T02:00:00Z"})),
        },
    }  # fmt: skip


def _example(zh: str, en: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"summary": f"{zh} / {en}", "value": value}


WHAT = {
    MessageType.upsert: (
        "新增或更新 / Add or update",
        "A verified catalogue record (Art 7), a wage-arrears listing, a grade in force (a "
        "grading run's grades one message each), a disclosure published or changed, an "
        "objection decided.",
    ),
    MessageType.correct: (
        "更正 / Correction",
        "A record corrected (a new version superseding the one sent before; after an upheld "
        "objection due within 5 working days of the decision, Art 16). `data.previous_id` "
        "names the version it replaces.",
    ),
    MessageType.withdraw: (
        "撤回 / Withdrawal",
        "A record revoked, a listing ended, a disclosure withdrawn, a credit repair approved "
        "(its item's publication ends; 国家发展改革委令第36号).",
    ),
}


def document(app: FastAPI) -> None:
    """One webhook per message type, each with its examples and the Receipt it is answered by."""
    examples = _examples()
    for kind, (summary, what) in WHAT.items():
        _register(app, kind, summary, f"{what}\n\n{HEADERS}", examples[kind])


def _register(
    app: FastAPI, kind: MessageType, summary: str, description: str, examples: dict[str, Any]
) -> None:
    # the default-value form: the annotation (a string here) names only module-level types
    async def message(body: Message = Body(openapi_examples=examples)) -> Receipt:
        raise NotImplementedError  # documentation only: the platform receives it

    message.__name__ = f"platform_message_{kind.value}"
    app.webhooks.post(
        f"platform-message-{kind.value}",
        summary=summary,
        description=description,
        tags=["platform"],
        response_model=Receipt,
        responses={202: {"description": "received; the Receipt follows by callback"}},
    )(message)
