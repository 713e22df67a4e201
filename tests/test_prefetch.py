"""Reading on two cores (``prefetch``): a forked child reads part of a scan, and whatever
happens to the child, the store ends up exactly as a scan on one core leaves it."""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui import prefetch
from coordinator_tui import store as store_module
from coordinator_tui.files.layout import classify
from coordinator_tui.files.load import Loaded
from coordinator_tui.files.records import FileKind
from coordinator_tui.store import Store
from tests.collective import ago, build_collective, session, write_json, write_text


def _state(store: Store) -> dict[str, Any]:
    """Everything a scan decides, in a form two stores can be compared by."""
    return {
        "records": {kind: dict(records) for kind, records in store.records.items()},
        "failures": {path: failure.error for path, failure in store.failures.items()},
        "warnings": dict(store.warnings),
        "signatures": dict(store._signatures),
        "priorities": store.priorities,
        "work_since": dict(store.work_since),
    }


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """The sample collective (broken, recovered and odd files among them) and 60 more
    sessions, two of them not JSON."""
    root = build_collective(tmp_path / "coordination")
    for index in range(60):
        session(root, f"session-x{index:02d}", f"work {index % 7}", ago(minutes=index))
    write_text(root / "sessions" / "session-bad1.json", '{"session_id": "session-bad1", ')
    write_text(root / "sessions" / "session-bad2.json", "not json at all")
    return root


