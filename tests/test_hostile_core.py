"""Hostile files (issue 5) against the store, the analysis and ``status``.

One directory holds every hostile case next to valid sessions. For each case:
the scan and analysis finish, the valid records are all there, the bad file is
listed (or its record shown) as ``tests.hostile.EXPECT`` says, ``status`` and
``status --json`` keep working, nothing raw reaches the terminal, and long text
is cut for display but stored whole.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.cli import main
from coordinator_tui.files import reader
from coordinator_tui.files.layout import classify
from coordinator_tui.files.records import FileKind
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.status import render_status
from coordinator_tui.render.status_json import dumps, status_document
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.messages import Draft, MessageError, write_message
from tests.collective import NOW
from tests.hostile import (
    BIG_FILE_BYTES,
    BIG_WORK,
    EXPECT,
    HOSTILE,
    RAW_CONTROLS,
    SESSION_CASES,
    TRAVERSAL_ID,
    VALID_CLAIM,
    VALID_MESSAGE,
    VALID_MILESTONE,
    VALID_SESSIONS,
    build_hostile,
    strip_sgr,
)

NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]
# Anything a terminal could act on once colour codes are taken out.
_UNSAFE_FOR_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Hostile:
    root: Path
    cases: dict[str, str]
    store: Store
    analysis: Analysis
    plain: str
    terminal: str
    document: dict[str, Any]
    json_text: str


def _scan_with_guard(root: Path) -> tuple[Store, Analysis]:
    """Scan and analyse in a daemon thread so a blocking read fails the test, not the run."""
    result: dict[str, Any] = {}

    def work() -> None:
        store = Store(root, Settings())
        store.scan()
        result["store"] = store
        result["analysis"] = analyse(store.snapshot(), NOW, store.settings)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "scanning the hostile directory blocked"
    return result["store"], result["analysis"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    root = tmp_path_factory.mktemp("hostile") / "coordination"
    cases = build_hostile(root)
    store, analysis = _scan_with_guard(root)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=160)
    console.print(render_status(analysis))
    plain_buffer = io.StringIO()
    Console(file=plain_buffer, width=160, color_system=None).print(render_status(analysis))
    json_text = dumps(status_document(analysis))
    return Hostile(
        root=root,
        cases=cases,
        store=store,
        analysis=analysis,
        plain=plain_buffer.getvalue(),
        terminal=buffer.getvalue(),
        document=json.loads(json_text),
        json_text=json_text,
    )


def _errors_for(analysis: Analysis, path: str) -> list[tuple[str, str]]:
    return [(e.severity, e.reason) for e in analysis.errors if e.path == path]


def _record_present(hostile: Hostile, path: str) -> bool:
    place = classify(path)
    assert place is not None, f"{path} is not a file the store reads"
    if place.kind is FileKind.PRIORITIES:
        return bool(hostile.store.priorities)
    return path in hostile.store.records[place.kind]


# --- every case ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(EXPECT))
def test_case_is_handled_as_expected(hostile: Hostile, case: str) -> None:
    expectation, pattern = EXPECT[case]
    path = hostile.cases[case]
    listed = _errors_for(hostile.analysis, path)
    if expectation == "error":
        assert not _record_present(hostile, path)
        assert any(s == "error" and re.search(pattern, r) for s, r in listed), listed
        assert path not in {view.key for view in hostile.analysis.sessions}
    elif expectation == "warning":
        assert _record_present(hostile, path)
        assert all(severity == "warning" for severity, _ in listed), listed
        assert any(re.search(pattern, reason) for _, reason in listed), listed
    else:
        assert _record_present(hostile, path)
        assert listed == [], listed


@pytest.mark.parametrize("case", sorted(EXPECT))
def test_valid_records_next_to_each_case_are_all_shown(hostile: Hostile, case: str) -> None:
    assert hostile.cases[case]
    ids = {view.id for view in hostile.analysis.sessions}
    assert set(VALID_SESSIONS) <= ids
    for valid in (*VALID_SESSIONS,):
        assert not _errors_for(hostile.analysis, f"sessions/{valid}.json")
    assert hostile.store.records[FileKind.MILESTONE][VALID_MILESTONE].title == "Good milestone"
    assert hostile.store.records[FileKind.MESSAGE][VALID_MESSAGE].subject == "Valid subject"
    assert hostile.store.records[FileKind.CLAIM][VALID_CLAIM].claimed_by == "session-good-2"
    assert [p.name for p in hostile.store.priorities][-1] == "docs_pass"


@pytest.mark.parametrize("case", sorted(EXPECT))
def test_status_json_lists_each_case(hostile: Hostile, case: str) -> None:
    expectation, pattern = EXPECT[case]
    path = hostile.cases[case]
    listed = [e for e in hostile.document["errors"] if e["path"] == path]
    if expectation == "shown":
        assert listed == []
    else:
        assert any(re.search(pattern, e["reason"]) for e in listed), listed
    files = {s["file"] for s in hostile.document["sessions"]}
    if case in SESSION_CASES:
        assert path in files
    elif path.startswith("sessions/session"):
        assert path not in files


@pytest.mark.parametrize("case", sorted(SESSION_CASES))
def test_status_shows_each_session_case(hostile: Hostile, case: str) -> None:
    view = next(v for v in hostile.analysis.sessions if v.key == hostile.cases[case])
    shown = display(view.id, 32)[:12]
    assert shown and shown in hostile.plain


# --- the terminal -------------------------------------------------------------------------


def test_status_output_holds_no_control_sequence(hostile: Hostile) -> None:
    for text in (hostile.plain, strip_sgr(hostile.terminal)):
        found = sorted({hex(ord(c)) for c in _UNSAFE_FOR_TERMINAL.findall(text)})
        assert found == []
    for raw in RAW_CONTROLS:
        assert raw not in hostile.plain


def test_status_output_shows_markup_as_plain_text(hostile: Hostile) -> None:
    # Had Rich interpreted it, "[@click=app.quit]" would have vanished from the output.
    assert "[@click=app.quit]" in hostile.plain
    assert "[link=https://evil.example/x]" in hostile.plain
    assert "[@click=app.quit]" in strip_sgr(hostile.terminal)
    # No hyperlink (OSC 8) or any OSC sequence was produced from the link markup.
    assert "\x1b]" not in hostile.terminal


def test_status_cli_on_the_hostile_directory(
    hostile: Hostile, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["status", str(hostile.root), *NOW_ARG]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert not _UNSAFE_FOR_TERMINAL.search(out)
    for valid in VALID_SESSIONS:
        assert valid in out
    assert "Data problems: 10 unreadable" in out


def test_status_json_cli_is_safe_and_whole(
    hostile: Hostile, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(hostile.root), "--json", *NOW_ARG]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    # Every control character is escaped: the document is safe to print as it is.
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
    document = json.loads(out)
    by_file = {s["file"]: s for s in document["sessions"]}
    # Stored whole, controls and all: sanitising is for display, not storage.
    assert by_file["sessions/session-big.json"]["current_work"] == BIG_WORK
    markup = by_file["sessions/session-markup.json"]
    assert markup["id"] == HOSTILE
    assert markup["capabilities"][0] == HOSTILE
    assert document == hostile.document


def test_long_text_is_cut_for_display_not_for_storage(hostile: Hostile) -> None:
    view = next(v for v in hostile.analysis.sessions if v.id == "session-big")
    assert view.session.current_work == BIG_WORK
    assert "x" * 200 not in hostile.plain
    assert max(len(line) for line in hostile.plain.splitlines()) <= 160
    assert len(display(view.session.current_work, 60)) == 60


def test_hostile_text_is_kept_whole_in_records(hostile: Hostile) -> None:
    milestone = hostile.store.records[FileKind.MILESTONE]["sessions/MILESTONES/hostile.json"]
    assert milestone.title == HOSTILE and milestone.steps[0].description == HOSTILE
    message = hostile.store.records[FileKind.MESSAGE][hostile.cases["markup_message"]]
    assert (message.sender, message.subject) == (HOSTILE, HOSTILE)
    assert message.body == f"{HOSTILE}\n{HOSTILE}"
    claim = hostile.store.records[FileKind.CLAIM][hostile.cases["markup_claim"]]
    assert claim.claimed_by == HOSTILE and claim.resource_name == HOSTILE
    descriptions = {p.name: p.description for p in hostile.store.priorities}
    assert descriptions["hostile_priority"] == HOSTILE


def test_display_of_every_stored_string_is_inert(hostile: Hostile) -> None:
    strings: list[str] = []
    for view in hostile.analysis.sessions:
        strings += [view.id, view.session.current_work or "", *view.session.capabilities]
    for message in hostile.analysis.messages.latest:
        strings += [message.sender, message.subject, message.body, message.to]
    for item in hostile.analysis.milestones.items:
        strings += [item.milestone.title, *(s.description for s in item.milestone.steps)]
    for claim in hostile.analysis.claims:
        strings += [claim.claim.name, claim.claim.claimed_by or ""]
    for priority in hostile.analysis.priorities:
        strings += [priority.item.name, priority.item.description]
    assert any("\x1b" in s for s in strings)  # the hostile text did get this far
    for text in strings:
        assert not _UNSAFE_FOR_TERMINAL.search(display(text))


# --- particular cases ---------------------------------------------------------------------


def test_huge_file_is_refused_without_being_read(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hostile.root / hostile.cases["huge"]
    assert path.stat().st_size == BIG_FILE_BYTES
    read_sizes: list[int] = []
    real_read = os.read

    def counting_read(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        read_sizes.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    result = reader.read_json_file(path, Settings().max_file_bytes, reader.SESSION_KEYS)
    assert result.error is not None and "over the 1,048,576-byte limit" in result.error
    assert read_sizes == []
    store = Store(hostile.root)
    store.scan()
    assert sum(read_sizes) < 5 * 1024 * 1024


def test_fifo_is_not_opened_for_reading_blocking(hostile: Hostile) -> None:
    result = reader.read_json_file(hostile.root / hostile.cases["fifo"], 1024)
    assert result.error == "not a regular file (FIFO)"


def test_apply_on_every_hostile_path_changes_nothing(hostile: Hostile) -> None:
    store = Store(hostile.root)
    store.scan()
    before = analyse(store.snapshot(), NOW, store.settings)
    store.apply([hostile.root / path for path in hostile.cases.values()])
    after = analyse(store.snapshot(), NOW, store.settings)
    assert [v.key for v in after.sessions] == [v.key for v in before.sessions]
    assert after.errors == before.errors


def test_duplicate_ids_are_two_rows(hostile: Hostile) -> None:
    keys = [v.key for v in hostile.analysis.sessions if v.id == "session-dup"]
    assert sorted(keys) == ["sessions/session-dup-a.json", "sessions/session-dup-b.json"]


def test_traversal_id_is_never_a_path(hostile: Hostile, tmp_path: Path) -> None:
    view = next(v for v in hostile.analysis.sessions if v.id == TRAVERSAL_ID)
    assert view.health.live
    root = tmp_path / "coordination"
    root.mkdir()
    with pytest.raises(MessageError, match="path separators"):
        write_message(root, Draft(to=view.id, subject="hello", body="x"), NOW)
    with pytest.raises(MessageError):
        write_message(root, Draft(to="broadcast", subject="s", body="x", sender=HOSTILE), NOW)
    assert list(tmp_path.rglob("*")) == [root]


def test_empty_file_is_hidden_only_inside_the_grace_period(hostile: Hostile) -> None:
    path = hostile.cases["empty"]
    mtime = (hostile.root / path).stat().st_mtime
    from datetime import datetime, timezone

    young = analyse(
        hostile.store.snapshot(),
        datetime.fromtimestamp(mtime + 1, tz=timezone.utc),
        hostile.store.settings,
    )
    assert path not in {e.path for e in young.errors}
    assert young.pending_errors >= 1
    assert path in {e.path for e in hostile.analysis.errors}


def test_non_utf8_session_is_shown_with_a_warning(hostile: Hostile) -> None:
    # Core fix: lossy UTF-8 decoding of a JSON file used to be silent (only "recovered").
    path = hostile.cases["non_utf8"]
    view = next(v for v in hostile.analysis.sessions if v.key == path)
    assert view.session.recovered and view.session.current_work == "caf\ufffd\ufffd build"
    reason = "text that is not valid UTF-8 replaced with U+FFFD"
    assert ("warning", reason) in _errors_for(hostile.analysis, path)


def test_lone_surrogates_are_replaced_when_read(hostile: Hostile) -> None:
    # Core fix: a "\\ud800" escape used to reach print() and crash status on a strict
    # UTF-8 stream; a non-UTF-8 file name still does, so display() and dumps() replace it.
    view = next(v for v in hostile.analysis.sessions if v.id == "session-surrogate")
    assert view.session.current_work == "lone \ufffd surrogate"
    raw = next(v for v in hostile.analysis.sessions if v.key == hostile.cases["non_utf8_name"])
    assert "\udcff" in raw.key and "\udcff" not in display(raw.key)
    hostile.plain.encode("utf-8")
    hostile.terminal.encode("utf-8")
    hostile.json_text.encode("utf-8")
    # The JSON keeps the exact name, escaped: a script can still find the file.
    assert "session-raw\\udcff.json" in hostile.json_text
    assert hostile.cases["non_utf8_name"] in {s["file"] for s in hostile.document["sessions"]}
