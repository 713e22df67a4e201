"""Records: coercion where the meaning is clear, a reported problem where it is not."""

from __future__ import annotations

import pytest

from coordinator_tui.files.builders import (
    build_claim,
    build_markdown_milestone,
    build_milestone,
    build_session,
    normalise_status,
    parse_priorities,
)
from coordinator_tui.files.records import RecordError


def session(data: object):
    return build_session(data, "sessions/session-x.json", "session-x", False, 0.0)


def test_unknown_fields_are_kept() -> None:
    record, problems = session(
        {
            "session_id": "session-x",
            "role": "Builder",
            "active_services": [{"port": 8003}],
            "known_facts": {"a": 1},
        }
    )
    assert record.role == "Builder"
    assert record.extra == {"active_services": [{"port": 8003}], "known_facts": {"a": 1}}
    assert problems == []


def test_clear_coercions_are_silent() -> None:
    record, problems = session(
        {
            "session_id": "session-x",
            "heartbeat_count": "42",
            "capabilities": "build, deploy",
            "current_work": 7,
            "last_heartbeat": 1763234880,
        }
    )
    assert record.heartbeat_count == 42
    assert record.capabilities == ("build", "deploy")
    assert record.current_work == "7"
    assert record.last_heartbeat is not None and record.last_heartbeat.year == 2025
    assert problems == []


def test_unclear_types_are_reported() -> None:
    record, problems = session(
        {
            "session_id": "session-x",
            "heartbeat_count": "many",
            "capabilities": 3,
            "current_work": {"task": "x"},
            "last_heartbeat": "yesterday",
            "status": True,
        }
    )
    assert record.heartbeat_count is None
    assert record.capabilities == ()
    assert record.current_work == '{"task": "x"}'
    assert record.last_heartbeat is None
    assert len(problems) == 5
    assert any(p.startswith('last_heartbeat "yesterday" is not a timestamp') for p in problems)


def test_id_falls_back_to_file_name_and_mismatch_is_reported() -> None:
    record, problems = session({"status": "active"})
    assert record.session_id == "session-x" and problems == [
        "no session_id; using the file name session-x"
    ]
    record, problems = session({"session_id": "session-y"})
    assert record.session_id == "session-y"
    assert problems == ['session_id "session-y" differs from the file name session-x']


def test_array_where_an_object_belongs() -> None:
    with pytest.raises(RecordError, match="expected a JSON object, found an array"):
        session([1, 2])


def test_milestone_progress_text_and_clamp() -> None:
    record, problems = build_milestone(
        {"title": "T", "status": "In Progress", "progress": "55%"}, "m.json", "m", False, 0.0
    )
    assert (record.status, record.progress, problems) == ("in_progress", 55.0, [])
    record, problems = build_milestone(
        {"progress": 250, "status": "weird"}, "m.json", "m", False, 0.0
    )
    assert record.progress == 100.0 and record.status == "unknown" and len(problems) == 2


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("COMPLETE", "completed"),
        ("IN_PROGRESS", "in_progress"),
        ("done", "completed"),
        ("blocked", "blocked"),
        ("Cancelled", "abandoned"),
        (None, "unknown"),
    ],
)
def test_status_normalisation(raw: str | None, status: str) -> None:
    assert normalise_status(raw) == status


def test_markdown_milestone() -> None:
    record, problems = build_markdown_milestone(
        "# Ship it\n\n**Status:** IN_PROGRESS\nProgress: 30%\n- [x] a\n- [ ] b\n", "m.md", "m", 0.0
    )
    assert (record.title, record.status, record.progress, len(record.steps)) == (
        "Ship it",
        "in_progress",
        30.0,
        2,
    )
    assert problems == []


def test_claim_expiry_from_duration() -> None:
    record, _ = build_claim(
        {"claimed_by": "s", "claimed_at": "2025-11-15T19:00:00Z", "duration_hours": 2},
        "claims/a.claim",
        "a",
        False,
        0.0,
    )
    assert record.expires_at is not None and record.expires_at.hour == 21


def test_priorities_parser() -> None:
    items, problems = parse_priorities(
        "# comment\r\n\r\n64:restart:Restart: now\r\n90:loop:Build loop\r\nbroken\r\n:x:y\n"
    )
    assert [(i.score, i.name, i.description) for i in items] == [
        (90.0, "loop", "Build loop"),
        (64.0, "restart", "Restart: now"),
    ]
    assert [line for line, _ in problems] == [5, 6]


def test_records_pickle_compactly_and_come_back_equal() -> None:
    """Every record kind, and a file's ``Loaded``, survive the forked readers' pickle
    equal, frozen and slotted, rebuilt from a tuple of their values (``rebuild``), not
    through the dataclasses' per-field ``__setstate__``."""
    import copy
    import dataclasses
    import pickle
    from datetime import datetime, timezone

    from coordinator_tui.files.builders import build_heartbeat, build_message
    from coordinator_tui.files.load import Loaded
    from coordinator_tui.files.records import Compact, FileError, rebuild

    moment = "2025-11-15T19:30:28Z"
    milestone, _ = build_milestone(
        {"milestone_id": "m", "title": "T", "steps": [{"number": "1", "status": "done"}]},
        "sessions/MILESTONES/m.json",
        "m",
        False,
        1.0,
    )
    records = [
        session({"session_id": "session-x", "last_heartbeat": moment, "odd": {"k": [1]}})[0],
        milestone,
        milestone.steps[0],
        build_message(
            {"from": "a", "timestamp": moment, "message": "hi"},
            "messages/broadcast/x.json",
            "x",
            False,
            2.0,
            "broadcast",
            None,
        )[0],
        build_claim(
            {"claimed_by": "a", "claimed_at": moment, "duration_hours": 2},
            "claims/c.claim",
            "c",
            False,
            3.0,
        )[0],
        build_heartbeat(
            {"session_id": "a", "timestamp": moment}, "heartbeats/h.json", "h", False, 4.0
        )[0],
        parse_priorities("90:docs:Write the docs\n")[0][0],
        FileError(path="sessions/b.json", reason="invalid JSON", kind="sessions"),
    ]
    for record in records:
        assert isinstance(record, Compact)
        function, (cls, values) = record.__reduce__()
        assert function is rebuild and cls is type(record)
        assert values == tuple(getattr(record, f.name) for f in dataclasses.fields(record))
        back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == record and type(back) is type(record)
        assert not hasattr(back, "__dict__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(back, dataclasses.fields(record)[0].name, "elsewhere")
        assert copy.deepcopy(record) == record
    loaded = Loaded(5.0, 12, records[0], ["a problem"], None, False)
    assert pickle.loads(pickle.dumps(loaded)) == loaded
    with pytest.raises(ValueError, match="values for"):
        rebuild(type(records[0]), ("too", "few"))
    assert records[0].last_heartbeat == datetime(2025, 11, 15, 19, 30, 28, tzinfo=timezone.utc)
