"""``status --line``: one line of at most 80 characters for a tmux status bar.

It runs every few seconds in every tmux client, so its import path is the
standard library plus two stdlib-only helpers (``files.timeparse``,
``files.worktext``): no settings, Textual, Rich or store.
``__main__.entry`` (the ``coordinator-tui`` script and ``python -m``) hands
``status --line`` here before anything heavy is imported.

It reads only ``sessions/session*.json`` and, per session, its newest heartbeat
event (the newest ``heartbeats/<stamp>-<id>.json`` by name, and
``sessions/HEARTBEATS/<id>.json``): each file opened once, without following a
link (links are skipped), non-blocking, regular files only, size-capped. Health
follows the analysis: gone by ``status`` or a heartbeat older than
``gone_after_s``; waiting when the file's ``state`` says so; stale past
``stale_after_s``; idle on placeholder work; else working. Thresholds and
placeholders come from the command line, ``COORDINATOR_TUI_*`` variables, the
config file, else the settings defaults (a test keeps them equal).
"""

from __future__ import annotations

import os
import sys
import time

from coordinator_tui.files.config_file import ConfigError, config_file, read_config
from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.statusline.scan import (
    epoch_of,
    event_beats,
    read_sessions,
    spend_today,
    text_of,
)

TYPE_CHECKING = False  # typing itself costs 2 ms: mypy reads this name as True
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

STALE_AFTER_S = 600.0
GONE_AFTER_S = 7200.0
MAX_FILE_BYTES = 1024 * 1024
MAX_WIDTH = 80
PLACEHOLDERS = (
    "",
    "session initialization",
    "session initialisation",
    "initializing",
    "initialization",
    "starting",
    "null",
    "none",
    "idle",
    "unknown",
    "n/a",
    "na",
    "tbd",
    "waiting",
    "waiting for work",
    "available",
    "active session",
    "nothing",
)
GONE_STATUSES = (
    "ended",
    "inactive",
    "completed",
    "complete",
    "terminated",
    "stopped",
    "offline",
    "dead",
    "exited",
)
ORDER = ("working", "waiting", "idle", "stale")
LOOKS = {
    "working": ("●", "green"),
    "waiting": ("◉", "magenta"),
    "idle": ("○", "cyan"),
    "stale": ("▲", "yellow"),
    "duplicate": ("◆", "red"),
    "unreadable": ("✗", "red"),
    "spend": ("$", "colour250"),
    "over_budget": ("$", "red"),
}
USAGE = (
    "usage: coordinator-tui status --line [DIR] [--tmux] [--now TIME]"
    " [--stale-after S] [--gone-after S]"
)


class Usage(Exception):
    """A bad command line: one line, exit 2."""


def main(argv: Sequence[str]) -> int:
    """``status --line`` with ``argv`` the words after ``status``; the exit code."""
    try:
        options = _parse(list(argv))
    except Usage as error:
        print(f"coordinator-tui status: {error} (see --help)", file=sys.stderr)
        return 2
    if options.get("help"):
        print(USAGE)
        return 0
    root, problem = find_directory(options.get("dir"))
    if problem:
        print(f"coordinator-tui: {problem}", file=sys.stderr)
        return 2
    config = _config(options)
    now = options.get("now") or time.time()
    counts = summarise(str(root), now, config)
    print(render(counts, tmux=bool(options.get("tmux"))))
    return 0


def find_directory(argument: str | None) -> tuple[str, str]:
    """(directory, problem): ``files.locate.resolve_directory``'s rule with ``os.path``
    (pathlib costs 3 ms): the argument, ``$COORDINATOR_DIR``, ``./docs/coordination``,
    ``./COORDINATION``, or ``.`` when it has a ``sessions/`` folder."""
    here = os.getcwd()
    explicit = argument or os.environ.get("COORDINATOR_DIR")
    if explicit:
        path = explicit if os.path.isabs(explicit) else os.path.realpath(explicit)
        if os.path.isdir(path):
            return path, ""
        source = "argument" if argument else "$COORDINATOR_DIR"
        what = "is not a directory" if os.path.exists(path) else "does not exist"
        return path, f"{path} ({source}) {what}"
    for candidate in (
        os.path.join(here, "docs", "coordination"),
        os.path.join(here, "COORDINATION"),
    ):
        if os.path.isdir(candidate):
            return os.path.realpath(candidate), ""
    if os.path.isdir(os.path.join(here, "sessions")):
        return os.path.realpath(here), ""
    return here, "no coordination directory: give DIR or set $COORDINATOR_DIR"


