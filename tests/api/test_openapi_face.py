"""The OpenAPI document speaks both languages, Chinese first: auditors read it offline. Every
operation has a summary "中文 / English" of its own and a Chinese paragraph before the English
description; every group of operations (tag) is declared with a bilingual description."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def _operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def _bilingual_summary(summary: str) -> bool:
    chinese, separator, english = summary.partition(" / ")
    return bool(
        separator and CJK.search(chinese) and LATIN.search(english) and not CJK.search(english)
    )


async def test_every_operation_has_a_summary_in_chinese_then_english(client):
    schema = (await client.get("/openapi.json")).json()
    operations = _operations(schema)
    assert len(operations) > 60  # the operations outside /api/v1 (/healthz, ...) included
    wrong = [
        f"{name}: {operation.get('summary')!r}"
        for name, operation in operations
        if not _bilingual_summary(operation.get("summary", ""))
    ]
    assert wrong == []


async def test_no_two_operations_share_a_summary(client):
    schema = (await client.get("/openapi.json")).json()
    counts = Counter(operation["summary"] for _, operation in _operations(schema))
    assert [summary for summary, n in counts.items() if n > 1] == []


async def test_every_description_opens_with_a_chinese_paragraph_then_the_english(client):
    schema = (await client.get("/openapi.json")).json()
    wrong = []
    for name, operation in _operations(schema):
        chinese, _, english = operation.get("description", "").partition("\n\n")
        if not CJK.search(chinese) or "\n" in chinese:  # one paragraph, unwrapped
            wrong.append(f"{name}: no Chinese paragraph first")
        elif not english.strip() or not LATIN.search(english):
            wrong.append(f"{name}: no English description after the Chinese")
    assert wrong == []
    verify = schema["paths"]["/api/v1/credit-records/{record_id}/verification"]["post"]
    assert verify["summary"] == "核实信用记录 / Verify a credit record"
    assert verify["description"].startswith(
        "第八条，双人把关：由不是录入人（或更正提出人）的审核人员核实草稿；"
    )
    assert "Art 8, two persons" in verify["description"]


async def test_every_tag_used_is_declared_with_a_bilingual_description(client):
    schema = (await client.get("/openapi.json")).json()
    declared = {tag["name"]: tag.get("description", "") for tag in schema["tags"]}
    used = {tag for _, operation in _operations(schema) for tag in operation.get("tags", [])}
    assert all(operation.get("tags") for _, operation in _operations(schema))
    assert sorted(used - set(declared)) == []  # used but not declared
    assert sorted(set(declared) - used) == []  # declared for nothing
    for name in used:
        chinese, _, english = declared[name].partition("\n\n")
        assert CJK.search(chinese), name
        assert LATIN.search(english), name


async def test_tags_follow_the_flow_of_the_data(client):
    names = [tag["name"] for tag in (await client.get("/openapi.json")).json()["tags"]]
    flow = ["employers", "credit records", "intake", "grading", "evaluations", "interviews",
            "reports", "users", "audit", "operations"]  # fmt: skip
    assert [name for name in names if name in flow] == flow


async def test_the_service_description_says_how_to_use_it_in_both_languages(client):
    info = (await client.get("/openapi.json")).json()["info"]
    assert CJK.search(info["title"]) and LATIN.search(info["title"].split(" / ")[-1])
    chinese, english = info["description"].split("\nThe Wenshui county", 1)
    for text in (chinese, english):
        for term in ("/api/v1/auth/token", "X-API-Key", "application/problem+json",
                     "Accept-Language", "next_cursor", "If-Match", "428", "412"):  # fmt: skip
            assert term in text, term
    assert "默认中文" in chinese and "Chinese by default" in english
