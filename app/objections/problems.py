"""The refusals of an objection's life, each a named problem type: filing (the target, who
received it and when, one open per target), acceptance, the decision (the target changed, the
collector, what an upholding decision does), closing without a decision (closed already, the
target unchanged) and the evidence files."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, InvalidField, NotFound
from app.core.i18n import Text


class ObjectionAlreadyOpen(Conflict):
    slug = "objection-already-open"
    title = Text("该对象已有未办结的异议", "An objection on it is open")
    about = Text(
        "同一信用记录（含其各版本）、同一评价或同一公示事项，同时只能有一件未办结（已提出或已受理）"
        "的异议；open_objection_id 指出那一件。已处理、已撤回或已终止的异议不再占用。",
        "A record (all its versions), an evaluation or a disclosure item has at most one open "
        "(filed or accepted) objection at a time; `open_objection_id` names it. A decided, "
        "withdrawn or lapsed one holds it no more.",
    )
    remedy = Text(
        "在那件异议中补充陈述和材料，或待其处理决定作出（或其撤回、终止）后再提出。",
        "Add statements and files to that one, or file again once it is decided (or "
        "withdrawn, or lapsed).",
    )


class ObjectionTargetNotCurrent(Conflict):
    slug = "objection-target-not-current"
    title = Text("异议对象不是现行有效的", "The target is not the one in force")
    about = Text(
        "异议针对现行有效的对象：信用记录的已核实现行版本、用人单位当前的评价；已被取代或撤销的"
        "版本不受理异议。",
        "An objection contests what is in force: a record's verified version in force, an "
        "employer's current evaluation; a superseded or revoked version takes none.",
    )
    remedy = Text(
        "对现行版本提出异议（current_id 指出它，如有）。",
        "Object to the version in force (`current_id` names it, when there is one).",
    )


class ObjectionStaffField(InvalidField):
    slug = "objection-staff-field"
    title = Text("该字段由工作人员填写", "A field staff fill in")
    about = Text(
        "用人单位账户自己网上提出的异议，收到日期即当天：receipt_date 和 channel 只由代为录入"
        "当面或书面异议的工作人员填写。",
        "An employer account's own objection is received the day it files it, online: "
        "`receipt_date` and `channel` are for staff entering a walk-in or a letter.",
    )
    remedy = Text("省略 receipt_date 和 channel。", "Leave out `receipt_date` and `channel`.")


class ObjectionReceiptRequired(InvalidField):
    slug = "objection-receipt-required"
    title = Text("须写明收到日期和方式", "Say when and how it was received")
    about = Text(
        "工作人员代为录入的异议须写明收到日期 receipt_date（不晚于今天；期限自收到之日起算）和"
        "提出方式 channel（当面 in_person 或书面 letter）。",
        "Staff entering an objection give its `receipt_date` (not after today: the deadline "
        "counts from it) and its `channel` (`in_person` or `letter`).",
    )
    remedy = Text(
        "填写 receipt_date（如信件的收到日期）和 channel。",
        "Send `receipt_date` (the day the letter came, say) and `channel`.",
    )


class ObjectionNotFiled(Conflict):
    slug = "objection-not-awaiting-acceptance"
    title = Text("异议不在待受理状态", "The objection is not awaiting acceptance")
    about = Text(
        "只有已提出、尚未受理的异议可以受理；受理（及其期限）只作一次。",
        "Only a filed objection not yet accepted can be accepted; acceptance (and its "
        "deadline) is given once.",
    )
    remedy = Text("查看异议的状态：GET /api/v1/objections/{id}。",
                  "Look at its status: GET /api/v1/objections/{id}.")  # fmt: skip


class AcceptanceDepartments(InvalidField):
    slug = "objection-departments"
    title = Text("核查部门与受理方式不符", "Departments and handling disagree")
    about = Text(
        "需其他部门核查（departments）的，须列出核查的部门；本局核查（in_house）的，不列部门。",
        "When other departments verify (`departments`) name them; when handled in-house "
        "(`in_house`) name none.",
    )
    remedy = Text("按受理方式填写或省略 departments。",
                  "Send or leave out `departments` to match `handling`.")  # fmt: skip


class ObjectionNotAccepted(Conflict):
    slug = "objection-not-accepted"
    title = Text("异议尚未受理或已处理", "The objection is not accepted, or decided")
    about = Text(
        "处理决定针对已受理、尚未处理（也未撤回或终止）的异议作出，只作一次。",
        "A decision is made on an accepted objection not yet decided (nor withdrawn, nor "
        "lapsed), once.",
    )
    remedy = Text("先受理：POST /api/v1/objections/{id}/acceptance。",
                  "Accept it first: POST /api/v1/objections/{id}/acceptance.")  # fmt: skip


class ObjectionClosed(Conflict):
    slug = "objection-closed"
    title = Text("异议已办结", "The objection is closed")
    about = Text(
        "异议已作出处理决定、已撤回或已终止（对象已变更）：不再接受材料，也不能再撤回或终止。",
        "The objection was decided, withdrawn or lapsed: it takes no more files and can be "
        "neither withdrawn nor lapsed.",
    )
    remedy = Text(
        "如对处理决定不服，可依法申请复议或提起诉讼；已撤回或已终止的，可对现行对象另行提出异议。",
        "A decision may be contested by review or in court; after a withdrawal or a lapse, a "
        "new objection may be filed against what is in force.",
    )


class ObjectionTargetChanged(Conflict):
    slug = "objection-target-changed"
    title = Text("异议对象已变更", "The target changed since it was filed")
    about = Text(
        "异议提出后，其对象已经变更（信用记录已被更正或撤销，评价已被重新评价取代）：针对原对象"
        "的处理决定不能再作出。",
        "Since the objection was filed its target changed (the record was corrected or "
        "revoked, the evaluation superseded by a re-grade): a decision on what was contested "
        "can no longer be made.",
    )
    remedy = Text(
        "审核人员以“对象已变更”终止该异议（POST /api/v1/objections/{id}/lapse），或单位撤回；"
        "查看对象的现行版本（current_id），如仍有异议，由单位对现行版本另行提出。",
        "A reviewer closes it as lapsed (POST /api/v1/objections/{id}/lapse), or the employer "
        "withdraws it; look at the version in force (`current_id`): a remaining objection is "
        "filed against it.",
    )


class ObjectionTargetUnchanged(Conflict):
    slug = "objection-target-unchanged"
    title = Text("异议对象未变更，应作出处理决定", "The target is unchanged: a decision is due")
    about = Text(
        "只有对象在异议提出后已经变更（信用记录已被更正或撤销、评价已被取代、公示事项已结束）"
        "的异议，才能以“对象已变更”终止；对象未变更的，须依期限作出处理决定。",
        "Only an objection whose target changed since it was filed (the record corrected or "
        "revoked, the evaluation superseded, the item ended) can be closed as lapsed; on an "
        "unchanged target a decision is due within the deadline.",
    )
    remedy = Text(
        "受理（如尚未受理）并作出处理决定：POST /api/v1/objections/{id}/decision。",
        "Accept it (if not yet) and decide it: POST /api/v1/objections/{id}/decision.",
    )


class DeciderCollectedTarget(Forbidden):
    slug = "objection-decider-collected"
    title = Text("采集人员不得处理", "The collector may not decide")
    about = Text(
        "异议所针对的信用记录（或评价所依据的记录）由你采集：处理决定须由另一名审核人员作出。",
        "You collected the record contested (or one the evaluation rests on): another "
        "reviewer decides.",
    )
    remedy = Text("请另一名审核人员作出处理决定。", "Ask another reviewer to decide.")


class DecisionRemedy(InvalidField):
    slug = "objection-decision-remedy"
    title = Text("处理决定的更正方式不符", "What the decision does does not fit")
    about = Text(
        "对信用记录的异议成立或部分成立的，须给出更正后的完整内容（correction）或撤销（revocation）"
        "之一；对评价的异议成立的，重新评价即可，不带 correction 和 revocation；异议不成立的，"
        "两者都不带。",
        "An upheld or partly upheld objection to a record carries one of `correction` (the "
        "whole new content) or `revocation`; one to an evaluation is the re-grade alone, "
        "without either; a rejected one carries neither.",
    )
    remedy = Text("按异议对象和结论填写或省略 correction、revocation。",
                  "Send or leave out `correction` and `revocation` to match.")  # fmt: skip


class ObjectionAttachmentNotFound(NotFound):
    slug = "objection-attachment-not-found"
    title = Text("异议材料不存在", "No such objection file")
    about = Text("该异议没有这个编号的材料。", "The objection has no file of this id.")
    remedy = Text("列出该异议的材料：GET /api/v1/objections/{id}/attachments。",
                  "List its files: GET /api/v1/objections/{id}/attachments.")  # fmt: skip


class ObjectionFileMissing(Conflict):
    slug = "objection-file-missing"
    title = Text("材料文件不在存储中", "The file is missing from storage")
    about = Text(
        "材料已登记，但其文件（按 sha256 命名）不在附件存储目录中。",
        "The file is on record but its content (stored under its sha256) is not in the "
        "attachments directory.",
    )
    remedy = Text("请管理员从备份恢复附件存储目录。",
                  "Ask an admin to restore the attachments directory from backup.")  # fmt: skip
