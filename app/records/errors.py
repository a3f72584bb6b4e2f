"""The credit file's refusals: a record's lifecycle, its content, its evidence. `SamePerson` and
the status refusals are shared by every two-person decision and state machine of the file."""

from __future__ import annotations

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
        "文件开头的字节不是它声明的类型（例如声明 application/pdf 的文件不以 %PDF- 开头）。",
        "The file's first bytes are not of the type it declares (a file declared "
        "application/pdf that does not start with %PDF-, say).",
    )
    remedy = Text(
        "上传真实的文件，并声明它真实的类型。", "Upload the real file and declare its real type."
    )
