"""The index a look leaves (``.coordinator/usage/index.json``): the next look takes a
session's totals from it only while its transcripts are the same files, unchanged, and
they are then exactly what reading them gives; anything else is read the usual way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coordinator_tui.usage import follower as follower_module
from coordinator_tui.usage.follower import UsageFollower, Watched, read_usage
from coordinator_tui.usage.tokens import SessionUsage, Tokens
from coordinator_tui.usage.transcript import Transcript
from coordinator_tui.write.usage_state import saver
from tests.collective import session
from tests.test_usage import big_transcript, claude_line

INDEX = Path(".coordinator") / "usage" / "index.json"


def watched(path: Path, session_id: str = "s1", work: str = "build the search page") -> Watched:
    return Watched(session_id, "claude", str(path), None, work, None)


def look(root: Path, *sessions: Watched, **options: int) -> UsageFollower:
    """One look as ``status`` takes it (no background read), its state saved."""
    options.setdefault("rebuild_bytes", 0)
    follower = UsageFollower(root, saver(root), note_work=False, **options)  # type: ignore[arg-type]
    follower.watch(sessions)
    follower.step()
    follower.flush()
    return follower


def usage(follower: UsageFollower, session_id: str = "s1") -> SessionUsage:
    found = follower.snapshot().of(session_id)
    assert found is not None
    return found


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The transcripts read (each step of each), in order."""
    read: list[str] = []
    step = Transcript.step

    def counted(self: Transcript, *args: int) -> int:
        read.append(os.path.basename(self.path))
        return step(self, *args)

    monkeypatch.setattr(Transcript, "step", counted)
    return read


def setup(tmp_path: Path, responses: int = 40) -> tuple[Path, Path]:
    root = tmp_path / "coordination"
    root.mkdir()
    path = tmp_path / "t.jsonl"
    big_transcript(path, responses, filler=10)
    return root, path


def test_an_unchanged_transcript_is_not_read_again(tmp_path: Path, reads: list[str]) -> None:
    root, path = setup(tmp_path)
    first = usage(look(root, watched(path)))
    assert reads == ["t.jsonl"] and (root / INDEX).is_file()
    reads.clear()
    again = usage(look(root, watched(path)))
    assert reads == []
    assert again.total == first.total == Tokens(output=40, responses=40)
    assert again.cells == first.cells and again.last == first.last and again.complete


def test_a_grown_transcript_is_read_from_its_saved_offset(tmp_path: Path, reads: list[str]) -> None:
    root, path = setup(tmp_path)
    look(root, watched(path))
    with path.open("ab") as handle:
        handle.write(claude_line("late", 5) + b"\n")
    reads.clear()
    follower = look(root, watched(path))
    assert reads == ["t.jsonl"]
    (followed,) = follower._followed.values()
    (transcript,) = followed.transcripts.values()
    assert transcript.offset == path.stat().st_size and transcript.started_at == 0
    assert usage(follower).total == Tokens(output=45, responses=41)
    reads.clear()
    assert usage(look(root, watched(path))).total == Tokens(output=45, responses=41)
    assert reads == []  # the index written after the read is used in turn


def test_a_transcript_rewritten_to_the_same_size_is_read_again(
    tmp_path: Path, reads: list[str]
) -> None:
    root, path = setup(tmp_path, responses=3)
    look(root, watched(path))
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"output_tokens": 1', b'"output_tokens": 2'))
    assert path.stat().st_size == len(data)
    os.utime(path, ns=(1, 1))  # an older time than the one indexed: still another one
    reads.clear()
    again = usage(look(root, watched(path)))
    assert reads == ["t.jsonl"]
    # Other first bytes: a new file, read from its start; what the old one counted is kept
    # (as for a file rotated away).
    assert again.total == Tokens(output=3 + 6, responses=6)


def test_a_link_in_a_transcripts_place_is_refused_not_believed(tmp_path: Path) -> None:
    root, path = setup(tmp_path, responses=3)
    look(root, watched(path))
    moved = tmp_path / "elsewhere.jsonl"
    path.rename(moved)
    path.symlink_to(moved)
    found = usage(look(root, watched(path)))
    assert "symbolic link" in " ".join(found.problems)


def test_a_first_look_at_the_tail_is_kept_as_at_least_and_made_exact_later(
    tmp_path: Path, reads: list[str]
) -> None:
    root, path = setup(tmp_path)
    big_transcript(path, 300)  # about 1.2 MB
    options = {"tail": 64 << 10, "whole_below": 256 << 10}
    first = usage(look(root, watched(path), **options))
    assert not first.complete and 0 < first.total.output < 300
    reads.clear()
    again = usage(look(root, watched(path), **options))
    assert reads == [] and again == first  # a second status: the same "at least", no read
    follower = UsageFollower(
        root, saver(root), tail=64 << 10, whole_below=256 << 10, rebuild_bytes=1 << 18
    )
    follower.watch([watched(path)])
    while follower.step():
        pass
    assert usage(follower).complete and usage(follower).total == Tokens(output=300, responses=300)


