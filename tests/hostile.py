"""Build a coordination directory full of hostile files (issue 5), next to valid ones.

``build_hostile(root)`` writes every hostile case beside a few valid sessions,
milestones, messages and claims, and returns ``{case name: relative path}``.
``EXPECT`` says, for each case, what a correct reader does with it:

- ``error``: the file is not read; it is in the errors list (severity
  ``error``) with a reason matching the pattern;
- ``warning``: the record is read and shown, and the errors list carries a
  warning matching the pattern;
- ``shown``: the record is read and shown; nothing about it is listed.

Every hostile file gets an old modification time (``OLD_MTIME``), so the
transient grace period never hides a failed read, whatever clock the caller
uses. The valid sessions are live at ``tests.collective.NOW``.

Other tests (dashboard, headless) import this module: keep the names stable.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

from tests.collective import NOW, ago, iso, session, write_json, write_text

# Markup that Rich/Textual would act on, and control sequences a terminal acts on.
MARKUP = "[@click=app.quit]quit[/] [/ [link=https://evil.example/x]link[/link] [bold red]"
CONTROLS = "\x1b[2J\x1b]52;c;aGFja2Vk\x07\x9b31m\x1b[31m\x07\x00\x7f"
HOSTILE = f"{MARKUP}{CONTROLS}end"
# For places that cannot hold "/" or ":" (file names, priority names).
NAME_PAYLOAD = "[@click=app.quit]q[link=x]\x1b[2J\x1b]52;c;aGk=\x07\x9b"
# What must never reach a terminal raw (the markup is checked separately).
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x00", "\x7f")

BIG_WORK = "x" * 100_000
BIG_FILE_BYTES = 50 * 1024 * 1024
DEEP = 100_000
TRAVERSAL_ID = "../../etc/passwd"
OLD_MTIME = (NOW - timedelta(hours=1)).timestamp()

# The valid sessions every hostile directory holds; all must always be shown.
VALID_SESSIONS = ("session-good-1", "session-good-2", "session-good-3")
VALID_MILESTONE = "sessions/MILESTONES/good-milestone.json"
VALID_MESSAGE = "messages/broadcast/2025-11-15_19-50-00-session-good-1.json"
VALID_CLAIM = "claims/good-claim.claim"

HOSTILE_SESSION_FILE = f"session-{NAME_PAYLOAD}.json"

# case -> (expectation, pattern the reason must match; "" when nothing is listed)
EXPECT: dict[str, tuple[str, str]] = {
    "fifo": ("error", r"not a regular file \(FIFO\)"),
    "directory": ("error", r"not a regular file \(directory\)"),
    "symlink_loop": ("error", r"(?i)too many levels of symbolic links"),
    "symlink_device": ("error", r"symbolic link to a file outside the coordination directory"),
    "huge": ("error", r"52,428,800 bytes, over the 1,048,576-byte limit"),
    "deep_nesting": ("error", r"nested too deeply"),
    "non_utf8": ("warning", r"not valid UTF-8 replaced with U\+FFFD"),
    "lone_surrogate": ("warning", r"not valid UTF-8 replaced with U\+FFFD"),
    "non_utf8_name": ("warning", r"differs from the file name session-"),
    "bom": ("shown", ""),
    "empty": ("error", r"empty file"),
    "truncated": ("error", r"cut short"),
    "array": ("error", r"expected a JSON object, found an array"),
    "wrong_types_session": ("warning", r"heartbeat_count \"lots\" is not a number"),
    "wrong_types_milestone": ("warning", r"progress \"lots\" is not a number"),
    "wrong_types_message": ("warning", r"subject \"list\" is not text"),
    "wrong_types_claim": ("warning", r"expires_at \"tomorrow\" is not a timestamp"),
    "big_work": ("shown", ""),
    "year_2999": ("warning", r"in the future"),
    "year_1970": ("shown", ""),
    "time_words": ("warning", r"last_heartbeat \"yesterday after lunch\" is not a timestamp"),
    "duplicate_id_a": ("warning", r"is also claimed by sessions/session-dup-b\.json"),
    "duplicate_id_b": ("warning", r"is also claimed by sessions/session-dup-a\.json"),
    "id_mismatch": ("warning", r"differs from the file name session-mismatch"),
    "traversal_id": ("warning", r"differs from the file name session-traversal"),
    "markup_session_file": ("shown", ""),
    "markup_session": ("warning", r"differs from the file name session-markup"),
    "markup_milestone": ("shown", ""),
    "markup_milestone_md": ("warning", r"no 'Status:' line"),
    "markup_priorities": ("warning", r"line 4 is not score:name:description"),
    "markup_claim": ("shown", ""),
    "markup_message": ("shown", ""),
    "markup_direct_message": ("shown", ""),
    "markup_heartbeat": ("shown", ""),
    # issue 10: clocks and numbers
    "future_heartbeat": ("warning", r"last_heartbeat .* is in the future; ignored"),
    "future_event": ("warning", r"timestamp .* is in the future; ignored for liveness"),
    "huge_count": ("warning", r"heartbeat_count \(an integer of 401 digits\) is out of range"),
    "nan_values": ("warning", r"heartbeat_count inf is out of range"),
    "huge_progress": ("warning", r"progress \(an integer of 401 digits\) is out of range"),
    "huge_duration": ("warning", r"duration_hours \(an integer of 401 digits\) is out of range"),
    "huge_timestamp": ("warning", r"timestamp \(an integer of 401 digits\) is not a timestamp"),
}

# Cases whose record is a session that must appear in the analysis.
SESSION_CASES = (
    "non_utf8",
    "lone_surrogate",
    "non_utf8_name",
    "bom",
    "wrong_types_session",
    "big_work",
    "year_2999",
    "year_1970",
    "time_words",
    "duplicate_id_a",
    "duplicate_id_b",
    "id_mismatch",
    "traversal_id",
    "markup_session_file",
    "markup_session",
    "future_heartbeat",
    "huge_count",
    "nan_values",
)
HUGE = "1" + "0" * 400
"""10**400 as JSON text: no float holds it."""


def _session_doc(session_id: object, work: object, beat: object, **extra: object) -> dict:
    data: dict = {
        "session_id": session_id,
        "started_at": iso(ago(hours=1)),
        "status": "active",
        "current_work": work,
        "capabilities": ["build", "docs"],
        "last_heartbeat": beat,
        "heartbeat_count": 3,
    }
    data.update(extra)
    return data


def _valid(root: Path) -> None:
    session(root, VALID_SESSIONS[0], "alpha service build", ago(minutes=1))
    session(root, VALID_SESSIONS[1], "beta documentation pass", ago(minutes=2))
    session(root, VALID_SESSIONS[2], "session initialization", ago(minutes=3))
    write_json(
        root / VALID_MILESTONE,
        {
            "milestone_id": "good",
            "title": "Good milestone",
            "status": "in_progress",
            "progress": 50,
        },
    )
    write_json(
        root / VALID_MESSAGE,
        {
            "from": "session-good-1",
            "to": "broadcast",
            "timestamp": iso(ago(minutes=10)),
            "subject": "Valid subject",
            "message": "A valid message.",
        },
    )
    write_json(
        root / VALID_CLAIM,
        {
            "claimed_by": "session-good-2",
            "claimed_at": iso(ago(minutes=5)),
            "resource_type": "service",
            "resource_name": "good-claim",
            "duration_hours": 2,
        },
    )


def _special_files(root: Path, cases: dict[str, str]) -> None:
    sessions = root / "sessions"
    fifo = sessions / "session-x.json"
    os.mkfifo(fifo)
    cases["fifo"] = "sessions/session-x.json"
    (sessions / "session-y.json").mkdir()
    cases["directory"] = "sessions/session-y.json"
    (sessions / "session-loop-a.json").symlink_to("session-loop-b.json")
    (sessions / "session-loop-b.json").symlink_to("session-loop-a.json")
    cases["symlink_loop"] = "sessions/session-loop-a.json"
    (sessions / "session-zero.json").symlink_to("/dev/zero")
    cases["symlink_device"] = "sessions/session-zero.json"
    huge = sessions / "session-huge.json"
    with huge.open("wb") as handle:  # sparse: instant, and takes no disk
        handle.write(b'{"session_id": "session-huge", "current_work": "')
        handle.truncate(BIG_FILE_BYTES)
    cases["huge"] = "sessions/session-huge.json"


def _broken_files(root: Path, cases: dict[str, str]) -> None:
    sessions = root / "sessions"
    deep = (
        '{"session_id": "session-deep", "current_work": ' + "[" * DEEP + "]" * DEEP + "}"
    ).encode()
    (sessions / "session-deep.json").write_bytes(deep)
    cases["deep_nesting"] = "sessions/session-deep.json"
    non_utf8 = json.dumps(_session_doc("session-latin1", "caf\u00e9 build", iso(ago(minutes=1))))
    (sessions / "session-latin1.json").write_bytes(
        non_utf8.encode("utf-8").replace(b"\\u00e9", b"\xe9\xff")
    )
    cases["non_utf8"] = "sessions/session-latin1.json"
    # A lone surrogate escape: valid JSON, but no UTF-8 stream can print the string.
    (sessions / "session-surrogate.json").write_text(
        json.dumps(_session_doc("session-surrogate", "lone \ud800 surrogate", iso(ago(minutes=1))))
    )
    cases["lone_surrogate"] = "sessions/session-surrogate.json"
    # A file name that is not UTF-8: Python sees it with a surrogate escape (\udcff).
    raw_name = os.fsdecode(b"session-raw\xff.json")
    write_json(
        sessions / raw_name, _session_doc("session-rawname", "raw name", iso(ago(minutes=1)))
    )
    cases["non_utf8_name"] = f"sessions/{raw_name}"
    bom = json.dumps(_session_doc("session-bom", "bom work", iso(ago(minutes=1))))
    (sessions / "session-bom.json").write_bytes(b"\xef\xbb\xbf" + bom.encode("utf-8"))
    cases["bom"] = "sessions/session-bom.json"
    (sessions / "session-empty.json").write_bytes(b"")
    cases["empty"] = "sessions/session-empty.json"
    (sessions / "session-truncated.json").write_bytes(
        b'{\n  "session_id": "session-truncated",\n  "current_work": "half a wri'
    )
    cases["truncated"] = "sessions/session-truncated.json"
    write_json(sessions / "session-array.json", [_session_doc("session-array", "w", None)])
    cases["array"] = "sessions/session-array.json"


def _wrong_types(root: Path, cases: dict[str, str]) -> None:
    write_json(
        root / "sessions" / "session-types.json",
        {
            "session_id": 12345,
            "started_at": {"when": "now"},
            "status": ["active"],
            "current_work": {"task": "x"},
            "capabilities": 7,
            "specialization": 3.5,
            "name": [],
            "role": False,
            "last_heartbeat": True,
            "heartbeat_count": "lots",
        },
    )
    cases["wrong_types_session"] = "sessions/session-types.json"
    write_json(
        root / "sessions" / "MILESTONES" / "types.json",
        {
            "milestone_id": ["m"],
            "title": 42,
            "status": 7,
            "progress": "lots",
            "steps": "step one, step two",
            "blockers": {"a": 1},
            "updated_at": [],
            "owner": {"id": 1},
        },
    )
    cases["wrong_types_milestone"] = "sessions/MILESTONES/types.json"
    write_json(
        root / "messages" / "broadcast" / "2025-11-15_19-40-00-types.json",
        {"from": 5, "to": [], "timestamp": {"t": 1}, "subject": ["s"], "message": {"m": 1}},
    )
    cases["wrong_types_message"] = "messages/broadcast/2025-11-15_19-40-00-types.json"
    write_json(
        root / "claims" / "types.claim",
        {
            "claimed_by": ["x"],
            "claimed_at": False,
            "resource_type": 1,
            "resource_name": None,
            "duration_hours": "long",
            "expires_at": "tomorrow",
            "allow_coordination": "maybe",
        },
    )
    cases["wrong_types_claim"] = "claims/types.claim"


def _odd_values(root: Path, cases: dict[str, str]) -> None:
    sessions = root / "sessions"
    write_json(
        sessions / "session-big.json", _session_doc("session-big", BIG_WORK, iso(ago(minutes=1)))
    )
    cases["big_work"] = "sessions/session-big.json"
    write_json(
        sessions / "session-2999.json",
        _session_doc("session-2999", "future work", "2999-01-01T00:00:00Z"),
    )
    cases["year_2999"] = "sessions/session-2999.json"
    write_json(sessions / "session-1970.json", _session_doc("session-1970", "old work", 0))
    cases["year_1970"] = "sessions/session-1970.json"
    write_json(
        sessions / "session-words.json",
        _session_doc("session-words", "wordy work", "yesterday after lunch"),
    )
    cases["time_words"] = "sessions/session-words.json"
    for letter in "ab":
        write_json(
            sessions / f"session-dup-{letter}.json",
            _session_doc("session-dup", f"duplicate {letter}", iso(ago(minutes=1))),
        )
    cases["duplicate_id_a"] = "sessions/session-dup-a.json"
    cases["duplicate_id_b"] = "sessions/session-dup-b.json"
    write_json(
        sessions / "session-mismatch.json",
        _session_doc("session-other-name", "mismatch work", iso(ago(minutes=1))),
    )
    cases["id_mismatch"] = "sessions/session-mismatch.json"
    # Live and idle, so a coordinator would want to message it: it must refuse.
    write_json(
        sessions / "session-traversal.json",
        _session_doc(TRAVERSAL_ID, "idle", iso(ago(minutes=1))),
    )
    cases["traversal_id"] = "sessions/session-traversal.json"


def _markup(root: Path, cases: dict[str, str]) -> None:
    sessions = root / "sessions"
    stem = HOSTILE_SESSION_FILE[: -len(".json")]
    write_json(sessions / HOSTILE_SESSION_FILE, _session_doc(stem, HOSTILE, iso(ago(minutes=1))))
    cases["markup_session_file"] = f"sessions/{HOSTILE_SESSION_FILE}"
    write_json(
        sessions / "session-markup.json",
        _session_doc(
            HOSTILE,
            "idle",
            iso(ago(minutes=1)),
            capabilities=[HOSTILE, "docs"],
            name=HOSTILE,
            role=HOSTILE,
            status=HOSTILE,
        ),
    )
    cases["markup_session"] = "sessions/session-markup.json"
    write_json(
        sessions / "MILESTONES" / "hostile.json",
        {
            "milestone_id": HOSTILE,
            "title": HOSTILE,
            "owner": HOSTILE,
            "status": "in_progress",
            "steps": [
                {"step": 1, "description": HOSTILE, "status": "completed", "completed_by": HOSTILE},
                HOSTILE,
            ],
            "blockers": [HOSTILE],
            "next_session_should": [HOSTILE],
            "handoff_notes": HOSTILE,
        },
    )
    cases["markup_milestone"] = "sessions/MILESTONES/hostile.json"
    write_text(
        sessions / "MILESTONES" / "hostile.md",
        f"# {HOSTILE}\n\n- [x] {HOSTILE}\n- [ ] {NAME_PAYLOAD}\n",
    )
    cases["markup_milestone_md"] = "sessions/MILESTONES/hostile.md"
    write_text(
        root / "priorities.txt",
        "# hostile priorities\n"
        f"95:hostile_priority:{HOSTILE}\n"
        f"85:{NAME_PAYLOAD}:markup in the name\n"
        f"{HOSTILE}\n"
        "70:docs_pass:Write the docs\n",
    )
    cases["markup_priorities"] = "priorities.txt"
    write_json(
        root / "claims" / f"{NAME_PAYLOAD}.claim",
        {
            "claimed_by": HOSTILE,
            "claimed_at": iso(ago(minutes=5)),
            "resource_type": HOSTILE,
            "resource_name": HOSTILE,
            "duration_hours": 2,
        },
    )
    cases["markup_claim"] = f"claims/{NAME_PAYLOAD}.claim"
    broadcast = f"messages/broadcast/2025-11-15_19-45-00-{NAME_PAYLOAD}.json"
    write_json(
        root / broadcast,
        {
            "from": HOSTILE,
            "to": TRAVERSAL_ID,
            "timestamp": iso(ago(minutes=15)),
            "subject": HOSTILE,
            "message": f"{HOSTILE}\n{HOSTILE}",
        },
    )
    cases["markup_message"] = broadcast
    direct = f"messages/direct/{NAME_PAYLOAD}/2025-11-15_19-46-00-x.json"
    write_json(
        root / direct,
        {
            "from": HOSTILE,
            "to": NAME_PAYLOAD,
            "timestamp": iso(ago(minutes=14)),
            "subject": HOSTILE,
            "message": HOSTILE,
        },
    )
    cases["markup_direct_message"] = direct
    beat = "heartbeats/2025-11-15_19-59-00-hostile.json"
    write_json(
        root / beat,
        {"session_id": HOSTILE, "timestamp": iso(ago(minutes=1)), "action": HOSTILE},
    )
    cases["markup_heartbeat"] = beat


def _clocks_and_numbers(root: Path, cases: dict[str, str]) -> None:
    """Issue 10: heartbeats from the future, and numbers no float can hold."""
    sessions = root / "sessions"
    write_json(
        sessions / "session-ahead.json",
        _session_doc("session-ahead", "ahead work", iso(NOW + timedelta(hours=3))),
    )
    cases["future_heartbeat"] = "sessions/session-ahead.json"
    beat = "heartbeats/2025-11-16_01-00-00-session-good-1.json"
    write_json(
        root / beat, {"session_id": "session-good-1", "timestamp": iso(NOW + timedelta(hours=5))}
    )
    cases["future_event"] = beat
    huge_session = json.dumps(_session_doc("session-huge-count", "w", iso(ago(minutes=1))))
    write_text(
        sessions / "session-huge-count.json",
        huge_session.replace('"heartbeat_count": 3', f'"heartbeat_count": {HUGE}'),
    )
    cases["huge_count"] = "sessions/session-huge-count.json"
    write_text(
        sessions / "session-nan.json",
        '{"session_id": "session-nan", "last_heartbeat": NaN, "heartbeat_count": Infinity}',
    )
    cases["nan_values"] = "sessions/session-nan.json"
    write_text(root / "sessions" / "MILESTONES" / "huge.json", f'{{"progress": {HUGE}}}')
    cases["huge_progress"] = "sessions/MILESTONES/huge.json"
    write_text(
        root / "claims" / "huge.claim",
        f'{{"claimed_by": "x", "claimed_at": "{iso(ago(minutes=5))}", "duration_hours": {HUGE}}}',
    )
    cases["huge_duration"] = "claims/huge.claim"
    message = "messages/broadcast/2025-11-15_19-41-00-huge.json"
    write_text(root / message, f'{{"from": "x", "subject": "s", "timestamp": {HUGE}}}')
    cases["huge_timestamp"] = message


def build_links(root: Path, outside: Path) -> dict[str, Path]:
    """Issue 10's structural cases beside ``build_hostile``'s files: links out of the
    directory where this program reads and writes, and special files as its private
    state. ``outside`` gets one file, ``victim.txt``, that must never change, and a
    session file that must never be shown. Returns ``{case: path}``."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "victim.txt").write_text("untouched\n")
    write_json(
        outside / "session-leak.json",
        _session_doc("session-leak", "LEAKED-OUTSIDE-WORK", iso(ago(minutes=1))),
    )
    private = root / ".coordinator"
    private.mkdir(parents=True, exist_ok=True)
    cases = {
        "history_link_out": private / "history.jsonl",
        "alerts_fifo": private / "alerts.json",
        "direct_folder_link_out": root / "messages" / "direct" / "session-out",
        "session_link_out": root / "sessions" / "session-leak.json",
    }
    cases["history_link_out"].symlink_to(outside / "victim.txt")
    os.mkfifo(cases["alerts_fifo"])
    cases["direct_folder_link_out"].parent.mkdir(parents=True, exist_ok=True)
    cases["direct_folder_link_out"].symlink_to(outside)
    cases["session_link_out"].symlink_to(outside / "session-leak.json")
    return cases


def build_hostile(root: Path) -> dict[str, str]:
    """Write the hostile directory at ``root``; ``{case name: relative path}``."""
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("sessions/MILESTONES", "messages/broadcast", "claims", "heartbeats"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    _valid(root)
    cases: dict[str, str] = {}
    _special_files(root, cases)
    _broken_files(root, cases)
    _wrong_types(root, cases)
    _odd_values(root, cases)
    _markup(root, cases)
    _clocks_and_numbers(root, cases)
    for relative in cases.values():
        os.utime(root / relative, (OLD_MTIME, OLD_MTIME), follow_symlinks=False)
    missing = set(EXPECT) - set(cases)
    assert not missing, f"cases without a file: {sorted(missing)}"
    return cases


def strip_sgr(text: str) -> str:
    """``text`` without the colour/style sequences (SGR, ``ESC [ … m``) a renderer adds."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