def _parse(words: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    values = {"--now": "now", "--stale-after": "stale_after_s", "--gone-after": "gone_after_s"}
    while words:
        word = words.pop(0)
        name, _, inline = word.partition("=")
        if word == "--line":
            continue
        if word in ("-h", "--help"):
            options["help"] = True
        elif word == "--tmux":
            options["tmux"] = True
        elif name in values:
            if not inline and not words:
                raise Usage(f"{name} needs a value")
            options[values[name]] = _value(name, inline or words.pop(0))
        elif word.startswith("-") and word != "-":
            raise Usage(f"unrecognized argument for --line: {word}")
        elif "dir" in options:
            raise Usage(f"unrecognized argument: {word}")
        else:
            options["dir"] = word
    return options


def _value(name: str, text: str) -> float:
    if name == "--now":
        moment = parse_timestamp(text)
        if moment is None:
            raise Usage(f"not a timestamp: {text!r}")
        return moment.timestamp()
    try:
        number = float(text)
    except ValueError:
        raise Usage(f"not a number: {text!r}") from None
    if not number > 0 or number == float("inf"):
        raise Usage(f"must be greater than 0: {text!r}")
    return number


DEFAULT_NUMBERS = {
    "stale_after_s": STALE_AFTER_S,
    "gone_after_s": GONE_AFTER_S,
    "max_file_bytes": float(MAX_FILE_BYTES),
}


def _config(options: dict[str, Any]) -> dict[str, Any]:
    """Thresholds and placeholders: defaults < config file < variables < command line.

    A value that is not usable falls back to the default: the line must print.
    """
    config: dict[str, Any] = {
        **DEFAULT_NUMBERS,
        "placeholders": PLACEHOLDERS,
        "gone_statuses": GONE_STATUSES,
    }
    config.update({k: v for k, v in _config_file().items() if k in config})
    for name in config:
        raw = os.environ.get("COORDINATOR_TUI_" + name.upper())
        if raw is not None:
            config[name] = raw
    config.update({k: options[k] for k in ("stale_after_s", "gone_after_s") if k in options})
    for name, default in DEFAULT_NUMBERS.items():
        config[name] = _positive(config[name], default)
    for name in ("placeholders", "gone_statuses"):
        value = config[name]
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            items = ()
        fold = normalise_work if name == "placeholders" else _lower
        config[name] = frozenset(fold(item) for item in items if isinstance(item, str))
    return config


def _positive(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if 0 < number < float("inf") else default


def _lower(text: str) -> str:
    return text.strip().lower()


def _config_file() -> dict[str, Any]:
    """The settings file's values ({} when it cannot be read: the line must print)."""
    try:
        return read_config(*config_file())
    except ConfigError:
        return {}


def summarise(root: str, now: float, config: dict[str, Any]) -> dict[str, int]:
    """Counts per health (``working``, ``waiting``, ``idle``, ``stale``, ``gone``), duplicate
    work groups (``duplicate``), unreadable session files (``unreadable``)."""
    counts = dict.fromkeys((*ORDER, "gone", "duplicate", "unreadable"), 0)
    try:
        root_fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return counts
    try:
        sessions = read_sessions(root_fd, config["max_file_bytes"], counts)
        beats = event_beats(root_fd, {s["session_id"] for s in sessions}, config["max_file_bytes"])
        spend = spend_today(root_fd, now)
    finally:
        os.close(root_fd)
    if spend is not None:  # the optional $ field: today's spend, in cents
        counts["spend_cents"] = round(spend[0] * 100)
        counts["over_budget"] = int(spend[1])
        counts["spend_at_least"] = int(spend[2])
    works: dict[str, set[str]] = {}
    for session in sessions:
        health, work = _health(session, beats.get(session["session_id"]), now, config)
        counts[health] += 1
        if health == "working":
            works.setdefault(work, set()).add(session["session_id"])
    counts["duplicate"] = sum(1 for ids in works.values() if len(ids) >= 2)
    return counts


def _health(
    session: dict[str, Any], event: float | None, now: float, config: dict[str, Any]
) -> tuple[str, str]:
    # As the analysis: a signal more than the tolerance ahead is skipped, never allowed to
    # hide an older credible one (a future event file must not make a live session gone).
    signals = (epoch_of(session.get("last_heartbeat")), event)
    credible = [moment for moment in signals if moment is not None and moment - now <= 300.0]
    beat = max(credible) if credible else None
    age = None if beat is None else now - beat
    status = text_of(session.get("status")).strip().lower()
    state = text_of(session.get("state")).strip().lower()
    work = normalise_work(text_of(session.get("current_work")) or None)
    if status in config["gone_statuses"] or state == "ended":
        return "gone", work
    if age is None or age > config["gone_after_s"]:
        return "gone", work
    if state == "waiting":
        return "waiting", work
    if max(age, 0.0) > config["stale_after_s"]:
        return "stale", work
    if not work or work in config["placeholders"]:
        return "idle", work
    return "working", work


def render(counts: dict[str, int], tmux: bool = False) -> str:
    """The line: each live health count, then alerts when there are any."""
    parts: list[tuple[str, str]] = []
    for name in ORDER:
        symbol, colour = LOOKS[name]
        parts.append((f"{symbol}{counts.get(name, 0)} {name}", colour))
    if counts.get("duplicate"):
        symbol, colour = LOOKS["duplicate"]
        parts.append((f"{symbol}{counts['duplicate']} dup", colour))
    if counts.get("unreadable"):
        symbol, colour = LOOKS["unreadable"]
        parts.append((f"{symbol}{counts['unreadable']} unreadable", colour))
    if "spend_cents" in counts:
        symbol, colour = LOOKS["over_budget" if counts.get("over_budget") else "spend"]
        least = "≥" if counts.get("spend_at_least") else ""  # only transcript tails read yet
        parts.append((f"{least}{symbol}{counts['spend_cents'] / 100:.2f}", colour))
    plain = " ".join(text for text, _ in parts)
    if len(plain) > MAX_WIDTH:
        return plain[: MAX_WIDTH - 1] + "…"
    if not tmux:
        return plain
    return " ".join(
        f"#[fg={colour if _nonzero(text) else 'colour244'}]{text}#[default]"
        for text, colour in parts
    )


def _nonzero(text: str) -> bool:
    """``●0 working`` is drawn dim in tmux; any other count in its colour."""
    digits = "".join(ch for ch in text.split(" ", 1)[0] if ch.isdigit())
    return digits.strip("0") != ""
