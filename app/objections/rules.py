"""Pure rules of an objection: its deadline class, what a decision must carry, the cycles a
decision re-grades."""

from __future__ import annotations

from datetime import date

from app.core.i18n import Text
from app.models.objection import (
    AcceptanceCreate,
    ObjectionDecisionCreate,
    ObjectionHandling,
    ObjectionOutcome,
    ObjectionTarget,
)
from app.objections.problems import AcceptanceDepartments, DecisionRemedy

# Art 16: counted from receipt, 3 working days when the bureau settles it itself, 10 when other
# departments must verify
HANDLING_DAYS = {ObjectionHandling.in_house: 3, ObjectionHandling.departments: 10}
# Art 16: the corrected record is pushed to the city platform within 5 working days of the decision
PUSH_DAYS = 5
UPHOLDING = (ObjectionOutcome.upheld, ObjectionOutcome.partly_upheld)
# decided on the record: a disclosure item shows a record, which the decision corrects or revokes
ON_RECORD = (ObjectionTarget.record, ObjectionTarget.disclosure_item)


def departments(data: AcceptanceCreate) -> list[str]:
    """The departments that verify: named exactly when other departments verify."""
    named = [d.strip() for d in data.departments if d.strip()]
    if data.handling == ObjectionHandling.departments and not named:
        raise AcceptanceDepartments(
            ["body", "departments"],
            Text(
                zh="需其他部门核查（departments）的，须列出核查的部门",
                en="handling `departments` names the departments that verify",
            ),
        )
    if data.handling == ObjectionHandling.in_house and data.departments:
        raise AcceptanceDepartments(
            ["body", "departments"],
            Text(
                zh="本局核查（in_house）的异议不列核查部门；需其他部门核查请用 departments",
                en="an objection handled in-house names no departments; use handling "
                "`departments` when other departments verify",
            ),
        )
    return named


def check_remedy(target: ObjectionTarget, data: ObjectionDecisionCreate) -> None:
    """What the decision carries fits its target and outcome (DecisionRemedy otherwise)."""
    given = [name for name in ("correction", "revocation") if getattr(data, name) is not None]
    upholds = data.outcome in UPHOLDING
    on_record = target in ON_RECORD
    if upholds and on_record and len(given) != 1:
        loc = given[1] if given else "correction"
        raise DecisionRemedy(
            ["body", loc],
            Text(
                zh="对信用记录（或其公示事项）的异议成立或部分成立，须给出 correction（更正后的"
                "完整内容）或 revocation（撤销）之一",
                en="upholding an objection to a record (or its disclosure item) takes one of "
                "`correction` (the whole new content) or `revocation`",
            ),
        )
    if given and not (upholds and on_record):
        what = (
            Text("异议不成立", "a rejection")
            if not upholds
            else Text(
                "对评价的异议以重新评价处理",
                "an objection to an evaluation is decided by re-grading",
            )
        )
        raise DecisionRemedy(
            ["body", given[0]],
            Text(
                zh=f"{what.zh}，不带 {given[0]}",
                en=f"{what.en}: it takes no `{given[0]}`",
            ),
        )


def cycles(today: date, *decision_dates: date | None) -> list[int]:
    """The current cycle, and a past cycle a record (before or after the decision) was decided
    in, whose grade may change with it (as dynamic adjustment re-grades)."""
    found = {today.year}
    found |= {d.year for d in decision_dates if d is not None and d.year < today.year}
    return sorted(found)
