"""The credit file's named refusals shared by the stages that write it."""

from __future__ import annotations

from app.core.errors import Conflict
from app.core.i18n import Text


class SamePerson(Conflict):
    """Art 8, two persons: who entered a thing does not also verify it."""

    slug = "same-person"
    title = Text("同一人不能复核", "Same person")
    about = Text(
        "录入（采集）信息的人员不能再复核同一信息：信用信息须经两人（录入与复核）确认。",
        "The person who entered (collected) an item cannot also verify it: credit information "
        "is confirmed by two persons, one who enters and one who verifies.",
    )
    remedy = Text("请由另一名审核人员复核。", "Ask another reviewer to verify it.")
