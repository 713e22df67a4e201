"""``archive``: old history into a tar, nothing lost, crash-safe, searchable."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.cli import main
from coordinator_tui.history import archive
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.history.window import HistoryWindow
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


def test_a_crash_before_the_tar_is_in_place_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list is created first, then the tar: a failure in between leaves a list whose
    tar is missing, which the next run removes before archiving again."""
    root = build_history(tmp_path / "c")
    before_files = files_with_bytes(root)
    real_create = archive.fsio.create_at

    def create_at(folder: int, name: str, *args: Any, **kwargs: Any) -> str:
        if name.endswith(".tar.gz"):
            raise OSError("disk gone")
        return real_create(folder, name, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(archive.fsio, "create_at", create_at)
        with pytest.raises(OSError, match="disk gone"):
            archive.archive_history(root, WEEK_S, END.timestamp())
    folder = root / ".coordinator" / "archive"
    assert files_with_bytes(root) == before_files
    assert [name for name in os.listdir(folder) if name.endswith(".part")] == []
    assert [name for name in os.listdir(folder) if name.endswith(".list")] != []
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
    assert "it is a symbolic link" in capsys.readouterr().err
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


# --- a resume list is untrusted (issue 26): only what its own archive holds goes ----------


def _forge_resume(root: Path, entries: list[str], held: dict[str, bytes]) -> None:
    """A ``.list`` (and a tar holding ``held``) as anyone who can write the directory could
    leave them: unfinished (no ``.done``), naming ``entries`` with their real size and time."""
    folder = root / ".coordinator" / "archive"
    folder.mkdir(parents=True, exist_ok=True)
    tar_path = folder / "history-20000101-000000.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        for name, data in held.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(os.stat(root / name).st_mtime) if (root / name).exists() else 0
            tar.addfile(info, io.BytesIO(data))
    lines = []
    for relative in entries:
        info = os.stat(root / relative)
        lines.append(f"{relative}\t{info.st_size}\t{info.st_mtime!r}\n")
    (folder / f"{tar_path.name}.list").write_text("".join(lines))


def test_a_resume_list_naming_live_files_deletes_nothing(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c", beats=3, broadcasts=3, directs=0)
    (root / "priorities.txt").write_text("1. ship\n")
    (root / "sessions" / "MILESTONES").mkdir()
    (root / "sessions" / "MILESTONES" / "m.json").write_text('{"title": "m"}')
    beats = sorted(str(p.relative_to(root)) for p in (root / "heartbeats").iterdir())
    newest_a = max(beat for beat in beats if beat.endswith("-session-a.json"))
    live = ["sessions/session-a.json", "priorities.txt", "sessions/MILESTONES/m.json", newest_a]
    never_archived = [beat for beat in beats if beat != newest_a][:2]
    # The forged tar even holds exact copies of the live files and of session-a's newest
    # beat (its liveness): none of them is what archiving may take.
    _forge_resume(root, live + never_archived, {name: (root / name).read_bytes() for name in live})
    before = files_with_bytes(root)
    result = archive.archive_history(root, 10 * 365 * 86400.0, END.timestamp())
    assert result.finished == 0
    assert files_with_bytes(root) == before


def test_a_resume_list_through_a_folder_link_deletes_nothing_outside(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c", beats=3, broadcasts=3, directs=0)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "2025-01-01_00-00-00-session-x.json"
    victim.write_text('{"precious": true}')
    (root / "messages" / "direct").mkdir(parents=True)
    (root / "messages" / "direct" / "evil").symlink_to(outside)
    relative = f"messages/direct/evil/{victim.name}"
    _forge_resume(root, [relative], {relative: victim.read_bytes()})
    with pytest.raises(archive.ArchiveError, match="outside the coordination directory"):
        archive.archive_history(root, 10 * 365 * 86400.0, END.timestamp())  # the listing
    assert victim.read_text() == '{"precious": true}'


def test_a_resume_list_deletes_only_what_its_archive_holds_unchanged(tmp_path: Path) -> None:
    """The honest case still finishes: files the tar holds byte for byte, with the size and
    time the list says, go; one it holds with other bytes, and one it lacks, stay."""
    root = build_history(tmp_path / "c", beats=4, broadcasts=0, directs=0)
    beats = sorted(str(p.relative_to(root)) for p in (root / "heartbeats").iterdir())
    held = {name: (root / name).read_bytes() for name in beats[:3]}
    held[beats[2]] = held[beats[2]] + b" "  # same name, other bytes
    _forge_resume(root, beats[:4], held)
    result = archive.archive_history(root, 10 * 365 * 86400.0, END.timestamp())
    assert result.finished == 2
    assert sorted(p for p in beats if (root / p).exists()) == beats[2:]


def test_a_fifo_or_a_link_in_place_of_an_archive_is_an_error_not_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_history(tmp_path / "c", beats=3, broadcasts=3, directs=0)
    folder = root / ".coordinator" / "archive"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "history-20000101-000000.tar.gz")
    secret = tmp_path / "secret.tar.gz"
    with tarfile.open(secret, "w:gz") as tar:
        info = tarfile.TarInfo("heartbeats/2000-01-01_00-00-00-session-a.json")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"SECRET"))
    (folder / "history-20000102-000000.tar.gz").symlink_to(secret)
    (folder / "history-20000103-000000.tar.gz").write_bytes(b"\x1f\x8b not a tar at all")
    done = subprocess.run(
        [sys.executable, "-m", "coordinator_tui", "archive", str(root), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert done.returncode == 1, done.stderr
    assert "SECRET" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    assert len(errors) == 4, errors  # one line an archive, then "nothing archived"
    assert "history-20000101-000000.tar.gz" in errors[0] and "FIFO" in errors[0]
    assert "history-20000102-000000.tar.gz" in errors[1] and "link" in errors[1]
    assert "history-20000103-000000.tar.gz" in errors[2]
    pages = HistoryPages(root, HistoryWindow(), 1 << 20)
    found: list[list[Any]] = []
    reader = threading.Thread(target=lambda: found.append(pages.archived("session-a")), daemon=True)
    reader.start()
    reader.join(30)
    assert not reader.is_alive(), "the timeline hangs on a FIFO archive"
    (entries,) = found
    assert entries and all(entry.error and entry.archive for entry in entries)
    assert "SECRET" not in repr(entries)
