"""The working-day calendar's refusals."""

from __future__ import annotations

from datetime import date

from app.calendar import notice
from app.core.errors import AppError, Conflict, InvalidField, NotFound
from app.core.i18n import Text, say
from app.models.calendar import CalendarYear
from app.models.problem import FieldProblem


class CalendarYearMissing(Conflict):
    """409, not 422: the request is well formed; the calendar lacks the year. Once an admin
    loads that year's notice (PUT /api/v1/calendar/{year}) the same request succeeds."""

    slug = "calendar-year-missing"
    title = Text("工作日历缺少年份", "Calendar year not loaded")
    about = Text(
        "计算工作日期限要用到的年份还没有载入工作日历：服务从不猜测尚未公布的放假安排。",
        "A working-day deadline reaches into a year the calendar does not cover yet: the "
        "service never guesses a year's holidays before they are published.",
    )
    remedy = Text(
        "请管理员载入该年国务院办公厅的节假日安排通知（PUT 或 POST /api/v1/calendar/{year}），"
        "再重新发送同一请求。",
        "Ask an admin to load that year's State Council holiday notice (PUT or POST "
        "/api/v1/calendar/{year}), then send the same request again.",
    )

    def __init__(self, year: int) -> None:
        super().__init__(
            Text(
                f"工作日历没有{year}年：请管理员载入{year}年国务院办公厅节假日安排通知"
                f"（PUT /api/v1/calendar/{year}）",
                f"the working-day calendar does not cover {year}: an admin must load the "
                f"State Council holiday notice for {year} (PUT /api/v1/calendar/{year})",
            ),
            year=year,
        )
        self.year = year


class CalendarYearLoaded(Conflict):
    """Loading a notice over a year already covered must say so (`replace`)."""

    slug = "calendar-year-loaded"
    title = Text("该年工作日历已载入", "Calendar year already loaded")
    about = Text(
        "要载入的年份已经在工作日历中；替换它必须明确说明。",
        "The year is in the calendar already; replacing it must be asked for.",
    )
    remedy = Text(
        '核对已载入的内容（GET /api/v1/calendar/{year}）；确需替换时同时发送 "replace": true。',
        'Look at the loaded year (GET /api/v1/calendar/{year}); to replace it, send "replace": '
        "true with it.",
    )

    def __init__(self, covered: CalendarYear) -> None:
        super().__init__(
            Text(
                f"工作日历已载入{covered.year}年（来源 {covered.source}，版本 {covered.version}）；"
                f'如需替换请同时发送 "replace": true',
                f'calendar {covered.year} is loaded already: send "replace": true to replace it',
            ),
            year=covered.year,
            version=covered.version,
        )


class CalendarYearInUse(Conflict):
    """A stored deadline was counted on the year's days: changing them would leave it counted
    on a calendar that no longer exists."""

    slug = "calendar-year-in-use"
    title = Text("该年工作日历已被使用", "Calendar year in use")
    about = Text(
        "已有陈述申辩期限按这一年的放假和上班日计算，改变这些日子会让已定的期限失去依据。",
        "Representation deadlines were counted on the year's days off and make-up workdays; "
        "changing those days would leave the deadlines counted on a calendar that no longer "
        "exists.",
    )
    remedy = Text(
        "该年的放假和上班日不能再改；只能修正通知文号等不影响计算的内容。",
        "The year's days can no longer change; only what counts no day (the notice's "
        "reference) can be corrected.",
    )

    def __init__(self, year: int, deadlines: int, first: date, last: date) -> None:
        super().__init__(
            Text(
                f"{year}年的工作日历已被使用：{deadlines}个陈述申辩期限（{first}至{last}）按它"
                "计算，不能更改其放假和上班日",
                f"calendar {year} is in use: {deadlines} representation deadlines of "
                f"evaluations, {first} to {last}, were counted on it; its days cannot change",
            ),
            year=year,
            representation_deadlines=deadlines,
            first_deadline=first.isoformat(),
            last_deadline=last.isoformat(),
        )


class CalendarLoadedConcurrently(Conflict):
    slug = "calendar-loaded-concurrently"
    title = Text("工作日历同时被载入", "Calendar loaded concurrently")
    about = Text(
        "另一位管理员在同一时刻载入了同一年的工作日历。",
        "Another admin loaded the same year at the same moment.",
    )
    remedy = Text(
        "重新读取该年（GET /api/v1/calendar/{year}），确有需要再替换。",
        "Read the year again (GET /api/v1/calendar/{year}) and replace it if still needed.",
    )


class CalendarDaysInvalid(InvalidField):
    slug = "calendar-days-invalid"
    title = Text("放假和上班日不成立", "Days off or workdays invalid")
    about = Text(
        "载入的日子不是该年的、重复列出、既放假又上班，或调休上班日不是周六周日；errors[].type "
        "说明是哪一条（calendar.outside_year、calendar.duplicate、calendar.both、"
        "calendar.workday_not_weekend）。",
        "A day loaded is not in the year, is listed twice, is both off and worked, or a make-up "
        "workday is not a Saturday or Sunday; errors[].type says which (calendar.outside_year, "
        "calendar.duplicate, calendar.both, calendar.workday_not_weekend).",
    )
    remedy = Text(
        "对照国务院办公厅的通知改正 errors[].loc 指出的日子。",
        "Correct the day errors[].loc names against the State Council notice.",
    )


class CalendarPackageLacksYear(NotFound):
    slug = "calendar-package-lacks-year"
    title = Text("日历数据包没有该年", "Calendar package lacks the year")
    about = Text(
        "随服务安装的 chinesecalendar 数据包没有这一年的放假安排，无法从它生成工作日历。",
        "The chinesecalendar package installed with the service has no data for the year, so "
        "the calendar cannot be made from it.",
    )
    remedy = Text(
        "用国务院办公厅的通知载入该年（PUT 或 POST /api/v1/calendar/{year}）。",
        "Load the year from the State Council notice (PUT or POST /api/v1/calendar/{year}).",
    )


class NoticeUnreadable(AppError):
    """422: the notice's text, read line by line, has problems; each names its line."""

    status, slug = 422, "notice-unreadable"
    title = Text("通知文本有问题", "Notice text has problems")
    about = Text(
        "逐行读取粘贴的国务院办公厅节假日安排通知时发现问题（日期与星期不符、年份不对、日子重复等），"
        "什么也没有保存；errors[] 逐条引用有问题的行。",
        "Reading the pasted State Council holiday notice line by line found problems (a date "
        "and its weekday disagree, the wrong year, a day twice…); nothing was saved. errors[] "
        "quotes each line at fault.",
    )
    remedy = Text(
        "对照通知原文改正 errors[] 引用的行后重新发送；确认无误的年份也可用 PUT 逐日载入。",
        "Correct the lines errors[] quotes against the published notice and send again; or load "
        "the days one by one with PUT.",
    )

    def __init__(self, year: int, problems: list[notice.NoticeProblem]) -> None:
        count = len(problems)
        super().__init__(
            Text(
                f"{year}年的通知文本有{count}处问题，未保存",
                f"the notice text for {year} has {count} problem{'s' if count > 1 else ''}; "
                "nothing was saved",
            ),
            year=year,
        )
        self.errors = [
            FieldProblem(loc=["body", "text"], msg=say(p.message), type=f"calendar.notice.{p.kind}")
            for p in problems
        ]
