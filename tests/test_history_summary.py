"""A one-shot command keeps of each big history folder only its summary (count and window),
made from the listing alone when the names have the usual shape: the same document as a
store that keeps every name, and the same summary either way it is made."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.analysis import analyse
from coordinator_tui.history import index as history_index
from coordinator_tui.history import window as history_window
from coordinator_tui.history.window import summarise
from coordinator_tui.render.status_json import status_document
from coordinator_tui.store import Store
from tests.history_kit import END
from tests.test_history_index import _listings, _status, big  # noqa: F401  (fixture)


def _kept_whole(root: Path, now: str) -> dict[str, Any]:
    """The document of a store that keeps every name (the dashboard's and ``run``'s)."""
    store = Store(root)
    store.scan()
    assert len(store.history.folders["heartbeats"]) >= 90  # every name
    document = dict(status_document(analyse(store.snapshot(), END)))
    document.pop("root")
    return document | {"now": now}


def test_a_first_run_summarised_equals_one_that_keeps_every_name(
    big: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(big, copy)
    listed = _listings(monkeypatch)
    first = _status(big, capsys)
    assert [p for p in listed if p.endswith("heartbeats")] == [str(big / "heartbeats")]  # once
    assert first == _kept_whole(copy, first["now"])
    assert (big / history_index.INDEX_FILE).is_file()  # the summaries made the index
    listed.clear()
    assert _status(big, capsys) == first  # the second run reads the index
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast"))]


@pytest.mark.parametrize("folder", ["heartbeats", "messages/broadcast"])
@pytest.mark.parametrize(
    "extra",
    [
        None,
        ".2025-11-15_19-30-31-session-a.json",
        "notes.json",
        "20251115T193031Z-s.json",
        "2025-11-15_19:30:31-session-a.json",
        "2025-11-15_19-30-31-session-a.json.tmp",
    ],
)
def test_a_summary_from_the_listing_alone_is_the_windows_summary(
    big: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    folder: str,
    extra: str | None,
) -> None:
    """Straight from the names when they all have the usual shape, through the window
    otherwise: either way what the window itself makes of the folder."""
    if extra is not None:
        (big / folder / extra).write_text('{"session_id": "session-a"}')
    quick = summarise(str(big), folder, 5, 40)
    with monkeypatch.context() as patch:
        patch.setattr(history_window, "_summary_of_names", lambda *args: None)
        slow = summarise(str(big), folder, 5, 40)
    assert isinstance(quick, history_index.FolderSummary)
    assert quick == slow
    assert 0 < len(quick.names) < quick.count  # a window, not every name
    from_listing = history_window._summary_of_names(str(big), folder, 5, 40)
    assert (from_listing is not None) == (extra is None)  # both roads were taken


@pytest.mark.parametrize(
    "extra", [".2025-11-15_19-30-31-session-a.json", "notes.json", "20251115T193031Z-s.json"]
)
def test_a_heartbeat_folder_with_a_name_of_another_shape_gives_the_same_document(
    big: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    extra: str,
) -> None:
    (big / "heartbeats" / extra).write_text('{"session_id": "session-a"}')
    copy = tmp_path / "copy"
    shutil.copytree(big, copy)
    quick = summarise(str(big), "heartbeats", 20, 200)
    assert isinstance(quick, history_index.FolderSummary)
    assert (extra in quick.names) == (not extra.startswith("."))
    assert quick.count == len(os.listdir(big / "heartbeats")) - extra.startswith(".")
    first = _status(big, capsys)
    assert first == _kept_whole(copy, first["now"])


def test_a_folder_that_cannot_be_listed_is_said_so(
    big: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = os.listdir

    def listdir(path: Any = ".") -> Any:
        if str(path).endswith("heartbeats"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    found = summarise(str(big), "heartbeats", 20, 200)
    assert not isinstance(found, history_index.FolderSummary) and found is not None
    assert (found.path, found.reason) == ("heartbeats", "folder not listed: Permission denied")
