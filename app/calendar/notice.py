"""Reading the State Council's holiday notice (docs/law.md §8) as an admin pastes it.

国务院办公厅关于20XX年部分节假日安排的通知. Pure: the text in, the year's days out, with every
problem found (nothing is guessed). The notice has one numbered line per holiday:
"一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。" A line is cut into
sentences (。) and clauses (，). Only the dates a clause declares before 放假 (or 补休) are days
off, and only those before 上班 are working days; any other date ("安排职工在除夕（2月9日）休息",
the preamble's "自2025年1月1日起") counts for nothing. A date may omit its month (and year) when
it follows one that gives it ("1月1日至3日"); a range may cross a month ("4月30日至5月4日"). The
weekday in brackets, "（周日）" or "（星期日）", must be the date's: a mismatch usually means the
notice of another year. "共N天" / "放假N天" must equal the days read. The weekends inside a
holiday are days off as the notice lists them; "与周末连休" adds none (a weekend is off anyway).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.core.i18n import Text
from app.models.calendar import MAX_DAYS_OFF, MAX_MAKE_UP_WORKDAYS

ZH_WEEKDAYS = "一二三四五六日"
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_RANGE_DAYS = 31  # no holiday is longer; a longer range is a typo

# A holiday line starts a line or follows a sentence: "一、元旦：", "六、国庆节、中秋节：".
_HEADER = re.compile(r"(?:^|(?<=。))(?P<number>[一二三四五六七八九十]+|\d{1,2})、"
                     r"(?P<name>[\u4e00-\u9fff][\u4e00-\u9fff、]{0,19}):")  # fmt: skip
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\((?P<note>[^()]*)\))?"
)
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)(?P<day>[一二三四五六日天])")
_KEYWORD = re.compile(r"放假|补休|上班")
_COUNT = re.compile(r"(?:共|放假)(?P<n>\d{1,2})天")
_TITLE_YEAR = re.compile(r"关于(?P<year>\d{4})年部分节假日安排")
_REFERENCE = re.compile(r"国办发明电[〔\[【(]\d{4}[〕\]】)]\d{1,3}号")
_RANGE = {"至", "到", "—", "–", "-", "~"}
_LIST = {"", "、", "和", "及"}
_FULL_WIDTH = str.maketrans({":": "：", "(": "（", ")": "）", ",": "，", ";": "；"})
_CLAUSE_END = re.compile(r"[,;](?![^()]*\))")  # a comma outside brackets

Report = Callable[[str, str, str], None]  # (kind, Chinese, English gloss)


@dataclass(frozen=True)
class NoticeProblem:
    kind: str  # unreadable, weekday, outside_year, both, duplicate, count, ...
    message: Text  # quoting the line as written
    line_no: int | None = None


@dataclass
class NoticeHoliday:
    """One numbered line of the notice and the days it declares."""

    number: str
    name: str
    line_no: int
    line: str  # as pasted (full-width punctuation), spaces removed
    days_off: list[date] = field(default_factory=list)
    make_up_workdays: list[date] = field(default_factory=list)


@dataclass
class ParsedNotice:
    year: int
    reference: str  # the notice's number (国办发明电〔2024〕12号) or else its title
    holidays: list[NoticeHoliday] = field(default_factory=list)
    problems: list[NoticeProblem] = field(default_factory=list)

    @property
    def days_off(self) -> list[date]:
        return sorted({d for h in self.holidays for d in h.days_off})

    @property
    def make_up_workdays(self) -> list[date]:
        return sorted({d for h in self.holidays for d in h.make_up_workdays})

    @property
    def holiday_names(self) -> dict[date, str]:
        return {d: h.name for h in self.holidays for d in (*h.days_off, *h.make_up_workdays)}


def parse(text: str, year: int) -> ParsedNotice:
    """The days off and make-up workdays `text` declares for `year`, and what is wrong in it."""
    lines = [_normalized(line) for line in text.splitlines()]
    parsed = ParsedNotice(year=year, reference=_reference(lines, year))
    for line_no, segment in _holiday_lines(lines):
        _read_line(parsed, line_no, segment)
    if not parsed.holidays:
        parsed.problems.append(
            NoticeProblem(
                "no_holidays",
                Text(
                    "找不到节假日安排：通知的每个节日占一行，如“一、元旦：1月1日（周四）至3日（周六）"
                    "放假调休，共3天。1月4日（周日）上班。”",
                    "no holiday line found: each holiday of the notice is a line, e.g. “一、元旦："
                    "1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。”",
                ),
            )
        )
    _check_year(parsed, lines)
    _check_across_lines(parsed)
    return parsed


# --- the text ----------------------------------------------------------------------------------


def _normalized(line: str) -> str:
    """Full-width punctuation and digits as ASCII (NFKC), without spaces: one form to read."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", line))


