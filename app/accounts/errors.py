"""The accounts' refusals: signing in, tokens and API keys, accounts and machine clients."""

from __future__ import annotations

from app.core.errors import (
    Conflict,
    InvalidField,
    TooManyRequests,
    Unauthorized,
)
from app.core.i18n import Text

# --- signing in (auth) ---------------------------------------------------------------------------


class InvalidCredentials(Unauthorized):
    slug = "wrong-credentials"
    title = Text("用户名或密码错误", "Wrong username or password")
    about = Text(
        "登录时用户名不存在、密码不对，或账号已停用（三者回答相同）。同一地址对同一用户名、"
        "或对任何用户名连续失败多次后，这个地址会被暂时限制登录。",
        "At sign-in the username is unknown, the password wrong or the account disabled (the "
        "three get the same answer). Repeated failures from one address, for one name or for "
        "any, hold that address back for a while.",
    )
    remedy = Text(
        "核对用户名和密码；忘记密码请管理员重设。",
        "Check the username and password; an admin resets a forgotten password.",
    )
    # The failure counts written before raising must survive (db.RequestTransaction.end).
    keeps_writes = True


class SignInsThrottled(TooManyRequests):
    slug = "too-many-sign-ins"
    title = Text("登录失败次数过多", "Too many failed sign-ins")
    about = Text(
        "从这个地址登录失败的次数（对这个用户名，或对所有用户名）在一段时间内达到上限，"
        "这个地址暂时不能再试。账号本身没有被锁定：从别处登录不受影响。",
        "Sign-ins from this address failed too often in a while (for this name, or for any), "
        "so this address must wait. No account is locked: signing in from elsewhere works.",
    )
    remedy = Text(
        "等响应头 Retry-After 给出的秒数过后再登录；忘记密码请管理员重设。",
        "Sign in again after the seconds the Retry-After header gives; an admin resets a "
        "forgotten password.",
    )


class TokenInvalid(Unauthorized):
    slug = "token-invalid"
    title = Text("令牌无效", "Invalid token")
    about = Text(
        "Bearer 令牌不是本服务签发的、已被篡改或格式不对：缺少本服务签发时总有的声明（sub、iat、"
        "exp、gen），签发时间在将来，或有效期长于 LABOR_CREDIT_TOKEN_MINUTES。",
        "The Bearer token was not issued by this service, was altered, or is malformed: it lacks "
        "a claim this service always issues (sub, iat, exp, gen), was issued in the future, or "
        "lasts longer than LABOR_CREDIT_TOKEN_MINUTES.",
    )
    remedy = Text(
        "用 POST /api/v1/auth/token 重新登录，发送新的令牌。",
        "Sign in again with POST /api/v1/auth/token and send the new token.",
    )


class TokenExpired(Unauthorized):
    slug = "token-expired"
    title = Text("令牌已过期", "Token expired")
    about = Text(
        "Bearer 令牌已过有效期（LABOR_CREDIT_TOKEN_MINUTES）。",
        "The Bearer token is past its lifetime (LABOR_CREDIT_TOKEN_MINUTES).",
    )
    remedy = Text(
        "用 POST /api/v1/auth/token 重新登录。", "Sign in again with POST /api/v1/auth/token."
    )


class TokenRevoked(Unauthorized):
    slug = "token-revoked"
    title = Text("令牌已失效", "Token revoked")
    about = Text(
        "这个令牌签发之后，账号的密码被修改或重设，或账号被停用过：之前签发的令牌全部失效。",
        "Since the token was issued the account's password was changed or reset, or the "
        "account was disabled: every token issued before that has ended.",
    )
    remedy = Text(
        "用新密码通过 POST /api/v1/auth/token 重新登录。",
        "Sign in again with the new password: POST /api/v1/auth/token.",
    )


