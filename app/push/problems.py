"""The refusals of the push: a delivery that cannot be replayed, a receipt that contradicts the
one recorded, a receipt callback whose signature does not verify."""

from __future__ import annotations

from app.core.errors import Conflict, Unauthorized
from app.core.i18n import Text


class DeliveryNotReplayable(Conflict):
    slug = "delivery-not-replayable"
    title = Text("该消息不能重发", "The message cannot be replayed")
    about = Text(
        "只有死信（dead，多次失败或被永久拒绝）和被平台拒收（rejected）的消息可以重发；待发送、"
        "发送中、待回执和已接收的消息由推送程序照常处理。",
        "Only a dead message (every attempt failed, or refused for good) or one the platform "
        "rejected is replayed; pending, sending, awaiting-receipt and accepted messages are the "
        "pusher's as usual.",
    )
    remedy = Text(
        "查看消息的 status 和 last_error；待发送的消息会自动发送。",
        "See the message's `status` and `last_error`; a pending one is sent by itself.",
    )


class ReceiptConflicts(Conflict):
    slug = "receipt-conflicts"
    title = Text("回执与已记录的不一致", "The receipt contradicts the one recorded")
    about = Text(
        "该消息已有平台回执，这份回执的结果或受理编号与之不同；同一回执重复发送是允许的，"
        "结果不变。",
        "The message has a receipt already and this one differs in its status or acceptance "
        "number; sending the same receipt again is fine and changes nothing.",
    )
    remedy = Text(
        "核对消息编号；要改变结果，请平台对重发（replay）的消息另发回执。",
        "Check the message id; to change the outcome, answer the replayed message anew.",
    )


class ReceiptSignatureInvalid(Unauthorized):
    slug = "receipt-signature-invalid"
    title = Text("回执签名无效", "Receipt signature invalid")
    about = Text(
        "平台回执回调须按 Standard Webhooks 签名（webhook-id、webhook-timestamp、"
        "webhook-signature），用 LABOR_CREDIT_PLATFORM_CALLBACK_SECRETS 中的密钥验证；"
        "这份签名缺失、过期或不符。",
        "A receipt callback is signed in the Standard Webhooks layout (webhook-id, "
        "webhook-timestamp, webhook-signature) with a secret of "
        "LABOR_CREDIT_PLATFORM_CALLBACK_SECRETS; this one's is missing, stale or wrong.",
    )
    remedy = Text(
        "核对双方配置的回调密钥和时钟；轮换密钥期间两个密钥同时有效。",
        "Check the callback secrets on both sides and the clocks; during a rotation both "
        "secrets are valid.",
    )
