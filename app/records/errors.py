"""The credit file's refusals: a record's lifecycle, its content, its evidence. `SamePerson` and
the status refusals are shared by every two-person decision and state machine of the file."""

from __future__ import annotations

import uuid

from app.core.errors import AppError, Conflict, Forbidden, InvalidField, NotFound
from app.core.i18n import Text

# --- the lifecycle ----------------------------------------------------------------------------


class RecordNotDraft(Conflict):
    slug = "record-not-draft"
    title = Text("信用记录不是草稿", "Record not a draft")
    about = Text(
        "只有草稿可以修改或审核；这条记录已审核、已被更正取代或已撤销。",
        "Only a draft is edited or verified; this record is verified, superseded by a "
        "correction, or revoked.",
    )
    remedy = Text(
        "已审核的记录由审核员更正（POST /api/v1/credit-records/{id}/corrections）；被取代的记录请"
        "改用回答中 current_id 指出的当前版本。",
        "A verified record is corrected by a reviewer (POST /api/v1/credit-records/{id}/"
        "corrections); for a superseded one use the current version the answer's current_id "
        "names.",
    )


class RecordNotVerified(Conflict):
    slug = "record-not-verified"
    title = Text("信用记录不是已审核的当前版本", "Record not verified")
    about = Text(
        "只有已审核的当前版本可以更正、替换或撤销；草稿要先审核，被取代或已撤销的版本不再改变。",
        "Only the verified current version is corrected, replaced or revoked; a draft is "
        "verified first, and a superseded or revoked version never changes.",
    )
    remedy = Text(
        "草稿先审核（POST /api/v1/credit-records/{id}/verification）；被取代的记录改用回答中 "
        "current_id 指出的当前版本。",
        "Verify a draft first (POST /api/v1/credit-records/{id}/verification); for a superseded "
        "record use the current version the answer's current_id names.",
    )


class SamePerson(Forbidden):
    """Art 8: the person who entered a thing does not also decide it."""

    slug = "same-person"
    title = Text("需要另一人办理", "A second person must do this")
    about = Text(
        "第8条的双人核查：采集（或录入）一项内容的人不能再审核、更正或决定它。",
        "Art 8's two-person check: whoever collected (or entered) a thing does not also verify, "
        "correct or decide it.",
    )
    remedy = Text("请另一位审核员办理。", "Ask another reviewer to do it.")


class NotCollector(Forbidden):
    slug = "not-collector"
    title = Text("只有采集人可以修改草稿", "Only the collector edits a draft")
    about = Text(
        "草稿只能由采集它的监察员修改。",
        "A draft is edited only by the inspector who collected it.",
    )
    remedy = Text(
        "请采集人修改；其他人可在它审核后由审核员更正。",
        "Ask its collector; anyone else has a reviewer correct it once verified.",
    )


class RecordInvalid(InvalidField):
    slug = "record-invalid"
    title = Text("信用记录内容不成立", "Record content invalid")
    about = Text(
        "记录的内容违反了业务规则：用人单位不存在、种类与类别不符、日期在将来或早于 1990-01-01、"
        "整改或履行日期早于处罚决定、罚款缺少处罚类别、失信专属字段用于其他类别、机关的统一社会信用"
        "代码不对等；errors[] 逐项说明字段（loc）和规则（type）。",
        "The record's content breaks a business rule: an unknown employer, a kind of another "
        "category, a date in the future or before 1990-01-01, a rectification or penalty "
        "performed before the decision, a fine without its penalty category, a dishonesty-only "
        "field on another category, an authority's USCC that fails its rules…; errors[] names "
        "each field (loc) and rule (type).",
    )
    remedy = Text(
        "按 errors[] 逐项改正后重新发送。", "Correct each field errors[] names and send again."
    )


class RecordHistoryStaffOnly(Forbidden):
    slug = "record-history-staff-only"
    title = Text("记录历史只限工作人员", "Record history is for staff")
    about = Text(
        "记录的历史（草稿、经办人、更正）只给局内工作人员查看；用人单位看它已审核的记录。",
        "A record's history (drafts, staff, corrections) is for bureau staff; an employer reads "
        "its verified records.",
    )
    remedy = Text(
        "用 GET /api/v1/credit-records/{id} 查看记录本身。",
        "Read the record itself with GET /api/v1/credit-records/{id}.",
    )


# --- evidence -----------------------------------------------------------------------------------


