"""Grading's refusals: rule sets and grading runs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from app.core.errors import (
    Conflict,
    FieldProblem,
    InvalidField,
)
from app.core.i18n import Text, say

UNKNOWN_SHOWN = 20  # ids named in the refusal; the count says how many there are

# --- rule sets -----------------------------------------------------------------------------------


class RuleSetOverlap(Conflict):
    slug = "rule-set-overlap"
    title = Text("评价规则的适用期重叠", "Rule sets overlap")
    about = Text(
        "两个版本的评价规则不能在同一天适用：新版本的适用期与已有版本重叠（新版本晚于一个无结束日期的"
        "版本开始时，后者自动在前一天结束）。",
        "Two versions of the rules never apply on the same day: the version's dates overlap "
        "another's (a version starting after an open-ended one closes that one the day "
        "before, by itself).",
    )
    remedy = Text(
        "调整 effective_from / effective_to，使它与 extra 中 version 指出的版本不重叠。",
        "Move effective_from / effective_to clear of the version the answer names.",
    )

    def __init__(self, detail: Text, field: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = [FieldProblem(loc=["body", field], msg=say(detail), type="conflict")]


class RuleSetInUse(Conflict):
    slug = "rule-set-in-use"
    title = Text("评价规则已被使用", "Rule set in use")
    about = Text(
        "这个版本的评价规则已经评定过用人单位的等级，不能再修改，以免已定的等级失去依据。",
        "The version has graded employers already: it cannot change, or the grades given "
        "would rest on rules that no longer exist.",
    )
    remedy = Text(
        "新增一个版本来取代它（POST /api/v1/rule-sets），从新的日期开始适用。",
        "Add a new version to supersede it (POST /api/v1/rule-sets), in force from a later day.",
    )


class NoRuleSetInForce(Conflict):
    slug = "no-rule-set-in-force"
    title = Text("没有适用的评价规则", "No rule set in force")
    about = Text(
        "当天没有任何版本的评价规则适用，无法评定等级。",
        "No version of the grading rules applies on the day, so nothing can be graded.",
    )
    remedy = Text(
        "请管理员新增一个从当天或更早开始适用的规则版本（POST /api/v1/rule-sets）。",
        "Ask an admin to add a version in force on that day (POST /api/v1/rule-sets).",
    )


class RuleSetInvalid(InvalidField):
    slug = "rule-set-invalid"
    title = Text("评价规则不成立", "Rule set invalid")
    about = Text(
        "规则集本身不成立：规则编号重复、没有或多于一条无条件的默认规则、条件引用了不存在的参数、"
        "适用期倒置或从过去开始；errors[] 逐项说明。",
        "The rule set does not hold together: a rule id twice, not exactly one default rule "
        "without a condition, a condition naming an unknown parameter, dates reversed or "
        "starting in the past; errors[] names each.",
    )
    remedy = Text(
        "按 errors[] 改正规则集后重新发送。", "Correct what errors[] names and send it again."
    )


# --- grading runs --------------------------------------------------------------------------------


class CycleNotEnded(InvalidField):
    slug = "cycle-not-ended"
    title = Text("评价周期尚未结束", "Cycle not ended")
    about = Text(
        "第10条：一个周期（自然年）结束后才评定它的等级。",
        "Art 10: a cycle (a calendar year) is graded after it ends.",
    )
    remedy = Text(
        "选择已结束的周期（最近的是去年）。",
        "Choose a cycle that has ended (last year at the latest).",
    )


class CycleBeforeRuleSets(InvalidField):
    """The cycle ended before the first rule set took effect: no version of the rules applied to
    it, and grading it by a later one would give grades under rules that did not exist."""

    slug = "cycle-before-rule-sets"
    title = Text("周期早于评价规则", "Cycle before any rule set")
    about = Text(
        "这个周期结束时还没有任何版本的评价规则生效；用后来的规则评定它，等于按当时不存在的规则评级。",
        "The cycle ended before any version of the rules took effect; grading it by a later "
        "one would grade under rules that did not exist then.",
    )
    remedy = Text(
        "从回答中的 first_gradable_cycle 起选择周期。",
        "Choose a cycle from the answer's first_gradable_cycle on.",
    )

    def __init__(self, cycle: int, first_effective: date) -> None:
        first = first_effective.year
        super().__init__(
            ["body", "cycle"],
            Text(
                f"{cycle}年周期在第一版评价规则生效（{first_effective}）之前就已结束；最早可评定的"
                f"周期是{first}年",
                f"cycle {cycle} ended before the first grading rule set took effect "
                f"({first_effective}); the first gradable cycle is {first}",
            ),
            "before_rule_sets",
            first_gradable_cycle=first,
        )


class RunEmployersUnknown(InvalidField):
    """Employers named in `employer_ids` that do not exist: a run would silently skip them."""

    slug = "run-employers-unknown"
    title = Text("评价批次中的用人单位不存在", "Unknown employers in the run")
    about = Text(
        "employer_ids 中有不存在的用人单位编号；批次若默默跳过它们，结果就不完整。",
        "employer_ids holds ids of no employer; a run that skipped them silently would be "
        "incomplete.",
    )
    remedy = Text(
        "去掉或改正回答中 unknown_employer_ids 列出的编号。",
        "Drop or correct the ids the answer's unknown_employer_ids lists.",
    )

    def __init__(self, unknown: list[uuid.UUID]) -> None:
        shown = ", ".join(str(i) for i in unknown[:UNKNOWN_SHOWN])
        more = len(unknown) - UNKNOWN_SHOWN
        super().__init__(
            ["body", "employer_ids"],
            Text(
                f"没有编号为 {shown} 的用人单位" + (f"（另有{more}个）" if more > 0 else ""),
                f"no employer has the id{'s' if len(unknown) > 1 else ''} {shown}"
                + (f" and {more} more" if more > 0 else ""),
            ),
            "unknown",
            unknown_employer_ids=[str(i) for i in unknown[:UNKNOWN_SHOWN]],
            unknown_count=len(unknown),
        )


class CycleBeingGraded(Conflict):
    slug = "cycle-being-graded"
    title = Text("该周期正在评定", "Cycle being graded")
    about = Text(
        "同一周期已有一个排队或进行中的评价批次；同一周期一次只评定一批。",
        "A run of the cycle is queued or running already; a cycle is graded by one run at a time.",
    )
    remedy = Text(
        "等回答中 run_id 指出的批次结束（GET /api/v1/grading-runs/{id}）。",
        "Wait for the run the answer's run_id names to finish (GET /api/v1/grading-runs/{id}).",
    )


# --- policies (Art 18) ---------------------------------------------------------------------------


class PolicyInvalid(InvalidField):
    slug = "policy-invalid"
    title = Text("政策文件记录不成立", "Policy invalid")
    about = Text(
        "政策（或其延期）的有效期倒置（有效期至早于施行日期），或所称接续的政策、所引用的政策不存在；"
        "errors[] 逐项说明。",
        "The policy's (or its extension's) validity ends before it begins, or the policy it "
        "succeeds or that is referred to does not exist; errors[] names each.",
    )
    remedy = Text(
        "按 errors[] 改正后重新发送；政策编号来自 GET /api/v1/policies。",
        "Correct what errors[] names and send again; policy ids come from GET /api/v1/policies.",
    )


class PolicyExists(Conflict):
    slug = "policy-exists"
    title = Text("政策文件已登记", "Policy already recorded")
    about = Text(
        "同一文号的政策文件已经登记过。", "A policy with the same document number is recorded."
    )
    remedy = Text(
        "延长它的有效期请用 POST /api/v1/policies/{id}/extension。",
        "To extend its validity, use POST /api/v1/policies/{id}/extension.",
    )