class AccountInactive(Unauthorized):
    slug = "account-inactive"
    title = Text("账号已停用", "Account disabled")
    about = Text(
        "令牌有效，但它所属的账号已被停用或删除。",
        "The token is valid, but the account it was issued to is disabled or gone.",
    )
    remedy = Text(
        "请管理员恢复账号，或用有效的账号登录。",
        "Ask an admin to enable the account, or sign in with an active one.",
    )


class ApiKeyInvalid(Unauthorized):
    slug = "api-key-invalid"
    title = Text("API 密钥无效", "Invalid API key")
    about = Text(
        "X-API-Key 不是本服务发出的密钥（格式不对，或没有这个密钥）。",
        "X-API-Key is not a key this service issued (malformed, or no such key).",
    )
    remedy = Text(
        "核对密钥：它只在创建客户端时显示一次；丢失时请管理员新建客户端。",
        "Check the key: it is shown once, when the client is created; if lost, ask an admin "
        "for a new client.",
    )


class ClientRevoked(Unauthorized):
    slug = "client-revoked"
    title = Text("API 密钥已被吊销", "API key revoked")
    about = Text(
        "这个机器客户端已被管理员吊销，它的密钥不再有效。",
        "An admin revoked this machine client; its key no longer works.",
    )
    remedy = Text(
        "请管理员为这个系统新建客户端，换用新的密钥。",
        "Ask an admin for a new client for this system and use its key.",
    )


# --- accounts (users) ----------------------------------------------------------------------------


class UsernameTaken(Conflict):
    slug = "username-taken"
    title = Text("用户名已被使用", "Username taken")
    about = Text("另一个账号已使用这个用户名。", "Another account has this username.")
    remedy = Text(
        "换一个用户名；账号不删除，停用的账号也占用它的用户名。",
        "Choose another username; accounts are never deleted, so a disabled one keeps its name.",
    )


class EmployerAccountBinding(InvalidField):
    slug = "employer-account-binding"
    title = Text("账号与用人单位的绑定不对", "Employer binding wrong for the role")
    about = Text(
        "用人单位角色的账号必须绑定一个用人单位（employer_id），其他角色的账号不能绑定。",
        "An account of the employer role must name its employer (employer_id); an account of "
        "any other role must not.",
    )
    remedy = Text(
        "用人单位账号给出 employer_id；工作人员账号去掉 employer_id（设为 null）。",
        "Give an employer account its employer_id; set a staff account's employer_id to null.",
    )


class AccountEmployerUnknown(InvalidField):
    slug = "account-employer-unknown"
    title = Text("账号绑定的用人单位不存在", "Account's employer unknown")
    about = Text(
        "账号的 employer_id 不是已登记的用人单位。",
        "The account's employer_id is not a registered employer.",
    )
    remedy = Text(
        "先登记用人单位（POST /api/v1/employers），再用它的 id。",
        "Register the employer first (POST /api/v1/employers) and use its id.",
    )


# --- machine clients -----------------------------------------------------------------------------


class ScopeNotForSource(InvalidField):
    slug = "scope-not-for-source"
    title = Text("来源不允许这个权限范围", "Scope not for the source")
    about = Text(
        "机器客户端的权限范围由它的来源决定：其他机构的系统报送信用记录（intake），市信用平台只回送"
        "回执（receipts）。",
        "A machine client's scopes follow its source: agencies' systems send credit records "
        "(intake), the city platform only receipts (receipts).",
    )
    remedy = Text(
        "去掉来源不允许的权限范围，或不给 scopes 以用来源的默认范围。",
        "Drop the scopes the source does not allow, or leave scopes out for the source's default.",
    )


class ClientAlreadyRevoked(Conflict):
    slug = "client-already-revoked"
    title = Text("客户端已被吊销", "Client already revoked")
    about = Text(
        "这个机器客户端早已被吊销，吊销不能撤回也不能重复。",
        "The machine client was revoked already; a revocation is neither undone nor repeated.",
    )
    remedy = Text(
        "无需再做；这个系统需要接入时，新建一个客户端。",
        "Nothing to do; create a new client when the system needs access again.",
    )
