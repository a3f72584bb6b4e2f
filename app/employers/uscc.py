"""Unified social credit code (统一社会信用代码, GB 32100-2015, docs/law.md §9): normalise, check.

A code is 18 characters of the alphabet below. Positions 1–2 are a registration authority and
one of its categories, 3–8 the authority's division code (GB/T 2260), 9–17 the organisation code
of GB 11714 with its own check character at 17, and 18 the check character of the whole code.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

from app.core.i18n import Text

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}

# GB 11714 counts in digits and the whole Latin alphabet: 0–9, then A=10 … Z=35.
ORGANISATION_VALUES = {ch: i for i, ch in enumerate(string.digits + string.ascii_uppercase)}
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Positions 1–2: registration authority -> (its name, {category: name}). GB 32100's table, grown
# since 2015 (A, N, Y): add a row here when the standard's code allocation adds one.
REGISTRATION_CATEGORIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "编办直管群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("市场监管", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {
            "1": "组级集体经济组织",
            "2": "村级集体经济组织",
            "3": "乡镇级集体经济组织",
            "9": "其他",
        },
    ),
    "Y": ("其他", {"1": "其他"}),
}

# Rules a real code may break and still be registered by a reviewer as an exception (early
# pilot codes, docs/law.md §9). A code of the wrong length or alphabet is not a code at all.
WAIVABLE = frozenset({"category", "division", "organisation_check", "check"})


@dataclass(frozen=True)
class Breach:
    """One rule a code broke, at the position it names (none for the length)."""

    rule: str  # length, character, category, division, organisation_check, check
    message: Text
    position: int | None = None
    expected: str | None = None


class UsccError(ValueError):
    """The rules a code broke, first broken first; `rule` and `expected` are the first's."""

    def __init__(self, breaches: list[Breach]) -> None:
        super().__init__("; ".join(b.message.en for b in breaches))
        self.breaches = breaches

    @property
    def text(self) -> Text:
        """Every broken rule's message, in both languages."""
        return Text(
            "；".join(b.message.zh for b in self.breaches),
            "; ".join(b.message.en for b in self.breaches),
        )

    @property
    def rule(self) -> str:
        return self.breaches[0].rule

    @property
    def expected(self) -> str | None:
        return self.breaches[0].expected

    @property
    def position(self) -> int | None:
        return self.breaches[0].position


def normalise(raw: str) -> str:
    """Trim, drop spaces and hyphens, full-width to half-width (NFKC), upper-case."""
    return unicodedata.normalize("NFKC", raw).translate(_DROPPED).upper()


_DROPPED = str.maketrans("", "", " \t-\u00a0")


def check_character(first17: str) -> str:
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """GB 11714: c = 11 − (Σ value·weight mod 11), written 0–9, 10 as X and 11 as 0."""
    total = sum(
        ORGANISATION_VALUES[ch] * w for ch, w in zip(first8, ORGANISATION_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def breaches(code: str) -> list[Breach]:
    """Every rule a normalised code breaks; a wrong length or character stops the checking."""
    if len(code) != 18:
        message = Text(
            f"统一社会信用代码有18位，这个有{len(code)}位",
            f"a USCC has 18 characters, this one has {len(code)}",
        )
        return [Breach("length", message)]
    for position, ch in enumerate(code, start=1):
        if ch not in VALUES:
            message = Text(
                f"第{position}位的字符 {ch!r} 不允许使用（允许：{ALPHABET}；不使用 I、O、Z、S、V）",
                f"character {ch!r} at position {position} is not allowed "
                f"(allowed: {ALPHABET}; I, O, Z, S and V are never used)",
            )
            return [Breach("character", message, position)]
    found = [_category(code[:2]), _division(code[2:8])]
    found += [_organisation_check(code[8:17]), _check(code)]
    return [b for b in found if b is not None]


def _category(pair: str) -> Breach | None:
    authority, category = pair[0], pair[1]
    if authority not in REGISTRATION_CATEGORIES:
        known = ", ".join(f"{k} {name}" for k, (name, _) in REGISTRATION_CATEGORIES.items())
        message = Text(
            f"第1位 {authority!r} 不是 GB 32100 的登记管理部门（{known}）",
            f"position 1 {authority!r} is not a registration authority of GB 32100 ({known})",
        )
        return Breach("category", message, 1)
    name, categories = REGISTRATION_CATEGORIES[authority]
    if category in categories:
        return None
    allowed = ", ".join(f"{authority}{k} {v}" for k, v in categories.items())
    message = Text(
        f"第2位 {category!r} 不是登记管理部门 {authority}（{name}）的机构类别：第1–2位可以是 "
        f"{allowed}",
        f"position 2 {category!r} is not a category of registration authority {authority} "
        f"({name}): positions 1–2 may be {allowed}",
    )
    return Breach("category", message, 2)


def _division(division: str) -> Breach | None:
    position = next((i for i, ch in enumerate(division, start=3) if not ch.isdigit()), None)
    if position is None:
        return None
    message = Text(
        f"第3–8位是登记管理机关行政区划码（GB/T 2260），应为六位数字：第{position}位是 "
        f"{division[position - 3]!r}",
        f"positions 3–8 are the registration authority's division code (GB/T 2260), six "
        f"digits: position {position} is {division[position - 3]!r}",
    )
    return Breach("division", message, position)


def _organisation_check(organisation: str) -> Breach | None:
    expected = organisation_check_character(organisation[:8])
    if organisation[8] == expected:
        return None
    message = Text(
        f"第17位是组织机构代码的校验码（GB 11714），现为 {organisation[8]!r}，按第9–16位应为 "
        f"{expected!r}",
        f"position 17, the organisation code's check character (GB 11714), is "
        f"{organisation[8]!r} but positions 9–16 require {expected!r}",
    )
    return Breach("organisation_check", message, 17, expected)


def _check(code: str) -> Breach | None:
    expected = check_character(code[:17])
    if code[17] == expected:
        return None
    message = Text(
        f"第18位是校验码，现为 {code[17]!r}，按前17位应为 {expected!r}",
        f"position 18, the check character, is {code[17]!r} but the first 17 characters "
        f"require {expected!r}",
    )
    return Breach("check", message, 18, expected)


def validate(code: str, *, allow_exception: bool = False) -> str:
    """Return the normalised code or raise UsccError naming every rule it broke.

    With `allow_exception` a code that breaks only WAIVABLE rules passes (a reviewer's
    exception, docs/law.md §9); its length and alphabet are checked all the same.
    """
    code = normalise(code)
    found = breaches(code)
    if found and not (allow_exception and all(b.rule in WAIVABLE for b in found)):
        raise UsccError(found)
    return code


def organisation_code(first8: str) -> str:
    """Complete 8 characters of a GB 11714 code with its check character (demo data, tests)."""
    return first8 + organisation_check_character(first8)


def make(prefix17: str) -> str:
    """Complete 17 characters with their check character (used by demo data and tests)."""
    return prefix17 + check_character(prefix17)
