"""Following every session's transcripts in the background, totals handed out as plain data.

The headless coordinator and the dashboard own one ``UsageFollower`` each and run it
in a thread (``start``/``stop``); ``status`` and ``report`` take one ``step`` of it
(``read_usage``). Never the hook: a hook only records where the transcript is. Each
cycle the owner tells it which sessions there are (``watch``, from the snapshot's
session files: ``agent``, ``transcript_path``, ``model``, ``current_work``) and takes
an immutable ``UsageSnapshot`` back (``snapshot``), which the analysis receives.

How totals stay exact while only tails are read:

- a session whose transcripts have not changed since the last look (any of ours: ``run``,
  ``status``, the dashboard) takes its totals from the index that look left (``index``),
  one ``stat`` per transcript; every other session is read as follows;
- a transcript with a saved state (``.coordinator/usage/``, ``state``) resumes from its
  offset: only what was appended since is read;
- one without, no larger than ``whole_below`` bytes, is read whole at once;
- a larger one is read from ``tail`` bytes before its end (its latest spend shows at
  once, marked "at least"), and a second reader goes through it from byte 0 in the
  background, ``rebuild_bytes`` a step; when it has caught up it replaces the first
  and the state is saved, so this happens once per transcript.

Where transcripts are: ``transcript_path`` as the hooks recorded it; for Claude Code
also its subagents' transcripts beside it (``<session>/subagents/…/agent-*.jsonl``);
for a Codex session known only by its ``notify`` (no path), its rollout
``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*-<id>.jsonl``; for Gemini CLI without a path,
``~/.gemini/tmp/*/chats/session-*-<first 8 of id>.jsonl``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from coordinator_tui.files.fsio import read_bytes
from coordinator_tui.files.layout import PRIVATE_FOLDER
from coordinator_tui.files.records import Session
from coordinator_tui.usage import index
from coordinator_tui.usage import state as saved_state
from coordinator_tui.usage.readers import READERS
from coordinator_tui.usage.tokens import (
    UNKNOWN_MODEL,
    Cell,
    Response,
    SessionUsage,
    Tokens,
    UsageSnapshot,
    clean_model,
)
from coordinator_tui.usage.transcript import Signature, Transcript, acceptable_path

TAIL_BYTES = 64 << 10
"""A first look at a large transcript with no saved state reads this much of its end: its
last responses, enough for the last turn and "at least" (the follower makes it exact).
256 KiB made a first ``status`` on 100 sessions 1.4× the same without transcripts, 64 KiB
1.2× (``bench_usage``: parsing the tails was most of it)."""
WHOLE_BELOW = 4 << 20
"""…and a transcript smaller than this is read whole at once."""
STEP_BYTES = 8 << 20
"""At most this much of one transcript is read a step (the rest at the next)."""
REBUILD_BYTES = 16 << 20
"""The background read from byte 0 of a tail-only transcript advances this much a step."""
SAVE_EVERY_S = 30.0
RESCAN_S = 60.0
"""Subagent transcripts and rollouts without a recorded path are looked for this often."""
MAX_TRANSCRIPTS = 64
"""Transcripts followed per session (a session with hundreds of subagents keeps its first)."""
MAX_WORK_LOG = saved_state.MAX_WORK_LOG

Save = Callable[[str, bytes], None]
"""Writes ``data`` to a path relative to the coordination root (the owner's guarded
writer: this layer does not write)."""


class Watched(NamedTuple):
    """A session to follow, as its file describes it."""

    session: str
    agent: str
    transcript: str | None
    model: str | None
    work: str | None
    started: float | None


def watched_from(sessions: Iterable[Session]) -> list[Watched]:
    """The sessions whose agent we can read (``agent`` claude, codex or gemini)."""
    result = []
    seen: set[str] = set()
    for session in sessions:
        extra = session.extra
        agent = extra.get("agent")
        if agent not in READERS or session.session_id in seen:
            continue
        seen.add(session.session_id)
        path = extra.get("transcript_path")
        model = extra.get("model")
        started = session.started_at.timestamp() if session.started_at else None
        result.append(
            Watched(
                session.session_id,
                agent,
                path if isinstance(path, str) else None,
                model if isinstance(model, str) else None,
                session.current_work,
                started,
            )
        )
    return result


@dataclass
class Homes:
    """Where Codex and Gemini CLI keep their logs (for sessions with no recorded path)."""

    codex: str = field(
        default_factory=lambda: os.environ.get("CODEX_HOME") or os.path.expanduser("~/.codex")
    )
    gemini: str = field(default_factory=lambda: os.path.expanduser("~/.gemini"))


@dataclass
class _Followed:
    """One session's transcripts and what was saved of them."""

    watched: Watched
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    rebuilds: dict[str, Transcript] = field(default_factory=dict)
    saved: dict[str, dict] = field(default_factory=dict)
    work_log: list[tuple[float, str]] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    """Transcripts found by looking (subagents, rollouts), as of ``looked_at``."""
    looked_at: float = -1e18
    saved_at: float = 0.0
    dirty: bool = False
    """Changed since its state was saved."""
    stale: bool = False
    """Changed since ``usage`` was made."""
    problems: list[str] = field(default_factory=list)
    usage: SessionUsage | None = None
    indexed: dict[str, Signature] | None = None
    """Its totals (``usage``) are the index's, for transcripts of these signatures: none
    is read (nor its state) until one of them changes."""


