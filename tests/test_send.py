"""``coordinator-tui send`` and the message writer: valid JSON whatever the text holds."""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.files import fsio

TRICKY = 'He said "stop" \\ not \\! $HOME\nline two\r\n\ttab 🎉🧠 ünïcödé \\" end'


def send(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["send", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_tricky_text_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = send(
        capsys,
        str(tmp_path),
        "--to",
        "broadcast",
        "--subject",
        'Quote " and \\ and 🎉',
        "--message",
        TRICKY,
        "--from",
        "session-42",
        "--now",
        "2025-11-15T20:00:00Z",
    )
    assert (code, err) == (0, "")
    path = Path(out.strip())
    assert path == tmp_path / "messages" / "broadcast" / "2025-11-15_20-00-00-session-42.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document == {
        "from": "session-42",
        "to": "broadcast",
        "timestamp": "2025-11-15T20:00:00Z",
        "subject": 'Quote " and \\ and 🎉',
        "message": TRICKY,
    }


def test_direct_message_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(("first\n" + TRICKY + "\n").encode("utf-8")))
    monkeypatch.setattr("sys.stdin", stdin)
    code, out, _ = send(capsys, str(tmp_path), "--to", "session-7", "--subject", "Hi")
    assert code == 0
    path = Path(out.strip())
    assert path.parent == tmp_path / "messages" / "direct" / "session-7"
    assert path.name.endswith("-coordinator.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["message"] == "first\n" + TRICKY
    assert (document["to"], document["from"]) == ("session-7", "coordinator")


def test_hundred_sends_in_one_second_give_hundred_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = set()
    for number in range(100):
        code, out, _ = send(
            capsys,
            str(tmp_path),
            "--to",
            "broadcast",
            "--subject",
            f"n{number}",
            "--message",
            str(number),
            "--now",
            "2025-11-15T20:00:00Z",
        )
        assert code == 0
        paths.add(Path(out.strip()))
    files = every_file(tmp_path / "messages")
    assert len(paths) == 100 and set(files) == paths
    bodies = sorted(int(json.loads(p.read_text())["message"]) for p in files)
    assert bodies == list(range(100))
    names = {p.name for p in files}
    assert "2025-11-15_20-00-00-coordinator.json" in names
    assert "2025-11-15_20-00-00-coordinator-100.json" in names


@pytest.mark.parametrize(
    "recipient",
    ["../escape", "a/b", "..", "x\\y", "bad\x1bid", "", "-flag", "tab\there", "dot..dot"],
)
def test_unsafe_recipient_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], recipient: str
) -> None:
    code, out, err = send(
        capsys, str(tmp_path), f"--to={recipient}", "--subject", "s", "--message", "m"
    )
    assert code == 2
    assert out == ""
    assert err.startswith("coordinator-tui: ") and err.count("\n") == 1
    assert "\x1b" not in err
    assert every_file(tmp_path) == []


def test_unsafe_sender_and_empty_subject_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = send(
        capsys,
        str(tmp_path),
        "--to",
        "broadcast",
        "--subject",
        "s",
        "--message",
        "m",
        "--from",
        "../me",
    )
    assert code == 2 and "from" in err
    code, _, err = send(
        capsys, str(tmp_path), "--to", "broadcast", "--subject", "  ", "--message", "m"
    )
    assert code == 2 and "subject" in err
    assert every_file(tmp_path) == []


def test_missing_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = send(
        capsys, str(tmp_path / "nope"), "--to", "broadcast", "--subject", "s", "--message", "m"
    )
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("failure", [errno.ENOSPC, errno.EACCES])
def test_disk_refusing_the_write_is_exit_1_and_leaves_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: int,
) -> None:
    def refuse(fd: int) -> None:
        raise OSError(failure, os.strerror(failure))

    monkeypatch.setattr(fsio.os, "fsync", refuse)  # after the bytes went to the temp file
    code, out, err = send(
        capsys, str(tmp_path), "--to", "broadcast", "--subject", "s", "--message", "x" * 10000
    )
    assert code == 1
    assert out == ""
    assert err.startswith("coordinator-tui: could not write the message") and err.count("\n") == 1
    assert os.strerror(failure) in err
    assert every_file(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "messages" / "broadcast"
    folder.mkdir(parents=True)
    folder.chmod(0o555)
    try:
        code, _, err = send(
            capsys, str(tmp_path), "--to", "broadcast", "--subject", "s", "--message", "m"
        )
    finally:
        folder.chmod(0o755)
    assert code == 1 and "Permission denied" in err
    assert every_file(tmp_path) == []
