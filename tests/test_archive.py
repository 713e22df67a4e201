"""``archive``: old history into a tar, nothing lost, crash-safe, searchable."""

from __future__ import annotations

import json
import os
import tarfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.cli import main
from coordinator_tui.history import archive
from tests.history_kit import END, build_history, files_with_bytes

NOW = ["--now", END.strftime("%Y-%m-%dT%H:%M:%SZ")]
WEEK_S = 7 * 86400


def _status(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["status", str(root), "--json", *NOW]) == 0
    return json.loads(capsys.readouterr().out)


def _archived(root: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    for tar_path in archive.archives(root):
        with tarfile.open(tar_path) as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member)
                assert handle is not None and member.name not in members
                members[member.name] = handle.read()
    return members


def test_nothing_lost_and_status_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_history(tmp_path / "c", beats=30, broadcasts=250, directs=12)
    before_files = files_with_bytes(root)
    before = _status(root, capsys)
    assert main(["archive", str(root), "--older-than", "7d", "--dry-run", *NOW]) == 0
    assert "would be archived" in capsys.readouterr().out
    assert files_with_bytes(root) == before_files  # a dry run moves nothing
    assert main(["archive", str(root), "--older-than", "7d", *NOW]) == 0
    out = capsys.readouterr().out
    assert "broadcasts: 250 before = 168 kept + 82 archived" in out
    assert "direct messages: 12 before = 7 kept + 5 archived" in out
    kept, archived = files_with_bytes(root), _archived(root)
    assert not set(kept) & set(archived)
    assert {**kept, **archived} == before_files  # same paths, same bytes
    after = _status(root, capsys)
    for key in ("counts", "sessions", "duplicates", "claims", "priorities", "milestones"):
        assert after[key] == before[key], key
    assert after["messages"]["latest"] == before["messages"]["latest"]
    assert after["messages"]["broadcast"] == 168
    # A second run finds nothing more to archive: no second archive.
    assert main(["archive", str(root), "--older-than", "7d", *NOW]) == 0
    assert "nothing to archive" in capsys.readouterr().out
    assert len(archive.archives(root)) == 1


def test_every_session_keeps_its_newest_beat(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c", beats=5, broadcasts=0, directs=0)
    result = archive.archive_history(root, 60.0, (END + timedelta(days=30)).timestamp())
    assert result.archived["heartbeat"] == 3 * 4 and result.kept["heartbeat"] == 3


def test_a_crash_after_the_tar_leaves_duplicates_and_the_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_history(tmp_path / "c")
    before_files = files_with_bytes(root)

    def crash(*_: Any) -> int:
        raise KeyboardInterrupt  # the process dies before deleting anything

    with monkeypatch.context() as patch:
        patch.setattr(archive, "_delete_originals", crash)
        with pytest.raises(KeyboardInterrupt):
            archive.archive_history(root, WEEK_S, END.timestamp())
    assert files_with_bytes(root) == before_files  # nothing deleted
    archived = _archived(root)
    assert archived and all(before_files[path] == data for path, data in archived.items())
    result = archive.archive_history(root, WEEK_S, END.timestamp())
    assert result.finished == len(archived) and result.archive is None
    assert sum(result.archived.values()) == 0  # not archived twice
    assert {**files_with_bytes(root), **_archived(root)} == before_files
    assert len(archive.archives(root)) == 1


def test_a_crash_between_the_renames_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_history(tmp_path / "c")
    before_files = files_with_bytes(root)
    real_rename = os.rename

    def rename(source: Any, target: Any) -> None:
        if str(target).endswith(".tar.gz"):
            raise OSError("disk gone")
        real_rename(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(archive.os, "rename", rename)
        with pytest.raises(OSError, match="disk gone"):
            archive.archive_history(root, WEEK_S, END.timestamp())
    folder = root / ".coordinator" / "archive"
    assert files_with_bytes(root) == before_files
    assert [name for name in os.listdir(folder) if name.endswith(".part")] == []
    result = archive.archive_history(root, WEEK_S, END.timestamp())
    assert result.finished == 0 and sum(result.archived.values()) > 0
    assert {**files_with_bytes(root), **_archived(root)} == before_files
    assert len([n for n in os.listdir(folder) if n.endswith(".list")]) == 1


def test_list_finds_archived_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_history(tmp_path / "c")
    assert main(["archive", str(root), "--older-than", "7d", *NOW]) == 0
    capsys.readouterr()
    assert main(["archive", str(root), "--list", "note 200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    name, path, text = lines[0].split("\t")
    assert name.startswith("history-") and path.startswith("messages/broadcast/")
    assert '"subject": "note 200"' in text
    assert main(["archive", str(root), "--list", "no such words"]) == 1


def test_a_link_in_place_of_the_archive_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_history(tmp_path / "c", beats=3, broadcasts=3, directs=0)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".coordinator").mkdir()
    (root / ".coordinator" / "archive").symlink_to(elsewhere)
    assert main(["archive", str(root), "--older-than", "1s", *NOW]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert os.listdir(elsewhere) == []


def test_bad_age_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["archive", str(tmp_path), "--older-than", "soon"]) == 2
    assert "not a duration" in capsys.readouterr().err


def test_run_archives_on_its_schedule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_history(tmp_path / "c")
    before_files = files_with_bytes(root)
    arguments = ["run", str(root), "--cycles", "1", "--report-every", "0", *NOW]
    assert main([*arguments, "--archive-older-than", "7d"]) == 0
    assert "Archived 87 history files (history-20251215-120000.tar.gz)" in capsys.readouterr().out
    assert {**files_with_bytes(root), **_archived(root)} == before_files
    assert len(archive.archives(root)) == 1
