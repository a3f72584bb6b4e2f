"""Demo data (`labor-credit demo-seed`, run by `make run`): a believable Wenshui county.

300 employers across the county's towns and industries; an account per role, with a second
inspector and a second reviewer (two-person verification, Art 8); and the county's story over
the last three years and this one (`plan`), told through the services (`county`): records from
every source, graded cycles with A, B and C units, C notices closed, decided and still open,
wage-arrears listings, interviews. The demo employer's unit has an open C notice to answer.

Idempotent: employers and accounts that exist are kept, and the county is loaded once (an audit
event `demo.county` marks it, with the day it is "as of"). Refused in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.accounts import users
from app.audit import service as audit
from app.core import actors
from app.core.clock import Clock
from app.core.config import Settings
from app.core.errors import Forbidden
from app.core.i18n import Text
from app.demo import guide
from app.demo import plan as story
from app.demo.county import County, Staff
from app.demo.names import demo_employers
from app.demo.plan import Unit
from app.employers import service as employers
from app.models.employer import Employer, SubjectType
from app.models.user import Role, User, UserCreate

__all__ = ["ACCOUNTS", "DEMO_PASSWORD", "DemoRefused", "DemoSummary", "guide", "seed"]

DEMO_PASSWORD = "demo-password-2026"
# username, role, full name (the inspectors' names are the officers of their interviews)
ACCOUNTS = [
    ("demo-admin", Role.admin, "赵国华"),
    ("demo-inspector", Role.inspector, "李文斌"),
    ("demo-inspector-2", Role.inspector, "张海燕"),
    ("demo-reviewer", Role.reviewer, "刘俊峰"),
    ("demo-reviewer-2", Role.reviewer, "陈丽娟"),
    ("demo-auditor", Role.auditor, "周卫东"),
    ("demo-employer", Role.employer, "单位联络员"),
]
MARKER = guide.MARKER


class DemoRefused(Forbidden):
    slug = "demo-refused"
    title = Text("生产环境不加载演示数据", "No demo data in production")
    about = Text(
        "在生产环境（LABOR_CREDIT_ENVIRONMENT=production）运行 demo-seed。",
        "demo-seed was run with LABOR_CREDIT_ENVIRONMENT=production.",
    )
    remedy = Text(
        "演示数据只用于开发和测试数据库：换用开发环境或测试数据库。",
        "Load demo data into a development or test database only.",
    )


@dataclass
class DemoSummary:
    employers_added: int
    accounts_added: int
    county_loaded: bool  # by this run
    tour: guide.Tour

    def __str__(self) -> str:
        county = "loaded now" if self.county_loaded else "loaded before, left as it is"
        names = ", ".join(username for username, _, _ in ACCOUNTS)
        return "\n".join(
            [
                f"demo data: {self.employers_added} employers and {self.accounts_added} accounts "
                "added (existing ones kept)",
                f"演示县 / demo county as of {self.tour.as_of} ({county}): {self.tour.describe()}",
                f"accounts / 账号 (password {DEMO_PASSWORD!r}): {names}",
            ]
        )


async def seed(
    *, session: AsyncSession, settings: Settings, clock: Clock, count: int = 300
) -> DemoSummary:
    if settings.environment == "production":
        raise DemoRefused(
            Text(
                "演示数据只用于开发和测试数据库，生产环境（LABOR_CREDIT_ENVIRONMENT=production）不加载",
                "demo data is for development and test databases only: refused with "
                "LABOR_CREDIT_ENVIRONMENT=production",
            )
        )
    actor = actors.system("demo-seed")
    wanted = demo_employers(count)
    known = set((await session.scalars(select(Employer.uscc))).all())
    added = 0
    for data in wanted:
        if data.uscc not in known:
            await employers.create(session=session, data=data, actor=actor, settings=settings)
            added += 1
    units = await _units(session, {data.uscc for data in wanted})
    target = await _target(session, units)
    accounts = await _accounts(session, target, actor)
    loaded = False
    if await guide.as_of(session=session) is None:
        county = County(session, settings, clock, await _staff(session))
        county.legal_representatives = {u.id: u.legal_representative for u in units}
        await county.tell(story.plan(units, target.id, clock.today()))
        changes = audit.created({"as_of": clock.today(), "employers": len(units)})
        await audit.record(session=session, actor=actor, action=MARKER, resource_type="demo",
                           resource_id=None, changes=changes)  # fmt: skip
        loaded = True
    as_of = await guide.as_of(session=session)
    assert as_of is not None
    tour = await guide.tour(session=session, as_of=as_of)
    return DemoSummary(employers_added=added, accounts_added=accounts, county_loaded=loaded,
                       tour=tour)  # fmt: skip


async def _units(session: AsyncSession, codes: set[str]) -> list[Unit]:
    found = await session.scalars(select(Employer).order_by(col(Employer.uscc)))
    return [
        Unit(
            id=e.id,
            name=e.name,
            legal_representative=e.legal_representative,
            subject_type=str(e.subject_type),
        )
        for e in found.all()
        if e.uscc in codes
    ]


async def _target(session: AsyncSession, units: list[Unit]) -> Unit:
    """The demo employer account's unit: the one it has, else the first enterprise by name."""
    linked = await session.scalar(select(User.employer_id).where(User.username == "demo-employer"))
    for unit in units:
        if unit.id == linked:
            return unit
    enterprises = [u for u in units if u.subject_type == SubjectType.enterprise.value]
    return min(enterprises or units, key=lambda u: u.name)


async def _accounts(session: AsyncSession, target: Unit, actor: actors.Actor) -> int:
    existing = set((await session.scalars(select(User.username))).all())
    added = 0
    for username, role, full_name in ACCOUNTS:
        if username in existing:
            continue
        data = UserCreate(
            username=username,
            full_name=full_name,
            role=role,
            password=DEMO_PASSWORD,
            employer_id=target.id if role == Role.employer else None,
        )
        await users.create(session=session, data=data, actor=actor)
        added += 1
    return added


async def _staff(session: AsyncSession) -> Staff:
    async def actor(username: str) -> actors.Actor:
        return await users.actor_for(session=session, username=username)

    rows = await session.execute(select(User.username, User.full_name))
    names = {username: full_name for username, full_name in rows}
    return Staff(
        inspectors=(await actor("demo-inspector"), await actor("demo-inspector-2")),
        reviewers=(await actor("demo-reviewer"), await actor("demo-reviewer-2")),
        inspector_names=(names["demo-inspector"], names["demo-inspector-2"]),
    )
