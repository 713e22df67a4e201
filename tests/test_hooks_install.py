"""``hooks install`` on settings it must not damage (issue 26, class 6) and what it says
about Codex's trust (issue 25, point 4). Run as the program, each with a time limit: a
hang is a failure, not a stuck suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / ".git").mkdir(parents=True)
    return folder


@pytest.fixture
def coord(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    return folder


def hooks(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = project.parent / "home"
    env = {
        "HOME": str(home),
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "coordinator_tui", "hooks", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_numbers_are_kept_exactly_as_written(project: Path, coord: Path) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"big": 1e400, "tiny": 1.10, "neg": -0.0, "n": 12345678901234567890}')
    done = hooks(project, "install", str(coord), "--agent", "claude")
    assert done.returncode == 0, done.stderr
    text = settings.read_text()
    assert "1e400" in text and "1.10" in text and "-0.0" in text
    assert "12345678901234567890" in text and "Infinity" not in text

    def no_constants(name: str) -> None:
        raise ValueError(name)

    json.loads(text, parse_constant=no_constants)  # still JSON, strictly
    assert hooks(project, "uninstall", "--agent", "claude").returncode == 0
    assert json.loads(settings.read_text(), parse_float=str) == {
        "big": "1e400",
        "tiny": "1.10",
        "neg": "-0.0",
        "n": 12345678901234567890,
    }


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_settings_holding_a_non_json_constant_are_refused_untouched(
    project: Path, coord: Path, literal: str
) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    original = f'{{"x": {literal}}}'.encode()
    settings.write_bytes(original)
    done = hooks(project, "install", str(coord), "--agent", "claude")
    assert done.returncode == 1 and "not valid JSON" in done.stderr
    assert settings.read_bytes() == original


def test_a_fifo_in_place_of_the_settings_is_refused_without_hanging(
    project: Path, coord: Path
) -> None:
    settings = project / ".gemini" / "settings.json"
    settings.parent.mkdir()
    os.mkfifo(settings)
    done = hooks(project, "install", str(coord), "--agent", "gemini")
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert settings.is_fifo()


def test_a_link_to_dev_zero_is_refused_and_stays_a_link(project: Path, coord: Path) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.symlink_to("/dev/zero")
    done = hooks(project, "install", str(coord), "--agent", "claude")
    assert done.returncode == 1 and "symbolic link" in done.stderr
    assert os.readlink(settings) == "/dev/zero"


def test_a_huge_settings_file_is_refused_untouched(project: Path, coord: Path) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    original = b'{"x": "' + b"y" * (5 << 20) + b'"}'
    settings.write_bytes(original)
    done = hooks(project, "install", str(coord), "--agent", "claude")
    assert done.returncode == 1 and "larger than 4 MiB" in done.stderr
    assert settings.read_bytes() == original


def test_codex_install_states_the_project_trust_exactly(project: Path, coord: Path) -> None:
    done = hooks(project, "install", str(coord), "--agent", "codex")
    assert done.returncode == 0, done.stderr
    assert "codex_hooks" not in done.stdout  # out of date since hooks became stable
    config = project.parent / "home" / ".codex" / "config.toml"
    assert f'[projects."{project}"]\n  trust_level = "trusted"' in done.stdout
    assert str(config) in done.stdout
    installed = json.loads((project / ".codex" / "hooks.json").read_text())
    assert "SessionEnd" in installed["hooks"]  # Codex 0.171 ends a session with it


def test_codex_install_in_a_trusted_project_says_how_to_trust_the_hooks_without_codex(
    project: Path, coord: Path
) -> None:
    config = project.parent / "home" / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[projects."{project}"]\ntrust_level = "trusted"\n')
    done = hooks(project, "install", str(coord), "--agent", "codex")
    assert done.returncode == 0, done.stderr
    assert "codex is not on PATH" in done.stdout and "/hooks" in done.stdout
