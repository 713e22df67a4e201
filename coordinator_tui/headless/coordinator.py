"""The headless coordinator loop: each cycle analyse -> decide -> write -> log.

What the old Bash loop did every five minutes, done right. A cycle reads only
what changed (the store keeps parsed records between cycles), logs the steps
the old one logged (sessions, duplicates, distribution, milestones; their
words come from ``render.log_lines``), asks ``headless.decide`` what is new
enough to broadcast, lets ``headless.acting`` act (direct messages to the
yielders of duplicate work, early suggestions, resource advice, escalation to
a human), and writes through ``write/``: the broadcasts, a history
sample every cycle, a sprint report every ``report_every`` cycles and what was
already said (``write.alert_state``, so a restarted coordinator does not
repeat itself). It writes nothing but messages, the report and
``.coordinator/``; ``dry_run`` writes nothing at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.clock import Clock
from coordinator_tui.files.records import FileError
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.headless import decide
from coordinator_tui.headless.acting import ActingStep
from coordinator_tui.headless.decide import Broadcast
from coordinator_tui.render import log_lines
from coordinator_tui.render.log_lines import LogLine
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import count_of
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.usage.follower import UsageFollower, watched_from
from coordinator_tui.write.alert_state import (
    ALERT_STATE_FILE,
    AlertState,
    load_alert_state,
    save_alert_state,
    state_path,
)
from coordinator_tui.write.messages import BROADCAST, Draft, write_message
from coordinator_tui.write.reports import report_path, write_report
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError
from coordinator_tui.write.usage_state import saver, write_summary

ARCHIVE_EVERY_S = 3600.0
"""``run --archive-older-than`` archives at most this often (seconds)."""


@dataclass(frozen=True)
class RunOptions:
    heartbeat_every: int = 0
    """Broadcast a coordination heartbeat every N cycles (0 = never)."""
    report_every: int = 10
    """Write the sprint report every N cycles (0 = never)."""
    dry_run: bool = False
    """Analyse and log only: write no message, report, history or alert state."""
    sender: str = "coordinator"
    """``from`` of every message the coordinator writes (a safe id)."""
    resolve: bool = True
    """Message the yielder of each duplicate or overlap (False: ``--no-resolve``, log only)."""
    notify: tuple[str, ...] = ()
    """Escalation targets (``--notify``): webhooks, Apprise URLs, ``desktop``."""
    archive_older_than_s: float = 0.0
    """Archive history older than this (``run --archive-older-than``; 0 = never), at the
    first cycle and then at most once every ``ARCHIVE_EVERY_S``."""


@dataclass(frozen=True)
class LogEvent:
    """One log line: ``text`` is already sanitised; ``data`` is for ``--log-format json``."""

    time: datetime
    cycle: int
    step: str
    level: str
    """``info``, ``warn`` or ``error``."""
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


Emit = Callable[[LogEvent], None]


class Coordinator:
    """Runs cycles against one directory; ``run`` loops, ``run_cycle`` does one."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        clock: Clock,
        options: RunOptions,
        emit: Emit,
    ) -> None:
        self.root = Path(root)
        self.settings = settings
        self.clock = clock
        self.options = options
        self.emit = emit
        self.store = Store(self.root, settings)
        self.history = TrendLog(self.root, settings.history_limit)
        self.cycle = 0
        self._archived_at: float | None = None
        self._missing = False
        self._logged_errors: set[tuple[str, str, str]] = set()
        """The analysis' errors already logged: each is logged once, when it appears."""
        self.state = self._load_state()
        self.acting = ActingStep(
            self.root,
            clock,
            sender=options.sender,
            resolve=options.resolve,
            dry_run=options.dry_run,
            notify=options.notify,
        )
        self.usage = UsageFollower(
            self.root,
            None if options.dry_run else saver(self.root),
            clock=lambda: self.clock().timestamp(),
        )
        """Follows the sessions' transcripts in a thread (what they cost, issue 28)."""

    # --- the loop ---------------------------------------------------------------------------

    def run(
        self, cycles: int, interval: float, stop: Callable[[], bool], wait: Callable[[float], Any]
    ) -> int:
        """Cycle every ``interval`` seconds until ``cycles`` are done (0 = forever) or ``stop()``.

        ``wait(seconds)`` sleeps and should return early when stopping is asked
        (a ``threading.Event.wait``). Returns the number of cycles run.
        """
        self._log(
            "start",
            "info",
            f"Coordinator started on {display(str(self.root))}",
            interval=interval,
            cycles=cycles,
            dry_run=self.options.dry_run,
        )
        self.usage.start()
        while not stop():
            started = time.monotonic()
            self.run_cycle(stop)
            if stop() or (cycles and self.cycle >= cycles):
                break
            remaining = interval - (time.monotonic() - started)
            self._log(
                "sleep",
                "info",
                f"Cycle #{self.cycle} complete; next in {remaining:.1f} s",
                next_in_s=round(remaining, 3),
            )
            if remaining > 0:
                wait(remaining)
        self._say(self.acting.close())
        self.usage.stop()
        reason = "stopped" if stop() else "done"
        cycles_run = count_of(self.cycle, "cycle")
        self._log("stop", "info", f"Coordinator {reason} after {cycles_run}", reason=reason)
        return self.cycle

    def run_cycle(self, stop: Callable[[], bool] = lambda: False) -> Analysis | None:
        """One cycle; between steps it returns early when ``stop()`` says so."""
        self.cycle += 1
        self._log("cycle", "info", f"=== Coordination cycle #{self.cycle} ===")
        analysis = self._analyse()
        if analysis is None:
            return None
        steps: list[Callable[[Analysis], None]] = [
            self._sessions,
            self._duplicates,
            self._distribution,
            self._milestones,
            self._history,
            self._act,
            self._heartbeat,
            self._report,
            self._archive,
        ]
        for step in steps:
            if stop():
                self._log("stop", "info", "Stop requested: ending after the current step")
                break
            step(analysis)
        return analysis

    # --- steps ------------------------------------------------------------------------------

    def _analyse(self) -> Analysis | None:
        self.store.scan()
        self.store.index_keeper.save()  # every folder was just listed: the next start reads it
        if not self.store.exists:
            level = "warn" if not self._missing else "info"
            text = "directory is missing" if not self._missing else "directory still missing"
            self._log(
                "directory",
                level,
                f"{text}: {display(str(self.root))}; waiting for it to reappear",
                exists=False,
            )
            self._missing = True
            return None
        if self._missing:
            self._log("directory", "info", "directory is back; reading it again", exists=True)
            self._missing = False
        snapshot = self.store.snapshot()
        self.usage.watch(watched_from(snapshot.sessions))
        self.usage.step()  # what was appended since the thread's last step, so a cycle is exact
        analysis = analyse(snapshot, self.clock(), self.settings)
        self._say(log_lines.file_problems(self._new_errors(analysis)))
        return analysis

    def _new_errors(self, analysis: Analysis) -> list[FileError]:
        """The analysis' errors not logged before. The analysis' list, not the store's
        raw failures: a file caught mid-rewrite stays out of it for the grace period,
        so the log never says "empty file" about a session that is only being saved."""
        current = {(e.path, e.reason, e.severity): e for e in analysis.errors}
        new = [error for key, error in current.items() if key not in self._logged_errors]
        self._logged_errors = set(current)
        return new

    def _sessions(self, analysis: Analysis) -> None:
        self._say(log_lines.sessions(analysis))

    def _duplicates(self, analysis: Analysis) -> None:
        self._say(log_lines.duplicates(analysis))
        self._reread_state()
        plan = decide.duplicates(analysis, self.state)
        for key in plan.forget:
            del self.state.duplicates[key]
        changed = bool(plan.forget)
        for alert in plan.alerts:
            if self._broadcast(alert.broadcast):
                self.state.duplicates[alert.key] = alert.sessions
                changed = True
        if changed:
            self._save_state()

    def _distribution(self, analysis: Analysis) -> None:
        self._say(log_lines.distribution(analysis))
        self._reread_state()
        plan = decide.suggestions(analysis, self.state)
        if plan is None:
            return
        if plan.broadcast is None or self._broadcast(plan.broadcast):
            self.state.suggestions = plan.pairs
            self._save_state()

    def _milestones(self, analysis: Analysis) -> None:
        self._say(log_lines.milestones(analysis))

    def _history(self, analysis: Analysis) -> None:
        if self.options.dry_run:
            return
        try:
            self.history.append(Sample.from_analysis(analysis))
        except OSError as error:
            why = error.describe(self.root) if isinstance(error, TrendLogError) else str(error)
            text = f"could not record the history sample: {display(why, 200)}"
            self._log("history", "error", text)

    def _act(self, analysis: Analysis) -> None:
        """Resolve, suggest early, advise, escalate (``headless.acting``)."""
        try:
            samples = self.history.load()
        except TrendLogError:
            samples = []  # the history step has said why; forecasts go without it
        self._say(self.acting.run(analysis, samples, self.usage.snapshot()))
        last = self.acting.last
        if last is not None and last.costs.sessions and not self.options.dry_run:
            try:
                write_summary(self.root, last.costs, format_utc(analysis.now))
            except OSError as error:
                self._log(
                    "usage",
                    "error",
                    f"could not save the usage summary: {display(str(error), 200)}",
                )

    def _heartbeat(self, analysis: Analysis) -> None:
        broadcast = decide.heartbeat(analysis, self.cycle, self.options.heartbeat_every)
        if broadcast is not None:
            self._broadcast(broadcast)

    def _report(self, analysis: Analysis) -> None:
        if not decide.due(self.cycle, self.options.report_every):
            return
        if self.options.dry_run:
            name = report_path(self.root, analysis).name
            self._log("report", "info", f"dry run: would write {name}")
            return
        if not self.root.is_dir():
            self._log("report", "warn", "directory vanished; report not written")
            return
        try:
            samples, problem = self.history.load(), None
        except TrendLogError as error:
            samples, problem = [], error.describe(self.root)
            text = f"history not read, report has no trends: {display(problem, 200)}"
            self._log("report", "warn", text, path=str(error.path), reason=error.reason)
        try:
            path = write_report(
                self.root, analysis, samples, history_problem=problem, acting=self.acting.last
            )
        except OSError as error:
            self._log("report", "error", f"could not write the report: {display(str(error), 200)}")
            return
        self._log("report", "info", f"Sprint report written: {display(str(path))}", path=str(path))

    # --- writing ------------------------------------------------------------------------------

    def _broadcast(self, broadcast: Broadcast) -> bool:
        """Write one broadcast (or say what would be written); True when it counts as sent."""
        step, subject, data = broadcast.step, broadcast.subject, broadcast.data
        if self.options.dry_run:
            self._log(
                step, "info", f"dry run: would broadcast {subject!r}", subject=subject, **data
            )
            return True
        if not self.root.is_dir():
            self._log(step, "warn", f"directory vanished; not broadcasting {subject!r}")
            return False
        draft = Draft(
            to=BROADCAST, subject=subject, body=broadcast.body, sender=self.options.sender
        )
        try:
            path = write_message(self.root, draft, self.clock())
        except OSError as error:
            self._log(
                step,
                "error",
                f"could not write {subject!r}: {display(str(error), 200)}; will retry next cycle",
            )
            return False
        self._log(
            step,
            "info",
            f"broadcast {subject!r} → {display(str(path.relative_to(self.root)))}",
            subject=subject,
            path=str(path),
            **data,
        )
        return True

    def _reread_state(self) -> None:
        """What was already said, read again before each decision: another writer (a
        coordinator that ran before the lock was taken, a restart) may have said more.
        A dry run keeps its own state in memory (it never saves one), and so does a run
        whose state file is missing or unreadable (its saves failed: memory is all)."""
        if self.options.dry_run or not os.path.lexists(state_path(self.root)):
            return
        state, problem = load_alert_state(self.root)
        if problem is None:
            self.state = state

    def _load_state(self) -> AlertState:
        state, problem = load_alert_state(self.root)
        if problem is not None:
            self._log(
                "state",
                "warn",
                f"alert state {ALERT_STATE_FILE} unreadable "
                f"({display(problem, 120)}); starting afresh",
            )
        return state

    def _save_state(self) -> None:
        if self.options.dry_run or not self.root.is_dir():
            return
        try:
            save_alert_state(self.root, self.state)
        except OSError as error:
            self._log(
                "state", "error", f"could not save the alert state: {display(str(error), 200)}"
            )

    def _say(self, lines: list[LogLine]) -> None:
        for line in lines:
            self._log(line.step, line.level, line.text, **line.data)

    def _archive(self, analysis: Analysis) -> None:
        """Old history into ``.coordinator/archive/`` (``history.archive``), on a schedule."""
        older = self.options.archive_older_than_s
        due = self._archived_at is None or time.monotonic() - self._archived_at >= ARCHIVE_EVERY_S
        if older <= 0 or self.options.dry_run or not due:
            return
        from coordinator_tui.history.archive import archive_history

        self._archived_at = time.monotonic()
        try:
            result = archive_history(
                self.root, older, analysis.now.timestamp(), max_bytes=self.settings.max_file_bytes
            )
        except OSError as error:
            self._log("archive", "error", display(f"archive failed: {error}"))
            return
        moved = sum(result.archived.values())
        name = result.archive.name if result.archive is not None else "none"
        self._log("archive", "info", f"Archived {moved} history files ({name})", archived=moved)

    def _log(self, step: str, level: str, text: str, **data: Any) -> None:
        self.emit(LogEvent(self.clock(), self.cycle, step, level, text, data))
