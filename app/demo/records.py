"""What the demo county's credit records say: one template per kind of case each source of Art 5
brings in, with the double-publicity fields (docs/law.md §2) filled as a real file would have
them."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.models.credit_record import (
    KIND_CATEGORY,
    CreditRecordCreate,
    PenaltyCategory,
    RecordKind,
    RecordSource,
    Rectification,
    SeriousCondition,
    Severity,
)

BUREAU = "文水县人力资源和社会保障局"
INSPECTION_BODY = "文水县劳动保障监察大队"
SOURCE_UNITS = {
    RecordSource.inspection: INSPECTION_BODY,
    RecordSource.complaint: INSPECTION_BODY,
    RecordSource.written_review: INSPECTION_BODY,
    RecordSource.special_inspection: INSPECTION_BODY,
    RecordSource.labour_relations: "文水县人社局劳动关系股",
    RecordSource.arbitration: "文水县劳动人事争议仲裁委员会",
    RecordSource.social_insurance: "文水县社会保险中心",
}


@dataclass(frozen=True)
class Template:
    source: RecordSource
    kind: RecordKind
    title: str  # may name {n} (workers), {amount} (yuan) and {year}
    facts: str
    legal_basis: str | None = None
    punished: bool = False  # a handling or penalty decision (查处) with its number
    penalty: PenaltyCategory | None = None
    fine: tuple[int, int] | None = None  # yuan, in steps of 500
    condition: SeriousCondition | None = None
    severity: Severity | None = None
    series: str = "文人社监罚字"  # the decision numbers' series


def _punished(
    source: RecordSource,
    kind: RecordKind,
    title: str,
    facts: str,
    basis: str,
    fine: tuple[int, int] | None = None,
    condition: SeriousCondition | None = None,
    series: str = "文人社监罚字",
) -> Template:
    """A penalty decision: a fine (general, or serious with a C condition), else a warning."""
    severity = Severity.serious if condition else Severity.general if fine else Severity.light
    penalty = PenaltyCategory.fine if fine else PenaltyCategory.warning
    return Template(
        source, kind, title, facts, basis, True, penalty, fine, condition, severity, series
    )


def _plain(source: RecordSource, kind: RecordKind, title: str, facts: str) -> Template:
    return Template(source, kind, title, facts)


# Penalty decisions that make a B (three in a cycle make a C, Art 9).
PUNISHED = [
    _punished(
        RecordSource.inspection,
        RecordKind.wages,
        "拖欠{n}名劳动者工资{amount}元",
        "日常巡视检查发现该单位拖欠{n}名劳动者工资共计{amount}元，经责令限期支付后逾期支付。",
        "《保障农民工工资支付条例》第五十五条；《劳动保障监察条例》第二十六条",
        (2000, 20000),
    ),
    _punished(
        RecordSource.complaint,
        RecordKind.wages,
        "克扣{n}名劳动者工资",
        "经举报投诉查实，该单位以罚款名义克扣{n}名劳动者工资共计{amount}元。",
        "《劳动保障监察条例》第二十六条",
        (1000, 10000),
    ),
    _punished(
        RecordSource.inspection,
        RecordKind.working_hours,
        "违法延长劳动者工作时间",
        "该单位安排{n}名劳动者每月延长工作时间超过三十六小时。",
        "《劳动法》第九十条；《劳动保障监察条例》第二十五条",
        (1000, 5000),
    ),
    _punished(
        RecordSource.inspection,
        RecordKind.labour_contract,
        "未与{n}名劳动者订立书面劳动合同",
        "该单位用工超过一个月未与{n}名劳动者订立书面劳动合同。",
        "《劳动合同法》第八十二条；《劳动保障监察条例》第二十四条",
    ),
    _punished(
        RecordSource.written_review,
        RecordKind.internal_rules,
        "书面审查：逾期未报送书面材料",
        "{year}年度劳动保障书面审查中，该单位逾期未报送劳动用工书面材料，经责令改正仍未改正。",
        "《劳动保障监察条例》第三十条",
    ),
    _punished(
        RecordSource.special_inspection,
        RecordKind.labour_dispatch,
        "使用被派遣劳动者超过用工总量的百分之十",
        "人力资源市场秩序专项检查发现该单位使用被派遣劳动者{n}名，超过其用工总量的百分之十。",
        "《劳务派遣暂行规定》第二十条；《劳动合同法》第九十二条",
        (5000, 30000),
    ),
    _punished(
        RecordSource.social_insurance,
        RecordKind.social_insurance,
        "未足额缴纳社会保险费",
        "该单位未按规定为{n}名职工足额缴纳社会保险费，经责令限期缴纳逾期仍未缴纳。",
        "《社会保险法》第八十六条",
        (2000, 15000),
        series="文人社保罚字",
    ),
    _punished(
        RecordSource.complaint,
        RecordKind.female_juvenile_protection,
        "安排孕期女职工从事禁忌劳动",
        "经举报投诉查实，该单位安排{n}名孕期女职工从事孕期禁忌从事的劳动。",
        "《女职工劳动保护特别规定》第十三条",
        (5000, 20000),
    ),
]

# One record that makes a C whatever else the cycle holds (Art 9; docs/law.md §3, C 2–5).
SERIOUS = {
    SeriousCondition.child_or_forced_labour: _punished(
        RecordSource.special_inspection,
        RecordKind.child_labour,
        "非法使用童工{n}名",
        "清理整顿人力资源市场秩序专项检查发现该单位使用未满十六周岁的未成年人{n}名。",
        "《禁止使用童工规定》第六条",
        (10000, 50000),
        SeriousCondition.child_or_forced_labour,
    ),
    SeriousCondition.refused_to_perform: _punished(
        RecordSource.inspection,
        RecordKind.wages,
        "拒不履行劳动保障监察限期整改指令",
        "该单位收到劳动保障监察限期整改指令书后，逾期拒不支付{n}名劳动者工资{amount}元。",
        "《劳动保障监察条例》第三十条第一款第（三）项",
        (5000, 20000),
        SeriousCondition.refused_to_perform,
    ),
    SeriousCondition.obstructed_inspection: _punished(
        RecordSource.inspection,
        RecordKind.other_violation,
        "无理抗拒、阻挠劳动保障监察",
        "劳动保障监察员依法检查时，该单位拒不提供工资支付记录并阻止检查人员进入作业场所。",
        "《劳动保障监察条例》第三十条第一款第（一）项",
        (2000, 20000),
        SeriousCondition.obstructed_inspection,
    ),
    SeriousCondition.group_incident: _punished(
        RecordSource.complaint,
        RecordKind.wages,
        "拖欠工资引发{n}名劳动者集体上访",
        "该单位拖欠{n}名劳动者工资{amount}元，引发集体上访，造成不良社会影响。",
        "《保障农民工工资支付条例》第五十五条",
        (10000, 50000),
        SeriousCondition.group_incident,
    ),
}

# Records that move no grade: basic and good information, an arbitration award.
PLAIN = [
    _plain(
        RecordSource.inspection,
        RecordKind.inspection_record,
        "日常巡视检查：未发现劳动保障违法行为",
        "监察员对该单位进行日常巡视检查，抽查{n}名职工劳动合同及工资发放记录，未发现问题。",
    ),
    _plain(
        RecordSource.written_review,
        RecordKind.inspection_record,
        "{year}年度劳动保障书面审查：合格",
        "该单位按时报送{year}年度劳动用工书面材料，审查合格。",
    ),
    _plain(
        RecordSource.complaint,
        RecordKind.inspection_record,
        "举报投诉核查：举报事项不属实",
        "对有关该单位拖欠工资的举报进行核查，举报事项经查不属实。",
    ),
    _plain(
        RecordSource.special_inspection,
        RecordKind.inspection_record,
        "农民工工资支付专项检查：未发现欠薪",
        "根治欠薪专项检查中核查该单位{n}名农民工工资支付情况，未发现欠薪。",
    ),
    _plain(
        RecordSource.labour_relations,
        RecordKind.honour,
        "{year}年度文水县劳动关系和谐企业",
        "该单位被评为{year}年度文水县劳动关系和谐企业。",
    ),
    _plain(
        RecordSource.labour_relations,
        RecordKind.credit_commitment,
        "签署劳动保障守法诚信承诺书",
        "该单位法定代表人签署劳动保障守法诚信承诺书。",
    ),
    _plain(
        RecordSource.arbitration,
        RecordKind.labour_contract,
        "劳动争议仲裁：裁决支付未订立书面劳动合同的二倍工资差额",
        "劳动者申请仲裁，裁决该单位支付未订立书面劳动合同期间的二倍工资差额{amount}元。",
    ),
    _plain(
        RecordSource.social_insurance,
        RecordKind.registration,
        "社会保险登记：参保职工{n}人",
        "该单位办理社会保险登记信息变更，参保职工{n}人。",
    ),
]
HONOUR = PLAIN[4]


def content(
    template: Template,
    rng: random.Random,
    *,
    employer_id: uuid.UUID,
    occurred: date,
    decided: date | None,
    number: int,
    rectified: tuple[date, date] | None = None,
) -> CreditRecordCreate:
    """One record from `template`; `number` is its decision's number in its year's series,
    `rectified` the dates it was corrected and its penalty performed (Art 17)."""
    n = rng.randint(2, 40)
    amount = rng.randrange(8000, 300000, 100)
    words = {"n": n, "amount": f"{amount:,}", "year": occurred.year}
    fine = None
    if template.fine:
        fine = Decimal(rng.randrange(template.fine[0], template.fine[1] + 1, 500))
    decision = {}
    if template.punished:
        assert decided is not None
        penalty = f"罚款{fine:,.0f}元" if fine is not None else "警告"
        decision = {
            "decision_number": f"{template.series}〔{decided.year}〕{number}号",
            "decision_date": decided,
            "violation_type": template.title.format(**words)[:200],
            "violation_facts": template.facts.format(**words),
            "penalty_category": template.penalty,
            "penalty_content": f"责令改正，{penalty}",
            "fine_amount": fine,
            "issuing_authority": BUREAU,
            "punished": True,
            "serious_conditions": [template.condition] if template.condition else [],
            "severity": template.severity,
        }
    return CreditRecordCreate(
        employer_id=employer_id,
        category=KIND_CATEGORY[template.kind],
        source=template.source,
        kind=template.kind,
        occurred_date=occurred,
        title=template.title.format(**words)[:200],
        description=template.facts.format(**words),
        legal_basis=template.legal_basis,
        data_source_unit=SOURCE_UNITS[template.source],
        rectification=Rectification(
            ordered_date=decided, rectified_date=rectified[0], penalty_performed_date=rectified[1]
        )
        if rectified
        else None,
        **decision,  # type: ignore[arg-type]
    )
