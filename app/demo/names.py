"""The demo county's employers and people: names, codes and ID numbers that look real
(Wenshui county, division 141121) and pass every check the service makes."""

from __future__ import annotations

import random

from app.employers import uscc
from app.models.employer import EmployerCreate, SubjectType

DIVISION = "141121"  # 山西省吕梁市文水县
TOWNS = [
    "凤城镇",
    "开栅镇",
    "南庄镇",
    "南安镇",
    "刘胡兰镇",
    "下曲镇",
    "孝义镇",
    "北张乡",
    "西槽头乡",
    "马西乡",
    "西城乡",
]
SURNAMES = "王李张刘陈杨赵黄周吴武郭田任韩冀梁白"
GIVEN = [
    "建国",
    "志强",
    "秀英",
    "晓明",
    "海燕",
    "国华",
    "丽娟",
    "文斌",
    "永红",
    "卫东",
    "春梅",
    "俊峰",
]
WORDS = [
    "宏达",
    "晋源",
    "汾河",
    "则天",
    "鑫盛",
    "恒通",
    "瑞丰",
    "华康",
    "兴旺",
    "金穗",
    "昌隆",
    "永安",
    "福泰",
    "利民",
    "德顺",
    "众诚",
    "康宁",
    "广源",
    "泰和",
    "新华",
]
# subject type -> (registration department + category code, name pattern, industry codes)
KINDS: dict[SubjectType, tuple[str, str, list[str]]] = {
    SubjectType.enterprise: (
        "91",
        "文水县{w}{trade}有限公司",
        ["C1311", "C3011", "E4720", "C1512", "F5261", "G5430", "C3130"],
    ),
    SubjectType.individual_economic_organisation: ("92", "文水县{t}{w}{shop}", ["H6210", "F5291"]),
    SubjectType.private_non_enterprise_unit: ("52", "文水县{w}职业培训学校", ["P8391"]),
    SubjectType.partnership: ("31", "山西{w}律师事务所", ["L7221"]),
    SubjectType.foundation: ("53", "文水县{w}慈善基金会", ["S9521"]),
    SubjectType.public_institution: ("12", "文水县{t}卫生院", ["Q8423"]),
    SubjectType.social_organisation: ("51", "文水县{w}商会", ["S9522"]),
}
TRADES = ["建筑工程", "食品", "机械制造", "农产品加工", "商贸", "物流", "化工", "酒业"]
SHOPS = ["饭店", "超市", "修理部", "商店"]
SHARES = {
    SubjectType.enterprise: 0.62,
    SubjectType.individual_economic_organisation: 0.2,
    SubjectType.private_non_enterprise_unit: 0.05,
    SubjectType.partnership: 0.03,
    SubjectType.foundation: 0.02,
    SubjectType.public_institution: 0.05,
    SubjectType.social_organisation: 0.03,
}


def id_number(rng: random.Random) -> str:
    """A well-formed resident ID number (GB 11643, ISO 7064 MOD 11-2 check digit)."""
    body = (
        f"{DIVISION}{rng.randint(1955, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}"
    )
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def demo_employers(count: int, seed: int = 141121) -> list[EmployerCreate]:
    rng = random.Random(seed)
    kinds = rng.choices(list(SHARES), weights=list(SHARES.values()), k=count)
    kinds[: len(SubjectType)] = list(SubjectType)  # every subject type at least once
    result: list[EmployerCreate] = []
    names: set[str] = set()
    for kind in kinds:
        prefix, pattern, industries = KINDS[kind]
        name = _unique_name(rng, pattern, names)
        # nine draws as before the GB 11714 check, so the rest of the demo data is unchanged
        drawn = "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
        org_code = uscc.organisation_code(drawn[:8])
        result.append(
            EmployerCreate(
                uscc=uscc.make(prefix + DIVISION + org_code),
                name=name,
                subject_type=kind,
                legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                legal_representative_id_number=id_number(rng),
                town=rng.choice(TOWNS),
                industry_code=rng.choice(industries),
                address=f"山西省文水县{rng.choice(TOWNS)}",
                contact_phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
                employee_count=rng.randint(3, 800),
            )
        )
    return result


def _unique_name(rng: random.Random, pattern: str, taken: set[str]) -> str:
    for attempt in range(100):
        name = pattern.format(
            w=rng.choice(WORDS),
            t=rng.choice(TOWNS).rstrip("镇乡"),
            trade=rng.choice(TRADES),
            shop=rng.choice(SHOPS),
        )
        if attempt >= 20:  # the small patterns run out of words: number the branch
            name = f"{name}（第{attempt}分部）"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("demo name space exhausted")


POSITIONS = ["人事主管", "财务负责人", "项目经理", "生产副总", "行政经理"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)
