"""A first one-shot run lists each big history folder in a forked child and takes back
only its summary: the same document as listing it here, and nothing lost when the child
fails."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui import prefetch
from coordinator_tui.files.records import FileError
from coordinator_tui.history import early, elsewhere
from coordinator_tui.history import index as history_index
from tests.test_history_index import NOW, _listings, _status, big  # noqa: F401  (fixture)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every big folder goes to a child, whatever its size; the folders sent are recorded."""
    sent: list[str] = []
    real = early.fork_summary
    monkeypatch.setattr(early, "FORK_FROM_BYTES", 0)
    monkeypatch.setattr(early, "spare_cores", lambda: 2)

    def recording(root: str, folder: str, *args: Any) -> Any:
        sent.append(folder)
        return real(root, folder, *args)

    monkeypatch.setattr(early, "fork_summary", recording)
    return sent


def _here(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(prefetch, "can_fork", lambda: False)
        patch.setattr(elsewhere, "can_fork", lambda: False)
        patch.setattr(early, "can_fork", lambda: False)
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
    assert not early.STARTED
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast"))]  # not here
    # The index the children's summaries made answers the second run as before: no
    # child is forked for a folder the index answers for.
    assert (big / history_index.INDEX_FILE).is_file()
    listed.clear()
    forking.clear()
    assert _status(big, capsys) == expected
    assert forking == []
    assert not [p for p in listed if p.endswith(("heartbeats", "broadcast"))]


def test_with_one_spare_core_the_biggest_folder_goes_to_a_child_and_the_other_is_summarised_here(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(early, "spare_cores", lambda: 1)
    listed = _listings(monkeypatch)
    sizes = {f: os.stat(big / f).st_size for f in ("heartbeats", "messages/broadcast")}
    biggest = max(sizes, key=lambda folder: (sizes[folder], folder))
    other = next(folder for folder in sizes if folder != biggest)
    assert _status(big, capsys) == expected
    assert forking == [biggest]
    assert not early.STARTED
    assert [p for p in listed if p.endswith(other)] == [str(big / other)]  # once, here
    assert not [p for p in listed if p.endswith(biggest)]


def test_a_child_that_fails_loses_nothing(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(early, "child_summary", lambda *args: os._exit(3))
    listed = _listings(monkeypatch)
    assert _status(big, capsys) == expected
    assert forking  # children were started, and failed
    assert [p for p in listed if p.endswith("heartbeats")]  # so the parent listed it


def test_what_a_child_sends_back_is_taken_only_when_whole() -> None:
    def sent(value: object) -> object:
        child = early.fork_call(lambda: value)
        assert child is not None
        return elsewhere.collect(prefetch.Forked(*child), "heartbeats")

    whole = history_index.FolderSummary(5, 2, ("a.json", "b.json"))
    assert sent(whole) == whole
    assert sent(history_index.FolderSummary(5, 2, ("a.json", 3))) is None  # type: ignore[arg-type]
    assert sent(history_index.FolderSummary(5, "2", ())) is None  # type: ignore[arg-type]
    assert sent({"heartbeats": whole}) is None
    assert sent((5, 2, ("a.json", "b.json"))) == whole  # a quick summary's tuple
    assert sent((5, 2, ("a.json", b"b.json"))) is None
    assert sent((5, 2)) is None
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


def test_run_as_the_program_the_children_start_before_the_parser_loads(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``__main__`` starts them from the command line as given; ``cli``'s own call then
    finds them started and forks no second child for a folder."""
    from coordinator_tui import cli
    from coordinator_tui.__main__ import entry

    started_before: list[list[str]] = []
    real = cli._list_history_early

    def recording(args: Any) -> None:
        started_before.append(sorted(folder for _, folder, _, _ in early.STARTED))
        real(args)

    monkeypatch.setattr(cli, "_list_history_early", recording)
    assert entry(["status", "--now", NOW[1], str(big), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    document.pop("root")
    assert document == expected
    assert started_before == [["heartbeats", "messages/broadcast"]]
    assert sorted(forking) == ["heartbeats", "messages/broadcast"]  # once each
    assert not early.STARTED  # the store took them


def _parsed_dir(command: str, tokens: list[str]) -> str | None:
    """What the command's own parser takes as DIR ("" for none), None when it refuses."""
    from coordinator_tui.cli import build_parser
    from coordinator_tui.commands.arguments import UsageError

    try:
        args = build_parser(command)[command].parse_args(tokens)
    except UsageError:
        return None
    given = args.dir if isinstance(args.dir, list) else [args.dir] if args.dir else []
    return given[0] if len(given) == 1 else None if given else ""


@pytest.mark.parametrize("command", ["status", "report"])
def test_the_early_reading_of_the_command_line_knows_every_option(command: str) -> None:
    from coordinator_tui.cli import build_parser

    parser = build_parser(command)[command]
    values = {
        option
        for action in parser._actions
        if action.option_strings and action.nargs != 0
        for option in action.option_strings
    }
    flags = {
        option
        for action in parser._actions
        if action.nargs == 0
        for option in action.option_strings
        if option not in ("-h", "--help")
    }
    assert early.OPTIONS[command] == (values, flags)


@pytest.mark.parametrize("command", ["status", "report"])
def test_the_early_reading_of_the_command_line_agrees_with_the_parser(command: str) -> None:
    """On random command lines: wherever the early reading names a DIR (or none), the
    parser, when it accepts the line, names the same; it declines what it cannot read."""
    import random

    values, flags = early.OPTIONS[command]
    value_of = {
        "--now": "2026-11-30T12:00:00Z",
        "--stale-after": "60",
        "--gone-after": "600",
        "--overlap-threshold": "0.5",
        "--max-file-bytes": "4096",
        "-o": "-",
        "--output": "out.md",
    }
    rng = random.Random(16)
    pieces: list[list[str]] = [[flag] for flag in flags]
    pieces += [[option, value_of[option]] for option in values]
    pieces += [[f"{option}={value_of[option]}"] for option in values if option.startswith("--")]
    pieces += [["-oFILE"]] if command == "report" else []
    pieces += [["dir-a"], ["dir-b"], ["-"], ["--"], ["--js"], ["--bogus"], ["-x"], ["--now"]]
    read = declined = 0
    for _ in range(600):
        tokens = [word for piece in rng.sample(pieces, rng.randint(0, 4)) for word in piece]
        reading = early._directory_given(tokens, values, flags)
        if reading is None:
            declined += 1
            continue
        read += 1
        parsed = _parsed_dir(command, tokens)
        assert parsed is None or parsed == reading, tokens
    assert read > 100 and declined > 100


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
    quick = elsewhere.summarise(str(big), folder, 5, 40)
    with monkeypatch.context() as patch:
        patch.setattr(elsewhere, "quick_summary", lambda *args: None)
        slow = elsewhere.summarise(str(big), folder, 5, 40)
    assert isinstance(quick, history_index.FolderSummary)
    assert quick == slow
    assert 0 < len(quick.names) < quick.count  # a window, not every name
    from_listing = early.quick_summary(str(big), folder, 5, 40)
    assert (from_listing is not None) == (extra is None)  # both roads were taken


def test_the_index_is_read_once_before_the_listing_however_many_ask(
    big: Path,  # noqa: F811
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``__main__`` and ``cli`` both start the children early: the second finds the
    directory looked at; the store's listing ends that, so the next run looks again."""
    from coordinator_tui.__main__ import entry

    _status(big, capsys)  # the index made: the folders are fresh from now on
    forking.clear()
    loads: list[str] = []
    real = history_index.HistoryIndex.load

    def load(self: history_index.HistoryIndex) -> Any:
        loads.append(str(self.path))
        return real(self)

    monkeypatch.setattr(history_index.HistoryIndex, "load", load)
    for _ in range(2):
        loads.clear()
        assert entry(["status", str(big), "--json", *NOW]) == 0
        capsys.readouterr()
        assert len(loads) == 2  # the early look, then the store's scan
        assert forking == []


def test_while_a_child_lists_the_files_already_known_are_read(
    big: Path,  # noqa: F811
    expected: Any,
    forking: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sessions and the window of the folders done so far are read before the child's
    summary is waited for; what the child adds is read after: the same document."""
    from coordinator_tui.store import Store

    order: list[str] = []
    read_now, collect = Store._read_now, elsewhere.collect

    def reading(self: Store, files: Any, change: Any) -> None:
        order.append("read now")
        read_now(self, files, change)
        order.append(f"{len(self._kinds)} files read")

    def collecting(child: Any, folder: str) -> Any:
        order.append(f"collect {folder}")
        return collect(child, folder)

    monkeypatch.setattr(Store, "_read_now", reading)
    monkeypatch.setattr(elsewhere, "collect", collecting)
    assert _status(big, capsys) == expected
    assert order[0] == "read now" and order[2:] == [
        "collect heartbeats",
        "collect messages/broadcast",
    ]
    assert int(order[1].split()[0]) > 3  # the sessions at least


def test_the_first_milliseconds_load_only_the_smallest_standard_modules() -> None:
    """``history.early`` runs before the parser: anything it imports delays the fork."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import coordinator_tui.history.early\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    ours = {name for name in loaded if name.startswith("coordinator_tui")}
    assert ours == {"coordinator_tui", "coordinator_tui.history", "coordinator_tui.history.early"}
    heavy = {"typing", "pathlib", "sqlite3", "dataclasses", "argparse", "threading", "json"}
    assert not loaded & heavy
    assert "heapq" in loaded and "pickle" in loaded  # what it does use
