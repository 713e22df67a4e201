"""Issue 10, config paths: a named config that is missing, a folder, a FIFO, a device or
unreadable is one line on stderr and exit 2 for every command: no traceback, no hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collective import ago, session

REPO = Path(__file__).resolve().parents[1]
CLI = (sys.executable, "-m", "coordinator_tui")
COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["report", "-o", "-"],
    ["send", "--to", "broadcast", "--subject", "s", "--message", "b"],
    ["run", "--cycles", "1"],
    ["dashboard"],
]


def _run(
    argv: list[str], config: Path, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COORDINATOR_TUI_CONFIG": str(config)}
    return subprocess.run(
        [*prefix, *CLI, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,  # a FIFO opened blocking would hang here
        stdin=subprocess.DEVNULL,
    )


def _directory(tmp_path: Path) -> Path:
    root = tmp_path / "coordination"
    session(root, "session-a", "alpha", ago(minutes=1))
    return root


def _check(result: subprocess.CompletedProcess, needle: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("coordinator-tui: ") and needle in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a))
def test_named_config_problems_are_one_line_and_exit_2(tmp_path: Path, argv: list[str]) -> None:
    root = _directory(tmp_path)
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "config.d"
    folder.mkdir()
    cases = {
        tmp_path / "missing.toml": "does not exist",
        folder: "is not a regular file",
        fifo: "is not a regular file",
        Path("/dev/zero"): "is not a regular file",
    }
    for config, needle in cases.items():
        _check(_run([*argv, str(root)], config), needle)
    assert not (root / "messages").exists()  # nothing was sent or written


def test_an_unreadable_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = _directory(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text("stale_after_s = 60\n")
    config.chmod(0o000)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")
    try:
        for argv in (["status"], ["run", "--cycles", "1"]):
            result = _run([*argv, str(root)], config, prefix)
            _check(result, "Permission denied")
            assert str(config) in result.stderr
    finally:
        config.chmod(0o600)
