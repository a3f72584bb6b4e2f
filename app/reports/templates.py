"""The letters' built-in templates and the placeholder renderer (pure).

A template is plain text with `{{name}}` placeholders; a blank line starts a paragraph. The
renderer is a regular-expression substitution of known names by their values: no expression
is ever evaluated, an unknown name is refused when an admin saves a template (`unknown`), and a
value missing at rendering is shown as "—". An admin's template (table `document_templates`)
replaces the built-in one of its kind; the built-in one is version 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.models.document import DocumentKind

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_BRACES = re.compile(r"\{\{|\}\}")

COMMON = ("employer_name", "uscc", "legal_representative", "document_number", "issued_on",
          "bureau")  # fmt: skip


@dataclass(frozen=True)
class Builtin:
    series: str
    title: str
    body: str
    placeholders: tuple[str, ...]


BUILTIN: dict[DocumentKind, Builtin] = {
    DocumentKind.grade_notice: Builtin(
        series="文人社信告",
        title="拟评C级告知书",
        placeholders=("cycle", "grounds", "evidence", "served_on", "representation_deadline"),
        body="""{{employer_name}}（统一社会信用代码：{{uscc}}）：

经对你单位{{cycle}}年度劳动保障信用情况进行评价，本局拟将你单位劳动保障信用等级评为C级。

一、事实与理由：{{grounds}}

二、证据：{{evidence}}

三、依据：《文水县用人单位劳动保障信用分级分类监管办法》第九条、第十三条。

四、你单位的权利：根据有关规定，你单位有权进行陈述和申辩。请于{{representation_deadline}}（含当日）前通过信用监管系统提交陈述申辩及证明材料，或携书面材料到{{bureau}}提出。逾期未陈述申辩的，视为放弃陈述申辩权利，C级评价于期满后生效。

本告知书于{{served_on}}送达。""",
    ),
    DocumentKind.grade_decision: Builtin(
        series="文人社信决",
        title="劳动保障信用等级评价决定书",
        placeholders=(
            "cycle",
            "grade",
            "previous_grade",
            "effective_from",
            "reasons",
            "consequences",
        ),
        body="""{{employer_name}}（统一社会信用代码：{{uscc}}）：

经评价，你单位{{cycle}}年度劳动保障信用等级为{{grade}}级，自{{effective_from}}起生效（原等级：{{previous_grade}}）。

评价理由：{{reasons}}

{{consequences}}

你单位对本决定所依据的信用信息有异议的，可依《文水县用人单位劳动保障信用分级分类监管办法》第十五条向本局提出异议。""",
    ),
    DocumentKind.objection_acceptance: Builtin(
        series="文人社信异受",
        title="异议受理通知书",
        placeholders=("receipt_date", "target", "handling", "departments", "due_date"),
        body="""{{employer_name}}：

你单位于{{receipt_date}}对{{target}}提出的异议申请，本局已予受理。处理方式：{{handling}}；核实部门：{{departments}}。

本局将于{{due_date}}前作出处理决定并书面告知你单位。异议处理期间，相关公示信息标注为“异议中”。""",
    ),
    DocumentKind.objection_decision: Builtin(
        series="文人社信异决",
        title="异议处理决定书",
        placeholders=("receipt_date", "target", "outcome", "reasons", "decided_on"),
        body="""{{employer_name}}：

你单位于{{receipt_date}}对{{target}}提出的异议，经核实，本局于{{decided_on}}作出如下处理决定：{{outcome}}。

理由：{{reasons}}

你单位对本决定不服的，可依法申请行政复议或者提起行政诉讼。""",
    ),
    DocumentKind.repair_decision: Builtin(
        series="文人社信修",
        title="信用修复决定书",
        placeholders=("applied_on", "outcome", "reasons", "decided_on", "item"),
        body="""{{employer_name}}（统一社会信用代码：{{uscc}}）：

你单位于{{applied_on}}提出的信用修复申请（公示事项：{{item}}），经审核，本局于{{decided_on}}决定：{{outcome}}。

理由：{{reasons}}

依据：《信用修复管理办法》（国家发展改革委令第36号）。""",
    ),
    DocumentKind.interview_record: Builtin(
        series="文人社信谈",
        title="约谈记录",
        placeholders=(
            "interviewed_on",
            "location",
            "subject",
            "persons",
            "officers",
            "summary",
            "commitments",
        ),
        body="""约谈对象：{{employer_name}}（统一社会信用代码：{{uscc}}）

约谈时间：{{interviewed_on}}　　约谈地点：{{location}}

约谈事由：{{subject}}

被约谈人：{{persons}}

约谈人员：{{officers}}

约谈情况：{{summary}}

整改承诺：{{commitments}}

依据《文水县用人单位劳动保障信用分级分类监管办法》第十三条第（二）项，本次约谈情况记入你单位信用记录。""",
    ),
}


def placeholders(kind: DocumentKind) -> list[str]:
    return [*COMMON, *BUILTIN[kind].placeholders]


def unknown(kind: DocumentKind, body: str) -> list[str]:
    """What a template of `kind` may not say: names not among its placeholders, and braces
    that are not a placeholder (`{{ 1+1 }}`, a lone `{{`)."""
    allowed = set(placeholders(kind))
    problems = [f"{{{{{name}}}}}" for name in PLACEHOLDER.findall(body) if name not in allowed]
    if _BRACES.search(PLACEHOLDER.sub("", body)):
        problems.append("{{ … }}")
    return list(dict.fromkeys(problems))


def fill(body: str, values: Mapping[str, object]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return "—" if found is None or found == "" else str(found)

    return PLACEHOLDER.sub(value, body)
