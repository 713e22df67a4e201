"""The lenient reader, on each failure kind the real shell scripts produce."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coordinator_tui.files import reader
from coordinator_tui.files.reader import (
    MESSAGE_KEYS,
    parse_json_text,
    read_json_file,
    recover_layout,
    repair_strings,
)


def test_valid_json_is_not_marked_recovered() -> None:
    value, recovered, error = parse_json_text('{"a": 1}')
    assert (value, recovered, error) == ({"a": 1}, False, None)


def test_raw_newlines_inside_a_string_are_recovered() -> None:
    text = '{\n  "subject": "Plan",\n  "message": "\nLine one\n\nLine two"\n}\n'
    value, recovered, error = parse_json_text(text, MESSAGE_KEYS)
    assert error is None and recovered
    assert value["message"] == "\nLine one\n\nLine two"


@pytest.mark.parametrize(("escaped", "meant"), [("\\!", "!"), ("\\$", "$"), ("\\`", "`")])
def test_shell_escapes_lose_their_backslash(escaped: str, meant: str) -> None:
    value, recovered, error = parse_json_text('{"message": "ready' + escaped + ' go"}')
    assert error is None and recovered
    assert value["message"] == f"ready{meant} go"


def test_unknown_escape_keeps_the_backslash() -> None:
    value, recovered, _ = parse_json_text('{"path": "C:\\qdir"}')
    assert recovered and value["path"] == "C:\\qdir"


def test_pasted_json_with_bare_quotes_stays_inside_the_message() -> None:
    text = (
        "{\n"
        '  "from": "session-1",\n'
        '  "to": "broadcast",\n'
        '  "timestamp": "2025-11-15T21:48:07Z",\n'
        '  "subject": "MIND",\n'
        '  "message": "{\n'
        '  "type": "system",\n'
        '  "message": "Connect now.\\n\\nWe are one.",\n'
        '  "timestamp": "$(date)"\n'
        '}"\n'
        "}\n"
    )
    value, recovered, error = parse_json_text(text, MESSAGE_KEYS)
    assert error is None and recovered
    assert value["from"] == "session-1"
    assert value["timestamp"] == "2025-11-15T21:48:07Z"  # not the pasted one
    assert value["message"].startswith('{\n  "type": "system",')
    assert "We are one." in value["message"]
    assert value["message"].endswith("}")
    assert set(value) == set(MESSAGE_KEYS)


def test_unescaped_quotes_in_a_middle_value() -> None:
    text = '{\n  "from": "s1",\n  "subject": "He said "go" now",\n  "message": "ok"\n}'
    value, recovered, _ = parse_json_text(text, MESSAGE_KEYS)
    assert recovered
    assert value["subject"] == 'He said "go" now'
    assert value["message"] == "ok"


def test_layout_recovery_keeps_numbers_and_lists() -> None:
    text = '{\n  "a": 3,\n  "b": [\n    "x",\n    "y"\n  ],\n  "c": "broken "quote""\n}'
    assert recover_layout(text) == {"a": 3, "b": ["x", "y"], "c": 'broken "quote"'}


def test_repair_leaves_valid_json_alone() -> None:
    text = json.dumps({"a": "line\nbreak", "b": "tab\there"})
    assert repair_strings(text) == text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"not json at all", "invalid JSON"),
        (b"[1, 2", "invalid JSON"),
    ],
)
def test_unreadable_files_are_errors_with_reasons(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    result = read_json_file(path, 1 << 20)
    assert result.data is None
    assert result.error is not None and reason in result.error


def test_truncated_object_is_a_transient_error_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n  "session_id": "s1",\n  "status": "active",\n  "current_wo')
    result = read_json_file(path, 1 << 20)
    assert result.data is None and result.transient
    assert result.error is not None and "cut short" in result.error


def test_bom_and_invalid_utf8(tmp_path: Path) -> None:
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf{"a": "b"}')
    assert read_json_file(bom, 1 << 20).data == {"a": "b"}
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "caf\xe9"}')
    result = read_json_file(latin, 1 << 20)
    assert result.recovered and result.data == {"a": "caf\ufffd"}


def test_size_cap_refuses_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.truncate(5_000_000)  # sparse
    result = read_json_file(path, 1_000_000)
    assert result.error is not None and "over the 1,000,000-byte limit" in result.error


def test_fifo_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "session-x.json"
    os.mkfifo(path)
    result = read_json_file(path, 1 << 20)
    assert result.error == "not a regular file (FIFO)"


def test_directory_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "session-y.json"
    path.mkdir()
    assert read_json_file(path, 1 << 20).error == "not a regular file (directory)"


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = read_json_file(path, 1 << 20)
    assert result.error is not None and "nested too deeply" in result.error


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "coordination"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the real corpus is not beside this checkout")
def test_every_corpus_json_file_is_read() -> None:
    failures = []
    recovered = 0
    for path in CORPUS.rglob("*"):
        if not path.is_file() or path.suffix not in {".json", ".claim"}:
            continue
        keys = MESSAGE_KEYS if "messages" in path.parts else None
        result = read_json_file(path, 1 << 20, keys)
        if result.error:
            failures.append((path, result.error))
        recovered += result.recovered
    assert failures == []
    assert recovered >= 100  # nearly half the message files are broken JSON


def test_a_file_growing_while_read_is_read_to_the_cap(tmp_path: Path, monkeypatch) -> None:
    """fstat said 2 bytes; by the time of the read the file holds more."""
    import coordinator_tui.files.fsio as reader_module

    path = tmp_path / "grow.json"
    path.write_text("{}")
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        path.write_text('{"a": "' + "x" * 100 + '"}')
        return info

    monkeypatch.setattr(reader_module.os, "fstat", fstat_then_grow)
    data, error, _, _ = reader_module.read_bytes(path, 1 << 20)
    assert error is None and data is not None and data.endswith(b'"}') and len(data) == 109
    data, error, _, _ = reader_module.read_bytes(path, 50)
    assert data is None and error is not None and "limit" in error


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_path_reads_every_file_as_the_standard_way(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``read_json_file`` tries ``orjson`` first. On random files — valid JSON of every
    shape, big and small numbers, escapes, surrogates, BOMs, then cut, corrupted and
    pasted-into variants — it gives exactly what the standard reader gives: the same
    value, the same type of every number, the same recovered flag, or the failure."""
    import random

    rng = random.Random(seed)
    pieces = [
        '"plain"',
        '"caf\\u00e9"',
        '"\\ud83d\\ude00"',
        '"\\ud800"',
        '"\\udc00x"',
        '"\\\\ud800"',
        "0",
        "-0",
        "17",
        "-17",
        "123456789012345678",
        "1234567890123456789",
        "-9223372036854775809",
        "18446744073709551616",
        "1.5",
        "1e308",
        "1e400",
        "-1e-400",
        "2.2250738585072014e-308",
        "0.1",
        "1E5",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        '"\\u0000"',
        '"tab\\there"',
        '"é ✓"',
        "NaN",
        "Infinity",
    ]

    def value(depth: int) -> str:
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(pieces)
        if roll < 0.75:
            return "[" + ", ".join(value(depth + 1) for _ in range(rng.randint(0, 4))) + "]"
        keys = [rng.choice(['"a"', '"b"', '"session_id"', '"é"']) for _ in range(rng.randint(0, 4))]
        return "{" + ", ".join(f"{key}: {value(depth + 1)}" for key in keys) + "}"

    path = tmp_path / "file.json"
    for _ in range(400):
        data = value(0).encode("utf-8")
        roll = rng.random()
        if roll < 0.1:
            data = b"\xef\xbb\xbf" + data
        elif roll < 0.2 and data:
            data = data[: rng.randrange(len(data))]
        elif roll < 0.3 and data:
            spot = rng.randrange(len(data))
            data = data[:spot] + bytes([rng.randrange(256)]) + data[spot + 1 :]
        elif roll < 0.35:
            data += b"\n"
        path.write_bytes(data)
        fast = read_json_file(path, 1 << 20)
        with monkeypatch.context() as patch:
            patch.setattr(reader, "_FAST_LOADS", None)
            patch.setattr(reader, "_fast_loads", lambda: None)
            standard = read_json_file(path, 1 << 20)
        # repr: 1 and 1.0 differ, nan equals nan
        assert repr(fast) == repr(standard), data
