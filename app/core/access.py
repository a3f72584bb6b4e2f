"""Who may do what: one table of permissions, checked by one dependency for every route; and
whose file they may see: an employer account sees only its own employer's, and another
employer's is as absent to it as one that does not exist (404, never 403)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Protocol, TypeVar

from app.core.actors import Actor
from app.core.errors import AppError, DoesNotExist, Forbidden, Unauthorized
from app.core.i18n import Text
from app.models.client import Scope
from app.models.employer import Employer
from app.models.user import Role

STAFF = frozenset({Role.admin, Role.inspector, Role.reviewer, Role.auditor})


class Permission(StrEnum):
    account_read = "account:read"
    users_manage = "users:manage"
    clients_manage = "clients:manage"
    audit_read = "audit:read"
    employers_read = "employers:read"
    employers_write = "employers:write"
    calendar_read = "calendar:read"
    calendar_write = "calendar:write"
    credit_records_read = "credit_records:read"
    credit_records_write = "credit_records:write"
    credit_records_review = "credit_records:review"
    stats_read = "stats:read"
    intake_write = "intake:write"
    imports_write = "imports:write"
    imports_read = "imports:read"
    blacklist_read = "blacklist:read"
    blacklist_write = "blacklist:write"
    interviews_read = "interviews:read"
    interviews_write = "interviews:write"
    plans_read = "plans:read"
    plans_write = "plans:write"
    plan_visits_record = "plan_visits:record"
    rule_sets_read = "rule_sets:read"
    rule_sets_write = "rule_sets:write"
    policies_read = "policies:read"
    policies_write = "policies:write"
    measures_read = "measures:read"
    measure_sets_read = "measure_sets:read"
    measures_write = "measures:write"
    evaluations_read = "evaluations:read"
    evaluations_represent = "evaluations:represent"
    evaluations_decide = "evaluations:decide"
    grading_runs_read = "grading_runs:read"
    grading_runs_write = "grading_runs:write"
    notifications_read = "notifications:read"
    notifications_mark_read = "notifications:mark_read"
    objections_read = "objections:read"
    objections_file = "objections:file"
    objections_decide = "objections:decide"
    repairs_read = "repairs:read"
    repairs_apply = "repairs:apply"
    repairs_decide = "repairs:decide"
    platform_deliveries_read = "platform_deliveries:read"
    platform_deliveries_replay = "platform_deliveries:replay"
    platform_receipts_write = "platform_receipts:write"
    reports_read = "reports:read"
    credit_reports_issue = "credit_reports:issue"
    documents_read = "documents:read"
    document_templates_write = "document_templates:write"


ROLES: dict[Permission, frozenset[Role]] = {
    Permission.account_read: STAFF | {Role.employer},
    Permission.users_manage: frozenset({Role.admin}),
    Permission.clients_manage: frozenset({Role.admin}),
    Permission.audit_read: frozenset({Role.admin, Role.auditor}),
    # employers read only their own (each service scopes through `visible` and `own_employer`)
    Permission.employers_read: STAFF | {Role.employer},
    Permission.employers_write: frozenset({Role.admin, Role.inspector, Role.reviewer}),
    # employers see the calendar their deadlines are counted on (docs/law.md §8)
    Permission.calendar_read: STAFF | {Role.employer},
    Permission.calendar_write: frozenset({Role.admin}),  # loads each year's notice
    # employers read only their own verified records (records.reads)
    Permission.credit_records_read: STAFF | {Role.employer},
    # inspectors (and reviewers) collect drafts; only the collector edits one
    Permission.credit_records_write: frozenset({Role.inspector, Role.reviewer}),
    # verification, correction, revocation (Art 8: a second person)
    Permission.credit_records_review: frozenset({Role.reviewer}),
    Permission.stats_read: STAFF,
    Permission.intake_write: frozenset(),  # machine clients only (scope intake)
    Permission.imports_write: frozenset({Role.inspector, Role.reviewer}),
    Permission.imports_read: frozenset({Role.admin, Role.inspector, Role.reviewer, Role.auditor}),
    # 人社部令第45号: a reviewer lists and removes; employers read only their own listings
    Permission.blacklist_read: STAFF | {Role.employer},
    Permission.blacklist_write: frozenset({Role.reviewer}),
    # Art 13(2): employers read only their own interviews
    Permission.interviews_read: STAFF | {Role.employer},
    Permission.interviews_write: frozenset({Role.inspector, Role.reviewer}),
    # 双随机、一公开: staff read plans; an admin or reviewer makes and draws them (never an
    # inspector, who is drawn); the visit's outcome is its assigned inspectors' (plans service)
    Permission.plans_read: STAFF,
    Permission.plans_write: frozenset({Role.admin, Role.reviewer}),
    Permission.plan_visits_record: frozenset({Role.inspector}),
    Permission.rule_sets_read: STAFF,
    Permission.rule_sets_write: frozenset({Role.admin}),
    # Art 18: the policies rule sets and measures implement; an admin records extensions
    Permission.policies_read: STAFF,
    Permission.policies_write: frozenset({Role.admin}),
    # Art 11-13: employers read the measures (and award eligibility) of their own grade only
    Permission.measures_read: STAFF | {Role.employer},
    Permission.measure_sets_read: STAFF,
    Permission.measures_write: frozenset({Role.admin}),
    # employers read only their own evaluations
    Permission.evaluations_read: STAFF | {Role.employer},
    # 陈述申辩: the employer, or staff entering it for them; auditors only read
    Permission.evaluations_represent: frozenset(
        {Role.employer, Role.admin, Role.inspector, Role.reviewer}
    ),
    Permission.evaluations_decide: frozenset({Role.reviewer}),
    Permission.grading_runs_read: STAFF,
    Permission.grading_runs_write: frozenset({Role.reviewer, Role.admin}),
    # an employer reads its own notices; staff see what was sent and when it was read
    Permission.notifications_read: STAFF | {Role.employer},
    # only the employer's own account marks its notice read
    Permission.notifications_mark_read: frozenset({Role.employer}),
    # Art 15: employers read and follow only their own objections
    Permission.objections_read: STAFF | {Role.employer},
    # the employer's own account, or staff entering a walk-in or a letter
    Permission.objections_file: frozenset({Role.employer, Role.inspector, Role.reviewer}),
    # Art 16: acceptance (its deadline class) and the decision
    Permission.objections_decide: frozenset({Role.reviewer}),
    # 信用修复: the employer applies for its own items and reads its own applications
    Permission.repairs_read: STAFF | {Role.employer},
    Permission.repairs_apply: frozenset({Role.employer}),
    Permission.repairs_decide: frozenset({Role.reviewer}),
    # the push to the city platform (Art 7): its outbox is read by admins and auditors, and an
    # admin replays dead letters; receipts come from the platform's machine client only
    Permission.platform_deliveries_read: frozenset({Role.admin, Role.auditor}),
    Permission.platform_deliveries_replay: frozenset({Role.admin}),
    Permission.platform_receipts_write: frozenset(),
    # the yearly supervision report (issue 15 §5), for the bureau and the city: the bureau's
    # management, its reviewers and the auditors; inspectors see the dashboards (stats_read)
    Permission.reports_read: frozenset({Role.admin, Role.reviewer, Role.auditor}),
    # 发改财金〔2025〕565号: staff issue a credit report for any employer, an employer for itself
    Permission.credit_reports_issue: STAFF | {Role.employer},
    # the bureau's letters: staff read all, an employer its own
    Permission.documents_read: STAFF | {Role.employer},
    Permission.document_templates_write: frozenset({Role.admin}),
}

# What a machine client's scopes allow (its source further limits the data it touches).
SCOPES: dict[Permission, frozenset[Scope]] = {
    Permission.account_read: frozenset(Scope),  # any client may ask whom its key stands for
    Permission.intake_write: frozenset({Scope.intake}),
    Permission.platform_receipts_write: frozenset({Scope.receipts}),
}


# What each permission lets one do, as a refusal says it ("审核信用记录需要审核员角色").
ACTIONS: dict[Permission, Text] = {
    Permission.account_read: Text("查看自己的账号", "reading your own account"),
    Permission.users_manage: Text("管理用户账号", "managing user accounts"),
    Permission.clients_manage: Text(
        "管理机器客户端（API 密钥）", "managing machine clients (API keys)"
    ),
    Permission.audit_read: Text("查看审计记录", "reading the audit trail"),
    Permission.employers_read: Text("查看用人单位", "reading employers"),
    Permission.employers_write: Text("登记和修改用人单位", "registering and changing employers"),
    Permission.calendar_read: Text("查看工作日历", "reading the working-day calendar"),
    Permission.calendar_write: Text("载入工作日历", "loading the working-day calendar"),
    Permission.credit_records_read: Text("查看信用记录", "reading credit records"),
    Permission.credit_records_write: Text("采集信用记录", "collecting credit records"),
    Permission.credit_records_review: Text(
        "审核、更正或撤销信用记录", "verifying, correcting or revoking credit records"
    ),
    Permission.stats_read: Text("查看统计", "reading statistics"),
    Permission.intake_write: Text("报送信用记录（机构数据接口）", "sending intake batches"),
    Permission.imports_write: Text("导入信用记录文件", "importing credit record files"),
    Permission.imports_read: Text("查看导入任务", "reading imports"),
    Permission.blacklist_read: Text("查看拖欠工资失信名单", "reading the wage-arrears list"),
    Permission.blacklist_write: Text(
        "列入或移出拖欠工资失信名单", "listing on or removing from the wage-arrears list"
    ),
    Permission.interviews_read: Text("查看约谈记录", "reading interviews"),
    Permission.interviews_write: Text("登记约谈", "entering interviews"),
    Permission.plans_read: Text("查看抽查计划", "reading inspection plans"),
    Permission.plans_write: Text("制定抽查计划和随机抽取", "making and drawing inspection plans"),
    Permission.plan_visits_record: Text("登记抽查结果", "recording inspection outcomes"),
    Permission.rule_sets_read: Text("查看评价规则", "reading grading rule sets"),
    Permission.rule_sets_write: Text("制定和修改评价规则", "adding and changing grading rule sets"),
    Permission.policies_read: Text("查看政策文件及其有效期", "reading policies and their validity"),
    Permission.policies_write: Text(
        "登记政策文件及其延期", "recording policies and their extensions"
    ),
    Permission.measures_read: Text("查看监管措施", "reading supervision measures"),
    Permission.measure_sets_read: Text("查看监管措施目录", "reading the measures catalogue"),
    Permission.measures_write: Text("制定监管措施目录", "adding measures catalogue versions"),
    Permission.evaluations_read: Text("查看信用评价", "reading evaluations"),
    Permission.evaluations_represent: Text("提交陈述申辩", "filing a representation (陈述申辩)"),
    Permission.evaluations_decide: Text("决定信用等级", "deciding grades"),
    Permission.grading_runs_read: Text("查看评价批次", "reading grading runs"),
    Permission.grading_runs_write: Text("发起评价批次", "starting grading runs"),
    Permission.notifications_read: Text("查看通知", "reading notifications"),
    Permission.notifications_mark_read: Text("将通知标为已读", "marking a notification read"),
    Permission.objections_read: Text("查看异议", "reading objections"),
    Permission.objections_file: Text("提出异议", "filing objections"),
    Permission.objections_decide: Text("受理和处理异议", "accepting and deciding objections"),
    Permission.repairs_read: Text("查看信用修复申请", "reading credit repair applications"),
    Permission.repairs_apply: Text("申请信用修复", "applying for credit repair"),
    Permission.repairs_decide: Text("受理和决定信用修复", "accepting and deciding credit repair"),
    Permission.platform_deliveries_read: Text(
        "查看推送到市平台的消息", "reading the deliveries to the city platform"
    ),
    Permission.platform_deliveries_replay: Text(
        "重发推送到市平台的消息", "replaying deliveries to the city platform"
    ),
    Permission.platform_receipts_write: Text(
        "报送市平台回执（平台接口）", "sending the city platform's receipts"
    ),
    Permission.reports_read: Text("查看年度监管报告", "reading the yearly supervision report"),
    Permission.credit_reports_issue: Text(
        "出具和查看信用报告", "issuing and reading credit reports"
    ),
    Permission.documents_read: Text("查看文书", "reading official documents"),
    Permission.document_templates_write: Text("修改文书模板", "changing document templates"),
}

ROLE_NAMES: dict[Role, Text] = {
    Role.admin: Text("管理员", "admin"),
    Role.inspector: Text("监察员", "inspector"),
    Role.reviewer: Text("审核员", "reviewer"),
    Role.auditor: Text("审计员", "auditor"),
    Role.employer: Text("用人单位", "employer"),
}
_ROLE_ORDER = list(Role)


class SignInRequired(Unauthorized):
    slug = "unauthorized"
    title = Text("需要登录", "Sign-in required")
    about = Text(
        "请求没有带任何凭据：这个操作只对已登录的账号或持 API 密钥的机器客户端开放。",
        "The request carries no credentials: the operation is open only to a signed-in "
        "account or a machine client with an API key.",
    )
    remedy = Text(
        "工作人员和用人单位用 POST /api/v1/auth/token 登录，以 Authorization: Bearer <令牌> "
        "发送；其他机构的系统发送 X-API-Key。",
        "Staff and employers sign in with POST /api/v1/auth/token and send Authorization: "
        "Bearer <token>; other agencies' systems send X-API-Key.",
    )


class ForbiddenRole(Forbidden):
    slug = "forbidden-role"
    title = Text("角色无权进行此操作", "Not for your role")
    about = Text(
        "已登录，但你的角色不能进行这个操作；detail 说明操作需要哪些角色。",
        "You are signed in, but your role may not do this; the detail says which roles may.",
    )
    remedy = Text(
        "请有相应角色的同事办理，或请管理员调整你的账号角色。",
        "Ask a colleague with one of those roles, or an admin to change your account's role.",
    )


class ClientScopeMissing(Forbidden):
    slug = "client-scope-missing"
    title = Text("客户端无权进行此操作", "Not within the client's scopes")
    about = Text(
        "机器客户端的 API 密钥只能用于它的权限范围（scope）内的操作；这个操作不在其内。",
        "A machine client's API key serves only the operations of its scopes; this one is "
        "not among them.",
    )
    remedy = Text(
        "用有相应权限范围的客户端，或请管理员按来源为它设置权限范围；工作人员的操作要登录账号。",
        "Use a client with the scope, or ask an admin to give it one its source allows; staff "
        "operations need a signed-in account.",
    )


class EmployerAccountUnbound(Forbidden):
    slug = "employer-account-unbound"
    title = Text("用人单位账号未绑定单位", "Employer account not bound")
    about = Text(
        "用人单位账号必须绑定到它的用人单位才能查看档案；这个账号没有绑定。",
        "An employer account must be bound to its employer to read a file; this one is not.",
    )
    remedy = Text(
        "请管理员为账号设置 employer_id。", "Ask an admin to set the account's employer_id."
    )


def _roles(roles: frozenset[Role]) -> Text:
    names = [ROLE_NAMES[r] for r in _ROLE_ORDER if r in roles]
    zh = "、".join(n.zh for n in names[:-1]) + ("或" if len(names) > 1 else "") + names[-1].zh
    en = ", ".join(n.en for n in names[:-1]) + (" or " if len(names) > 1 else "") + names[-1].en
    return Text(zh, en)


def refusal(actor: Actor, permission: Permission) -> AppError | None:
    """Why `actor` may not use `permission`, in words (never the permission's identifier)."""
    action = ACTIONS[permission]
    if actor.kind == "public":
        return SignInRequired(
            Text(
                f"{action.zh}需要先登录（Bearer 令牌）或发送 API 密钥（X-API-Key）",
                f"{action.en} needs a sign-in (Bearer token) or an API key (X-API-Key)",
            )
        )
    if actor.kind == "client":
        allowed = SCOPES.get(permission, frozenset())
        if allowed & actor.scopes:
            return None
        if not allowed:
            return ClientScopeMissing(
                Text(
                    f"{action.zh}只限工作人员登录办理，API 客户端不能办理",
                    f"{action.en} is for signed-in staff, not for API clients",
                )
            )
        scopes = ", ".join(sorted(allowed))
        return ClientScopeMissing(
            Text(
                f"{action.zh}需要权限范围 {scopes}，这个 API 客户端没有",
                f"{action.en} needs the scope {scopes}, which this API client lacks",
            )
        )
    roles = ROLES[permission]
    if actor.role in roles:
        return None
    yours = ROLE_NAMES[actor.role] if actor.role else Text("无", "none")
    if not roles:
        return ForbiddenRole(
            Text(
                f"{action.zh}只限机器客户端（API 密钥）办理，你的角色是{yours.zh}",
                f"{action.en} is for machine clients (an API key) only; your role is {yours.en}",
            )
        )
    who = _roles(roles)
    return ForbiddenRole(
        Text(
            f"{action.zh}需要{who.zh}角色，你的角色是{yours.zh}",
            f"{action.en} needs the {who.en} role; your role is {yours.en}",
        ),
        allowed_roles=[str(r) for r in _ROLE_ORDER if r in roles],
    )


def authorize(actor: Actor, permission: Permission) -> None:
    refused = refusal(actor, permission)
    if refused is not None:
        raise refused


# --- whose file: an employer account sees only its own employer's ------------------------------


class EmployerOwned(Protocol):
    @property
    def employer_id(self) -> uuid.UUID: ...


Owned = TypeVar("Owned", bound=EmployerOwned | Employer)


def sees(actor: Actor, employer_id: uuid.UUID) -> bool:
    """Staff, machine clients and the system see every employer's file; an employer account
    only its own employer's."""
    if actor.role == Role.employer:
        return actor.employer_id == employer_id
    return actor.kind != "public"


def visible(actor: Actor, found: Owned | None, *, missing: Text) -> Owned:
    """`found` (an employer, or a thing of one employer's file) when the actor sees it; else 404
    `<missing> does not exist`, the same answer whether it is absent or another employer's."""
    if found is None or not sees(actor, _employer_of(found)):
        raise DoesNotExist(Text(f"{missing.zh} 不存在", f"{missing.en} does not exist"))
    return found


def _employer_of(found: EmployerOwned | Employer) -> uuid.UUID:
    return found.id if isinstance(found, Employer) else found.employer_id


def own_employer(actor: Actor, employer_id: uuid.UUID | None) -> uuid.UUID | None:
    """The employer a list is filtered to: for an employer account its own (another employer's
    `employer_id` is a 404, as for one that does not exist); for everyone else `employer_id`."""
    if actor.role != Role.employer:
        return employer_id
    if actor.employer_id is None:  # ck_users_employer_account_bound: never; refuse, not list all
        raise EmployerAccountUnbound(
            Text(
                "用人单位账号没有绑定用人单位", "an employer account must be bound to its employer"
            )
        )
    if employer_id is not None and not sees(actor, employer_id):
        raise DoesNotExist(
            Text(f"用人单位 {employer_id} 不存在", f"employer {employer_id} does not exist")
        )
    return actor.employer_id
