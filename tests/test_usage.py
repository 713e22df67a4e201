"""Reading what agents spent: each agent's transcript shape (fixtures in fixtures/usage/,
totals computed by hand), following a file that grows, is rewritten, rotated or
truncated, hostile files and paths, and the saved offsets and totals."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator_tui.usage import transcript as transcript_module
from coordinator_tui.usage.follower import UsageFollower, Watched, read_usage
from coordinator_tui.usage.ledger import Ledger
from coordinator_tui.usage.readers import ClaudeReader, CodexReader
from coordinator_tui.usage.tokens import (
    EDGES,
    Tokens,
    band_floor,
    band_of,
    sum_by_model,
    sum_tokens,
)
from coordinator_tui.usage.transcript import Transcript, acceptable_path
from coordinator_tui.write.usage_state import saver
from tests.collective import session

FIXTURES = Path(__file__).parent / "fixtures" / "usage"


def totals(transcript: Transcript) -> dict[str, Tokens]:
    cells = transcript.carried.as_cells() + transcript.ledger.as_cells()
    return sum_by_model(cells)


def read_whole(path: Path, agent: str) -> Transcript:
    transcript = Transcript(str(path), agent)
    while transcript.step(1 << 20):
        pass
    assert transcript.problem is None
    return transcript


def test_claude_fixture_counts_each_response_once_across_resume() -> None:
    # Recorded from Claude Code 2.1.197 against a mock API that reported, for four
    # responses (two of them written as two content-block lines each, the last two after
    # --resume), input 1006..1009, cache writes 1200..1800, reads 18000..27000, output 56..59.
    by_model = totals(read_whole(FIXTURES / "claude.jsonl", "claude"))
    assert by_model == {
        "claude-sonnet-4-5": Tokens(
            input=1006 + 1007 + 1008 + 1009,
            cache_write=1200 + 1400 + 1600 + 1800,
            cache_read=18000 + 21000 + 24000 + 27000,
            output=56 + 57 + 58 + 59,
            responses=4,
        )
    }


def test_claude_a_later_line_reporting_more_adds_the_difference() -> None:
    ledger = Ledger()
    reader = ClaudeReader()

    def line(output: int, block: str) -> bytes:
        message = {
            "id": "msg_1",
            "model": "claude-opus-4-1",
            "content": [{"type": block}],
            "usage": {"input_tokens": 10, "output_tokens": output},
        }
        document = {"type": "assistant", "timestamp": "2025-11-15T19:00:00Z", "message": message}
        return json.dumps(document).encode()

    reader.feed(line(1, "text"), ledger, 0.0)
    reader.feed(line(40, "tool_use"), ledger, 0.0)
    reader.feed(line(40, "text"), ledger, 0.0)
    synthetic = json.loads(line(9, "text"))
    synthetic["message"].update(id="msg_2", model="<synthetic>")
    reader.feed(json.dumps(synthetic).encode(), ledger, 0.0)
    (cell,) = ledger.as_cells()
    assert cell.tokens == Tokens(input=10, output=40, responses=1)
    assert ledger.last is not None and ledger.last.tokens.output == 40


def test_codex_fixture_totals_by_hand() -> None:
    # Cumulative totals 12000/0/800 → 27000/11500/1300 (repeated once) → 45000/25000/2000,
    # the model switching to gpt-5 before the third. Input includes the cached part.
    by_model = totals(read_whole(FIXTURES / "codex-rollout.jsonl", "codex"))
    assert by_model == {
        "gpt-5-codex": Tokens(
            input=12000 + (15000 - 11500), cache_read=11500, output=800 + 500, responses=2
        ),
        "gpt-5": Tokens(input=18000 - 13500, cache_read=13500, output=700, responses=1),
    }


def test_codex_a_count_that_starts_again_is_new_spend() -> None:
    ledger = Ledger()
    reader = CodexReader("gpt-5")

    def count(total_in: int, cached: int, out: int) -> bytes:
        usage = {"input_tokens": total_in, "cached_input_tokens": cached, "output_tokens": out}
        payload = {"type": "token_count", "info": {"total_token_usage": usage}}
        return json.dumps({"type": "event_msg", "payload": payload}).encode()

    for line in (count(100, 0, 10), count(250, 50, 30), count(40, 0, 5)):
        reader.feed(line, ledger, 1.0)
    assert sum_tokens(cell.tokens for cell in ledger.as_cells()) == Tokens(
        input=100 + 100 + 40, cache_read=50, output=10 + 20 + 5, responses=3
    )


def test_gemini_fixture_totals_by_hand() -> None:
    # g1 appended twice (tool calls added), g2 with cached and tool tokens, a rewind and a
    # $set checkpoint repeating g1 (no spend), g3 on flash. input includes cached;
    # thoughts are output; tool is input.
    by_model = totals(read_whole(FIXTURES / "gemini-chat.jsonl", "gemini"))
    assert by_model == {
        "gemini-2.5-pro": Tokens(
            input=9000 + (12500 - 8000 + 150),
            cache_read=8000,
            output=(300 + 120) + (450 + 200),
            responses=2,
        ),
        "gemini-2.5-flash": Tokens(input=1000, cache_read=3000, output=100, responses=1),
    }


def test_gemini_legacy_document_is_read_whole_and_again_when_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "session-2025-11-15T19-30-9f8e7d6c.json"
    shutil.copy(FIXTURES / "gemini-legacy.json", path)
    transcript = read_whole(path, "gemini")
    assert totals(transcript) == {
        "gemini-2.5-pro": Tokens(input=9000 + 4650, cache_read=8000, output=420 + 650, responses=2)
    }
    document = json.loads(path.read_text())
    document["messages"].append(dict(document["messages"][1], id="g3"))
    path.write_text(json.dumps(document))
    os.utime(path, (1e9, 1e9))
    transcript.step(1 << 20)
    assert totals(transcript)["gemini-2.5-pro"].responses == 3


def claude_line(ident: str, output: int, moment: str = "2025-11-15T19:00:00Z") -> bytes:
    message = {"id": ident, "model": "claude-haiku-4-5", "usage": {"output_tokens": output}}
    return json.dumps({"type": "assistant", "timestamp": moment, "message": message}).encode()


def output_of(transcript: Transcript) -> int:
    return sum(tokens.output for tokens in totals(transcript).values())


def test_a_growing_file_is_read_from_the_last_offset_whole_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(claude_line("a", 5) + b"\n")
    transcript = Transcript(str(path), "claude")
    transcript.step(1 << 20)
    line = claude_line("b", 7)
    with path.open("ab") as handle:
        handle.write(line[:20])  # a line still being written
    transcript.step(1 << 20)
    assert output_of(transcript) == 5
    with path.open("ab") as handle:
        handle.write(line[20:] + b"\n")
    read = transcript.step(1 << 20)
    assert output_of(transcript) == 12
    assert read == len(line) + 1
    assert transcript.offset == path.stat().st_size


def test_a_truncated_and_restarted_file_keeps_what_was_spent(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(claude_line("a", 5) + b"\n" + claude_line("b", 6) + b"\n")
    transcript = Transcript(str(path), "claude")
    transcript.step(1 << 20)
    path.write_bytes(claude_line("c", 100) + b"\n")  # truncated in place, new content
    transcript.step(1 << 20)
    assert output_of(transcript) == 5 + 6 + 100


def test_a_rotated_file_keeps_what_was_spent(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(claude_line("a", 5) + b"\n")
    transcript = Transcript(str(path), "claude")
    transcript.step(1 << 20)
    path.rename(tmp_path / "t.jsonl.1")
    path.write_bytes(claude_line("z", 3) + b"\n")
    transcript.step(1 << 20)
    assert output_of(transcript) == 8


def test_a_file_rewritten_with_the_same_start_is_not_counted_twice(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    first = claude_line("a", 5) + b"\n"
    path.write_bytes(first)
    transcript = Transcript(str(path), "claude")
    transcript.step(1 << 20)
    replacement = tmp_path / "new.jsonl"
    replacement.write_bytes(first + claude_line("b", 2) + b"\n")
    replacement.replace(path)  # rewritten atomically: a new inode, the same first bytes
    transcript.step(1 << 20)
    assert output_of(transcript) == 7


def test_a_line_over_the_limit_is_skipped_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcript_module, "MAX_LINE", 1000)
    path = tmp_path / "t.jsonl"
    huge = b'{"type":"user","text":"' + b"x" * 5000 + b'"}\n'
    path.write_bytes(claude_line("a", 5) + b"\n" + huge + claude_line("b", 6) + b"\n")
    transcript = Transcript(str(path), "claude")
    while transcript.step(4096):
        pass
    assert output_of(transcript) == 11
    assert transcript.problem is not None and "skipped" in transcript.problem


def test_links_fifos_and_foreign_paths_are_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_bytes(claude_line("a", 5) + b"\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    linked = Transcript(str(link), "claude")
    assert linked.step(1 << 20) == 0
    assert linked.problem == "transcript not read: symbolic link; not followed"
    gone = Transcript(str(tmp_path / "gone.jsonl"), "claude")
    assert gone.step(1 << 20) == 0 and gone.problem == "transcript not found"
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    piped = Transcript(str(fifo), "claude")
    assert piped.step(1 << 20) == 0
    assert piped.problem == "transcript is not a regular file"
    assert acceptable_path("relative/t.jsonl") is not None
    assert acceptable_path("/etc/shadow") is not None
    assert acceptable_path("/tmp/t.jsonl\n") is not None
    assert acceptable_path(str(real)) is None


def test_hostile_lines_count_nothing_and_never_raise() -> None:
    ledger = Ledger()
    reader = ClaudeReader()
    for line in (
        b"not json",
        b'{"type":"assistant","message":{"usage":"x"}}',
        b'{"type":"assistant","message":{"id":"m","usage":{"input_tokens":-5,"output_tokens":1e400}}}',
        b'{"type":"assistant","message":{"id":"n","usage":{"input_tokens":true,"output_tokens":"7"}}}',
        b"[" * 100000,
    ):
        reader.feed(line, ledger, 0.0)
    assert sum_tokens(cell.tokens for cell in ledger.as_cells()).total == 0


def test_lines_orjson_refuses_count_as_the_standard_parser_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coordinator_tui.usage import readers

    def usage_line(ident: str, extra: str) -> bytes:
        return (
            b'{"type":"assistant","timestamp":"2025-11-15T19:00:00Z","message":{"id":"'
            + ident.encode()
            + b'","model":"claude-haiku-4-5","usage":{"input_tokens":3,"output_tokens":7'
            + extra.encode()
            + b"}}}"
        )

    lines = [
        usage_line("a", ',"x":NaN'),  # orjson refuses NaN and 1e400; json reads them
        usage_line("b", ',"x":1e400'),
        usage_line("c", ',"x":"\\ud800"'),  # a lone surrogate
        usage_line("d", ',"cache_read_input_tokens":123456789012345678901'),  # past 64 bits
        usage_line("e", ""),
    ]

    def read_all() -> Tokens:
        ledger = Ledger()
        reader = ClaudeReader()
        for line in lines:
            reader.feed(line, ledger, 0.0)
        return sum_tokens(cell.tokens for cell in ledger.as_cells())

    both_ways = read_all()
    monkeypatch.setattr(readers, "_fast_loads", json.loads)
    assert read_all() == both_ways == Tokens(input=15, output=35, responses=5)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.datetimes(
            min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none()
        ).map(lambda moment: moment.isoformat(timespec="milliseconds") + "Z"),
        st.text(alphabet="0123456789-:T.Z +x", min_size=24, max_size=24),
    )
)
def test_claudes_timestamps_read_fast_are_the_moments_parse_timestamp_gives(text: str) -> None:
    from coordinator_tui.files.timeparse import parse_timestamp
    from coordinator_tui.usage.readers import moment_of

    parsed = parse_timestamp(text)
    assert moment_of(text, -1.0) == (parsed.timestamp() if parsed is not None else -1.0)


def test_bands_follow_the_tier_rule() -> None:
    # A tier "starting at 200,000" applies above 200,000 whole-input tokens.
    assert band_of(200_000) == band_of(199_999) + 1 == EDGES.index(200_000)
    assert band_of(200_001) == EDGES.index(200_000) + 1
    for band in range(len(EDGES) + 1):
        assert band_of(band_floor(band)) == band


def big_transcript(path: Path, responses: int, filler: int = 4000) -> None:
    noise = json.dumps({"type": "user", "text": "y" * filler}).encode() + b"\n"
    with path.open("wb") as handle:
        for index in range(responses):
            handle.write(noise)
            handle.write(claude_line(f"m{index}", 1) + b"\n")


def watched(path: Path, session_id: str = "s1") -> Watched:
    return Watched(session_id, "claude", str(path), None, "build the search page", None)


def test_a_first_look_reads_the_tail_then_a_background_read_makes_it_exact(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.jsonl"
    big_transcript(path, 300)  # about 1.2 MB
    follower = UsageFollower(tmp_path, tail=64 << 10, whole_below=256 << 10, rebuild_bytes=1 << 18)
    follower.watch([watched(path)])
    follower.step()
    first = follower.snapshot().of("s1")
    assert first is not None and not first.complete
    assert 0 < first.total.output < 300
    for _ in range(20):
        if not follower.step():
            break
    exact = follower.snapshot().of("s1")
    assert exact is not None and exact.complete
    assert exact.total == Tokens(output=300, responses=300)


def test_saved_state_resumes_from_the_offset(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    root.mkdir()
    path = tmp_path / "t.jsonl"
    big_transcript(path, 50, filler=10)
    follower = UsageFollower(root, saver(root))
    follower.watch([watched(path)])
    follower.step()
    follower.flush()
    from coordinator_tui.usage.state import state_name

    state = root / ".coordinator" / "usage" / state_name("s1")
    with path.open("ab") as handle:
        handle.write(claude_line("late", 1) + b"\n")
    again = UsageFollower(root, saver(root))
    again.watch([watched(path)])
    again.step()
    (followed,) = again._followed.values()
    (transcript,) = followed.transcripts.values()
    assert transcript.started_at == 0 and transcript.complete
    usage = again.snapshot().of("s1")
    assert usage is not None and usage.total == Tokens(output=51, responses=51)
    assert json.loads(state.read_bytes())["session"] == "s1"


@pytest.mark.parametrize(
    "content",
    [
        b"garbage",
        json.dumps({"version": 1, "session": "s1", "transcripts": [{"path": "/x.jsonl"}]}).encode(),
        json.dumps({"version": 1, "session": "other", "transcripts": []}).encode(),
    ],
)
def test_a_hostile_saved_state_is_ignored(tmp_path: Path, content: bytes) -> None:
    root = tmp_path / "coordination"
    path = tmp_path / "t.jsonl"
    big_transcript(path, 3, filler=10)
    from coordinator_tui.usage.state import state_name

    state = root / ".coordinator" / "usage" / state_name("s1")
    state.parent.mkdir(parents=True)
    state.write_bytes(content)
    follower = UsageFollower(root)
    follower.watch([watched(path)])
    follower.step()
    usage = follower.snapshot().of("s1")
    assert usage is not None and usage.total == Tokens(output=3, responses=3)


def test_read_usage_takes_sessions_from_their_files(tmp_path: Path) -> None:
    from coordinator_tui.store import Store

    root = tmp_path / "coordination"
    path = tmp_path / "t.jsonl"
    shutil.copy(FIXTURES / "claude.jsonl", path)
    beat = "2025-11-15T19:59:00Z"
    session(root, "session-1", "build", beat, agent="claude", transcript_path=str(path))
    session(root, "session-2", "other", beat)  # no agent: not read
    store = Store(root)
    store.scan()
    usage = read_usage(root, store.snapshot().sessions)
    assert set(usage.sessions) == {"session-1"}
    assert usage.sessions["session-1"].total.responses == 4
