"""The project's documentation stands on its own: README.md and docs/ link only to files of the
repository (and to the running service on this machine), every relative link resolves to a file
and every #anchor to a heading of it; nothing in the repository points at documents a user of
the project does not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
THIS_MACHINE = re.compile(r"https?://(127\.0\.0\.1|localhost)(:[0-9]+)?(/|$)")
OUTSIDE = "../" + "shared"  # the team's own notes, which a user of the project does not have


def anchors(document: Path) -> set[str]:
    """GitHub's anchors of the document's headings."""
    found = set()
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return found


def links(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks hold no links
    return [m.group(1) or m.group(2) for m in LINK.finditer(text)]


def test_there_is_documentation_for_users() -> None:
    assert {d.name for d in DOCUMENTS} >= {"README.md", "law.md", "architecture.md",
                                           "operations.md"}  # fmt: skip


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_every_link_stays_in_the_repository_and_resolves(document: Path) -> None:
    for link in links(document):
        if link.startswith(("http://", "https://")):
            assert THIS_MACHINE.match(link), f"{document.name} links outside: {link}"
            continue
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        assert target.is_relative_to(ROOT), f"{document.name} links outside: {link}"
        assert target.is_file(), f"{document.name} links to a missing file: {link}"
        if anchor:
            assert anchor in anchors(target), f"{document.name}: no heading for {link}"


def test_the_readme_links_to_each_document() -> None:
    readme = links(ROOT / "README.md")
    for name in ("law.md", "architecture.md", "operations.md"):
        assert f"docs/{name}" in readme


def test_nothing_points_at_the_teams_own_notes() -> None:
    found = []
    for folder in ("app", "tests", "docs", "bench", "alembic"):
        for path in (ROOT / folder).rglob("*"):
            readable = path.suffix in (".py", ".md", ".ini", ".mako") and path.is_file()
            if readable and OUTSIDE in path.read_text(encoding="utf-8"):
                found.append(str(path.relative_to(ROOT)))
    for name in ("README.md", "Makefile", "pyproject.toml", "Dockerfile", "compose.yaml"):
        if OUTSIDE in (ROOT / name).read_text(encoding="utf-8"):
            found.append(name)
    assert found == []
