"""Files opened in their scan's verified folders (``fsio.Folders``): the same answers as
a check per file, one check per folder instead of one per file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coordinator_tui.files.fsio import OUTSIDE_LINK, Folders, read_bytes
from coordinator_tui.store import Store
from tests.collective import ago, session, write_json

SECRET = "OUTSIDE-SECRET-WORK"


def _root(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "coordination"
    session(root, "session-a", "inside work", ago(minutes=1))
    write_json(tmp_path / "elsewhere" / "session-out.json", {"current_work": SECRET})
    return root, os.path.realpath(root)


def test_a_file_in_a_verified_folder_reads_as_without_folders(tmp_path: Path) -> None:
    root, within = _root(tmp_path)
    path = str(root / "sessions" / "session-a.json")
    with Folders(within) as folders:
        assert read_bytes(path, 1 << 20, within, folders) == read_bytes(path, 1 << 20, within)
        missing = read_bytes(str(root / "sessions" / "gone.json"), 1 << 20, within, folders)
    assert missing[:2] == (None, "No such file or directory")


def test_links_as_files_still_follow_the_link_rules(tmp_path: Path) -> None:
    root, within = _root(tmp_path)
    (root / "sessions" / "out.json").symlink_to(tmp_path / "elsewhere" / "session-out.json")
    (root / "sessions" / "in.json").symlink_to(root / "sessions" / "session-a.json")
    with Folders(within) as folders:
        out = read_bytes(str(root / "sessions" / "out.json"), 1 << 20, within, folders)
        inside = read_bytes(str(root / "sessions" / "in.json"), 1 << 20, within, folders)
    assert out[:2] == (None, OUTSIDE_LINK)
    assert inside[0] is not None and b"inside work" in inside[0]


def test_a_folder_linked_out_is_refused_with_or_without_folders(tmp_path: Path) -> None:
    root, within = _root(tmp_path)
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    path = str(root / "linked" / "session-out.json")
    with Folders(within) as folders:
        data, reason, _, _ = read_bytes(path, 1 << 20, within, folders)
    assert data is None
    assert reason == read_bytes(path, 1 << 20, within)[1]
    assert reason is not None and "outside the coordination directory" in reason


def test_a_folder_swapped_for_a_link_out_after_it_was_verified_is_not_followed(
    tmp_path: Path,
) -> None:
    """The descriptor held names the folder that was verified, whatever its path names
    later: the swapped-in link's target is never read."""
    root, within = _root(tmp_path)
    sessions = root / "sessions"
    with Folders(within) as folders:
        read_bytes(str(sessions / "session-a.json"), 1 << 20, within, folders)
        sessions.rename(root / "sessions-before")
        sessions.symlink_to(tmp_path / "elsewhere")
        data, reason, _, _ = read_bytes(
            str(sessions / "session-out.json"), 1 << 20, within, folders
        )
    assert data is None and reason == "No such file or directory"


def test_a_scan_checks_each_folder_once_not_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = _root(tmp_path)
    for number in range(60):
        session(root, f"session-{number:03d}", f"work {number}", ago(minutes=1))
    calls: list[str] = []
    real = os.readlink

    def counting(path: str, *args: object, **kwargs: object) -> str:
        calls.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "readlink", counting)
    store = Store(root)
    store.scan()
    assert len(store.snapshot().sessions) == 61
    assert 1 <= len(calls) <= 3  # the sessions folder (and the root's own folders)