def _shown(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _holiday_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, text) of each holiday line; a line wrapped before its 。 is joined."""
    found: list[tuple[int, str]] = []
    open_ = False  # the last holiday line has not ended with 。 yet
    for line_no, line in enumerate(lines, start=1):
        starts = [m.start() for m in _HEADER.finditer(line)]
        head = line[: starts[0]] if starts else line
        if open_ and head:
            found[-1] = (found[-1][0], found[-1][1] + head)
        elif not line:
            open_ = False
        for i, start in enumerate(starts):
            found.append((line_no, line[start : starts[i + 1] if i + 1 < len(starts) else None]))
        if found and (starts or open_):
            open_ = not found[-1][1].endswith("。")
    return found


def _reference(lines: list[str], year: int) -> str:
    for line in lines:
        if match := _REFERENCE.search(line):
            return match.group().translate(str.maketrans("[]【】()", "〔〕〔〕〔〕"))
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


# --- one holiday line --------------------------------------------------------------------------


def _read_line(parsed: ParsedNotice, line_no: int, segment: str) -> None:
    header = _HEADER.match(segment)
    assert header is not None
    holiday = NoticeHoliday(header["number"], header["name"], line_no, _shown(segment))
    problems: list[NoticeProblem] = []

    def problem(kind: str, zh: str, en: str) -> None:
        message = Text(
            f"第{line_no}行「{holiday.line}」：{zh}", f"line {line_no} 「{holiday.line}」: {en}"
        )
        problems.append(NoticeProblem(kind, message, line_no))

    body = segment[header.end() :]
    for sentence in body.split("。"):
        for clause in _CLAUSE_END.split(sentence):
            keyword = _KEYWORD.search(clause)
            if keyword is None:
                continue  # "共3天", "不调休", "与周末连休", a date that is no day off
            days = _dates(clause[: keyword.start()], parsed.year, problem)
            if keyword.group() == "上班":
                holiday.make_up_workdays.extend(days)
            else:
                holiday.days_off.extend(days)
    if not holiday.days_off and not problems:
        problem("unreadable", "读不出放假日期", "no days off could be read from this line")
    count = _COUNT.search(body)
    if count and not problems and int(count["n"]) != len(holiday.days_off):
        problem(
            "count",
            f"写明共{count['n']}天，但日期范围是{len(holiday.days_off)}天",
            f"the line says {count['n']} days, its dates span {len(holiday.days_off)}",
        )
    for day in holiday.make_up_workdays if not problems else ():
        if day.weekday() < 5:
            problem(
                "workday_not_weekend",
                f"调休上班日{day}是{_zh_weekday(day)}，应为周六或周日",
                f"a make-up workday is a Saturday or Sunday; {day} is a {_en_weekday(day)}",
            )
    parsed.holidays.append(holiday)
    parsed.problems.extend(problems)


def _dates(text: str, year: int, problem: Report) -> list[date]:
    """Every date the clause `text` lists: single dates (、) and ranges (至)."""
    days: list[date] = []
    previous: date | None = None
    range_open = False  # the previous date starts a range ("1月1日至")
    cursor = 0
    matches = list(_DATE.finditer(text))
    if not matches:
        problem("unreadable", f"读不出“{_shown(text)}”中的日期", f"no date in “{text}”")
        return []
    for match in matches:
        gap = text[cursor : match.start()]
        cursor = match.end()
        if previous is None:
            if re.search(r"\d", gap):
                problem("unreadable", f"读不出“{_shown(gap)}”", f"cannot read “{gap}”")
        elif gap in _RANGE and not range_open:
            range_open = True
        elif gap in _LIST:
            range_open = False
        else:
            problem("unreadable", f"读不出“{_shown(gap)}”", f"cannot read “{gap}” between dates")
            return days
        day = _date_of(match, previous, year, problem)
        if day is None:
            return days
        if range_open and previous is not None:
            span = _span(previous, day, match, problem)
            days.extend(span[1:])
            range_open = False
        else:
            days.append(day)
        previous = day
    if re.search(r"\d", text[cursor:]):
        problem("unreadable", f"读不出“{_shown(text[cursor:])}”", f"cannot read “{text[cursor:]}”")
    return days


def _date_of(
    match: re.Match[str],
    previous: date | None,
    year: int,
    problem: Report,
) -> date | None:
    token = _shown(match.group())
    if match["m"] is None and previous is None:
        problem("unreadable", f"“{token}”缺少月份", f"“{token}” has no month")
        return None
    y = int(match["y"]) if match["y"] else previous.year if previous else year
    m = int(match["m"]) if match["m"] else previous.month if previous else 0
    try:
        day = date(y, m, int(match["d"]))
    except ValueError:
        problem("unreadable", f"没有“{token}”这一天", f"“{token}” is no date of {y}")
        return None
    if day.year != year:
        problem("outside_year", f"“{token}”不在{year}年内", f"{day} is not in {year}")
        return None
    weekday = _WEEKDAY.search(match["note"] or "")
    if weekday:
        given = "日" if weekday["day"] == "天" else weekday["day"]
        if ZH_WEEKDAYS.index(given) != day.weekday():
            problem(
                "weekday",
                f"“{token}”：{day}是{_zh_weekday(day)}，不是周{given}：是否是其他年份的通知？",
                f"{day} is a {_en_weekday(day)}, not a {EN_WEEKDAYS[ZH_WEEKDAYS.index(given)]}: "
                f"the notice of another year?",
            )
    return day


def _span(first: date, last: date, match: re.Match[str], problem: Report) -> list[date]:
    length = (last - first).days + 1
    if not 1 < length <= MAX_RANGE_DAYS:
        token = _shown(match.group())
        problem(
            "unreadable",
            f"日期范围{first}至“{token}”不成立",
            f"the range {first} to {last} is not a holiday's range",
        )
        return []
    return [first + timedelta(days=i) for i in range(length)]


def _zh_weekday(day: date) -> str:
    return f"周{ZH_WEEKDAYS[day.weekday()]}"


def _en_weekday(day: date) -> str:
    return EN_WEEKDAYS[day.weekday()]


# --- the whole notice --------------------------------------------------------------------------


def _check_year(parsed: ParsedNotice, lines: list[str]) -> None:
    for line_no, line in enumerate(lines, start=1):
        title = _TITLE_YEAR.search(line)
        if title and int(title["year"]) != parsed.year:
            parsed.problems.insert(
                0,
                NoticeProblem(
                    "other_year",
                    Text(
                        f"第{line_no}行「{_shown(line)}」：这是{title['year']}年的通知，"
                        f"不是{parsed.year}年的",
                        f"line {line_no} 「{_shown(line)}」: this is the notice for "
                        f"{title['year']}, not {parsed.year}",
                    ),
                    line_no,
                ),
            )
            return


def _check_across_lines(parsed: ParsedNotice) -> None:
    """A day in two lines, a day both off and worked, more days than a year's notice has."""
    off: dict[date, NoticeHoliday] = {}
    worked: dict[date, NoticeHoliday] = {}
    for holiday in parsed.holidays:
        for day in holiday.days_off:
            _once(parsed, holiday, day, off, "放假")
        for day in holiday.make_up_workdays:
            _once(parsed, holiday, day, worked, "上班")
            if day in off:
                parsed.problems.append(
                    NoticeProblem(
                        "both",
                        Text(
                            f"第{holiday.line_no}行「{holiday.line}」：{day}既是放假日又是上班日",
                            f"line {holiday.line_no} 「{holiday.line}」: {day} is both a day "
                            "off and a working day",
                        ),
                        holiday.line_no,
                    )
                )
    if len(off) > MAX_DAYS_OFF or len(worked) > MAX_MAKE_UP_WORKDAYS:
        parsed.problems.append(
            NoticeProblem(
                "too_many",
                Text(
                    f"共{len(off)}天放假、{len(worked)}天上班，超出一年通知的范围（最多"
                    f"{MAX_DAYS_OFF}天放假、{MAX_MAKE_UP_WORKDAYS}天上班）",
                    f"{len(off)} days off and {len(worked)} make-up workdays: more than a "
                    f"notice has, at most {MAX_DAYS_OFF} and {MAX_MAKE_UP_WORKDAYS}",
                ),
            )
        )


def _once(
    parsed: ParsedNotice,
    holiday: NoticeHoliday,
    day: date,
    seen: dict[date, NoticeHoliday],
    what: str,
) -> None:
    if day in seen:
        parsed.problems.append(
            NoticeProblem(
                "duplicate",
                Text(
                    f"第{holiday.line_no}行「{holiday.line}」：{day}已在第{seen[day].line_no}行"
                    f"列为{what}日",
                    f"line {holiday.line_no} 「{holiday.line}」: {day} is listed twice, also on "
                    f"line {seen[day].line_no}",
                ),
                holiday.line_no,
            )
        )
    seen[day] = holiday
