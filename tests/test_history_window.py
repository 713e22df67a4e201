"""History read lazily: the newest events per session and the newest messages are parsed,
counts come from the listing, older files are paged in on demand."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from coordinator_tui.analysis import analyse
from coordinator_tui.files.records import FileKind
from coordinator_tui.history.names import split_name
from coordinator_tui.history.window import HEARTBEATS_PER_SESSION, NEWEST_MESSAGES
from coordinator_tui.render.sanitize import dumps
from coordinator_tui.store import Store
from tests.history_kit import END, SESSIONS, beat_name, build_history


def test_names_give_stamp_and_sender() -> None:
    assert split_name("2025-11-15_19-30-31-session-1.json") == ("2025-11-15_19-30-31", "session-1")
    assert split_name("20251115T193031Z-session-1.json") == ("2025-11-15_19-30-31", "session-1")
    assert split_name("session-3.json") == ("", "session-3")


def test_only_the_window_is_parsed_and_counts_stay_whole(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c")
    store = Store(root)
    store.scan()
    snapshot = store.snapshot()
    per_session: dict[str, int] = {}
    for beat in snapshot.heartbeats:
        per_session[beat.session_id] = per_session.get(beat.session_id, 0) + 1
    broken_in_window = sum(1 for f in snapshot.failures if f.error.path.startswith("heartbeats/"))
    # 20 newest names per session; the cut-short ones among them are errors, not records.
    assert sum(per_session.values()) + broken_in_window == HEARTBEATS_PER_SESSION * 3
    assert broken_in_window == 3 * 2  # beats 8 and 17 of each session (26 is older)
    assert len(snapshot.messages) == NEWEST_MESSAGES
    analysis = analyse(snapshot, END)
    assert analysis.files["heartbeats"].found == 90
    assert analysis.files["heartbeats"].read == 60 - 6
    assert analysis.files["messages"].found == 250 + 12
    assert analysis.messages.broadcast == 250 and analysis.messages.direct == 12
    # Only files read become errors: the broken beat #26 of each session was never read.
    assert not [
        e
        for e in analysis.errors
        if "_" in e.path
        and e.path.endswith(
            tuple(beat_name(END - timedelta(minutes=i + 260), s) for i, s in enumerate(SESSIONS))
        )
    ]
    assert len([e for e in analysis.errors if e.path.startswith("heartbeats/")]) == 6
    # The newest messages are the newest by stamp, the newest heartbeat decides health.
    assert analysis.messages.latest[0].subject == "note 0"
    view = {v.id: v for v in analysis.sessions}["session-a"]
    assert view.heartbeat == END


def test_a_new_event_enters_the_window_and_the_oldest_leaves(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c")
    store = Store(root)
    store.scan()
    oldest = min(p for p in store.records[FileKind.HEARTBEAT] if p.endswith("session-a.json"))
    moment = END + timedelta(minutes=5)
    path = root / "heartbeats" / beat_name(moment, "session-a")
    path.write_text(json.dumps({"session_id": "session-a", "timestamp": moment.isoformat()}))
    change = store.apply([path])
    relative = path.relative_to(root).as_posix()
    assert relative in change.added and oldest in change.removed
    analysis = analyse(store.snapshot(), END + timedelta(minutes=6))
    assert {v.id: v for v in analysis.sessions}["session-a"].heartbeat == moment
    assert analysis.files["heartbeats"].found == 91
    path.unlink()  # gone again: the older event comes back into the window
    change = store.apply([path])
    assert relative in change.removed and oldest in change.added
    assert analyse(store.snapshot(), END).files["heartbeats"].found == 90


def test_paging_returns_the_right_pages(tmp_path: Path) -> None:
    root = build_history(tmp_path / "c")
    store = Store(root)
    store.scan()
    everything = store.history.newest("message", limit=10_000)
    assert len(everything) == store.history.total("message") == 262
    stamps = [split_name(p.rsplit("/", 1)[1])[0] for p in everything]
    assert stamps == sorted(stamps, reverse=True)
    pages = [store.history.newest("message", offset=o, limit=50) for o in range(0, 300, 50)]
    assert [len(page) for page in pages] == [50, 50, 50, 50, 50, 12]
    assert [path for page in pages for path in page] == everything
    # A session's timeline: its own beats; its messages, sent and received.
    beats = store.history.newest("heartbeat", "session-c", limit=100)
    assert len(beats) == 30 and all(p.endswith("-session-c.json") for p in beats)
    to_b = store.history.newest("message", "session-b", limit=1000)
    assert len(to_b) == 12 + 83  # the direct messages to it, and the broadcasts it sent
    assert all("session-b" in p for p in to_b)


def test_compact_json_is_ascii_and_escapes_every_unsafe_character() -> None:
    text = "a\x1b[31m\x7f\x85\u2028\u2029\ud800é"
    compact = dumps({"s": text, "n": [1, 2.5, None]})
    assert compact.isascii() and "\n" not in compact and "\x7f" not in compact
    assert "\\u001b" in compact and "\\u0085" in compact and "\\u2028" in compact
    assert json.loads(compact) == json.loads(dumps({"s": text, "n": [1, 2.5, None]}, True))
    pretty = dumps({"s": text}, pretty=True)
    assert "\n  " in pretty and "é" in pretty and "\\u2029" in pretty


def test_a_directory_without_history_folders_reads_as_before(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "sessions").mkdir(parents=True)
    (root / "sessions" / "session-1.json").write_text('{"session_id": "session-1"}')
    store = Store(root)
    store.scan()
    assert store.history.counts() == {"heartbeat": 0, "broadcast": 0, "direct": 0}
    assert analyse(store.snapshot(), END).files["messages"].found == 0
    assert os.listdir(root) == ["sessions"]  # reading wrote nothing


def test_the_quick_grouping_chooses_what_looking_at_each_name_chooses() -> None:
    """``newest_beats`` groups names of the usual shape without looking at each on its
    own; on random listings (with and without names of other shapes) it must give what
    ``newest_beats_one_by_one`` gives."""
    import random

    from coordinator_tui.history.names import (
        newest_beats,
        newest_beats_one_by_one,
        newest_of_each,
    )

    rng = random.Random(5)
    odd_names = [
        "20251115T193031Z-session-a.json",
        "notes.json",
        "2025-11-15_19-30-31-.json",
        "1763234880-session-b.json",
        "2025-11-15 19-30-31-session-c.json",
        "2025-11-15_19:30:31-session-d.json",
        "x025-11-15_19-30-31-session-e.json",
        ".025-11-15_19-30-31-session-f.json",
        "2025-11-15_19-30-31-session-g.json.tmp",
    ]
    quick_used = 0
    for _ in range(300):
        sessions = [f"session-{rng.randrange(40):02d}" for _ in range(rng.randint(1, 8))]
        names = {
            f"2025-11-{rng.randint(1, 28):02d}_{rng.randrange(24):02d}-"
            f"{rng.randrange(60):02d}-{rng.randrange(60):02d}-{rng.choice(sessions)}.json"
            for _ in range(rng.randint(0, 120))
        }
        if rng.random() < 0.3:
            names.add(rng.choice(odd_names))
        count = rng.randint(1, 25)
        quick_used += newest_of_each(names, count) is not None
        groups, unstamped = newest_beats(names, count)
        expected_groups, expected_unstamped = newest_beats_one_by_one(names, count)
        assert {who: sorted(items) for who, items in groups.items()} == {
            who: sorted(items) for who, items in expected_groups.items()
        }
        assert sorted(unstamped) == sorted(expected_unstamped)
    assert 150 < quick_used < 300  # both roads were taken


def test_the_quick_choice_of_messages_is_what_looking_at_each_name_chooses() -> None:
    """``newest_messages_of`` takes the newest straight from names of the usual shape; on
    random listings (with and without names of other shapes) it must give what
    ``newest_messages_one_by_one`` gives."""
    import random

    from coordinator_tui.history.names import (
        newest_messages_of,
        newest_messages_one_by_one,
        newest_names,
    )

    rng = random.Random(7)
    odd_names = [
        "20251115T193031Z-session-a.json",
        "notes.json",
        "2025-11-15_19:30:31-session-d.json",
        ".2025-11-15_19-30-31-session-f.json",
    ]
    quick_used = 0
    for _ in range(300):
        names = {
            f"2025-11-{rng.randint(1, 28):02d}_{rng.randrange(24):02d}-"
            f"{rng.randrange(60):02d}-{rng.randrange(60):02d}-session-{rng.randrange(9)}.json"
            for _ in range(rng.randint(0, 150))
        }
        if rng.random() < 0.3:
            names.add(rng.choice(odd_names))
        count = rng.randint(1, 60)
        quick_used += newest_names(names, count) is not None
        own, unstamped = newest_messages_of(names, count)
        expected_own, expected_unstamped = newest_messages_one_by_one(names, count)
        assert own == expected_own  # newest first, the same
        assert sorted(unstamped) == sorted(expected_unstamped)
    assert 150 < quick_used < 300  # both roads were taken