def _serial(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(prefetch, "FORK_MIN_FILES", 10**9)
        store = Store(root)
        store.scan()
    return _state(store)


def _forking(monkeypatch: pytest.MonkeyPatch) -> list[prefetch.Prefetch]:
    """Fork from 2 files on, and keep every child started."""
    started: list[prefetch.Prefetch] = []
    fork = prefetch._fork

    def keep(*args: Any) -> prefetch.Prefetch | None:
        child = fork(*args)
        if child is not None:
            started.append(child)
        return child

    monkeypatch.setattr(prefetch, "FORK_MIN_FILES", 2)
    monkeypatch.setattr(prefetch, "FRAME_FILES", 3)  # many frames, handed over one by one
    monkeypatch.setattr(prefetch, "_fork", keep)
    # Idle threads left by earlier tests (executors) would veto the fork; the child here
    # touches no lock they could hold. The veto itself has its own test below.
    monkeypatch.setattr(prefetch, "can_fork", lambda: True)
    return started


def _scan_sharing(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Store, prefetch.Prefetch, dict[str, Loaded], list[str]]:
    """A first scan of ``root`` shared with the read-ahead child: (store, child, what the
    child handed over, the paths of the child's list the parent read itself)."""
    started = _forking(monkeypatch)
    here: list[str] = []
    load = store_module.load
    monkeypatch.setattr(
        store_module, "load", lambda root, path, *rest: here.append(path) or load(root, path, *rest)
    )
    assert prefetch.fork_first_scan(root, 1 << 20) is not None
    store = Store(root)
    store.scan()
    assert len(started) == 1
    child = started[0]
    return store, child, child.take(), [path for path in here if path in child.paths]


def test_a_scan_shared_with_a_child_equals_one_on_one_core(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _serial(big, monkeypatch)
    store, child, handed, here = _scan_sharing(big, monkeypatch)
    history = {p for p in expected["signatures"] if p.startswith(("heartbeats/", "messages/"))}
    assert child.paths == set(expected["signatures"]) - history  # every file but history
    assert set(handed) | set(here) == child.paths  # and between them every file was read
    assert len(set(handed) & set(here)) <= 1  # at most the one where they met, twice
    assert "sessions/session-bad1.json" in store.failures or "sessions/session-bad2.json" in (
        store.failures
    )
    assert _state(store) == expected


def test_the_parent_reads_from_the_end_until_it_meets_the_child(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow child (each file takes 20 ms) reads the first files in order; the parent
    takes the last ones back to where the child got, and the store is as on one core."""
    expected = _serial(big, monkeypatch)
    slow = prefetch.load
    monkeypatch.setattr(prefetch, "load", lambda *args: time.sleep(0.02) or slow(*args))
    store, child, handed, here = _scan_sharing(big, monkeypatch)
    order = [path for path, _ in child._items]
    assert handed and here
    assert set(handed) == set(order[: len(handed)])  # the child: a run from the first
    assert set(here) == set(order[len(order) - len(here) :])  # the parent: from the last
    assert len(handed) + len(here) - len(order) in (0, 1)  # met; one file at most twice
    assert len(here) > len(handed)  # the faster reader read more
    assert _state(store) == expected


def test_the_child_stops_at_the_first_file_the_parent_claimed(tmp_path: Path) -> None:
    """The progress point itself: a claim made before the child starts leaves the child
    only the files before it, and ``steal`` yields nothing the child has read."""
    place = classify("sessions/session-x.json")
    assert place is not None
    items = [(f"sessions/session-f{i}.json", place) for i in range(10)]
    progress = prefetch.SharedProgress(len(items))
    assert (progress.limit(), progress.read()) == (10, 0)
    progress.claim(4)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        prefetch._load_in_frames(str(tmp_path), items, 1024, str(tmp_path), write_end, progress)
        os._exit(0)
    os.close(write_end)
    child = prefetch.Prefetch(pid, read_end, frozenset(p for p, _ in items), items, progress)
    assert sorted(child.take()) == [f"sessions/session-f{i}.json" for i in range(4)]
    assert progress.read() == 4
    assert [path for path, _ in child.steal()] == [
        f"sessions/session-f{i}.json" for i in (9, 8, 7, 6, 5, 4)
    ]


@pytest.mark.parametrize("failure", ["exits", "garbage", "killed"])
def test_a_child_that_fails_loses_nothing(
    big: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    expected = _serial(big, monkeypatch)
    started = _forking(monkeypatch)
    if failure == "exits":
        monkeypatch.setattr(prefetch, "load", lambda *args: os._exit(3))
    elif failure == "garbage":
        monkeypatch.setattr(prefetch.pickle, "dumps", lambda *args, **kw: b"\x80\x05garbage")
    else:
        monkeypatch.setattr(prefetch, "load", lambda *args: os.kill(os.getpid(), 9))
    prefetch.fork_first_scan(big, 1 << 20)
    store = Store(big)
    store.scan()
    assert len(started) == 1 and started[0].take() == {}  # nothing came: read here
    assert _state(store) == expected


def test_no_fork_while_other_threads_run(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[object, ...]] = []
    monkeypatch.setattr(prefetch, "FORK_MIN_FILES", 2)
    monkeypatch.setattr(prefetch, "_fork", lambda *args: started.append(args))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not prefetch.can_fork()
        assert prefetch.fork_first_scan(big, 1 << 20) is None
        Store(big).scan()
    finally:
        stop.set()
        thread.join()
    assert started == []


def test_the_first_scan_read_ahead_is_claimed_once_and_new_files_are_read(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _forking(monkeypatch)
    child = prefetch.fork_first_scan(big, 1 << 20)
    assert child is not None and started == [child]
    assert "sessions/session-x00.json" in child.paths
    # Written after the child listed the directory: the store must read it itself.
    session(big, "session-late", "late work", ago(minutes=1))
    write_json(big / "sessions" / "session-x01.json", {"session_id": "session-x01"})
    store = Store(big)
    assert store.prefetch is child
    assert Store(big).prefetch is None  # claimed once
    store.scan()
    sessions = store.records[FileKind.SESSION]
    assert "sessions/session-late.json" in sessions
    assert child.take()  # the child handed its results over
    store.scan()  # as the watcher's catch-up rescan does: the rewrite is read
    assert store.records[FileKind.SESSION]["sessions/session-x01.json"].current_work is None
    assert _state(store) == _serial(big, monkeypatch)


def _handed_over(*frames: bytes, cut: int = 0) -> dict[str, Loaded]:
    """What ``take`` keeps of a child that sends ``frames`` (the last ``cut`` bytes of
    the stream missing: a child killed mid-write)."""
    stream = b"".join(prefetch._HEADER.pack(len(frame)) + frame for frame in frames)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        prefetch.write_all(write_end, stream[: len(stream) - cut])
        os._exit(0)
    os.close(write_end)
    return dict(prefetch.Prefetch(pid, read_end, frozenset()).take())


def test_only_whole_loaded_files_in_whole_frames_are_taken() -> None:
    whole = Loaded(1.0, 2, record={"x": 1})
    other = Loaded(3.0, 4, record={"y": 2})
    assert _handed_over(pickle.dumps([("a", "not a Loaded"), "junk", (1, 2, 3)])) == {}
    assert _handed_over(pickle.dumps({"a": whole})) == {}
    assert _handed_over(pickle.dumps([("a", whole), ("b", "no")])) == {"a": whole}
    # Frames before a broken one are kept; nothing after it is trusted.
    frames = (pickle.dumps([("a", whole)]), b"garbage", pickle.dumps([("b", other)]))
    assert _handed_over(*frames) == {"a": whole}
    # A frame cut short never arrives whole: only the frames before it count.
    assert _handed_over(pickle.dumps([("a", whole)]), pickle.dumps([("b", other)]), cut=3) == {
        "a": whole
    }
    assert _handed_over(pickle.dumps([("a", whole)]), pickle.dumps([("b", other)])) == {
        "a": whole,
        "b": other,
    }


def test_frames_are_taken_as_they_come_while_the_child_reads_on() -> None:
    """The first frame is taken (``absorb``) while the child still holds back the
    second: the parent never waits for the whole read, the child never for the parent."""
    first = Loaded(1.0, 2, record={"x": 1})
    second = Loaded(3.0, 4, record={"y": 2})
    go_read, go_write = os.pipe()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        for pairs in ([("a", first)], [("b", second)]):
            frame = pickle.dumps(pairs)
            prefetch.write_all(write_end, prefetch._HEADER.pack(len(frame)) + frame)
            os.read(go_read, 1)  # hold on until the parent says so
        os._exit(0)
    os.close(write_end)
    child = prefetch.Prefetch(pid, read_end, frozenset({"a", "b"}))
    deadline = time.monotonic() + 10
    while "a" not in child._taken and time.monotonic() < deadline:
        child.absorb()
        time.sleep(0.01)
    assert child._taken == {"a": first}  # the second is not sent yet
    os.write(go_write, b"xx")
    assert child.take() == {"a": first, "b": second}
