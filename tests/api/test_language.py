"""Every error message in Chinese by default, English on `Accept-Language: en`: the title, the
detail and each `errors[].msg`, whatever refused the request (a business rule, validation, a role,
a missing sign-in, an absent id). `client` reads English; these requests say what they read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.core import validation
from app.models.user import Role
from tests.conftest import assert_problem, new_uscc

USERS = "/api/v1/users"
ZH = {"Accept-Language": ""}  # no language named: Chinese
EN = {"Accept-Language": "en"}


@pytest.fixture
async def admin(headers_for) -> dict[str, str]:
    return await headers_for(Role.admin)


def account(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": f"li.{uuid.uuid4().hex[:8]}",
        "full_name": "李华",
        "role": "inspector",
        "password": "long-enough-password",
    }
    body.update(fields)
    return body


async def _taken(client, admin: dict[str, str], language: dict[str, str]) -> dict[str, Any]:
    body = account(username="zhang.san")
    await client.post(USERS, json=body, headers=admin)
    response = await client.post(USERS, json=body, headers={**admin, **language})
    return assert_problem(response, 409)


async def test_a_business_refusal_is_chinese_by_default_english_on_request(client, admin):
    zh = await _taken(client, admin, ZH)
    assert zh["type"] == "/problems/username-taken"
    assert zh["title"] == "用户名已被使用"
    assert zh["detail"] == "用户名 'zhang.san' 已被使用"
    en = await _taken(client, admin, EN)
    assert (en["title"], en["detail"]) == ("Username taken", "username 'zhang.san' is taken")


async def test_the_answer_says_its_language(client, admin):
    body = account(username="zhang.san")
    await client.post(USERS, json=body, headers=admin)
    for sent, language in ((ZH, "zh"), (EN, "en"), ({"Accept-Language": "en-US"}, "en")):
        response = await client.post(USERS, json=body, headers={**admin, **sent})
        assert response.headers["content-language"] == language


@pytest.mark.parametrize(
    ("accept_language", "title"),
    [
        ("en;q=0.5, zh;q=0.9", "用户名已被使用"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "用户名已被使用"),
        ("en-GB,en;q=0.9", "Username taken"),
        ("fr-FR, de;q=0.8", "用户名已被使用"),  # neither: Chinese
        ("zh;q=0, en", "Username taken"),
        ("*", "用户名已被使用"),
    ],
)
async def test_accept_language_q_values_decide(client, admin, accept_language: str, title: str):
    problem = await _taken(client, admin, {"Accept-Language": accept_language})
    assert problem["title"] == title


async def test_a_validation_error_is_chinese_naming_the_fields(client, admin):
    body = account(username="ab", role="boss")
    del body["full_name"]
    zh = assert_problem(await client.post(USERS, json=body, headers={**admin, **ZH}), 422)
    assert zh["type"] == "/problems/validation"
    assert zh["title"] == "请求不符合规则"
    assert zh["detail"] == (
        "字段 body.username、body.full_name、body.role 不符合规则（errors 逐项说明）"
    )
    messages = {tuple(e["loc"]): e["msg"] for e in zh["errors"]}
    assert messages == {
        ("body", "username"): "至少 3 个字符",
        ("body", "full_name"): "缺少必填字段",
        ("body", "role"): "应为以下之一：'admin', 'inspector', 'reviewer', 'auditor' 或 'employer'",
    }
    en = assert_problem(await client.post(USERS, json=body, headers={**admin, **EN}), 422)
    assert en["title"] == "Invalid request"
    assert en["detail"] == "invalid input: body.username, body.full_name, body.role"
    assert {tuple(e["loc"]): e["msg"] for e in en["errors"]}[("body", "full_name")] == (
        "Field required"
    )


@pytest.mark.parametrize(
    ("request_args", "loc", "zh", "en"),
    [
        ({"params": {"limit": 0}}, ["query", "limit"], "应不小于 1",
         "Input should be greater than or equal to 1"),
        ({"params": {"limit": "many"}}, ["query", "limit"], "应为整数",
         "Input should be a valid integer, unable to parse string as an integer"),
        ({"params": {"colour": "red"}}, ["query", "colour"],
         "未知的查询参数；这个接口接受 cursor, limit, role",
         "unknown query parameter; this route takes cursor, limit, role"),
    ],
)  # fmt: skip
async def test_each_message_of_a_validation_error_is_translated(
    client, admin, request_args: dict[str, Any], loc: list[str], zh: str, en: str
):
    for language, expected in ((ZH, zh), (EN, en)):
        response = await client.get(USERS, headers={**admin, **language}, **request_args)
        [error] = assert_problem(response, 422)["errors"]
        assert (error["loc"], error["msg"]) == (loc, expected)


async def test_a_model_validator_speaks_both_languages(client, admin):
    body = account(role="employer")  # an employer account without its employer
    zh = assert_problem(await client.post(USERS, json=body, headers={**admin, **ZH}), 422)
    assert zh["errors"][0]["msg"] == "用人单位角色必须有 employer_id，其他角色不能有"
    en = assert_problem(await client.post(USERS, json=body, headers={**admin, **EN}), 422)
    assert en["errors"][0]["msg"] == "employer_id is required for, and only for, the employer role"


async def test_a_bad_path_id_and_broken_json_are_chinese(client, admin):
    bad_id = assert_problem(await client.get(f"{USERS}/not-a-uuid", headers={**admin, **ZH}), 422)
    assert bad_id["errors"][0]["msg"] == "应为 UUID"
    broken = await client.post(
        USERS, content=b'{"username": ', headers={**admin, **ZH, "content-type": "application/json"}
    )
    assert assert_problem(broken, 422)["errors"][0]["msg"].startswith("不是有效的 JSON")


async def test_a_field_rule_s_messages_are_chinese(client, headers_for):
    inspector = await headers_for(Role.inspector)
    body = {"uscc": "91141121", "name": "文水县语言测试有限公司", "subject_type": "enterprise",
            "legal_representative": "张三", "town": "凤城镇", "industry_code": "C1311"}  # fmt: skip
    response = await client.post("/api/v1/employers", json=body, headers={**inspector, **ZH})
    problem = assert_problem(response, 422)
    assert problem["type"] == "/problems/uscc-invalid"
    assert problem["title"] == "统一社会信用代码不符合规则"
    assert problem["errors"] == [
        {"loc": ["body", "uscc"], "msg": "统一社会信用代码有18位，这个有8位", "type": "uscc.length"}
    ]
    assert problem["detail"] == "统一社会信用代码有18位，这个有8位"


async def test_a_permission_refusal_says_the_action_and_the_roles(client, headers_for):
    inspector = await headers_for(Role.inspector)
    zh = assert_problem(await client.get(USERS, headers={**inspector, **ZH}), 403)
    assert zh["type"] == "/problems/forbidden-role"
    assert zh["title"] == "角色无权进行此操作"
    assert zh["detail"] == "管理用户账号需要管理员角色，你的角色是监察员"
    reviewer_only = f"/api/v1/credit-records/{uuid.uuid4()}/verification"
    zh = assert_problem(await client.post(reviewer_only, headers={**inspector, **ZH}), 403)
    assert zh["detail"] == "审核、更正或撤销信用记录需要审核员角色，你的角色是监察员"
    en = assert_problem(await client.post(reviewer_only, headers={**inspector, **EN}), 403)
    assert en["detail"] == (
        "verifying, correcting or revoking credit records needs the reviewer role; your role "
        "is inspector"
    )
    auditor = await headers_for(Role.auditor)
    en = assert_problem(await client.post("/api/v1/imports", headers={**auditor, **EN}), 403)
    assert en["detail"] == (
        "importing credit record files needs the inspector or reviewer role; your role is auditor"
    )


async def test_no_sign_in_is_a_chinese_401(client):
    zh = assert_problem(await client.get(USERS, headers=ZH), 401)
    assert zh["type"] == "/problems/unauthorized"
    assert zh["title"] == "需要登录"
    assert zh["detail"] == "管理用户账号需要先登录（Bearer 令牌）或发送 API 密钥（X-API-Key）"
    en = assert_problem(await client.get(USERS, headers=EN), 401)
    assert (
        en["detail"]
        == "managing user accounts needs a sign-in (Bearer token) or an API key (X-API-Key)"
    )
    bad = assert_problem(await client.get(USERS, headers={"X-API-Key": "nonsense", **ZH}), 401)
    assert (bad["type"], bad["detail"]) == ("/problems/api-key-invalid", "API 密钥格式不对")


async def test_an_absent_id_is_a_chinese_404(client, admin):
    user_id = uuid.uuid4()
    zh = assert_problem(await client.get(f"{USERS}/{user_id}", headers={**admin, **ZH}), 404)
    assert (zh["title"], zh["detail"]) == ("不存在", f"用户 {user_id} 不存在")
    en = assert_problem(await client.get(f"{USERS}/{user_id}", headers={**admin, **EN}), 404)
    assert (en["title"], en["detail"]) == ("Not found", f"user {user_id} does not exist")
    nowhere = assert_problem(await client.get("/api/v1/nowhere", headers=ZH), 404)
    assert nowhere["detail"] == "本服务没有 /api/v1/nowhere 这个地址"


async def test_an_http_level_refusal_is_chinese(client, headers_for):
    inspector = await headers_for(Role.inspector)
    response = await client.post(
        "/api/v1/employers",
        content=b"uscc=" + new_uscc().encode(),
        headers={**inspector, **ZH, "content-type": "text/plain"},
    )
    problem = assert_problem(response, 415)
    assert problem["title"] == "不支持的内容类型"
    assert problem["detail"] == "这个接口接受 application/json，不接受 text/plain"
    problem = assert_problem(await client.delete(USERS, headers=ZH), 405)
    assert (problem["title"], problem["detail"]) == (
        "不支持该请求方法",
        f"{USERS} 不接受 DELETE 请求",
    )


# --- the translation of pydantic's messages -----------------------------------------------------


def test_an_unknown_pydantic_type_is_a_chinese_sentence_with_the_english() -> None:
    error = {"type": "no_such_type", "loc": ("body", "x"), "msg": "Something odd", "ctx": {}}
    assert validation.message(error).zh == "body.x 的值不被接受（Something odd）"
    assert validation.message(error).en == "Something odd"


def test_a_template_whose_ctx_is_missing_falls_back_to_the_sentence() -> None:
    error = {"type": "string_too_short", "loc": ("body", "x"), "msg": "Too short"}
    assert validation.message(error).zh == "body.x 的值不被接受（Too short）"


def test_a_plain_value_error_is_chinese_around_its_english() -> None:
    error = {"type": "value_error", "loc": ("body",), "msg": "Value error, x is odd",
             "ctx": {"error": ValueError("x is odd")}}  # fmt: skip
    assert validation.message(error).zh == "取值不对：x is odd"
