"""The API's documentation: what the service is and its groups of operations, in Chinese first,
then English (each operation's own two languages: api/routing.py); Swagger UI and ReDoc served
offline; schemas FastAPI cannot see; and what the routes answer beyond their bodies (headers;
413, 415, 412, 428 from the layers below)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.base import SecurityBase
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app.api.deps import API_KEY, BEARER
from app.api.routing import FORM_TYPES, guards
from app.core.errors import (
    AppError,
    IfMatchRequired,
    InvalidRequest,
    PayloadTooLarge,
    StaleEtag,
    UnsupportedMediaType,
    problems,
)
from app.core.security_headers import inline_source

STATIC = Path(__file__).resolve().parents[1] / "static"

DESCRIPTION = """
文水县人力资源和社会保障局的用人单位劳动保障信用记录系统
（《文水县用人单位劳动保障信用分级分类监管办法（试行）》，文人社字〔2022〕46号）：
记录用人单位的信用档案，评定 A、B、C 信用等级，拟评C级先行告知并受理陈述申辩，
管理拖欠农民工工资失信联合惩戒对象名单，记录对C级单位的约谈。

* **认证**：工作人员（管理员、劳动保障监察员、复核员、审计员）和用人单位账号以
  `POST /api/v1/auth/token`（OAuth2 密码模式表单）登录，取得 JWT 后发送
  `Authorization: Bearer <token>`；同一地址连续输错密码，这个地址须暂停一段时间（429），
  账号不会被锁定。
  其他机构的系统和市信用信息共享平台等机器客户端发送 `X-API-Key`
  （密钥只显示一次、只存哈希、可吊销）。
  用人单位账号只能看到本单位的信息，其他单位的一律如同不存在（404）；
  个人信息除管理员外脱敏显示（第八条）。
* **错误**：RFC 9457 `application/problem+json`，含 `type`、`title`、`status`、`detail`、
  `request_id`，字段错误另有 `errors[].loc` 指明字段。
  语言由 `Accept-Language` 选择：默认中文，`en` 为英文；响应头 `Content-Language` 说明所用语言。
* **未声明的字段和查询参数一律拒绝**，不会被忽略：422，`errors[].loc` 指明是哪一个
  （如 `["body", "punishd"]`、`["query", "colour"]`）；
  向不接收请求体的接口发送请求体也是 422。批量报送中含未知字段的那一条单独被拒绝。
* **分页**：列表接口接收 `limit` 和不透明的 `cursor`，返回 `{items, next_cursor}`；
  把 `next_cursor` 作为 `cursor` 传回即取下一页，最后一页为 `null`。
* **并发修改**：每个 `PATCH`（用人单位、信用记录草稿、名单列入记录、账号、评价规则集版本）
  和替换已载入年份的 `PUT /calendar/{year}`，须在 `If-Match` 中带上读取时响应头的 `ETag`
  （缺少为 428，已被他人修改为 412）；
  载入尚未载入的年份不需要 `If-Match`（`If-None-Match: *` 表示仅在仍未载入时载入）。
* **响应头**：每个响应都带 `X-Content-Type-Options: nosniff`、`X-Frame-Options: DENY` 和
  `Content-Security-Policy`（`frame-ancestors 'none'`，不能被其他网站嵌入）；`/api` 下的响应
  另带 `Cache-Control: no-store`（其中有个人信息，任何缓存都不应保存）；
  公开的失信信息公示不含个人信息，带 `Cache-Control: public, no-cache`
  （缓存可保存，每次使用前以 `ETag` 确认）。

The Wenshui county human resources and social security bureau's system of record for employers'
labour-security credit (文水县用人单位劳动保障信用分级分类监管办法, 文人社字〔2022〕46号): it keeps
each employer's credit file, grades employers A/B/C, gives notice of a proposed C and hears the
employer's representation (陈述申辩), keeps the wage-arrears joint-punishment list and records the
interviews (约谈) of C units.