class UsageFollower:
    """Every watched session's transcripts, followed step by step (one stepper at a time)."""

    def __init__(
        self,
        root: Path,
        save: Save | None = None,
        *,
        tail: int = TAIL_BYTES,
        whole_below: int = WHOLE_BELOW,
        step_bytes: int = STEP_BYTES,
        rebuild_bytes: int = REBUILD_BYTES,
        save_every_s: float = SAVE_EVERY_S,
        homes: Homes | None = None,
        clock: Callable[[], float] = time.time,
        note_work: bool = True,
    ) -> None:
        self.root = Path(root)
        self.note_work = note_work
        """Keep the work log (a one-shot look does not: it saw one moment only)."""
        self.save = save
        self.tail = tail
        self.whole_below = whole_below
        self.step_bytes = step_bytes
        self.rebuild_bytes = rebuild_bytes
        self.save_every_s = save_every_s
        self.homes = homes or Homes()
        self.clock = clock
        self._wanted: dict[str, Watched] = {}
        self._followed: dict[str, _Followed] = {}
        self._snapshot = UsageSnapshot()
        self._problems: list[str] = []
        self._index: dict[str, object] | None = None
        """The last look's index (raw entries, each checked when its session is opened)."""
        self._index_dirty = False
        self._index_saved_at = 0.0
        self._within: str | None = None
        """The root, resolved once (where a link to one of our files may point)."""
        self._lock = threading.Lock()
        self._stepping = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        """What stopped the background thread, if anything did (the owner shows it)."""

    # --- the owner's side ----------------------------------------------------------------

    def watch(self, sessions: Iterable[Watched]) -> None:
        """The sessions to follow from now on (thread-safe)."""
        wanted = {item.session: item for item in sessions}
        with self._lock:
            self._wanted = wanted

    def snapshot(self) -> UsageSnapshot:
        with self._lock:
            return self._snapshot

    def start(self, interval: float = 2.0) -> None:
        """Step every ``interval`` seconds in a daemon thread until ``stop``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="usage-follower", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.flush()

    def _run(self, interval: float) -> None:
        try:
            while not self._stop.is_set():
                busy = self.step()
                self._stop.wait(0.05 if busy else interval)
        except BaseException as error:  # kept for the owner to show: a failure never hides
            self.error = error
            raise

    # --- one step --------------------------------------------------------------------------

    def step(self) -> bool:
        """Read what is new everywhere (bounded); True while more is waiting to be read."""
        with self._stepping:
            with self._lock:
                wanted = dict(self._wanted)
            now = self.clock()
            busy = False
            if self._index is None:
                self._index = self._read_index()
            for session in list(self._followed):
                if session not in wanted:
                    del self._followed[session]
                    self._index_dirty = True
            for session, watched in wanted.items():
                followed = self._followed.get(session)
                if followed is None:
                    followed = self._followed[session] = self._open(watched)
                followed.watched = watched
                if self.note_work:
                    self._note_work(followed, watched.work, now)
                busy |= self._follow(followed, now)
            busy |= self._rebuild_one()
            self._publish()
            self._save_due(now, force=False)
            return busy

    def flush(self) -> None:
        """Save every state that changed, and the index (at the end, or before a one-shot
        exits)."""
        with self._stepping:
            self._save_due(self.clock(), force=True)

    def _read_private(self, name: str, limit: int) -> tuple[bytes | None, str | None]:
        """One of our files in ``.coordinator/usage/``: (data, None), (None, None) when it
        does not exist, (None, why) when it cannot be read."""
        path = os.path.join(self.root, PRIVATE_FOLDER, saved_state.FOLDER, name)
        if not os.path.lexists(path):
            return None, None
        if self._within is None:
            self._within = str(self.root.resolve())
        data, reason, _, _ = read_bytes(path, limit, within=self._within)
        return data, reason

    def _read_index(self) -> dict[str, object]:
        data, reason = self._read_private(index.NAME, index.MAX_INDEX_BYTES)
        if data is None:
            if reason is not None:
                self._problems = [f"usage index not read ({reason}); sessions read one by one"]
            return {}
        try:
            return index.decode(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            self._problems = [f"usage index ignored ({error}); sessions read one by one"]
            return {}

    def _open(self, watched: Watched) -> _Followed:
        followed = _Followed(watched)
        raw = self._index.pop(watched.session, None) if self._index else None
        known = index.entry(raw, watched.session, watched.agent) if raw is not None else None
        if known is not None:
            followed.indexed = known.seen
            followed.usage = known.usage
            followed.work_log = list(known.usage.work_log)
            return followed
        followed.saved, followed.work_log = self._read_state(followed)
        return followed

    def _read_state(self, followed: _Followed) -> tuple[dict[str, dict], list[tuple[float, str]]]:
        """The session's saved state: (transcript path → its state, work log)."""
        session = followed.watched.session
        data, reason = self._read_private(
            saved_state.state_name(session), saved_state.MAX_STATE_BYTES
        )
        if data is None:
            if reason is not None:
                followed.problems.append(f"saved usage state not read ({reason}); reading afresh")
            return {}, []
        try:
            return saved_state.decode(data, session)
        except (ValueError, UnicodeDecodeError) as error:
            followed.problems.append(f"saved usage state ignored ({error}); reading afresh")
            return {}, []

    def _note_work(self, followed: _Followed, work: str | None, now: float) -> None:
        text = (work or "")[: saved_state.MAX_WORK]
        log = followed.work_log
        if not log or log[-1][1] != text:
            log.append((now, text))
            del log[:-MAX_WORK_LOG]
            followed.dirty = followed.stale = True

    def _follow(self, followed: _Followed, now: float) -> bool:
        paths = self._paths(followed, now)
        if followed.indexed is not None:
            exact = followed.usage is not None and followed.usage.complete
            keep = not followed.dirty and (exact or self.rebuild_bytes == 0)
            if keep and index.unchanged(followed.indexed, paths):
                return False
            self._leave_index(followed)
        busy = False
        for path in paths:
            transcript = followed.transcripts.get(path)
            if transcript is None:
                transcript = self._transcript(followed, path)
                if transcript is None:
                    continue
            transcript.step(self.step_bytes, self.tail, self.whole_below)
            busy |= transcript.more
            if transcript.changed:
                followed.dirty = followed.stale = True
            if self.rebuild_bytes > 0 and not transcript.complete and path not in followed.rebuilds:
                followed.rebuilds[path] = Transcript(path, transcript.agent, _model(followed))
        return busy

    def _leave_index(self, followed: _Followed) -> None:
        """A transcript changed (or a partial total is to be made exact): the session is
        read the usual way from here, from its saved state. Its work log stays the
        index's (with what was noted since): the two were saved together."""
        followed.indexed = None
        followed.saved = self._read_state(followed)[0]
        followed.stale = True

    def _transcript(self, followed: _Followed, path: str) -> Transcript | None:
        if len(followed.transcripts) >= MAX_TRANSCRIPTS:
            return None
        transcript = Transcript(path, followed.watched.agent, _model(followed))
        item = followed.saved.pop(path, None)
        if item is not None and not saved_state.restore(transcript, item):
            followed.problems.append("a saved transcript state was malformed; reading afresh")
        followed.transcripts[path] = transcript
        return transcript

    def _paths(self, followed: _Followed, now: float) -> list[str]:
        watched = followed.watched
        paths = []
        named = watched.transcript
        if named and acceptable_path(named) is None:
            paths.append(named)
        if now - followed.looked_at >= RESCAN_S:
            followed.looked_at = now
            followed.found = self._look(watched)
        for path in followed.found:
            if path not in paths:
                paths.append(path)
        return paths

    def _look(self, watched: Watched) -> list[str]:
        """Transcripts found beside the recorded one, or in the agent's home."""
        named = watched.transcript if acceptable_path(watched.transcript) is None else None
        if watched.agent == "claude" and named:
            stem = named[: -len(".jsonl")] if named.endswith(".jsonl") else named
            if not os.path.isdir(os.path.join(stem, "subagents")):
                return []  # one stat instead of two globs for most sessions
            found = glob.glob(os.path.join(glob.escape(stem), "subagents", "agent-*.jsonl"))
            found += glob.glob(os.path.join(glob.escape(stem), "subagents", "*", "agent-*.jsonl"))
            return sorted(found)[:MAX_TRANSCRIPTS]
        if named:
            return []
        ident = glob.escape(watched.session)
        if watched.agent == "codex":
            return _codex_rollouts(self.homes.codex, ident, watched.started)
        if watched.agent == "gemini" and len(watched.session) >= 8:
            pattern = os.path.join(
                glob.escape(self.homes.gemini), "tmp", "*", "chats", f"session-*-{ident[:8]}.json*"
            )
            return sorted(glob.glob(pattern))[:1]
        return []

    def _rebuild_one(self) -> bool:
        """Advance one background read from byte 0; True while one is under way."""
        for followed in self._followed.values():
            for path, rebuild in list(followed.rebuilds.items()):
                live = followed.transcripts.get(path)
                if live is None or live.complete:
                    del followed.rebuilds[path]
                    continue
                read = rebuild.step(self.rebuild_bytes)
                if rebuild.problem is not None and read == 0:
                    del followed.rebuilds[path]  # the file went away: stay with the tail
                    continue
                if not rebuild.more and rebuild.offset >= live.offset:
                    followed.transcripts[path] = rebuild  # caught up: exact from here on
                    del followed.rebuilds[path]
                    followed.dirty = followed.stale = True
                return True
        return False

    def _save_due(self, now: float, force: bool) -> None:
        if self.save is None:
            return
        for followed in self._followed.values():
            if not followed.dirty or (not force and now - followed.saved_at < self.save_every_s):
                continue
            watched = followed.watched
            data = saved_state.encode(
                watched.session,
                watched.agent,
                list(followed.transcripts.values()),
                followed.work_log,
            )
            try:
                if data is not None:
                    self.save(_relative(saved_state.state_name(watched.session)), data)
            except OSError as error:
                self._problems = [f"usage state not saved: {error}"]
                continue
            followed.saved_at = now
            followed.dirty = False
            for transcript in followed.transcripts.values():
                transcript.changed = False
        if self._index_dirty and (force or now - self._index_saved_at >= self.save_every_s):
            try:
                self.save(_relative(index.NAME), index.encode(self._index_entries()))
            except OSError as error:
                self._problems = [f"usage index not saved: {error}"]
                return
            self._index_dirty = False
            self._index_saved_at = now

    def _index_entries(self) -> dict[str, index.Entry]:
        """Every session whose totals cover its transcripts as they are now."""
        entries = {}
        for session, followed in self._followed.items():
            usage = followed.usage
            if usage is None or followed.stale:
                continue
            if followed.indexed is not None:
                entries[session] = index.Entry(usage, followed.indexed)
                continue
            seen = {}
            for path, transcript in followed.transcripts.items():
                if transcript.seen is None or transcript.more or transcript.problem:
                    break
                seen[path] = transcript.seen
            else:
                if not usage.problems:
                    entries[session] = index.Entry(usage, seen)
        return entries

    def _publish(self) -> None:
        sessions = {}
        for session, followed in self._followed.items():
            if followed.usage is None or followed.stale or followed.rebuilds:
                followed.usage = _usage_of(followed)
                followed.stale = False
                self._index_dirty = True
            sessions[session] = followed.usage
        with self._lock:
            self._snapshot = UsageSnapshot(sessions, tuple(self._problems))


