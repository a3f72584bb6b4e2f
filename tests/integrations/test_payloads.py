"""The wire format: a penalty record in the double-publicity field set, the fine in 万元 as an
exact decimal, dates as ISO dates, and no personal data."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.integrations.platform.payloads import (
    DoublePublicityRecord,
    Employer,
    Message,
    MessageType,
    Receipt,
    Subject,
    ten_thousand_yuan,
)

EMPLOYER: dict[str, Any] = {
    "name": "文水县宏达建筑工程有限公司",
    "uscc": "91141121MA0K1234X5",
    "legal_representative": "张建国",
    "subject_type": "enterprise",
    # personal data the employer's row holds, never sent
    "legal_representative_id_number": "142301198001011234",
    "legal_representative_id_number_masked": "1423**********1234",
    "contact_phone": "13912345678",
}
RECORD: dict[str, Any] = {
    "decision_number": "文人社监罚字〔2026〕12号",
    "violation_type": "拖欠劳动者工资",
    "violation_facts": "拖欠12名农民工工资",
    "legal_basis": "《保障农民工工资支付条例》第五十四条",
    "penalty_category": "fine",
    "penalty_content": "罚款",
    "fine_amount": Decimal("12345.67"),
    "decision_date": date(2026, 3, 10),
    "penalty_valid_until": date(2027, 3, 9),
    "publication_end_date": date(2029, 3, 10),
    "issuing_authority": "文水县人力资源和社会保障局",
    "issuing_authority_uscc": "11141121012345671P",
    "data_source_unit": "文水县劳动保障监察大队",
    "data_source_unit_uscc": "12141121012345678Q",
    "remarks": None,
    "status": "verified",
    "collected_by": uuid.uuid4(),
}


def test_a_penalty_record_in_the_double_publicity_fields() -> None:
    record = DoublePublicityRecord.from_record(RECORD, EMPLOYER)
    sent = json.loads(record.model_dump_json())
    assert sent["fine_amount_10k_yuan"] == "1.234567"  # 12345.67 yuan, exactly
    assert record.fine_amount_10k_yuan == Decimal("1.234567")
    assert sent["party_name"] == EMPLOYER["name"] and sent["party_uscc"] == EMPLOYER["uscc"]
    assert sent["party_category"] == "法人及非法人组织"
    assert sent["legal_representative"] == "张建国"
    assert sent["penalty_category"] == "罚款"  # the national field set's word
    assert sent["decision_date"] == "2026-03-10"
    assert sent["penalty_valid_until"] == "2027-03-09"
    assert sent["publication_end_date"] == "2029-03-10"
    assert sent["authority"] == "文水县人力资源和社会保障局"
    assert sent["authority_uscc"] == "11141121012345671P"
    assert sent["data_source_unit_uscc"] == "12141121012345678Q"


def test_no_personal_data_travels() -> None:
    text = DoublePublicityRecord.from_record(RECORD, EMPLOYER).model_dump_json()
    for personal in ("142301198001011234", "1423**********1234", "13912345678"):
        assert personal not in text
    assert not any("phone" in name or "id_number" in name
                   for name in DoublePublicityRecord.model_fields)  # fmt: skip


def test_every_field_carries_its_chinese_label() -> None:
    for name, field in DoublePublicityRecord.model_fields.items():
        assert field.description and any("\u4e00" <= ch <= "\u9fff" for ch in field.description), (
            name
        )


def test_a_record_read_back_from_json_converts_the_same() -> None:
    as_json = {**RECORD, "fine_amount": "12345.67", "decision_date": "2026-03-10"}
    record = DoublePublicityRecord.from_record(as_json, EMPLOYER)
    assert record.fine_amount_10k_yuan == Decimal("1.234567")
    assert record.decision_date == date(2026, 3, 10)


@pytest.mark.parametrize(
    ("yuan", "ten_thousand"),
    [
        (Decimal("12345.67"), "1.234567"),
        (Decimal("20000.00"), "2.000000"),
        (Decimal("0.01"), "0.000001"),
        ("999999999999.99", "99999999.999999"),
        (5000, "0.500000"),
        (None, None),
    ],
)
def test_yuan_become_ten_thousand_yuan_exactly(yuan: Any, ten_thousand: str | None) -> None:
    converted = ten_thousand_yuan(yuan)
    assert (None if converted is None else str(converted)) == ten_thousand


def test_a_float_fine_or_one_finer_than_a_fen_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        ten_thousand_yuan(12345.67)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two decimal places"):
        ten_thousand_yuan(Decimal("0.001"))
    with pytest.raises(ValueError, match="two decimal places"):
        ten_thousand_yuan(Decimal("NaN"))


def test_a_sole_trader_is_a_个体工商户_and_a_record_without_penalty_fields_is_mostly_empty() -> (
    None
):
    employer = {"name": "文水县李记面馆", "uscc": "92141121MA0K5678Y1",
                "subject_type": "individual_economic_organisation"}  # fmt: skip
    record = DoublePublicityRecord.from_record({}, employer)
    assert record.party_category == "个体工商户"
    assert record.fine_amount_10k_yuan is None and record.decision_number is None


def test_a_message_round_trips_and_refuses_unknown_fields() -> None:
    message = Message(
        message_id=uuid.uuid4(),
        type=MessageType.correct,
        sequence=3,
        occurred_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        subject=Subject.credit_record,
        subject_id=uuid.uuid4(),
        employer=Employer(uscc=EMPLOYER["uscc"], name=EMPLOYER["name"]),
        record=DoublePublicityRecord.from_record(RECORD, EMPLOYER),
        data={"reason": "原记录的决定日期录入错误"},
    )
    text = message.model_dump_json()
    assert Message.model_validate_json(text) == message
    assert json.loads(text)["type"] == "correct"
    with pytest.raises(ValueError, match="extra"):
        Message.model_validate({**json.loads(text), "surprise": 1})


def test_a_receipt_ignores_what_the_platform_adds() -> None:
    receipt = Receipt.model_validate(
        {
            "message_id": str(uuid.uuid4()),
            "status": "accepted",
            "acceptance_number": "LL2026000001",
            "received_at": "2026-11-26T02:00:01Z",
            "platform_note": "ok",
        }
    )
    assert receipt.status == "accepted" and receipt.reasons == []
