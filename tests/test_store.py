"""The store: full scan, incremental apply, and keeping the last good record."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.analysis import analyse
from coordinator_tui.files import layout
from coordinator_tui.files.layout import classify
from coordinator_tui.files.records import FileKind
from coordinator_tui.store import Store
from tests.collective import NOW, ago, session, write_json


def test_classify_places() -> None:
    assert classify("sessions/session-1.json").kind is FileKind.SESSION
    assert classify("sessions/REGISTRY.json").kind is FileKind.REGISTRY
    assert classify("sessions/MILESTONES/a.md").kind is FileKind.MILESTONE
    assert classify("sessions/HEARTBEATS/session-3.json").kind is FileKind.HEARTBEAT
    assert classify("heartbeats/2025-11-15_11-58-41-s.json").kind is FileKind.HEARTBEAT
    direct = classify("messages/direct/session-9/2025-11-15_11-58-41-s.json")
    assert direct.kind is FileKind.MESSAGE and direct.direct_to == "session-9"
    assert classify("claims/droplet-x.claim").kind is FileKind.CLAIM
    assert classify("priorities.txt").kind is FileKind.PRIORITIES
    assert classify("sessions/.tmp-abc.part") is None
    assert classify("SPRINT_REPORT_2025-11-15.md") is None
    assert classify(".coordinator/history.jsonl") is None


def test_scan_reads_every_kind(collective: Path) -> None:
    store = Store(collective)
    change = store.scan()
    snapshot = store.snapshot()
    assert len(snapshot.sessions) == 12
    assert len(snapshot.milestones) == 6
    assert len(snapshot.messages) == 5
    assert len(snapshot.claims) == 3
    assert len(snapshot.heartbeats) == 2
    assert [p.name for p in snapshot.priorities] == [
        "consciousness_loop",
        "spec_generation",
        "orchestrator_restart",
        "deploy_docs",
    ]
    assert len(change.added) == 12 + 6 + 5 + 3 + 2 + 1
    assert sum(m.recovered for m in snapshot.messages) == 3


def test_rescan_skips_unchanged_files(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    assert not store.scan()


def test_apply_reports_added_updated_removed(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    new = session(collective, "session-2000", "fresh work", ago(minutes=1))
    change = store.apply([new])
    assert change.added == ["sessions/session-2000.json"] and not change.updated

    session(collective, "session-2000", "other work", ago(minutes=0))
    change = store.apply([new])
    assert change.updated == ["sessions/session-2000.json"]
    assert (
        store.records[FileKind.SESSION]["sessions/session-2000.json"].current_work == "other work"
    )

    new.unlink()
    change = store.apply([new])
    assert change.removed == ["sessions/session-2000.json"]
    assert "sessions/session-2000.json" not in store.records[FileKind.SESSION]


def test_relative_paths_are_accepted(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    session(collective, "session-1001", "renamed work", ago(minutes=0))
    change = store.apply(["sessions/session-1001.json"])
    assert change.updated == ["sessions/session-1001.json"]


def test_a_file_caught_mid_rewrite_keeps_its_last_good_record(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    path = collective / "sessions" / "session-1001.json"
    path.write_text('{\n  "session_id": "session-1001",\n  "curr')  # torn write
    change = store.apply([path])
    snapshot = store.snapshot()
    record = store.records[FileKind.SESSION]["sessions/session-1001.json"]
    assert record.current_work == "consciousness-loop-build"
    assert "sessions/session-1001.json" in snapshot.kept
    assert [e.path for e in change.new_errors] == ["sessions/session-1001.json"]
    # The writer finishes: the record is fresh and no longer marked.
    session(collective, "session-1001", "finished", ago(minutes=0))
    store.apply([path])
    assert "sessions/session-1001.json" not in store.snapshot().kept


def test_new_direct_folder_is_picked_up(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    folder = collective / "messages" / "direct" / "session-1002"
    write_json(
        folder / "2025-11-15_19-59-00-session-1001.json",
        {"from": "session-1001", "to": "session-1002", "subject": "hi", "message": "x"},
    )
    change = store.apply([folder])  # watchers may report only the new folder
    assert change.added == ["messages/direct/session-1002/2025-11-15_19-59-00-session-1001.json"]


def test_directory_deleted_and_recreated(collective: Path, tmp_path: Path) -> None:
    store = Store(collective)
    store.scan()
    backup = tmp_path / "backup"
    shutil.copytree(collective, backup)
    shutil.rmtree(collective)
    change = store.apply([collective])
    assert len(change.removed) == 29 and not store.snapshot().sessions
    assert not store.exists
    shutil.copytree(backup, collective)
    change = store.apply([collective.parent])  # the parent reports the new folder
    assert len(store.snapshot().sessions) == 12 and len(change.added) == 29


def test_non_regular_files_become_errors(collective: Path) -> None:
    os.mkfifo(collective / "sessions" / "session-fifo.json")
    (collective / "sessions" / "session-dir.json").mkdir()
    store = Store(collective)
    store.scan()
    reasons = {f.error.path: f.error.reason for f in store.snapshot().failures}
    assert reasons == {
        "sessions/session-fifo.json": "not a regular file (FIFO)",
        "sessions/session-dir.json": "not a regular file (directory)",
    }
    assert len(store.snapshot().sessions) == 12


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, refused: set[Path]) -> None:
    """``os.scandir`` and ``os.listdir`` fail with EACCES on the folders in ``refused``
    (running as root, chmod alone would not stop it; the real permission case is in
    test_write_faults)."""
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) in refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    real_listdir = os.listdir

    def listdir(path: Any = ".") -> Any:  # the history folders are listed by name only
        if Path(path) in refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_listdir(path)

    monkeypatch.setattr(layout.os, "scandir", scandir)
    monkeypatch.setattr(layout.os, "listdir", listdir)


def test_an_unreadable_folder_is_an_error_not_silence(
    collective: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(collective)
    store.scan()
    expected = [
        ("sessions", "folder not listed: Permission denied", "folder", "error"),
        ("messages/broadcast", "folder not listed: Permission denied", "folder", "error"),
    ]
    with monkeypatch.context() as patch:
        _refuse_listing(patch, {collective / "sessions", collective / "messages" / "broadcast"})
        change = store.scan()
        as_tuples = [(e.path, e.reason, e.kind, e.severity) for e in change.new_errors]
        assert as_tuples == expected
        snapshot = store.snapshot()
        assert snapshot.sessions == ()  # nothing shown from them
        assert [m.kind for m in snapshot.messages] == ["direct"]
        assert len(snapshot.milestones) == 6  # the folders that could be listed still are
        errors = analyse(snapshot, NOW).errors
        assert sorted((e.path, e.reason) for e in errors if e.kind == "folder") == sorted(
            (path, reason) for path, reason, _, _ in expected
        )
        assert not store.scan().new_errors  # said once, not at every scan
    change = store.scan()  # readable again: the errors go, the records come back
    assert change.new_errors == [] and len(change.added) == 12 + 4
    assert [f for f in store.snapshot().failures if f.error.kind == "folder"] == []


def test_an_unreadable_root_is_one_error(collective: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).is_relative_to(collective):  # as with a root chmod 000
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    real_listdir = os.listdir

    def listdir(path: Any = ".") -> Any:  # the history folders are listed by name only
        if Path(path).is_relative_to(collective):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_listdir(path)

    monkeypatch.setattr(layout.os, "scandir", scandir)
    monkeypatch.setattr(layout.os, "listdir", listdir)
    store = Store(collective)
    change = store.scan()
    assert [(e.path, e.kind) for e in change.new_errors] == [(".", "folder")]
    assert change.new_errors[0].reason == "folder not listed: Permission denied"


def test_an_event_on_an_unreadable_folder_reports_it(
    collective: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(collective)
    store.scan()
    with monkeypatch.context() as patch:
        _refuse_listing(patch, {collective / "messages" / "direct"})
        change = store.apply([collective / "messages"])
        assert [e.path for e in change.new_errors] == ["messages/direct"]
        assert [f.error.path for f in store.snapshot().failures] == ["messages/direct"]
    shutil.rmtree(collective / "messages" / "direct")
    store.apply([collective / "messages" / "direct"])  # the folder went: so did its error
    assert [f.error.path for f in store.snapshot().failures] == []


def test_a_file_where_a_folder_belongs_is_reported(collective: Path) -> None:
    shutil.rmtree(collective / "claims")
    (collective / "claims").write_text("not a folder")
    store = Store(collective)
    store.scan()
    reasons = {f.error.path: f.error.reason for f in store.snapshot().failures}
    assert reasons == {"claims": "folder not listed: Not a directory"}


def test_work_since_tracks_when_work_changed(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    key = "sessions/session-1005.json"
    first = store.work_since[key]
    assert first == ago(hours=3)  # placeholder since start: idle since started_at
    path = session(
        collective, "session-1005", "session initialization", ago(minutes=0), started=ago(hours=3)
    )
    store.apply([path])
    assert store.work_since[key] == first  # same work: unchanged
    session(collective, "session-1005", "real work", ago(minutes=0), started=ago(hours=3))
    store.apply([path])
    assert store.work_since[key] != first


def test_symlinks_are_followed_only_inside_the_directory(collective: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"session_id": "session-secret", "current_work": "private key"}')
    (collective / "sessions" / "session-outside.json").symlink_to(secret)
    (collective / "sessions" / "session-inside.json").symlink_to("session-1001.json")
    store = Store(collective)
    store.scan()
    reasons = {f.error.path: f.error.reason for f in store.snapshot().failures}
    outside = "symbolic link to a file outside the coordination directory"
    assert reasons == {"sessions/session-outside.json": outside}
    works = {s.path: s.current_work for s in store.snapshot().sessions}
    assert "private key" not in works.values()
    assert works["sessions/session-inside.json"] == "consciousness-loop-build"


def test_scan_pauses_the_collector_and_restores_it(collective: Path) -> None:
    import gc

    from coordinator_tui.gcpause import paused_gc

    assert gc.isenabled()
    Store(collective).scan()
    assert gc.isenabled()  # restored after the scan
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()


def test_overlapping_pauses_from_two_threads_keep_the_collector_off_until_the_last() -> None:
    """One thread's pause ends while another's runs: the collector stays off for the one
    still running, and is on again once both have ended."""
    import gc
    import threading

    from coordinator_tui.gcpause import paused_gc

    first_inside, second_inside, first_done = (threading.Event() for _ in range(3))
    seen: dict[str, bool] = {}

    def first() -> None:
        with paused_gc():
            first_inside.set()
            second_inside.wait(10)
        first_done.set()

    def second() -> None:
        first_inside.wait(10)
        with paused_gc():
            second_inside.set()
            first_done.wait(10)
            seen["during the second, after the first ended"] = gc.isenabled()

    assert gc.isenabled()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"during the second, after the first ended": False}
    assert gc.isenabled()


def test_many_threads_pausing_at_random_leave_the_collector_on() -> None:
    import gc
    import random
    import threading

    from coordinator_tui.gcpause import paused_gc

    errors: list[str] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(300):
            with paused_gc():
                if gc.isenabled():
                    errors.append("collector on inside a pause")
                if rng.random() < 0.5:
                    with paused_gc():  # nested in one thread, too
                        pass

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert gc.isenabled()


def test_survivors_are_frozen_only_for_a_big_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from coordinator_tui import gcpause

    calls: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(True))
    gcpause.freeze_survivors(gcpause.FREEZE_FROM_RECORDS - 1)
    assert calls == []
    gcpause.freeze_survivors(gcpause.FREEZE_FROM_RECORDS)
    assert calls == [True]
