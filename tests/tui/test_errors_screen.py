"""The errors screen (``e``) names a folder that could not be listed (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import create_app
from coordinator_tui.tui.screens.errors import ErrorsScreen
from tests.tui.conftest import MovableClock, ready, screen_text

pytestmark = pytest.mark.anyio


async def test_an_unlisted_sessions_folder_is_a_problem_not_every_file_read(
    tmp_path: Path,
) -> None:
    root = tmp_path / "coordination"
    root.mkdir()
    (root / "sessions").write_text("a file where the folder belongs")
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ErrorsScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "File problems (1)" in text
        assert "sessions" in text and "folder not listed: Not a directory" in text
        assert "every file" not in text.lower()
