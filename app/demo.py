"""Demo data: a believable Wenshui county (division 141121) and one account per role."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.accounts import users
from app.core import actors
from app.core.config import Settings
from app.core.errors import Forbidden
from app.core.i18n import Text
from app.employers import service as employers
from app.employers import uscc
from app.models.employer import Employer, EmployerCreate, SubjectType
from app.models.user import Role, User, UserCreate

DIVISION = "141121"  # 山西省吕梁市文水县
DEMO_PASSWORD = "demo-password-2026"
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


@dataclass
class DemoSummary:
    employers_added: int
    accounts_added: int

    def __str__(self) -> str:
        lines = [
            f"demo data: {self.employers_added} employers and {self.accounts_added} "
            f"accounts added (existing ones kept)",
            f"demo accounts (password {DEMO_PASSWORD!r}):",
        ]
        lines += [f"  {role.value:<9} demo-{role.value}" for role in Role]
        return "\n".join(lines)


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


class DemoInProduction(Forbidden):
    slug = "demo-in-production"
    title = Text("生产环境不能载入演示数据", "No demo data in production")
    about = Text(
        "演示数据（虚构的用人单位和记录）只能载入开发和测试数据库。",
        "Demo data (made-up employers and records) goes into development and test databases only.",
    )
    remedy = Text(
        "在开发或测试环境中运行（LABOR_CREDIT_ENVIRONMENT）。",
        "Run it in a development or test environment (LABOR_CREDIT_ENVIRONMENT).",
    )


async def seed(*, session: AsyncSession, settings: Settings, count: int = 300) -> DemoSummary:
    if settings.environment == "production":
        raise DemoInProduction(
            Text(
                "演示数据只用于开发和测试数据库",
                "demo data is for development and test databases only",
            )
        )
    actor = actors.system("demo-seed")
    known = set((await session.scalars(select(Employer.uscc))).all())
    added = 0
    for data in demo_employers(count):
        if data.uscc not in known:
            await employers.create(session=session, data=data, actor=actor, settings=settings)
            added += 1
    first_employer = await session.scalar(select(Employer.id).order_by(Employer.name).limit(1))
    existing = set((await session.scalars(select(User.username))).all())
    accounts = 0
    for role in Role:
        if f"demo-{role.value}" in existing:
            continue
        data_user = UserCreate(
            username=f"demo-{role.value}",
            full_name=f"演示{role.value}",
            role=role,
            password=DEMO_PASSWORD,
            employer_id=first_employer if role == Role.employer else None,
        )
        await users.create(session=session, data=data_user, actor=actor)
        accounts += 1
    return DemoSummary(employers_added=added, accounts_added=accounts)
