"""A first one-shot run lists each big history folder in a forked child and takes back
only its summary: the same document as listing it here, and nothing lost when the child
fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui import prefetch
from coordinator_tui.files.records import FileError
from coordinator_tui.history import elsewhere
from coordinator_tui.history import index as history_index
from tests.test_history_index import _listings, _status, big  # noqa: F401  (fixture)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every big folder goes to a child, whatever its size; the folders sent are recorded."""
    sent: list[str] = []
    real = elsewhere.fork_call
    monkeypatch.setattr(elsewhere, "FORK_FROM_BYTES", 0)

    def recording(function: Any, root: str, folder: str, *args: Any) -> Any:
        sent.append(folder)
        return real(function, root, folder, *args)

    monkeypatch.setattr(elsewhere, "fork_call", recording)
    return sent


def _here(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(prefetch, "can_fork", lambda: False)
        patch.setattr(elsewhere, "can_fork", lambda: False)
        return _status(root, capsys)


@pytest.fixture
def expected(
    big: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """The document of a copy of ``big`` read without children (a first run too)."""
    copy = tmp_path / "copy"
    shutil.copytree(big, copy)
    return _here(copy, capsys, monkeypatch)


def test_a_first_run_summarised_by_children_equals_one_listed_here(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = _listings(monkeypatch)
    assert _status(big, capsys) == expected
    # Forked once each, before the analysis modules loaded, and taken by the store.
    assert sorted(forking) == ["heartbeats", "messages/broadcast"]
    assert not elsewhere._EARLY
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast"))]  # not here
    # The index the children's summaries made answers the second run as before: no
    # child is forked for a folder the index answers for.
    assert (big / history_index.INDEX_FILE).is_file()
    listed.clear()
    forking.clear()
    assert _status(big, capsys) == expected
    assert forking == []
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast"))]


def test_a_child_that_fails_loses_nothing(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(elsewhere, "summarise", lambda *args: os._exit(3))
    listed = _listings(monkeypatch)
    assert _status(big, capsys) == expected
    assert forking  # children were started, and failed
    assert [p for p in listed if p.endswith("heartbeats")]  # so the parent listed it


def test_what_a_child_sends_back_is_taken_only_when_whole() -> None:
    def sent(value: object) -> object:
        child = prefetch.fork_call(lambda: value)
        assert child is not None
        return elsewhere.collect(child, "heartbeats")

    whole = history_index.FolderSummary(5, 2, ("a.json", "b.json"))
    assert sent(whole) == whole
    assert sent(history_index.FolderSummary(5, 2, ("a.json", 3))) is None  # type: ignore[arg-type]
    assert sent(history_index.FolderSummary(5, "2", ())) is None  # type: ignore[arg-type]
    assert sent({"heartbeats": whole}) is None
    error = FileError(path="heartbeats", reason="Permission denied")
    assert sent(error) == error
    assert sent(FileError(path="sessions", reason="x")) is None


@pytest.mark.parametrize(
    "extra", [".2025-11-15_19-30-31-session-a.json", "notes.json", "20251115T193031Z-s.json"]
)
def test_a_heartbeat_folder_with_a_name_of_another_shape_summarises_the_same(
    big: Path,  # noqa: F811
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: str,
) -> None:
    """The child summarises a listing of the usual names straight from the listing, and
    any other listing as the window does: the document is the same either way."""
    (big / "heartbeats" / extra).write_text('{"session_id": "session-a"}')
    copy = tmp_path / "copy"
    shutil.copytree(big, copy)
    quick = elsewhere.summarise(str(big), "heartbeats", 20, 200)
    assert isinstance(quick, history_index.FolderSummary)
    assert (extra in quick.names) == (not extra.startswith("."))
    assert quick.count == len(os.listdir(big / "heartbeats")) - extra.startswith(".")
    assert _status(big, capsys) == _here(copy, capsys, monkeypatch)
