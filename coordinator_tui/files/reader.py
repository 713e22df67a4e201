"""The lenient reader: every file as real collectives write it, none lost.

Order of attempts, cheapest first:

1. strict ``json.loads`` (``orjson.loads`` first, wherever it gives the same value);
2. a *repair* pass that fixes what the real shell scripts produce inside
   strings — raw newlines and control characters, and invalid escapes such as
   ``\\!`` and ``\\$`` (bash history/expansion artefacts) — then ``json.loads``;
3. *layout recovery* for the one-key-per-line shape the scripts write: each
   top-level ``"key": value`` line starts a field and everything up to the next
   one is its value, so unescaped quotes and pasted JSON inside a message
   survive. When the file's kind has a known key order, only those keys start a
   field, which keeps a pasted object's own keys inside the value.

A file read by (2) or (3) is ``recovered``. Anything else is an error with the
path and a reason. Only regular files are read, and never more than
``max_bytes`` (a FIFO or device would block or never end).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coordinator_tui.files.fsio import Folders
from coordinator_tui.files.fsio import os_reason as os_reason  # re-exported
from coordinator_tui.files.fsio import read_bytes as read_bytes  # re-exported

MESSAGE_KEYS = ("from", "to", "timestamp", "subject", "message")
HEARTBEAT_KEYS = ("session_id", "timestamp", "action", "target", "phase", "progress", "next_action")
SESSION_KEYS = (
    "session_id",
    "started_at",
    "status",
    "current_work",
    "capabilities",
    "last_heartbeat",
    "heartbeat_count",
)
CLAIM_KEYS = (
    "claimed_by",
    "claimed_at",
    "resource_type",
    "resource_name",
    "duration_hours",
    "expires_at",
    "allow_coordination",
)

_VALID_ESCAPES = frozenset('"\\/bfnrt')
# Backslashes the shell scripts leave before these characters mean nothing.
_SHELL_ESCAPES = frozenset("!$`")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_KEY_LINE = re.compile(r'^([ \t]*)"((?:[^"\\]|\\.)*)"[ \t]*:[ \t]*(.*)$')
# A \uD800–\uDFFF escape: JSON allows a lone surrogate; no UTF-8 encoder can write one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DECODE = json.JSONDecoder().decode
"""``json.loads`` of text without its argument checks (it is called once a file)."""
_MAY_DIFFER = re.compile(rb"[0-9]{19}")
"""Where ``orjson.loads`` could accept a file and still not give what ``json.loads``
gives: an integer of 19 digits or more (orjson turns one past 64 bits into a float),
so the standard way reads such a file. Everything else orjson reads the same, in a
quarter of the time, or refuses (a byte-order mark, invalid UTF-8, a lone surrogate,
NaN, 1e400, pasted text); then the lenient reader decides as before. A test compares
both ways on thousands of random and broken files."""
_CONTROL_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


@dataclass(slots=True)
class ReadResult:
    """What reading one file gave: data or an error, never both."""

    path: Path | str
    data: Any = None
    recovered: bool = False
    error: str | None = None
    # The failure looks like a writer caught mid-rewrite (empty or cut short).
    transient: bool = False
    # Bytes that were not UTF-8 were replaced (the record is marked recovered).
    lossy: bool = False
    mtime: float = 0.0
    size: int = 0


def decode_text(data: bytes) -> tuple[str, bool]:
    """UTF-8 text without a BOM; (text, lossy) where lossy means bytes were replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def read_json_file(
    path: Path | str,
    max_bytes: int,
    keys: tuple[str, ...] | None = None,
    within: str | None = None,
    folders: Folders | None = None,
) -> ReadResult:
    """Read one JSON file leniently. ``keys`` is the known key order of its kind, if any;
    ``within`` confines symbolic links as in ``read_bytes`` (``folders`` too)."""
    data, error, mtime, size = read_bytes(path, max_bytes, within, folders)
    if data is None:
        return ReadResult(path, error=error, mtime=mtime, size=size)
    fast_loads = _FAST_LOADS or _fast_loads()
    if fast_loads is not None and not _MAY_DIFFER.search(data):
        try:
            return ReadResult(path, data=fast_loads(data), mtime=mtime, size=size)
        except ValueError:  # orjson.JSONDecodeError is one: the lenient way decides
            pass
    text, lossy = decode_text(data)
    value, recovered, reason = parse_json_text(text, keys)
    if reason is not None:
        transient = not text.strip() or _looks_truncated(text)
        if transient and text.strip():
            reason += " (the file looks cut short)"
        return ReadResult(path, error=reason, transient=transient, mtime=mtime, size=size)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):  # the substring test is quick
        value, replaced = replace_surrogates(value)
        lossy = lossy or replaced
    return ReadResult(
        path, data=value, recovered=recovered or lossy, lossy=lossy, mtime=mtime, size=size
    )


_FAST_LOADS: Callable[[bytes], Any] | None = None
"""``orjson.loads`` once looked up (``_fast_loads``): loaded on the first file read, not
with this module, which the agent hooks' rare slow path imports too."""


def _fast_loads() -> Callable[[bytes], Any] | None:
    global _FAST_LOADS
    try:
        from orjson import loads
    except ImportError:  # a dependency; without it, the standard library reads alone
        return None
    _FAST_LOADS = loads
    return loads