* **Sign in**: staff (admin, inspector, reviewer, auditor) and employer accounts with
  `POST /api/v1/auth/token` (OAuth2 password form), then send the JWT as
  `Authorization: Bearer <token>`; repeated wrong passwords hold the guessing address back for a
  while (429); no account is ever locked.
  Machine clients (other agencies' systems, the city credit-sharing platform) send `X-API-Key`
  (shown once, stored hashed, revocable). An employer account sees only its own employer's file;
  another employer's answers as if it did not exist (404). Personal data is masked unless the
  caller is an admin (Art 8).
* **Errors** are RFC 9457 `application/problem+json`: `type`, `title`, `status`, `detail`,
  `request_id`, and `errors` (each with the `loc` of the bad field) for validation problems.
  `Accept-Language` picks the language: Chinese by default, English for `en`;
  `Content-Language` says which one was used.
* **Unknown fields and query parameters are refused**, never ignored: a body field, form field or
  query parameter the operation does not declare is a 422 whose `errors[].loc` names it
  (`["body", "punishd"]`, `["query", "colour"]`; type `extra_forbidden`), and so is a body sent
  to an operation that takes none. An intake item with an unknown field is rejected on its own.
* **Lists** take `limit` and an opaque `cursor`; they answer `{items, next_cursor}`: pass
  `next_cursor` back as `cursor` for the next page (`null` on the last).
* **Updates** (every `PATCH`: employers, draft credit records, wage-arrears listings, accounts,
  rule set versions; and `PUT /calendar/{year}` replacing a loaded year) need `If-Match` with
  the `ETag` of what you read (428 when missing, 412 when someone changed it since); loading a
  year not loaded yet needs none (`If-None-Match: *`: only if it is still not loaded).
* **Headers on every answer**: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and a
  `Content-Security-Policy` (`frame-ancestors 'none'`: no other site frames it); answers under
  `/api` also carry `Cache-Control: no-store` (they hold personal data: no cache keeps them),
  but the public C list, which holds none: `Cache-Control: public, no-cache` (a cache may keep
  it and asks with its `ETag` before each use).
* **Errors** name their problem type: `type` is `/problems/<slug>` on this service, whose page
  says when it happens and what to do (`/problems` lists them all).
"""


def _tag(name: str, *, zh: str, en: str) -> dict[str, str]:
    return {"name": name, "description": f"{zh}\n\n{en}"}


# In the order data flows: the credit file, its sources, grading, a grade's life, supervision,
# reports; then administration and operations. Each says what the group is for and who uses it.
TAGS: list[dict[str, str]] = [
    _tag(
        "employers",
        zh="用人单位（第三条）：被评价的单位，以统一社会信用代码为标识。监察员、复核员、管理员登记"
        "和修改；工作人员查询；用人单位账号只能看到本单位。",
        en="Employers (Art 3), the units graded, keyed by their unified social credit code. "
        "Inspectors, reviewers and admins register and update them; staff search them; an employer "
        "account sees only itself.",
    ),
    _tag(
        "credit records",
        zh="信用记录（第五条至第八条）：基础信息、良好信息和失信信息的采集、核实、更正、撤销，证据"
        "材料和变更历史。监察员或复核员采集草稿，由另一名复核员核实、更正、撤销；用人单位账号只能"
        "查看本单位已核实的记录；证据材料和历史仅限工作人员。",
        en="Credit records (Art 5–8): basic, good and dishonesty records collected, verified, "
        "corrected and revoked, with their evidence and history. Inspectors or reviewers collect "
        "drafts; another reviewer verifies, corrects or revokes; an employer account reads its own "
        "verified records; evidence and history are for staff only.",
    ),
    _tag(
        "intake",
        zh="机构数据报送（第五条）：劳动关系、劳动争议仲裁、社会保险等机构的系统凭 API 密钥批量报"
        "送信用信息。仅限机器客户端。",
        en="Intake (Art 5): other agencies' systems (labour relations, labour-dispute arbitration, "
        "social insurance) send credit records in batches with an API key. Machine clients only.",
    ),
    _tag(
        "imports",
        zh="文件导入：监察员、复核员以 CSV 或 XLSX 文件导入信用记录草稿，在后台执行，并给出被拒绝"
        "行的报告；工作人员可查看进度。",
        en="File import: inspectors and reviewers import draft credit records from a CSV or XLSX "
        "file, run in the background with a report of the rejected rows; staff watch progress.",
    ),
    _tag(
        "wage-arrears list",
        zh="拖欠农民工工资失信联合惩戒对象名单（人社部令第45号，第十三条）：列入、登记欠薪清偿和信"
        "用承诺、提前移出或期满移出；列入即为一条失信信息。复核员操作；工作人员查询；用人单位账号"
        "只能看到本单位。",
        en="The wage-arrears joint-punishment list (人社部令第45号, Art 13): listing, arrears paid "
        "and the credit commitment, early removal or removal at expiry; a listing is also a "
        "dishonesty record. Reviewers act; staff read; an employer account sees its own.",
    ),
    _tag(
        "grading",
        zh="信用等级评价（第九条、第十条、第十七条）：评价规则集的版本（管理员维护）和已结束评价周"
        "期的批量评价（复核员、管理员启动）。工作人员查看。",
        en="Grading (Art 9, 10, 17): the versions of the rule set (kept by admins) and grading "
        "runs over an ended cycle (started by reviewers or admins). Staff read them.",
    ),
    _tag(
        "evaluations",
        zh="评价结果与拟评C级告知：信用等级及其依据、按现行规则试评（工作人员）、陈述申辩及其证据"
        "材料、复核员在陈述申辩后作出的决定。用人单位查看本单位的评价并提出陈述申辩。",
        en="Evaluations and the notice of a proposed C: grades with their reasons, a preview on "
        "the rules in force (staff), the employer's representation (陈述申辩) and its evidence, "
        "and a reviewer's decision after it. An employer reads its own and files its "
        "representation.",
    ),
    _tag(
        "interviews",
        zh="分类监管措施：约谈（第十三条第（二）项）C级用人单位的主要负责人、直接责任人，约谈情况"
        "记入信用记录。监察员、复核员录入；用人单位账号只能看到本单位。",
        en="Supervision: interviews (约谈, Art 13(2)) of a C unit's principal and directly "
        "responsible persons, entered in its credit record. Inspectors and reviewers enter them; "
        "an employer account sees its own.",
    ),
    _tag(
        "inspection-plans",
        zh="双随机、一公开：按等级确定巡查频次（A级免于日常巡查，B级增加频次，C级重点监管），"
        "按各等级的比例从公开的名录中随机抽取检查对象，并随机派出两名检查人员（回避采集过该单位"
        "本周期信用记录的人员）；抽取前公布种子的SHA-256，抽取时公开种子，任何人可按公开的算法"
        "复核；计划结束后公开抽查结果。管理员、复核员制定和抽取，派出的监察员登记结果。",
        en="双随机、一公开: patrols by grade (A exempt from routine patrols, B more, C key "
        "targets), units drawn at random per grade from a published eligible list and two "
        "inspectors assigned at random to each visit (never one who collected a record of the "
        "unit in the cycle), from a seed whose SHA-256 is published before the draw and which "
        "the draw reveals, so anyone can re-run the published algorithm; the results are "
        "public once the plan is closed. Admins and reviewers make and draw plans; the "
        "inspectors drawn record the outcomes.",
    ),
    _tag(
        "measures",
        zh="分类监管措施目录（第十一条至第十三条、人社部令第45号）：按等级的激励、指导和惩戒措施（管理员"
        "维护版本），用人单位现行等级适用的措施，以及可否推荐人社评先评优。工作人员查看；用人单位"
        "账号只能看到本单位。",
        en="The measures by grade (Art 11-13, 人社部令第45号): the versioned catalogue of rewards, "
        "guidance and restrictions (kept by admins), the measures of an employer's grade in "
        "force, and whether it may be put forward for an award. Staff read them; an employer "
        "account sees its own.",
    ),
    _tag(
        "notifications",
        zh="通知：用人单位须被告知的事项（拟评C级告知及陈述申辩期限、信用等级生效、失信信息公示及"
        "信用修复条件、异议和信用修复的受理与决定），附事实和期限。用人单位查看本单位的通知并标为"
        "已读；工作人员查看发送、各渠道送达和阅读情况。",
        en="Notifications: what an employer must be told of (a proposed C with its "
        "representation deadline, a grade in force, a disclosure with its repair conditions, an "
        "objection's or a repair's acceptance and decision), with the facts and the deadline. "
        "An employer reads its own and marks them read; staff see what was sent, each channel's "
        "delivery and when it was read.",
    ),
    _tag(
        "objections",
        zh="异议（第十五条、第十六条）：用人单位对信用记录、评价或公示事项提出异议（工作人员代为录入"
        "当面或书面异议），复核员受理（3或10个工作日）并作出处理决定；异议成立的，同一事务中更正或"
        "撤销记录、重新评价、更新公示，5个工作日内推送。用人单位只能看到本单位的异议及其期限。",
        en="Objections (Art 15, 16): an employer contests a record, an evaluation or a disclosure "
        "item (staff enter a walk-in or a letter); a reviewer accepts it (3 or 10 working days) "
        "and decides; an upheld one corrects or revokes the record, re-grades and updates the "
        "disclosure in one transaction, the push due within 5 working days. An employer sees "
        "its own objections and their deadlines.",
    ),
    _tag(
        "disclosures",
        zh="失信信息公示（第十四条）：C级用人单位的单位全称、统一社会信用代码、法定代表人或负责人，"
        "及每项失信信息的处罚日期、决定书文号、违法行为、处罚依据、处罚结果、失信等级、黄黑名单情况"
        "和公示截止期。公开查询，无需登录，按客户端地址限速；不含任何个人信息。",
        en="Public disclosure of C units (Art 14): full name, USCC, legal representative, and "
        "per dishonesty item the penalty date, decision number, violation, legal basis, result, "
        "dishonesty level, yellow/black list status and publication end date. Open to all, no "
        "sign-in, rate-limited per client address; nothing personal.",
    ),
    _tag(
        "credit repair",
        zh="信用修复（国家发展改革委令第36号）：用人单位对已公示的失信信息申请提前结束公示；"
        "审核员在2个工作日内受理、受理后5个工作日内决定。修复不改变该周期的信用等级。",
        en="Credit repair (信用修复): an employer asks for a disclosed item's publication to end "
        "early; a reviewer accepts within 2 working days and decides within 5 of acceptance. "
        "A repair does not change the cycle's grade.",
    ),
    _tag(
        "platform",
        zh="推送到市信用信息共享平台（第七条、第十六条）：已核实的目录信息、信用等级、公示、异议处理"
        "和信用修复结果，按用人单位依序号推送，签名、重试、死信重发、回执和每日对账。管理员和审计员"
        "查看，管理员重发；平台以机器客户端报送回执。消息体见 OpenAPI 文档的 webhooks。",
        en="The push to the city credit-sharing platform (Art 7, 16): verified catalogue "
        "records, grades, disclosures, objection decisions and repairs, in order per employer, "
        "signed, retried, dead-lettered and replayed, receipted and reconciled daily. Admins "
        "and auditors read it, admins replay; the platform's machine client sends receipts. "
        "The message bodies are in the OpenAPI document's `webhooks`.",
    ),
    _tag(
        "reports",
        zh="用人单位信用概况：现行信用等级及说明、待决的拟评C级告知、信用记录汇总和历次评价等级。"
        "工作人员和本用人单位查看。",
        en="Reports over one employer's file: the credit profile (the grade in force and why, a "
        "pending notice, the record summary, the grade history). Staff and the employer itself.",
    ),
    _tag(
        "yearly report",
        zh="年度监管报告：供本局和市里使用的年度数字（JSON）和中文 PDF（含图表）：按乡镇、行业、"
        "主体类型的信用等级分布及历年变化，C级单位及原因，异议按期处理，信用修复，按等级的巡查，"
        "推送市平台及回执。管理员、审核员和审计员查看。",
        en="The yearly supervision report for the bureau and the city, as JSON and as a Chinese "
        "PDF with charts: grades by town, industry and subject type with their trend, the C "
        "units and why, objections handled on time, credit repairs, inspections by grade, the "
        "pushes and their acknowledgement. Admins, reviewers and auditors.",
    ),
    _tag(
        "credit reports",
        zh="专项信用报告（发改财金〔2025〕565号，替代无违法违规证明）：主体信息、现行等级及理由、"
        "近12个月信用记录、名单情况、信用修复情况、C级限制措施和异议渠道，附签名和核验码（二维码）。"
        "工作人员为任一单位出具，用人单位为本单位出具；持报告者凭核验码免登录核验。",
        en="Credit reports (发改财金〔2025〕565号, in place of certificates of compliance): "
        "identity, grade and reasons, the past 12 months' records, list memberships, repairs, "
        "a C's restrictions and the objection channel, signed, with a verification code (and QR "
        "code). Staff issue them for any unit, a unit for itself; whoever holds one checks it "
        "by its code without signing in.",
    ),
    _tag(
        "documents",
        zh="文书：拟评C级告知书、等级评价决定书、异议受理通知书和处理决定书、信用修复决定书、"
        "约谈记录，按文号序列逐年连续编号，PDF 中文，随事件自动出具；模板由管理员调整。",
        en="Official documents: the notice of a proposed C, grade decisions, objection "
        "acceptances and decisions, repair decisions and interview records, numbered gap-free "
        "in their series per year, PDFs in Chinese issued as the events happen; admins adjust "
        "the templates.",
    ),
    _tag(
        "stats",
        zh="统计：评价概况和第十七条调整期限、工作日历覆盖情况、定时任务运行状况，供工作人员看板和"
        "运维使用。仅限工作人员。",
        en="Statistics for staff dashboards and operators: grading at a glance with Art 17 "
        "deadlines, working-day calendar coverage, the scheduler's health. Staff only.",
    ),
    _tag(
        "auth",
        zh="登录：工作人员和用人单位账号以用户名和密码换取令牌；查看当前身份（账号或机器客户端）。",
        en="Sign-in: staff and employer accounts exchange a username and password for a token; who "
        "the caller is (an account or a machine client).",
    ),
    _tag(
        "users",
        zh="账号管理（仅管理员）：工作人员（管理员、监察员、复核员、审计员）和用人单位账号的创建、"
        "角色、停用和重置密码。",
        en="Accounts (admins only): staff (admin, inspector, reviewer, auditor) and employer "
        "accounts, their roles, disabling and password resets.",
    ),
    _tag(
        "clients",
        zh="机器客户端（仅管理员）：其他机构系统和市信用信息共享平台的 API 密钥，只显示一次，可吊"
        "销。",
        en="Machine clients (admins only): the API keys of other agencies' systems and the city "
        "credit-sharing platform, shown once, revocable.",
    ),
    _tag(
        "calendar",
        zh="工作日历：国务院节假日安排中的放假日和调休上班日，用于计算以工作日计的期限。管理员每年"
        "载入通知；所有登录用户（含用人单位）可查看。",
        en="The working-day calendar: the State Council's days off and make-up working days, on "
        "which deadlines in working days are counted. Admins load each year's notice; every "
        "signed-in user (employers too) reads it.",
    ),
    _tag(
        "audit",
        zh="审计日志（第八条）：每次写入的操作人、内容和时间，及其校验：哈希链、以数据库不掌握的密钥签名的"
        "检查点、评价批次的摘要。管理员和审计员查看。",
        en="The audit trail (Art 8): who wrote what and when, and its verification: the hash "
        "chain, checkpoints signed with a key the database does not hold, the digests of "
        "grading batches. Admins and auditors read it.",
    ),
    _tag(
        "vocabularies",
        zh="词表：每个枚举值的代码、中文名称和英文名称，供前端下拉框和文件导入使用；公开，不需登录。",
        en="Vocabularies: every enum value's code with its Chinese and English label, for "
        "front-end drop-downs and file imports; public, no sign-in needed.",
    ),
    _tag(
        "problems",
        zh="问题类型：每种拒绝（错误响应的 type）的说明页，写明何时发生、怎么办；公开，不需登录，"
        "在没有互联网的网络中也能打开。",
        en="Problem types: the page of every kind of refusal (a problem's `type`), saying when it "
        "happens and what to do; public, no sign-in, served by the service itself so it opens on "
        "a network with no internet.",
    ),
    _tag(
        "operations",
        zh="运维：存活检查和就绪检查（不需登录，供负载均衡使用），以及 Prometheus 指标（只对允许的"
        "网络和持监控令牌的抓取开放）。",
        en="Operations: liveness and readiness without sign-in, for load balancers; Prometheus "
        "metrics for the allowed networks and scrapes carrying the metrics token.",
    ),
]


def document_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add schemas that bodies refer to by name but FastAPI does not see (intake items are
    validated one by one, so the batch body is declared as plain objects), and say of form
    bodies what the routes do: an unknown field is refused (api/routing.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(generated.pop("$defs", {}))
                components[model.__name__] = generated
            for name in _form_bodies(schema):
                components[name]["additionalProperties"] = False
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _form_bodies(schema: dict[str, Any]) -> set[str]:
    """The component names of the form bodies (FastAPI's generated `Body_…` models)."""
    return {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for operations in schema.get("paths", {}).values()
        for operation in operations.values()
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items()
        if media_type in FORM_TYPES and "$ref" in content.get("schema", {})
    }


# Which operations send which headers on success (the routes set them on `response.headers` or
# a FileResponse). ETag is declared on each 2xx the operation documents, Location on its 201 or
# 202. tests/api/test_openapi_contracts.py checks what the routes answer against this table.
SENT_HEADERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/v1/users"): ("ETag", "Location"),
    ("get", "/api/v1/users/{user_id}"): ("ETag",),
    ("patch", "/api/v1/users/{user_id}"): ("ETag",),
    ("post", "/api/v1/employers"): ("ETag", "Location"),
    ("get", "/api/v1/employers/{employer_id}"): ("ETag",),
    ("patch", "/api/v1/employers/{employer_id}"): ("ETag",),
    ("get", "/api/v1/calendar/{year}"): ("ETag",),
    ("put", "/api/v1/calendar/{year}"): ("ETag",),
    ("post", "/api/v1/calendar/{year}/notice"): ("ETag",),  # when saved (`confirm`)
    ("post", "/api/v1/credit-records"): ("ETag", "Location"),
    ("get", "/api/v1/credit-records/{record_id}"): ("ETag",),
    ("patch", "/api/v1/credit-records/{record_id}"): ("ETag",),
    ("post", "/api/v1/credit-records/{record_id}/verification"): ("ETag",),
    ("post", "/api/v1/credit-records/{record_id}/corrections"): ("ETag", "Location"),
    ("post", "/api/v1/credit-records/{record_id}/revocation"): ("ETag",),
    ("get", "/api/v1/credit-records/{record_id}/attachments/{attachment_id}"): ("ETag",),
    ("get", "/api/v1/evaluations/{evaluation_id}/representations/attachments/{attachment_id}"): (
        "ETag",
    ),
    ("post", "/api/v1/blacklist-entries"): ("ETag", "Location"),
    ("get", "/api/v1/blacklist-entries/{entry_id}"): ("ETag",),
    ("patch", "/api/v1/blacklist-entries/{entry_id}"): ("ETag",),
    ("post", "/api/v1/blacklist-entries/{entry_id}/verification"): ("ETag",),
    ("post", "/api/v1/blacklist-entries/{entry_id}/removal"): ("ETag",),
    ("post", "/api/v1/interviews"): ("Location",),
    ("post", "/api/v1/inspection-plans"): ("Location",),
    ("post", "/api/v1/rule-sets"): ("ETag", "Location"),
    ("get", "/api/v1/rule-sets/{version}"): ("ETag",),
    ("patch", "/api/v1/rule-sets/{version}"): ("ETag",),
    ("post", "/api/v1/grading-runs"): ("Location",),
    ("get", "/api/v1/disclosures"): ("ETag",),
    ("get", "/api/v1/disclosures/{disclosure_id}"): ("ETag",),
    ("post", "/api/v1/disclosures/{disclosure_id}/repairs"): ("Location",),
}

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The entity tag of what this answer shows; a change of the resource "
        "sends it back in `If-Match`.",
        "schema": {"type": "string", "examples": ['"3"']},
    },
    "Location": {
        "description": "The URL of the resource this request created.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def document_responses(app: FastAPI) -> None:
    """Declare what the routes' decorators do not: the headers of SENT_HEADERS; Retry-After on
    every 429 (TooManyRequests sends it); 413 (BodyLimitMiddleware) and 415 (the route
    class) on every operation taking a body; 412 and 428 on every one taking If-Match; and a
    422 as the problem+json the error handlers answer, not FastAPI's default body."""
    build = app.openapi
    done: list[int] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if id(schema) not in done:  # built once, then cached by FastAPI
            _declare(schema)
            done.append(id(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_security(app: FastAPI) -> None:
    """Declare the credentials every route behind `require` takes (a Bearer token or an API
    key): `require` reads them from the headers itself (app.api.deps), so FastAPI, which
    declares only the schemes it solves as dependencies, does not see them."""
    build = app.openapi
    done: list[int] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if id(schema) not in done:  # built once, then cached by FastAPI
            _declare_security(schema, _guarded(app))
            done.append(id(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _guarded(app: FastAPI) -> set[tuple[str, str]]:
    """The operations behind `require`, as (method, path) the way the document names them."""
    return {
        (method.lower(), context.path or "")
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute) and guards(route.dependant)
        for method in route.methods or ()
    }


def _scheme(scheme: SecurityBase) -> dict[str, Any]:
    return scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _declare_security(schema: dict[str, Any], guarded: set[tuple[str, str]]) -> None:
    schemes = {  # named as FastAPI names a scheme: by its class
        type(scheme).__name__: _scheme(scheme) for scheme in (BEARER, API_KEY)
    }
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {**schemes, **components.get("securitySchemes", {})}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (method, path) in guarded:
                operation["security"] = [{name: []} for name in schemes]


# the named problem type each added status answers, declared as a route's own `problems(...)`
ADDED_PROBLEMS: dict[int, type[AppError]] = {
    412: StaleEtag,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidRequest,
    428: IfMatchRequired,
}


def _problem(status: int) -> dict[str, Any]:
    declared = problems(ADDED_PROBLEMS[status])[status]
    return {k: v for k, v in declared.items() if k != "model"}  # into the built document


def _declare(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    for (method, path), names in SENT_HEADERS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            raise LookupError(f"SENT_HEADERS names {method.upper()} {path}, which is no route")
        for status, response in operation["responses"].items():
            wanted = [n for n in names if n == "ETag" or status in ("201", "202")]
            if status.startswith("2") and wanted:
                headers = response.setdefault("headers", {})
                headers.update({n: HEADERS[n] for n in wanted})
    for operations in paths.values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status in (413, 415):
                    responses.setdefault(str(status), _problem(status))
            parameters = operation.get("parameters", [])
            if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
                for status in (412, 428):
                    responses.setdefault(str(status), _problem(status))
            default_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
            if default_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                responses["422"] = _problem(422)
            if "429" in responses:  # no 503 sends Retry-After (/readyz does not)
                responses["429"].setdefault("headers", {})["Retry-After"] = HEADERS["Retry-After"]


def mount_offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from assets in the package: they work on a network with no internet,
    and each page's Content-Security-Policy lets it load nothing else. (ReDoc's bundle drew its
    maker's logo from cdn.redoc.ly whatever its options say: that element is cut out of the copy
    in app/static, the one change made to it.)"""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    swagger_ui_page = _Page(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},  # no call to an outside validator
        )
    )
    redoc_page = _Page(
        get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url="/static/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )
    )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return swagger_ui_page.response()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return redoc_page.response()


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class _Page:
    """A docs page, built once, with a policy allowing only this service's assets: its own
    inline script by hash; inline styles (both libraries write style elements as they render);
    images from here or data: URIs (their icons); ReDoc's search worker, started from a blob."""

    def __init__(self, page: HTMLResponse) -> None:
        self.html = bytes(page.body).decode()
        scripts = " ".join(inline_source(s) for s in _INLINE_SCRIPT.findall(self.html))
        self.policy = (
            f"default-src 'none'; script-src 'self' {scripts}".rstrip()
            + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )

    def response(self) -> HTMLResponse:  # a new one each time: the layers below add headers
        return HTMLResponse(self.html, headers={"Content-Security-Policy": self.policy})