def _relative(name: str) -> str:
    return f"{PRIVATE_FOLDER}/{saved_state.FOLDER}/{name}"


def _model(followed: _Followed) -> str:
    return clean_model(followed.watched.model) if followed.watched.model else UNKNOWN_MODEL


def _usage_of(followed: _Followed) -> SessionUsage:
    cells: dict[tuple[int, str, int], Tokens] = {}
    last: Response | None = None
    complete = True
    problems = list(followed.problems)
    for transcript in followed.transcripts.values():
        for ledger in (transcript.carried, transcript.ledger):
            for key, tokens in ledger.cells.items():
                known = cells.get(key)
                cells[key] = tokens if known is None else known.plus(tokens)
            if ledger.last is not None and (last is None or ledger.last.time > last.time):
                last = ledger.last
        complete &= transcript.complete
        if transcript.problem:
            problems.append(f"{os.path.basename(transcript.path)}: {transcript.problem}")
    watched = followed.watched
    return SessionUsage(
        session=watched.session,
        agent=watched.agent,
        cells=tuple(Cell(*key, tokens) for key, tokens in cells.items()),
        last=last,
        complete=complete,
        sources=tuple(followed.transcripts),
        problems=tuple(problems),
        work_log=tuple(followed.work_log),
    )


def _codex_rollouts(home: str, ident: str, started: float | None) -> list[str]:
    """The rollout of a Codex thread: its date folder is the local date it started on, so
    the days around the session's start are looked in, then (once) every day."""
    base = os.path.join(glob.escape(home), "sessions")
    name = f"rollout-*{ident}.jsonl"
    if started is not None:
        moment = datetime.fromtimestamp(started, tz=timezone.utc)
        for days in (0, -1, 1):
            day = moment + timedelta(days=days)
            folder = os.path.join(base, f"{day:%Y}", f"{day:%m}", f"{day:%d}")
            found = glob.glob(os.path.join(folder, name))
            if found:
                return sorted(found)[:1]
    return sorted(glob.glob(os.path.join(base, "*", "*", "*", name)))[:1]


def read_usage(
    root: Path,
    sessions: Iterable[Session],
    save: Save | None = None,
    **options: int,
) -> UsageSnapshot:
    """One look at every session's transcripts, for a one-shot command (``status``):
    saved states resumed, small transcripts read whole, large ones by their tail
    (marked "at least", not read from the start: that is for a follower that stays).
    States of what was read whole are saved when ``save`` is given."""
    options.setdefault("rebuild_bytes", 0)  # no background read: the process ends now
    follower = UsageFollower(root, save, note_work=False, **options)  # type: ignore[arg-type]
    follower.watch(watched_from(sessions))
    follower.step()
    with contextlib.suppress(OSError):
        follower.flush()
    return follower.snapshot()
