"""Registering employers: the refusals of a unified social credit code (GB 32100-2015)."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidField
from app.core.i18n import Text


class UsccInvalid(InvalidField):
    slug = "uscc-invalid"
    title = Text("统一社会信用代码不符合规则", "USCC fails its rules")
    about = Text(
        "统一社会信用代码不符合 GB 32100-2015：长度、字符集、登记管理部门和机构类别、行政区划码、"
        "组织机构代码校验码或校验码不对；errors[] 逐条列出违反的规则"
        "（type 为 uscc.<规则>）和位置。",
        "The unified social credit code breaks GB 32100-2015: its length, alphabet, registration "
        "authority and category, division code, organisation-code check character or check "
        "character; errors[] lists each rule broken (type uscc.<rule>) and its position.",
    )
    remedy = Text(
        "对照营业执照核对代码。真实代码确实不符合某条可豁免的规则（早期试点代码）时，由审核员以"
        " checksum_exception 和理由登记。",
        "Check the code against the business licence. A real code that breaks a waivable rule "
        "(early pilot codes) is registered by a reviewer with checksum_exception and a reason.",
    )


class UsccExceptionReviewerOnly(Forbidden):
    slug = "uscc-exception-reviewer-only"
    title = Text("只有审核员可以例外登记代码", "Only a reviewer registers an exception")
    about = Text(
        "不符合规则的统一社会信用代码只能由审核员作为例外登记（checksum_exception）。",
        "A USCC that breaks its rules is registered as an exception (checksum_exception) by a "
        "reviewer only.",
    )
    remedy = Text(
        "请审核员登记，或先核对代码本身。",
        "Ask a reviewer to register it, or check the code first.",
    )


class UsccExceptionUnneeded(InvalidField):
    slug = "uscc-exception-unneeded"
    title = Text("代码不需要例外登记", "No exception needed")
    about = Text(
        "请求以例外登记一个完全符合 GB 32100 的代码：例外只为不符合规则的真实代码而设。",
        "An exception was asked for a code that meets every rule of GB 32100: exceptions are "
        "for real codes that do not.",
    )
    remedy = Text(
        "去掉 checksum_exception 和理由后重新登记。",
        "Register it again without checksum_exception and its reason.",
    )


class UsccRegistered(Conflict):
    slug = "uscc-registered"
    title = Text("代码已登记", "USCC already registered")
    about = Text(
        "已有用人单位以这个统一社会信用代码登记；一个代码只对应一个用人单位。",
        "An employer is registered with this USCC already; one code is one employer.",
    )
    remedy = Text(
        "使用回答中 existing_id 指出的用人单位，需要时修改它（PATCH）。",
        "Use the employer the answer's existing_id names, changing it (PATCH) if need be.",
    )
