"""The core and the headless commands never import Textual (harlequin's rule)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "coordinator_tui.files.reader",
    "coordinator_tui.store",
    "coordinator_tui.analysis",
    "coordinator_tui.render.status_json",
    "coordinator_tui.write.messages",
    "coordinator_tui.cli",
    "coordinator_tui.commands.status",
]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_running_status_does_not_import_textual(collective) -> None:
    code = (
        "import sys\n"
        "from coordinator_tui.cli import main\n"
        f"code = main(['status', {str(collective)!r}, '--json'])\n"
        "print('textual' in sys.modules, code, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False 0"
