"""The refusals of a grade's notice step, each a named problem type: the window (not a notice,
awaiting the calendar, closed), the decision (nothing to decide on, the collector, a change
without its grade or reason) and the representation (how staff received it, its files)."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidField, NotFound
from app.core.i18n import Text


class EvaluationNotANotice(Conflict):
    slug = "evaluation-not-a-notice"
    title = Text("评价不是拟评C级告知", "The evaluation is not a notice")
    about = Text(
        "只有拟评C级告知（status 为 notice）接受陈述申辩和审核决定；A、B级，已生效或已被取代的"
        "评价都不接受。",
        "Only a proposed C (status `notice`) takes a representation or a reviewer's decision; "
        "an A or B grade, or an evaluation final or superseded, takes neither.",
    )
    remedy = Text(
        "查看该单位当前的评价：GET /api/v1/evaluations?employer_id=…&status=notice。",
        "Look up the employer's current notice: GET "
        "/api/v1/evaluations?employer_id=…&status=notice.",
    )


class NoticeAwaitingCalendar(Conflict):
    slug = "notice-awaiting-calendar"
    title = Text("告知待送达（工作日历未载入）", "The notice awaits the calendar")
    about = Text(
        "拟评C级告知的陈述申辩期限按工作日计算；期限所在年份的工作日历尚未载入时，告知暂不送达，"
        "也不接受陈述申辩。",
        "A notice's representation window is counted in working days; while the calendar "
        "lacks a year the window reaches into, the notice is not served and takes no "
        "representation yet.",
    )
    remedy = Text(
        "管理员载入该年的工作日历后，告知即送达并得到期限（自送达之日起算），之后可提出陈述申辩。",
        "Once an admin loads that year's calendar the notice is served with its deadline "
        "(counted from that day); then file the representation.",
    )


class NoticeWindowClosed(Conflict):
    slug = "notice-window-closed"
    title = Text("陈述申辩期已结束", "The representation window is closed")
    about = Text(
        "陈述申辩须在告知的期限内（含期限当日）、审核决定作出之前提出；期限届满、已作出决定或"
        "告知已被取代后，不再接受陈述和材料。",
        "Statements and files are taken on or before the notice's deadline and before a "
        "reviewer decides; after the deadline, a decision, or the notice being superseded, "
        "none are taken.",
    )
    remedy = Text(
        "期限内已提交的陈述和材料仍在案；对已生效的评价等级，可依法提出异议。",
        "What was filed in time stays on file; a grade in force may be contested by an objection.",
    )


class RepresentationNotFiled(Conflict):
    slug = "representation-not-filed"
    title = Text("尚无陈述申辩", "No representation was filed")
    about = Text(
        "审核人员在单位（或工作人员代其）提出陈述申辩后作出决定；未提出的，期限届满后拟评C级"
        "自动生效，无需决定。",
        "A reviewer decides once the employer (or staff for it) filed a representation; "
        "without one the proposed C becomes final when the window closes, with no decision.",
    )
    remedy = Text(
        "等待陈述申辩，或待期限届满由系统使其生效。",
        "Wait for a representation, or for the window to close.",
    )


class DeciderCollectedEvidence(Forbidden):
    slug = "decider-collected-evidence"
    title = Text("采集人员不得决定", "The collector may not decide")
    about = Text(
        "拟评C级所依据的信用记录中有你采集的，决定须由未采集其中任何记录的另一名审核人员作出。",
        "You collected a record this proposed C rests on: a reviewer who collected none of "
        "them must decide.",
    )
    remedy = Text("请另一名审核人员作出决定。", "Ask another reviewer to decide.")


class DecisionGradeRequired(InvalidField):
    slug = "decision-grade-required"
    title = Text("改定须给出等级", "A change needs the grade decided")
    about = Text(
        "改定（outcome 为 change）须给出改定后的等级 A 或 B；维持C级请用 confirm。",
        "To change (`outcome: change`) give the grade decided, A or B; to keep the C, confirm.",
    )
    remedy = Text("在 grade 中填写 A 或 B。", "Send `grade`: A or B.")


class DecisionReasonRequired(InvalidField):
    slug = "decision-reason-required"
    title = Text("改定须说明理由", "A change needs its reason")
    about = Text(
        "改定等级须写明理由（如陈述申辩成立的事实），理由随改定记入评价说明。",
        "A change of grade states its reason (why the representation holds); the reason is "
        "kept in the evaluation's explanation.",
    )
    remedy = Text("在 reason 中写明理由。", "Send `reason`.")


class RepresentationChannelRequired(InvalidField):
    slug = "representation-channel-required"
    title = Text("须说明陈述申辩的方式", "Say how the employer made its case")
    about = Text(
        "工作人员代单位录入陈述申辩时，须说明单位提出的方式：当面（in_person）、书面（letter）"
        "或电话（phone）；网上（online）只用于单位账户自己提交。",
        "Staff filing a statement for the employer say how the employer made its case: "
        "`in_person`, `letter` or `phone`; `online` is the employer's own account filing.",
    )
    remedy = Text(
        "在 channel 中填写 in_person、letter 或 phone。",
        "Send `channel`: in_person, letter or phone.",
    )


class RepresentationStaffField(InvalidField):
    slug = "representation-staff-field"
    title = Text("该字段由工作人员填写", "A field staff fill in")
    about = Text(
        "单位账户自己提交的陈述申辩即网上提交：channel 只能省略或为 online，presented_by（代单位"
        "陈述的人）只由代为录入的工作人员填写。",
        "An employer account's own statement is filed online: `channel` is left out or "
        "`online`, and `presented_by` (who presented the case for the employer) is for staff "
        "entering a statement for it.",
    )
    remedy = Text(
        "省略 channel 和 presented_by，只发送 text。",
        "Leave out `channel` and `presented_by`; send `text`.",
    )


class RepresentationAttachmentNotFound(NotFound):
    slug = "representation-attachment-not-found"
    title = Text("陈述申辩材料不存在", "No such representation file")
    about = Text(
        "该评价的陈述申辩材料中没有这个编号的文件。",
        "The evaluation's representation has no file of this id.",
    )
    remedy = Text(
        "列出该评价的材料：GET /api/v1/evaluations/{id}/representations。",
        "List the evaluation's files: GET /api/v1/evaluations/{id}/representations.",
    )


class RepresentationFileMissing(Conflict):
    slug = "representation-file-missing"
    title = Text("材料文件不在存储中", "The file is missing from storage")
    about = Text(
        "材料已登记，但其文件（按 sha256 命名）不在附件存储目录中，可能是存储目录被移动或恢复"
        "不完整。",
        "The file is on record but its content (stored under its sha256) is not in the "
        "attachments directory: the directory was moved or restored incompletely.",
    )
    remedy = Text(
        "请管理员从备份恢复附件存储目录。",
        "Ask an admin to restore the attachments directory from backup.",
    )
