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


def test_hostile_config_contents_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """Too big, a link to a FIFO or to nothing, NaN, a number past a float: refused in one
    line naming the file, for the command that reads it."""
    root = _directory(tmp_path)
    huge = tmp_path / "huge.toml"
    huge.write_text("# padding\n" * 200_000)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    to_fifo = tmp_path / "to-fifo.toml"
    to_fifo.symlink_to(fifo)
    dangling = tmp_path / "dangling.toml"
    dangling.symlink_to(tmp_path / "nowhere.toml")
    nan = tmp_path / "nan.toml"
    nan.write_text("stale_after_s = nan\n")
    big = tmp_path / "big.toml"
    big.write_text("gone_after_s = 1e400\n")
    cases = {
        huge: "is larger than 1,048,576 bytes",
        to_fifo: "is not a regular file",
        dangling: "does not exist",
        nan: f"stale_after_s must be a finite number (got nan from {nan})",
        big: f"gone_after_s must be a finite number (got inf from {big})",
    }
    for config, needle in cases.items():
        _check(_run(["status", str(root)], config), needle)
        assert str(config) in _run(["status", "--json", str(root)], config).stderr
