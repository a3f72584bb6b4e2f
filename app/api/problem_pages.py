"""The home page of every problem type: a small self-contained HTML page (both languages, no
external assets) or its JSON, and the index of them all; which operations declare each type
comes from the app's OpenAPI document."""

from __future__ import annotations

from html import escape
from http import HTTPStatus
from typing import Any

from app.core.errors import AppError, declared
from app.core.security_headers import inline_source
from app.models.problem import PROBLEM_BASE, Bilingual, ProblemType

_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:46rem;
margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h1 .en,h2 .en{color:#555;font-weight:normal}
.meta{color:#555;font-family:ui-monospace,monospace}.en{color:#444}
h2{font-size:1.1rem;margin-top:1.6rem}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
code{font-family:ui-monospace,monospace}
"""

# The page's one inline style, and nothing else, may load (security_headers: nothing by default).
POLICY = f"default-src 'none'; style-src {inline_source(_STYLE)}; frame-ancestors 'none'"


def operations_by_slug(openapi: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            for slug in sorted(declared(operation)):
                found.setdefault(slug, []).append(f"{method.upper()} {path}")
    return found


def described(kind: type[AppError], operations: list[str]) -> ProblemType:
    return ProblemType(
        slug=kind.slug,
        type=PROBLEM_BASE + kind.slug,
        status=kind.status,
        title=Bilingual(zh=kind.title.zh, en=kind.title.en),
        about=Bilingual(zh=kind.about.zh, en=kind.about.en),
        remedy=Bilingual(zh=kind.remedy.zh, en=kind.remedy.en),
        operations=operations,
    )


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _both(text: Bilingual) -> str:
    return f'<p>{escape(text.zh)}</p><p class="en" lang="en">{escape(text.en)}</p>'


def page(problem: ProblemType) -> str:
    phrase = HTTPStatus(problem.status).phrase
    operations = "".join(f"<li><code>{escape(o)}</code></li>" for o in problem.operations)
    body = (
        f'<p><a href="{PROBLEM_BASE.rstrip("/")}">问题类型一览 · '
        '<span lang="en">All problem types</span></a></p>'
        f'<h1>{escape(problem.title.zh)}<br><span class="en" lang="en">'
        f"{escape(problem.title.en)}</span></h1>"
        f'<p class="meta">HTTP {problem.status} {escape(phrase)} · type '
        f"<code>{escape(problem.type)}</code></p>"
        '<h2>何时发生 · <span class="en" lang="en">When it happens</span></h2>'
        f"{_both(problem.about)}"
        '<h2>怎么办 · <span class="en" lang="en">What to do</span></h2>'
        f"{_both(problem.remedy)}"
    )
    if operations:
        body += (
            '<h2>可能返回它的接口 · <span class="en" lang="en">Operations that may answer it'
            f"</span></h2><ul>{operations}</ul>"
        )
    return _document(f"{problem.title.zh} / {problem.title.en}", body)


def index(problems: list[ProblemType]) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(p.type)}"><code>{escape(p.slug)}</code></a></td>'
        f'<td>{p.status}</td><td>{escape(p.title.zh)}<br><span class="en" lang="en">'
        f"{escape(p.title.en)}</span></td></tr>"
        for p in problems
    )
    body = (
        '<h1>问题类型<br><span class="en" lang="en">Problem types</span></h1>'
        "<p>本服务拒绝请求时回答 RFC 9457 <code>application/problem+json</code>，其 "
        "<code>type</code> 指向下列页面之一。</p>"
        '<p class="en" lang="en">Every refusal of this service is an RFC 9457 '
        "<code>application/problem+json</code> whose <code>type</code> is one of these pages."
        "</p><table><tr><th>type</th><th>HTTP</th><th>标题 · "
        f'<span lang="en">Title</span></th></tr>{rows}</table>'
    )
    return _document("问题类型 / Problem types", body)


def wants_json(accept: str | None) -> bool:
    """JSON when Accept prefers application/json to text/html; HTML otherwise (a browser)."""
    best: dict[str, tuple[float, int]] = {}
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        for offered in ("text/html", "application/json"):
            kind = offered.split("/")[0]
            specificity = {offered: 2, f"{kind}/*": 1, "*/*": 0}.get(media.lower())
            if specificity is not None and specificity >= best.get(offered, (0.0, -1))[1]:
                best[offered] = (q, specificity)
    json_q, html_q = best.get("application/json", (0.0, 0))[0], best.get("text/html", (0.0, 0))[0]
    return json_q > html_q
