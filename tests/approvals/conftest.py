"""Fixtures of the approval tests: a project, a coordination directory, hooks waiting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_hooks
from tests.approvals.kit import Waiting
from tests.hookkit import install

project = test_hooks.project  # the hook tests' project and coordination directory
coord = test_hooks.coord


@pytest.fixture
def hooks(project: Path, coord: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Waiting]]:
    """Claude Code's hooks installed; the hooks a test starts are killed after it."""
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    assert install(project, coord, "claude") == 0
    started: list[Waiting] = []
    yield started
    for hook in started:
        hook.kill()
