"""The table columns of checked content: its values as model_dump gives them, and what follows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.core.config import Settings
from app.models.credit_record import CreditRecordCreate
from app.records import rules

CONTENT: dict[str, Any] = {
    "employer_id": str(uuid.UUID(int=7)),
    "category": "dishonesty",
    "source": "social_insurance",
    "kind": "social_insurance",
    "occurred_date": "2025-03-01",
    "title": "未足额缴纳社会保险费",
    "issuing_authority_uscc": " 91350100m000100y43 ",
    "decision_date": "2025-03-10",
    "fine_amount": "5000.00",
    "severity": "serious",
    "serious_conditions": ["refused_to_perform", "refused_to_perform"],
}


@pytest.mark.parametrize(
    "changes",
    [{}, {"rectification": {"ordered_date": "2025-03-10", "rectified_date": "2025-04-01"}}],
)
def test_columns_are_the_dumped_content_and_its_derived_values(
    settings: Settings, changes: dict[str, Any]
) -> None:
    content = CreditRecordCreate.model_validate({**CONTENT, **changes})
    found = rules.columns(content, settings)
    dumped = content.model_dump(exclude={"rectification"})
    assert list(found)[: len(dumped)] == list(dumped)
    plain = {"serious_conditions", *rules.USCC_FIELDS}
    assert {k: found[k] for k in dumped if k not in plain} == {
        k: v for k, v in dumped.items() if k not in plain
    }
    assert found["issuing_authority_uscc"] == "91350100M000100Y43"
    assert found["serious_conditions"] == ["refused_to_perform"]
    rectification = changes.get("rectification", {})
    assert str(found["rectification_ordered_date"]) == rectification.get("ordered_date", "None")
    assert str(found["rectified_date"]) == rectification.get("rectified_date", "None")
    assert found["penalty_performed_date"] is None
    assert found["publication_end_date"] is not None
    assert found["in_catalogue"] is rules.in_catalogue(content, settings)
