"""Reading the State Council's holiday notice (docs/law.md §8), without a database.

`notices/2025.txt` and `notices/2026.txt` are the notices as published (国务院办公厅关于2025年
部分节假日安排的通知, 国办发明电〔2024〕12号, of 2024-11-12; the 2026 one of 2025-11-04, as
Xinhua and gmw.cn carried them). Their reading is checked day by day against the installed
chinesecalendar, whose data are those notices. `notices/2027-test.txt` is a test notice in the
same form, not the State Council's.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from app.calendar import notice
from tests.calendar.test_service import NOTICE_2026_MAKE_UP, NOTICE_2026_OFF

NOTICES = Path(__file__).parent / "notices"


def _text(name: str) -> str:
    return (NOTICES / f"{name}.txt").read_text(encoding="utf-8")


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize(("year", "days_off", "make_up"), [(2025, 28, 5), (2026, 33, 6)])
def test_the_published_notice_reads_as_chinesecalendar_day_by_day(
    year: int, days_off: int, make_up: int
) -> None:
    parsed = notice.parse(_text(str(year)), year)
    assert parsed.problems == []
    # The seed's view of the package (calendar.service.seed_year): its holidays are the days
    # off, its workdays the make-up days (all on weekends).
    package_off = {d for d in chinese_calendar.holidays if d.year == year}
    package_work = {d for d in chinese_calendar.workdays if d.year == year}
    differences = [
        day
        for day in _days_of(year)
        if (day in parsed.days_off) != (day in package_off)
        or (day in parsed.make_up_workdays) != (day in package_work)
    ]
    assert differences == []
    assert (len(parsed.days_off), len(parsed.make_up_workdays)) == (days_off, make_up)
    assert parsed.days_off == sorted(package_off)
    assert parsed.make_up_workdays == sorted(package_work)
    # each day under its holiday's line ("国庆节、中秋节" holds the package's 中秋 and 国庆节)
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    package = {**chinese_calendar.holidays, **chinese_calendar.workdays}
    for day, name in parsed.holiday_names.items():
        assert names[package[day]] in name, day


def test_2026_is_what_domain_lists() -> None:
    parsed = notice.parse(_text("2026"), 2026)
    assert parsed.days_off == NOTICE_2026_OFF
    assert parsed.make_up_workdays == NOTICE_2026_MAKE_UP
    assert [(h.number, h.name) for h in parsed.holidays] == [
        ("一", "元旦"),
        ("二", "春节"),
        ("三", "清明节"),
        ("四", "劳动节"),
        ("五", "端午节"),
        ("六", "中秋节"),
        ("七", "国庆节"),
    ]
    assert parsed.holiday_names[date(2026, 2, 28)] == "春节"


def test_the_2025_notice_changed_spring_festival_and_labour_day() -> None:
    parsed = notice.parse(_text("2025"), 2025)
    by_name = {h.name: h for h in parsed.holidays}
    assert len(by_name["春节"].days_off) == 8  # from 除夕, 1-28 to 2-4 (crosses a month)
    assert by_name["春节"].make_up_workdays == [date(2025, 1, 26), date(2025, 2, 8)]
    assert len(by_name["劳动节"].days_off) == 5
    assert by_name["元旦"].days_off == [date(2025, 1, 1)]  # 放假1天，不调休
    assert by_name["国庆节、中秋节"].days_off[-1] == date(2025, 10, 8)
    # the preamble's dates and 放假 ("自2025年1月1日起", "放假调休8天") are no holiday line
    assert len(parsed.holidays) == 6


def test_the_reference_is_the_notices_number_or_else_its_title() -> None:
    assert notice.parse(_text("2025"), 2025).reference == "国办发明电〔2024〕12号"
    assert (
        notice.parse(_text("2026"), 2026).reference == "国务院办公厅关于2026年部分节假日安排的通知"
    )


def test_half_width_punctuation_and_spaces_read_the_same() -> None:
    # as many web pages carry it: ASCII colon, brackets and commas (NFKC), indented lines
    text = "\n".join(
        "  " + unicodedata.normalize("NFKC", line) for line in _text("2026").split("\n")
    )
    assert "(周四)" in text
    parsed = notice.parse(text, 2026)
    assert parsed.problems == []
    assert parsed.days_off == NOTICE_2026_OFF
    assert parsed.make_up_workdays == NOTICE_2026_MAKE_UP


def test_the_whole_notice_on_one_line_or_wrapped_reads_the_same() -> None:
    lines = [line for line in _text("2026").splitlines() if line.startswith(("一", "二", "三"))]
    one_line = notice.parse("".join(lines), 2026)
    wrapped = notice.parse(
        "\n".join(part for line in lines for part in (line[:20], line[20:])), 2026
    )
    for parsed in (one_line, wrapped):
        assert parsed.problems == []
        assert len(parsed.holidays) == 3
        assert parsed.days_off == NOTICE_2026_OFF[: 3 + 9 + 3]
        assert parsed.make_up_workdays == NOTICE_2026_MAKE_UP[:3]


def test_the_test_notice_of_2027() -> None:
    parsed = notice.parse(_text("2027-test"), 2027)
    assert parsed.problems == []
    assert (len(parsed.days_off), len(parsed.make_up_workdays)) == (28, 6)
    assert parsed.holiday_names[date(2027, 9, 15)] == "中秋节"  # （星期三）


@pytest.mark.parametrize(
    ("line", "days_off", "make_up"),
    [
        # 星期 or 周, 星期天 for Sunday
        ("一、元旦：1月1日（星期五）至3日（星期日）放假，共3天。", ["01-01", "01-02", "01-03"], []),
        ("一、元旦：1月1日（周五）至3日（星期天）放假，共3天。", ["01-01", "01-02", "01-03"], []),
        # a range across a month; several make-up days separated by 、
        (
            "四、劳动节：4月30日（周五）至5月4日（周二）放假调休，共5天。4月25日（周日）、5月8日"
            "（周六）上班。",
            ["04-30", "05-01", "05-02", "05-03", "05-04"],
            ["04-25", "05-08"],
        ),
        ("五、端午节：6月9日（周三）放假1天，不调休。", ["06-09"], []),
        # a weekend is off anyway: 与周末连休 adds no day
        ("一、元旦：1月1日（周五）放假，与周末连休。", ["01-01"], []),
        # a date that is not declared a day off counts for nothing
        (
            "二、春节：2月6日至13日放假调休，共8天。2月20日（周六）上班。鼓励各单位安排职工在除夕"
            "（2月5日）休息。",
            [f"02-{d:02}" for d in range(6, 14)],
            ["02-20"],
        ),
        # an older form: a day off in lieu (补休)
        ("三、清明节：4月4日放假，4月5日（星期一）补休。", ["04-04", "04-05"], []),
        # the year may be written out
        ("一、元旦：2027年1月1日至3日放假调休，共3天。", ["01-01", "01-02", "01-03"], []),
    ],
)
def test_the_forms_a_line_takes(line: str, days_off: list[str], make_up: list[str]) -> None:
    parsed = notice.parse(line, 2027)
    assert parsed.problems == []
    assert parsed.days_off == [date.fromisoformat(f"2027-{d}") for d in days_off]
    assert parsed.make_up_workdays == [date.fromisoformat(f"2027-{d}") for d in make_up]


def _problems(text: str, year: int = 2027) -> list[tuple[str, int | None]]:
    return [(p.kind, p.line_no) for p in notice.parse(text, year).problems]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("一、元旦：1月1日（周四）至3日（周日）放假，共3天。", "weekday"),
        ("一、元旦：元月一日放假。", "unreadable"),
        ("一、元旦：1日至3日放假，共3天。", "unreadable"),  # no month
        ("一、元旦：2月30日放假。", "unreadable"),
        ("一、元旦：1月3日至1日放假。", "unreadable"),  # backwards
        ("一、元旦：1月1日至3日放假，共4天。", "count"),
        ("一、元旦：2026年12月31日至2027年1月2日放假，共3天。", "outside_year"),
        ("一、元旦：1月1日至3日放假。1月2日（周六）上班。", "both"),
        ("一、元旦：1月1日至3日放假。1月4日（周一）上班。", "workday_not_weekend"),
        ("一、元旦：1月1日至3日放假。\n二、春节：1月3日至4日放假。", "duplicate"),
        ("一、元旦：调休上班。", "unreadable"),
        ("国务院办公厅关于2026年部分节假日安排的通知\n一、元旦：1月1日放假。", "other_year"),
        ("今年元旦放假三天，春节放假八天。", "no_holidays"),
        ("", "no_holidays"),
    ],
)
def test_a_problem_is_named(text: str, kind: str) -> None:
    assert kind in [k for k, _ in _problems(text)]


def test_a_problem_names_its_line_and_quotes_it() -> None:
    text = (
        "国务院办公厅关于2027年部分节假日安排的通知\n\n"
        "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。"
    )
    (problem, *others) = notice.parse(text, 2027).problems
    assert problem.kind == "weekday" and problem.line_no == 3
    assert problem.message.zh.startswith(
        "第3行「一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。」：“1月1日（周四）”："
        "2027-01-01是周五，不是周四"
    )
    assert problem.message.en.startswith("line 3 「一、元旦：1月1日（周四）至3日（周六）放假调休")
    assert "2027-01-01 is a Friday, not a Thursday" in problem.message.en
    assert [p.kind for p in others] == ["weekday"]  # 3日（周六） is a Sunday in 2027


def test_the_notice_of_another_year_is_a_problem_on_every_weekday() -> None:
    # the admin pasted the 2026 notice for 2027: every bracketed weekday is wrong
    kinds = [kind for kind, _ in _problems(_text("2026"), 2027)]
    assert kinds[0] == "other_year"
    assert kinds.count("weekday") == 2 * 7 + 6  # two ends of each range, each make-up day
