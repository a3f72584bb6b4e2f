"""The wage-arrears list's refusals (人社部令第45号), each a named problem type in both languages.

Same-person verification is the credit file's `records.errors.SamePerson`.
"""

from __future__ import annotations

import uuid
from datetime import date

from app.core.errors import Conflict, NotFound
from app.core.i18n import Text
from app.models.blacklist import ListingStatus

STATUS_ZH = {
    ListingStatus.draft: "待复核",
    ListingStatus.listed: "在列",
    ListingStatus.removed: "已提前移出",
    ListingStatus.expired: "已期满移出",
    ListingStatus.revoked: "已撤销",
}


class ListingNotFound(NotFound):
    slug = "listing-not-found"
    title = Text("名单记录不存在", "Listing not found")
    about = Text(
        "没有这一拖欠农民工工资失信联合惩戒名单记录。",
        "There is no wage-arrears listing with this id.",
    )
    remedy = Text("请核对名单记录编号。", "Check the listing's id.")

    def __init__(self, entry_id: uuid.UUID) -> None:
        super().__init__(
            Text(f"名单记录 {entry_id} 不存在", f"blacklist entry {entry_id} does not exist")
        )


class AlreadyListed(Conflict):
    slug = "employer-already-listed"
    title = Text("单位已在名单中", "Employer already listed")
    about = Text(
        "一个用人单位同一时间只能有一条在列的名单记录。",
        "An employer has at most one listing in force at a time.",
    )
    remedy = Text(
        "该单位的现有列入期满或提前移出后，才能再次列入。",
        "List the unit again only after its listing in force has ended (early removal or expiry).",
    )

    def __init__(self, employer_id: uuid.UUID, existing_id: uuid.UUID | None) -> None:
        extra = {"existing_id": str(existing_id)} if existing_id else {}
        super().__init__(
            Text(
                f"用人单位 {employer_id} 已在拖欠农民工工资失信联合惩戒对象名单中；"
                "须先移出现有列入",
                f"employer {employer_id} is already on the list; remove that listing first",
            ),
            **extra,
        )


class ListingNotDraft(Conflict):
    slug = "listing-not-draft"
    title = Text("名单记录不是待复核状态", "Listing not a draft")
    about = Text(
        "只有待复核（草稿）的名单记录才能复核；复核后即列入名单。",
        "Only a draft listing is verified; its verification lists the unit.",
    )
    remedy = Text(
        "该记录已复核或已结束，无需再次复核。",
        "Nothing to verify: the listing was verified already, or has ended.",
    )

    def __init__(self, entry_id: uuid.UUID, status: ListingStatus) -> None:
        super().__init__(
            Text(
                f"名单记录 {entry_id} 的状态为{STATUS_ZH[status]}；只有待复核的记录才能复核",
                f"listing {entry_id} is {status}; only a draft listing can be verified",
            ),
            listing_status=str(status),
        )


class ListingAwaitingVerification(Conflict):
    slug = "listing-awaiting-verification"
    title = Text("名单记录尚待复核", "Listing awaiting verification")
    about = Text(
        "待复核的名单记录尚未生效：不能登记支付、作出信用承诺或移出。",
        "A draft listing is not in force: it takes no payment, commitment or removal.",
    )
    remedy = Text(
        "请由录入人以外的另一名审核人员先复核该记录。",
        "Have a reviewer other than the one who entered it verify the listing first.",
    )

    def __init__(self, entry_id: uuid.UUID, doing: Text) -> None:
        super().__init__(
            Text(
                f"名单记录 {entry_id} 尚待复核，未生效，不能{doing.zh}",
                f"listing {entry_id} is a draft awaiting verification, not in force: it "
                f"cannot be {doing.en}",
            ),
            listing_status=str(ListingStatus.draft),
        )


class ListingEnded(Conflict):
    slug = "listing-ended"
    title = Text("名单记录已结束", "Listing ended")
    about = Text(
        "已移出、期满或撤销的名单记录不再变更。",
        "A listing that was removed, expired or revoked never changes again.",
    )
    remedy = Text(
        "无需操作；再次列入须作出新的列入决定。",
        "Nothing to do; listing the unit again takes a new listing decision.",
    )

    def __init__(self, entry_id: uuid.UUID, status: ListingStatus, doing: Text) -> None:
        super().__init__(
            Text(
                f"名单记录 {entry_id} {STATUS_ZH[status]}；只有在列的记录才能{doing.zh}",
                f"listing {entry_id} is {status}; only a current listing can be {doing.en}",
            ),
            listing_status=str(status),
        )


class EarlyRemovalNotEligible(Conflict):
    """人社部令第45号: arrears paid, the waiting period since, and a written credit commitment."""

    slug = "early-removal-not-eligible"
    title = Text("不符合提前移出条件", "Not eligible for early removal")
    about = Text(
        "提前移出须已足额支付拖欠工资、自支付之日起满等待期（默认6个月），并提交书面信用承诺。",
        "Early removal needs the arrears paid in full, the waiting period since payment "
        "(6 months by default) passed and a written credit commitment on file.",
    )
    remedy = Text(
        "登记支付日期和信用承诺（PATCH），并在可提前移出之日或之后再申请。",
        "Record the payment and the commitment (PATCH), and remove on or after the date "
        "early removal becomes possible.",
    )


class ListingNotExpired(Conflict):
    slug = "listing-not-expired"
    title = Text("列入期限未满", "Listing term not ended")
    about = Text(
        "期满移出只能在列入期限届满之日或之后进行。",
        "Removal at expiry is possible on or after the day the term ends.",
    )
    remedy = Text(
        "等到 expires_on 之日，或在满足条件时申请提前移出。",
        "Wait until expires_on, or remove early once its conditions are met.",
    )

    def __init__(self, entry_id: uuid.UUID, expires_on: date) -> None:
        super().__init__(
            Text(
                f"名单记录 {entry_id} 的列入期限至 {expires_on}；期满移出须在该日或之后"
                "（提前移出须满足其条件）",
                f"listing {entry_id} runs until {expires_on}; removal at expiry is possible on "
                "or after that date (early removal needs its conditions)",
            ),
            expires_on=expires_on.isoformat(),
        )