def replace_surrogates(value: Any) -> tuple[Any, bool]:
    """``value`` with lone surrogates in its strings (and keys) replaced by U+FFFD.

    A string holding one cannot be printed to a strict UTF-8 terminal or written
    to a UTF-8 file, so it would crash whatever shows it. Iterative: the value may
    be nested as deeply as ``json.loads`` allows.
    """
    if isinstance(value, str):
        cleaned = _SURROGATE.sub("\ufffd", value)
        return cleaned, cleaned != value
    replaced = False
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    cleaned = _SURROGATE.sub("\ufffd", item)
                    replaced = replaced or cleaned != item
                    node[index] = cleaned
                elif isinstance(item, (list, dict)):
                    stack.append(item)
        elif isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for key, item in items:
                clean_key = _SURROGATE.sub("\ufffd", key)
                replaced = replaced or clean_key != key
                if isinstance(item, str):
                    cleaned = _SURROGATE.sub("\ufffd", item)
                    replaced = replaced or cleaned != item
                    item = cleaned
                elif isinstance(item, (list, dict)):
                    stack.append(item)
                node[clean_key] = item
    return value, replaced


def parse_json_text(text: str, keys: tuple[str, ...] | None = None) -> tuple[Any, bool, str | None]:
    """(value, recovered, error) for JSON text as the scripts write it."""
    try:
        return _DECODE(text), False, None
    except RecursionError:
        return None, False, "JSON nested too deeply to read"
    except ValueError as error:
        if not text.strip():
            return None, False, "empty file"
        first_error = f"invalid JSON: {error}"
    repaired = repair_strings(text)
    if repaired != text:
        try:
            return json.loads(repaired), True, None
        except RecursionError:
            return None, False, "JSON nested too deeply to read"
        except ValueError:
            pass
    recovered = recover_layout(text, keys)
    if recovered is not None:
        return recovered, True, None
    return None, False, first_error


def repair_strings(text: str) -> str:
    """Escape raw control characters and drop shell-only escapes inside JSON strings."""
    out: list[str] = []
    in_string = False
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if in_string:
            if char == "\\":
                following = text[index + 1] if index + 1 < length else ""
                if following in _VALID_ESCAPES:
                    out.append(char + following)
                    index += 2
                    continue
                if following == "u" and _HEX4.match(text, index + 2):
                    out.append(text[index : index + 6])
                    index += 6
                    continue
                if following in _SHELL_ESCAPES:
                    index += 1  # keep the character, lose the backslash
                    continue
                out.append("\\\\")
                index += 1
                continue
            if char == '"':
                in_string = False
            elif char < " " or char == "\x7f":
                out.append(_CONTROL_NAMES.get(char, f"\\u{ord(char):04x}"))
                index += 1
                continue
        elif char == '"':
            in_string = True
        out.append(char)
        index += 1
    return "".join(out)


def decode_loose_string(inner: str) -> str:
    """The text of a string body whose quotes and escapes may be broken."""
    out: list[str] = []
    index = 0
    length = len(inner)
    simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
    while index < length:
        char = inner[index]
        if char == "\\" and index + 1 < length:
            following = inner[index + 1]
            if following in simple:
                out.append(simple[following])
                index += 2
                continue
            if following == "u" and _HEX4.match(inner, index + 2):
                out.append(chr(int(inner[index + 2 : index + 6], 16)))
                index += 6
                continue
            if following in _SHELL_ESCAPES:
                out.append(following)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _value_from_raw(raw: str) -> tuple[Any, bool]:
    """A field's value from its raw text; (value, complete)."""
    raw = raw.strip()
    if raw.endswith(","):
        raw = raw[:-1].rstrip()
    if not raw:
        return "", False
    try:
        return json.loads(raw), True
    except (ValueError, RecursionError):
        pass
    try:
        return json.loads(repair_strings(raw)), True
    except (ValueError, RecursionError):
        pass
    if raw.startswith('"'):
        inner = raw[1:-1] if raw.endswith('"') and len(raw) >= 2 else raw[1:]
        return decode_loose_string(inner), False
    return raw, False


def recover_layout(text: str, keys: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """Recover an object written one key per line with broken strings, or None."""
    body = text.strip()
    if not body.startswith("{"):
        return None
    if not body.endswith("}"):
        return None  # cut short: a writer mid-rewrite, or a torn file; never guess the rest
    body = body[1:-1]
    known = frozenset(keys) if keys else None
    fields: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    indent: str | None = None
    for line in body.split("\n"):
        match = _KEY_LINE.match(line.rstrip("\r"))
        if match is not None:
            line_indent, key, rest = match.groups()
            if _starts_field(key, line_indent, indent, seen, known, fields):
                indent = line_indent if indent is None else indent
                seen.add(key)
                fields.append((key, [rest]))
                continue
        if fields:
            fields[-1][1].append(line.rstrip("\r"))
        elif line.strip():
            return None  # text before the first key: not this layout
    if not fields:
        return None
    result: dict[str, Any] = {}
    for key, lines in fields:
        result[decode_loose_string(key)] = _value_from_raw("\n".join(lines))[0]
    return result


def _starts_field(
    key: str,
    line_indent: str,
    indent: str | None,
    seen: set[str],
    known: frozenset[str] | None,
    fields: list[tuple[str, list[str]]],
) -> bool:
    if key in seen:
        return False
    if indent is not None and line_indent != indent:
        return False
    if not fields or (known is not None and key in known):
        return True
    return _value_from_raw("\n".join(fields[-1][1]))[1]


def _looks_truncated(text: str) -> bool:
    stripped = text.rstrip()
    return stripped.startswith(("{", "[")) and not stripped.endswith(("}", "]"))
