"""SECURITY.md: every guarantee names the tests that hold it, and every name is a test."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`")


def _rows() -> list[str]:
    """The guarantee rows of SECURITY.md's tables (header and rule lines left out)."""
    text = (REPO / "SECURITY.md").read_text(encoding="utf-8")
    section = text[text.index("## What is defended") : text.index("## What is not defended")]
    return [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith(("| Guarantee", "|---"))
    ]


def test_every_guarantee_names_a_test() -> None:
    rows = _rows()
    assert len(rows) >= 30
    assert [row[:60] for row in rows if not REFERENCE.search(row)] == []


def test_every_named_test_exists() -> None:
    missing = []
    for row in _rows():
        for path, name in REFERENCE.findall(row):
            source = REPO / path
            found = source.is_file() and re.search(
                rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.MULTILINE
            )
            if not found:
                missing.append(f"{path}::{name}")
    assert missing == []
