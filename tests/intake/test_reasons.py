"""Every problem the content rules can find is said in Chinese too, not only in English."""

from __future__ import annotations

import uuid

import pytest

from app.employers import uscc
from app.intake import reasons
from app.models.credit_record import CreditRecordCreate
from app.records import rules

BASE = {
    "employer_id": uuid.uuid4(),
    "category": "dishonesty",
    "source": "inspection",
    "kind": "wages",
    "occurred_date": "2026-03-01",
    "title": "拖欠工资",
}
WRONG_CHECK = uscc.make("11141121" + uscc.organisation_code("01234567"))[:-1] + "0"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"kind": "honour"}, "信息种类“表彰奖励”属于“良好信息”，与信息类别“失信信息”不符"),
        ({"occurred_date": "1926-03-01"}, "早于1990年1月1日"),
        ({"occurred_date": "2099-03-01"}, "晚于今天"),
        ({"fine_amount": "500"}, "填写了罚款金额，也要填写处罚类别"),
        ({"penalty_category": "fine"}, "要填写罚款金额"),
        (
            {"category": "good", "kind": "honour", "punished": True, "decision_date": "2026-03-10"},
            "“是否查处”只适用于失信信息",
        ),
        ({"punished": True}, "要填写处罚决定日期"),
        (
            {"decision_date": "2026-03-10", "rectification": {"rectified_date": "2026-03-01"}},
            "早于它所针对的处罚决定日期2026-03-10",
        ),
        ({"issuing_authority_uscc": WRONG_CHECK}, "作出决定机关统一社会信用代码校验位错误：应为"),
    ],
)
def test_each_content_rule_is_said_in_chinese(changes, says, today):
    content = CreditRecordCreate.model_validate({**BASE, **changes})
    [problem] = rules.problems(content, today=today)  # the suite's pinned day
    text = reasons.of_rule(problem.loc[1:], problem.msg, problem.type, content)
    assert says in text.zh, text
    assert "有误" not in text.zh  # not the fallback that quotes the English
    assert text.en


def test_an_unknown_rule_falls_back_to_quoting_the_english():
    content = CreditRecordCreate.model_validate(BASE)
    text = reasons.of_rule(["title"], "a new rule", "new.rule", content)
    assert text == ("“标题”有误：a new rule", "a new rule")
