"""The disclosure's and credit repair's refusals, each a named problem type in both languages."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from app.core.errors import Conflict, Gone, NotFound, TooManyRequests
from app.core.i18n import Text
from app.models.disclosure import ItemEnd, WithdrawalReason
from app.models.repair import RepairCondition, RepairStatus


class DisclosureNotFound(NotFound):
    slug = "disclosure-not-found"
    title = Text("公示信息不存在", "Disclosure not found")
    about = Text("没有这一失信信息公示。", "There is no disclosure with this id.")
    remedy = Text("请核对公示编号，或在公示列表中查找。", "Check the id, or search the list.")

    def __init__(self, disclosure_id: uuid.UUID) -> None:
        super().__init__(
            Text(f"公示 {disclosure_id} 不存在", f"disclosure {disclosure_id} does not exist")
        )


class DisclosureWithdrawn(Gone):
    slug = "disclosure-withdrawn"
    title = Text("公示已撤销", "Disclosure withdrawn")
    about = Text(
        "这一公示已经撤销（单位已不再评为C级，或其全部失信信息已结束公示）；撤销的公示不会删除，"
        "withdrawn_at 和 reason 说明撤销的时间和原因。",
        "The disclosure was withdrawn (the unit is no longer graded C, or every item's "
        "publication ended); a withdrawn disclosure is never deleted: withdrawn_at and reason "
        "say when and why.",
    )
    remedy = Text("无需操作；在公示列表中查找现行公示。", "Nothing to do; search the current list.")

    def __init__(
        self, disclosure_id: uuid.UUID, withdrawn_at: datetime | None, reason: WithdrawalReason
    ) -> None:
        when = withdrawn_at.isoformat() if withdrawn_at else None
        super().__init__(
            Text(
                f"公示 {disclosure_id} 已于 {when or '今日'} 撤销：{reason.zh}",
                f"disclosure {disclosure_id} was withdrawn ({when or 'today'}): {reason.en}",
            ),
            disclosure_id=str(disclosure_id),
            withdrawn_at=when,
            reason=str(reason),
        )


class TooManyPublicRequests(TooManyRequests):
    slug = "too-many-requests"
    title = Text("请求过于频繁", "Too many requests")
    about = Text(
        "公示查询按客户端地址限速（每分钟请求数，设置 public_rate_per_minute，"
        "每个服务进程各自计数）。",
        "The public list is rate-limited per client address (requests per minute, setting "
        "public_rate_per_minute, counted by each service process).",
    )
    remedy = Text(
        "等响应头 Retry-After 给出的秒数过后再查询。",
        "Ask again after the seconds the Retry-After header gives.",
    )

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            Text(
                f"来自这一地址的查询过于频繁，请在 {retry_after} 秒后再试",
                f"too many requests from this address; try again in {retry_after} s",
            ),
            retry_after,
        )


# --- credit repair ------------------------------------------------------------------------------


class RepairItemNotFound(NotFound):
    slug = "repair-item-not-found"
    title = Text("公示事项不存在", "Disclosed item not found")
    about = Text(
        "item_id 不是这一公示中的失信信息事项。",
        "item_id is not an item of this disclosure.",
    )
    remedy = Text(
        "从公示的 items 中选取事项编号。", "Take the item's id from the disclosure's items."
    )

    def __init__(self, item_id: uuid.UUID, disclosure_id: uuid.UUID) -> None:
        super().__init__(
            Text(
                f"公示 {disclosure_id} 中没有事项 {item_id}",
                f"disclosure {disclosure_id} has no item {item_id}",
            )
        )


class RepairItemNotPublished(Conflict):
    slug = "repair-item-not-published"
    title = Text("事项已结束公示", "Item no longer published")
    about = Text(
        "信用修复只适用于正在公示的失信信息；已期满、已更正、已撤销或已修复的事项无需修复。",
        "Credit repair applies to an item being published; one that expired, was corrected, "
        "revoked or repaired needs none.",
    )
    remedy = Text("无需申请。", "Nothing to apply for.")

    def __init__(self, item_id: uuid.UUID, reason: ItemEnd | None, ended_on: date | None) -> None:
        why = ItemEnd(reason) if reason else ItemEnd.expired
        super().__init__(
            Text(
                f"事项 {item_id} 已于 {ended_on} 结束公示（{why.zh}），不能申请信用修复",
                f"item {item_id} ended on {ended_on} ({why.en}): no repair to apply for",
            ),
            end_reason=str(why),
            ended_on=ended_on.isoformat() if ended_on else None,
        )


class RepairTooEarly(Conflict):
    """国家发展改革委令第36号: general items after 3 months, serious after 1 year."""

    slug = "repair-too-early"
    title = Text("未满最短公示期", "Minimum publication period not passed")
    about = Text(
        "失信信息须公示满最短期限才能申请信用修复：一般失信3个月、严重失信1年，自处罚决定之日起算"
        "（设置 repair_months_general、repair_months_serious）。",
        "An item may be repaired only after its minimum publication: 3 months for a general "
        "item, 1 year for a serious one, from the decision date (settings "
        "repair_months_general, repair_months_serious).",
    )
    remedy = Text(
        "在 available_from 之日或之后再申请。", "Apply on or after the date available_from."
    )

    def __init__(self, item_id: uuid.UUID, available_from: date) -> None:
        super().__init__(
            Text(
                f"事项 {item_id} 自 {available_from} 起才能申请信用修复",
                f"item {item_id} may be repaired from {available_from}",
            ),
            available_from=available_from.isoformat(),
        )


class RepairAlreadyOpen(Conflict):
    slug = "repair-already-open"
    title = Text("已有在办的修复申请", "A repair application is open")
    about = Text(
        "一个事项同一时间只能有一份在办（待受理或待决定）的信用修复申请。",
        "An item has at most one open (awaiting acceptance or decision) repair application.",
    )
    remedy = Text("等待在办申请的决定。", "Wait for the open application's decision.")

    def __init__(self, item_id: uuid.UUID, existing_id: uuid.UUID | None) -> None:
        extra = {"existing_id": str(existing_id)} if existing_id else {}
        super().__init__(
            Text(
                f"事项 {item_id} 已有在办的信用修复申请",
                f"item {item_id} already has an open repair application",
            ),
            **extra,
        )


class RepairWrongState(Conflict):
    slug = "repair-wrong-state"
    title = Text("申请状态不允许此操作", "Not in the state for this")
    about = Text(
        "受理只适用于待受理的申请；决定只适用于已受理的申请；已决定的申请不再变更。",
        "Acceptance is for an application awaiting it; a decision for an accepted one; a "
        "decided application never changes.",
    )
    remedy = Text("查看申请的 status。", "Check the application's status.")

    def __init__(self, repair_id: uuid.UUID, status: RepairStatus, doing: Text) -> None:
        status = RepairStatus(status)
        super().__init__(
            Text(
                f"信用修复申请 {repair_id} 的状态为{status.zh}，不能{doing.zh}",
                f"repair application {repair_id} is {status.en}: it cannot be {doing.en}",
            ),
            repair_status=str(status),
        )


class RepairConditionsUnmet(Conflict):
    slug = "repair-conditions-unmet"
    title = Text("不符合信用修复条件", "Repair conditions not met")
    about = Text(
        "准予修复须满最短公示期、已纠正失信行为、已履行处罚并作出书面信用承诺；"
        "failing 列出不满足的条件。",
        "Approval needs the minimum period passed, the violation corrected, the penalty "
        "performed and a written credit commitment; failing lists the conditions not met.",
    )
    remedy = Text(
        "以 refused 作出决定并列明不满足的条件，或待申请人补充后再决定。",
        "Decide `refused` naming the failing conditions, or wait for the applicant's evidence.",
    )

    def __init__(self, repair_id: uuid.UUID, failing: list[RepairCondition]) -> None:
        super().__init__(
            Text(
                f"信用修复申请 {repair_id} 不符合条件：" + "、".join(c.zh for c in failing),
                f"repair application {repair_id} fails: " + ", ".join(c.en for c in failing),
            ),
            failing=[str(c) for c in failing],
        )


class RepairClosed(Conflict):
    slug = "repair-closed"
    title = Text("修复申请已决定", "The repair application is decided")
    about = Text(
        "信用修复申请只在待受理或待决定时接受证据材料；决定作出后不再接受。",
        "A repair application takes evidence files while it awaits acceptance or a decision; "
        "once decided, no more.",
    )
    remedy = Text(
        "不予修复的，可在补齐条件后重新申请并附上材料。",
        "After a refusal, apply again once the conditions are met, with the files.",
    )

    def __init__(self, repair_id: uuid.UUID, status: RepairStatus, decided_on: date | None) -> None:
        status = RepairStatus(status)
        super().__init__(
            Text(
                f"信用修复申请 {repair_id} 已于{decided_on}决定（{status.zh}），不再接受材料",
                f"repair application {repair_id} was decided ({status.en}) on {decided_on}: it "
                "takes no more files",
            ),
            repair_status=str(status),
        )
