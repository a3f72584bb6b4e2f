"""The credit file's named refusals (problem types), each saying in both languages what it is,
when it happens and what to do."""

from __future__ import annotations

import uuid

from app.core.errors import Conflict, Forbidden, InvalidField
from app.core.i18n import Text


class SamePerson(Conflict):
    """Art 8, two persons: whoever entered a draft (a record or a correction) cannot verify it."""

    slug = "same-person"
    title = Text("不能核实自己录入的信息", "You cannot verify what you entered")
    about = Text(
        "信用信息须由录入人以外的第二人核实：录入或提出更正的人核实自己的草稿时。",
        "Credit information is verified by a second person: this happens when the person who "
        "entered a draft, or proposed a correction, tries to verify it.",
    )
    remedy = Text(
        "请另一名审核人员核实该草稿。",
        "Ask another reviewer to verify the draft.",
    )


class NotCorrectable(Conflict):
    """Only the verified version in force is corrected; a draft is edited, and an old or revoked
    version has nothing left to correct."""

    slug = "record-not-correctable"
    title = Text("该信用信息不能更正", "This credit record cannot be corrected")
    about = Text(
        "只有现行有效的已核实版本可以更正：草稿直接修改，已被取代的版本请更正其现行版本，"
        "已撤销的信息不再更正。",
        "Only the verified version in force can be corrected: a draft is edited instead, a "
        "superseded version is corrected through its current version, and a revoked record "
        "is not corrected any more.",
    )
    remedy = Text(
        "草稿请用 PATCH 修改；已被取代的，请更正 current_id 所指的现行版本。",
        "Edit a draft with PATCH; for a superseded version, correct the current version "
        "named by current_id.",
    )


class CorrectionPending(Conflict):
    """One open correction per record: a second one would race the first to replace version N."""

    slug = "correction-pending"
    title = Text("已有待核实的更正", "A correction is pending")
    about = Text(
        "一条信用信息同一时间只能有一项待核实的更正：已有更正草稿时再提出更正。",
        "A credit record has at most one correction awaiting verification: this happens when "
        "a second correction is proposed while one is open.",
    )
    remedy = Text(
        "请先核实或撤回 pending_id 所指的更正草稿，或由提出人修改该草稿。",
        "Verify or withdraw the draft correction named by pending_id first, or have its "
        "proposer edit it.",
    )

    def __init__(self, record_id: uuid.UUID, pending: uuid.UUID) -> None:
        super().__init__(
            Text(
                f"信用信息 {record_id} 已有待核实的更正 {pending}：同一时间只能有一项更正。",
                f"credit record {record_id} already has a correction awaiting verification, "
                f"{pending}: only one correction of a record is open at a time",
            ),
            pending_id=str(pending),
        )


class CorrectionStale(Conflict):
    """The version a draft correction would replace is no longer the one in force."""

    slug = "correction-stale"
    title = Text("更正所针对的版本已不再有效", "The corrected version is no longer in force")
    about = Text(
        "核实更正时，它所更正的版本已被撤销或取代。",
        "This happens when a draft correction is verified after the version it corrects was "
        "revoked or superseded.",
    )
    remedy = Text(
        "请撤回该更正草稿；如仍需更正，请针对现行版本重新提出。",
        "Withdraw the draft correction; if a correction is still needed, propose it against "
        "the version in force.",
    )


class CorrectionChangesEmployer(InvalidField):
    """A correction fixes a record; a record about another employer is another record."""

    slug = "correction-changes-employer"
    title = Text("更正不能改变用人单位", "A correction cannot change the employer")
    about = Text(
        "更正或更正草稿的 employer_id 与被更正的信息不同时。",
        "This happens when a correction, or an edit of a draft correction, names another "
        "employer_id than the record it corrects.",
    )
    remedy = Text(
        "保留原用人单位；如信息记错了单位，请撤销该信息并为正确的单位录入新信息。",
        "Keep the record's employer; if the record was entered for the wrong employer, revoke "
        "it and enter a new record for the right one.",
    )

    def __init__(self, record_id: uuid.UUID) -> None:
        super().__init__(
            ["body", "employer_id"],
            Text(
                f"更正不能把信用信息 {record_id} 移到另一用人单位；请撤销后为正确的单位新录入。",
                f"a correction cannot move credit record {record_id} to another employer; "
                "revoke it and create a new one",
            ),
        )


class SourceChangeNeedsCorrection(Conflict):
    """An untrusted source's change to a verified record is not taken as it comes."""

    slug = "source-change-needs-correction"
    title = Text("已核实的信息须经人工更正", "A verified record needs a reviewer's correction")
    about = Text(
        "非受信来源系统发来已核实信息的新内容时：它不能直接取代已核实的版本。",
        "This happens when a source system that is not trusted sends new content for a "
        "record that is already verified: it cannot replace the verified version by itself.",
    )
    remedy = Text(
        "由工作人员对该信息提出更正（POST /api/v1/credit-records/{id}/corrections），"
        "再由第二人核实。",
        "Have staff propose a correction of the record "
        "(POST /api/v1/credit-records/{id}/corrections) and a second person verify it.",
    )


class NotWithdrawable(Conflict):
    """Only a draft correction is withdrawn: it would otherwise hold the record's corrections."""

    slug = "record-not-withdrawable"
    title = Text("该信息不能撤回", "This record cannot be withdrawn")
    about = Text(
        "只有待核实的更正草稿可以撤回：首次录入的草稿、已核实或已撤回的版本不能撤回。",
        "Only a draft correction awaiting verification can be withdrawn: a first draft, a "
        "verified version or one already withdrawn cannot.",
    )
    remedy = Text(
        "已核实的信息请更正或撤销；首次录入的草稿由录入人修改。",
        "Correct or revoke a verified record; a first draft is edited by its collector.",
    )


class WithdrawalNotAllowed(Forbidden):
    """A proposer takes back their own correction; a reviewer may turn anyone's down."""

    slug = "withdrawal-not-allowed"
    title = Text("无权撤回该更正", "You may not withdraw this correction")
    about = Text(
        "更正草稿只能由其提出人或审核人员撤回。",
        "A draft correction is withdrawn by the person who proposed it or by a reviewer.",
    )
    remedy = Text(
        "请提出人或一名审核人员撤回。",
        "Ask its proposer or a reviewer to withdraw it.",
    )
