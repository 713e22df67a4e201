"""The README and docs/ stay true to the program and to each other.

A link to a heading that was renamed broke silently once; every relative link and
heading anchor is checked here, and the README's command table against ``--help``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from coordinator_tui import cli

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = [
    REPO / "README.md",
    REPO / "CHANGELOG.md",
    REPO / "SECURITY.md",
    *sorted(DOCS.glob("*.md")),
]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def _prose(text: str) -> str:
    """The text outside code blocks and code spans, where a link is a link."""
    return CODE.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    kept = "".join(char for char in text if char in " -_" or unicodedata.category(char)[0] in "LN")
    return kept.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6} (.+)$", line)
        if not match:
            continue
        slug = _slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(page: Path) -> list[str]:
    found = LINK.findall(_prose(page.read_text(encoding="utf-8")))
    return [target or image for target, image in found]


def test_the_slug_is_githubs() -> None:
    assert _slug("The dashboard: `coordinator-tui [DIR …]`") == "the-dashboard-coordinator-tui-dir-"
    assert _slug("Escalation to a human: webhooks, Apprise, the desktop") == (
        "escalation-to-a-human-webhooks-apprise-the-desktop"
    )
    assert _slug("`status --json`") == "status---json"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
            broken.append(f"{target}: no heading with that anchor")
    assert broken == []


def _help_commands() -> set[str]:
    """The commands ``coordinator-tui --help`` lists, the dashboard as ``[DIR``."""
    text = cli.build_parser()["dashboard"].format_help()
    return set(re.findall(r"^\s+coordinator-tui (\[DIR|[a-z]+)", text, re.M))


def test_the_readme_table_names_every_command_of_help() -> None:
    commands = _help_commands()
    assert {"[DIR", "status", "init", "serve"} <= commands
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `coordinator-tui (\[DIR|[a-z]+)", readme, re.M))
    assert rows == commands


def test_every_command_has_its_page() -> None:
    pages = {"dashboard" if name == "[DIR" else name for name in _help_commands()}
    missing = [name for name in sorted(pages) if not (DOCS / f"{name}.md").is_file()]
    assert missing == []


def test_the_readme_stays_short() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
