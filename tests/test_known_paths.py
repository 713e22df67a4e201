"""``KnownPaths``: the store's known files, and which folders hold any."""

from __future__ import annotations

from coordinator_tui.files.known import KnownPaths
from coordinator_tui.files.records import FileKind


def test_counts_follow_adds_and_removals() -> None:
    known = KnownPaths()
    known["sessions/a.json"] = FileKind.SESSION
    known["sessions/a.json"] = FileKind.SESSION  # again: not counted twice
    known["sessions/MILESTONES/m.json"] = FileKind.MILESTONE
    known["claims/x.claim"] = FileKind.CLAIM
    assert known.below == {"sessions": 2, "sessions/MILESTONES": 1, "claims": 1}
    assert sorted(known.under("sessions")) == ["sessions/MILESTONES/m.json", "sessions/a.json"]
    assert known.under("sessions/a.json") == []  # a file, not a folder
    assert known.under("sessions/.a.tmp") == []  # a temporary name
    assert len(known.under("")) == 3
    assert known.pop("sessions/MILESTONES/m.json") is FileKind.MILESTONE
    assert known.pop("sessions/MILESTONES/m.json") is None
    del known["claims/x.claim"]
    assert known.below == {"sessions": 1}
    assert known.under("sessions/MILESTONES") == []
    assert known.under("sess") == []  # a prefix of a name is not a folder


def test_a_file_at_the_root_counts_below_no_folder() -> None:
    known = KnownPaths()
    known["priorities.txt"] = FileKind.PRIORITIES
    known["messages/direct/bob/2025-11-15_19-30-31-alice.json"] = FileKind.MESSAGE
    assert known.below == {"messages": 1, "messages/direct": 1, "messages/direct/bob": 1}
    assert known.under("") == [
        "priorities.txt",
        "messages/direct/bob/2025-11-15_19-30-31-alice.json",
    ]