class RecordNotCurrent(Conflict):
    slug = "record-not-current"
    title = Text("记录版本已不是当前版本", "Record version not current")
    about = Text(
        "被更正取代或已撤销的版本不再接受证据材料。",
        "A version superseded by a correction, or revoked, takes no more evidence.",
    )
    remedy = Text(
        "把证据附到回答中 current_id 指出的当前版本。",
        "Attach it to the current version the answer's current_id names.",
    )


class EvidenceCollectorOnly(Forbidden):
    slug = "evidence-collector-only"
    title = Text("只有采集人或审核员可为草稿附证据", "Draft evidence: collector or reviewer")
    about = Text(
        "草稿的证据材料只能由它的采集人或审核员添加。",
        "Evidence is attached to a draft by its collector or a reviewer only.",
    )
    remedy = Text("请采集人或审核员添加。", "Ask the draft's collector or a reviewer.")


class EvidenceStaffOnly(Forbidden):
    slug = "evidence-staff-only"
    title = Text("证据材料只限工作人员", "Evidence is for staff")
    about = Text(
        "证据材料可能载有投诉人和劳动者的个人信息（第8条：不得泄露个人隐私），只给局内工作人员查看。",
        "Evidence can name complainants and workers (Art 8: no leaking of personal privacy): it "
        "is for bureau staff only.",
    )
    remedy = Text("如需了解，请向县人社局申请。", "Ask the county bureau if you need to know.")


class EvidenceFileMissing(NotFound):
    slug = "evidence-file-missing"
    title = Text("证据文件缺失", "Evidence file missing")
    about = Text(
        "证据材料的登记还在，但文件已不在存储中（存储被清理或没有恢复）。",
        "The attachment is recorded, but its file is no longer in the store (cleaned or not "
        "restored).",
    )
    remedy = Text(
        "请系统管理员从备份恢复证据存储（LABOR_CREDIT_ATTACHMENTS_DIR）。",
        "Ask the system's administrators to restore the evidence store "
        "(LABOR_CREDIT_ATTACHMENTS_DIR) from backup.",
    )


class AttachmentTooLarge(AppError):
    status, slug = 413, "attachment-too-large"
    title = Text("证据文件过大", "Attachment too large")
    about = Text(
        "证据文件超过上限（LABOR_CREDIT_ATTACHMENT_MAX_BYTES）。",
        "The file is larger than attachments may be (LABOR_CREDIT_ATTACHMENT_MAX_BYTES).",
    )
    remedy = Text(
        "压缩或拆分文件（例如按页拆分 PDF）后分别上传。",
        "Compress or split the file (a PDF by pages, say) and upload the parts.",
    )


class AttachmentTypeRefused(AppError):
    status, slug = 415, "attachment-type-refused"
    title = Text("不接受的证据文件类型", "Attachment type not accepted")
    about = Text(
        "证据文件的类型不在接受之列（LABOR_CREDIT_ATTACHMENT_CONTENT_TYPES），回答的 allowed 列出"
        "接受的类型。",
        "The file's type is not one attachments may have (LABOR_CREDIT_ATTACHMENT_CONTENT_TYPES); "
        "the answer's allowed lists them.",
    )
    remedy = Text(
        "转换为 PDF 或图片（PNG、JPEG）后上传，并正确声明类型。",
        "Convert it to PDF or an image (PNG, JPEG) and declare its type.",
    )


class AttachmentContentMismatch(AppError):
    status, slug = 415, "attachment-content-mismatch"
    title = Text("文件内容与声明的类型不符", "Content not the declared type")
    about = Text(
        "文件的内容不是它声明的类型：PDF、PNG、JPEG 看文件开头的签名；Word、Excel（.doc、.xls）"
        "须是 OLE2 复合文档并含 WordDocument 或 Workbook 数据流；.docx、.xlsx 须是含 "
        "[Content_Types].xml 和 word/ 或 xl/ 的 ZIP 包；OFD 须是含 OFD.xml 的 ZIP 包。",
        "The file's content is not of the type it declares: PDF, PNG and JPEG by their "
        "signatures; Word and Excel (.doc, .xls) must be OLE2 compound files holding a "
        "WordDocument or Workbook stream; .docx and .xlsx ZIP packages holding "
        "[Content_Types].xml and word/ or xl/ parts; OFD a ZIP package holding OFD.xml.",
    )
    remedy = Text(
        "上传真实的文件，并声明它真实的类型。", "Upload the real file and declare its real type."
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