def test_the_work_log_comes_back_with_the_totals(tmp_path: Path) -> None:
    root, path = setup(tmp_path, responses=3)
    now = [1000.0]
    follower = UsageFollower(root, saver(root), clock=lambda: now[0])
    follower.watch([watched(path, work="search page")])
    follower.step()
    now[0] = 2000.0
    follower.watch([watched(path, work="tests")])
    follower.step()
    follower.flush()
    assert usage(look(root, watched(path))).work_log == ((1000.0, "search page"), (2000.0, "tests"))


def cell(start: int, model: int = 0) -> list[int]:
    """One bucket as the index writes it: start, model, band, then its tokens."""
    return [start, model, 0, 1, 0, 0, 9, 0, 1]


def forge(root: Path, change: dict[str, object]) -> None:
    document = json.loads((root / INDEX).read_bytes())
    document["sessions"]["s1"].update(change)
    (root / INDEX).write_text(json.dumps(document))


@pytest.mark.parametrize(
    "change",
    [
        {"agent": "codex"},
        {"complete": "yes"},
        {"cells": [0, 0, 0, 1, 0, 0, 10**6, 0]},  # a cell is 9 numbers
        {"cells": [0, 5, 0, 1, 0, 0, 10**6, 0, 1]},  # a model that is not listed
        {"cells": [0, 0, 99, 1, 0, 0, 10**6, 0, 1]},  # no such size band
        {"cells": [0, 0, 0, -1, 0, 0, 10**6, 0, 1]},
        {"cells": [0, 0, 0, True, 0, 0, 10**6, 0, 1]},
        {"cells": [0, 0, 0, 1.5, 0, 0, 10**6, 0, 1]},
        {"cells": [0, 0, 0, 10**13, 0, 0, 10**6, 0, 1]},
        {"cells": [*cell(600), *cell(0)]},  # not sorted by start
        {  # one model's buckets in two runs
            "models": ["claude-haiku-4-5", "other"],
            "cells": [*cell(0), *cell(300, model=1), *cell(600)],
        },
        {"models": [7]},
        {"paths": [["relative.jsonl", 1, 2, 3, 4]]},
        {"paths": "all"},
        {"last": [1e300, "m", 0, 0, 0, 0, 0, 0]},  # past the year 9999
    ],
)
def test_a_forged_entry_is_ignored_and_the_session_read(
    tmp_path: Path, change: dict[str, object], reads: list[str]
) -> None:
    root, path = setup(tmp_path, responses=3)
    look(root, watched(path))
    honest = json.loads((root / INDEX).read_bytes())["sessions"]["s1"]
    assert len(honest["cells"]) == 9  # one cell: a forgery of two or three is never honest
    forge(root, change)
    reads.clear()
    found = usage(look(root, watched(path)))
    if change.get("last") is not None:  # a bad last turn is left out, the rest believed
        assert reads == [] and found.last is None
    else:
        assert reads == ["t.jsonl"]
    assert found.total == Tokens(output=3, responses=3)


def test_a_broken_index_is_said_and_replaced(tmp_path: Path) -> None:
    root, path = setup(tmp_path, responses=3)
    look(root, watched(path))
    for broken in ("{", '{"version": 1, "sessions": {"s1": {"last": [NaN]}}}'):
        (root / INDEX).write_text(broken)
        follower = look(root, watched(path))
        assert "usage index ignored" in " ".join(follower.snapshot().problems)
        assert usage(follower).total == Tokens(output=3, responses=3)
        assert json.loads((root / INDEX).read_bytes())["sessions"]["s1"]["complete"] is True


def test_what_a_step_read_is_published_even_when_it_is_saved_in_that_step(
    tmp_path: Path,
) -> None:
    root, path = setup(tmp_path, responses=3)
    follower = UsageFollower(root, saver(root), save_every_s=0)
    follower.watch([watched(path)])
    follower.step()
    with path.open("ab") as handle:
        handle.write(claude_line("late", 5) + b"\n")
    follower.step()
    assert usage(follower).total == Tokens(output=8, responses=4)


def test_a_one_shot_look_through_read_usage_uses_the_index(
    tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coordinator_tui.store import Store

    root, path = setup(tmp_path, responses=3)
    beat = "2025-11-15T19:59:00Z"
    session(root, "session-1", "build", beat, agent="claude", transcript_path=str(path))
    store = Store(root)
    store.scan()
    first = read_usage(root, store.snapshot().sessions, saver(root))
    reads.clear()
    opened: list[str] = []
    read_state = follower_module.UsageFollower._read_state

    def counted(self: UsageFollower, followed: object) -> object:
        opened.append("state")
        return read_state(self, followed)  # type: ignore[arg-type]

    monkeypatch.setattr(follower_module.UsageFollower, "_read_state", counted)
    again = read_usage(root, store.snapshot().sessions, saver(root))
    assert reads == [] and opened == []
    assert again.sessions["session-1"].total == first.sessions["session-1"].total
