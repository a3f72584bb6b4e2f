"""The vocabularies over HTTP, and the same labels in the OpenAPI document."""

from __future__ import annotations

from app.models.credit_record import RecordKind
from tests.conftest import assert_problem

VOCABULARIES = "/api/v1/vocabularies"


async def test_every_vocabulary_is_answered_without_signing_in(client):
    r = await client.get(VOCABULARIES)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None  # one page holds them all
    answered = r.json()["items"]
    names = [v["name"] for v in answered]
    assert names == sorted(names)
    assert {"record_category", "record_source", "severity", "grade", "role"} <= set(names)
    by_name = {v["name"]: v["values"] for v in answered}
    assert by_name["record_category"] == [
        {"code": "basic", "zh": "基础信息", "en": "basic information"},
        {"code": "good", "zh": "良好信息", "en": "good information"},
        {"code": "dishonesty", "zh": "失信信息", "en": "dishonesty information"},
    ]
    assert [v["zh"] for v in by_name["severity"]] == ["轻微", "一般", "严重"]
    sources = {v["code"]: v["zh"] for v in by_name["record_source"]}
    assert sources["inspection"] == "劳动保障监察"
    assert sources["complaint"] == "投诉举报"
    assert sources["written_review"] == "书面审查"
    assert sources["arbitration"] == "劳动人事争议仲裁"
    assert [v["code"] for v in by_name["record_kind"]] == [k.value for k in RecordKind]


async def test_one_vocabulary(client):
    r = await client.get(f"{VOCABULARIES}/severity")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "name": "severity",
        "values": [
            {"code": "light", "zh": "轻微", "en": "light"},
            {"code": "general", "zh": "一般", "en": "general"},
            {"code": "serious", "zh": "严重", "en": "serious"},
        ],
    }


async def test_an_unknown_vocabulary_is_a_named_404_in_either_language(client):
    body = assert_problem(await client.get(f"{VOCABULARIES}/colour"), 404)
    assert body["type"].endswith("/vocabulary-not-found")
    assert body["title"] == "No such vocabulary"
    assert "no vocabulary named 'colour'" in body["detail"] and "severity" in body["detail"]
    zh = await client.get(f"{VOCABULARIES}/colour", headers={"Accept-Language": "zh"})
    assert "没有名为“colour”的词表" in assert_problem(zh, 404)["detail"]


async def test_each_enum_schema_lists_its_values_labels(app):
    schemas = app.openapi()["components"]["schemas"]
    severity = schemas["Severity"]
    assert severity["enum"] == ["light", "general", "serious"]
    assert severity["x-enum-descriptions"] == ["轻微 / light", "一般 / general", "严重 / serious"]
    assert "- `serious` — 严重 / serious" in severity["description"]
    category = schemas["RecordCategory"]
    assert category["description"].startswith("Art 6.")  # the enum's own text comes first
    assert "- `dishonesty` — 失信信息 / dishonesty information" in category["description"]
    enums = [s for s in schemas.values() if "enum" in s]
    assert len(enums) >= 20
    for schema in enums:
        assert len(schema["x-enum-descriptions"]) == len(schema["enum"]), schema["title"]
