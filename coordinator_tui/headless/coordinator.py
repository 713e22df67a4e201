"""The headless coordinator: one cycle = analyse, log the old coordinator's steps, alert.

What the old Bash loop did every five minutes, done right. A cycle reads only
what changed (the store keeps parsed records between cycles), logs the steps
the old one logged (sessions, duplicates, distribution, milestones), and
broadcasts an alert only when there is something new to say:

* a duplicate-work alert when a duplicate group first appears, and again only
  if its members change;
* a work suggestion when the set of (idle session, suggested priority) pairs
  appears or changes;
* a coordination heartbeat every ``heartbeat_every`` cycles, a sprint report
  every ``report_every`` cycles, a history sample every cycle.

What was already said is kept in memory *and* in ``.coordinator/alerts.json``:
a coordinator restarted by systemd (or crash-looping) must not re-broadcast
the same alert each time it starts, and the file is tiny and rewritten
atomically only when the state changes. It writes nothing but messages, the
report and ``.coordinator/``; ``dry_run`` writes nothing at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.clock import Clock
from coordinator_tui.headless.alerts import (
    AlertState,
    duplicate_alert,
    heartbeat_text,
    suggestion_alert,
)
from coordinator_tui.render.report import report_path, write_report
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import age_text, count_of
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.atomic import replace_file
from coordinator_tui.write.history import PRIVATE_FOLDER, History, Sample
from coordinator_tui.write.messages import BROADCAST, Draft, write_message

ALERT_STATE_FILE = "alerts.json"
LOG_LIMIT = 10
"""Lines a step logs per kind of finding; the rest are counted (10,000 sessions stay readable)."""
_WORK = 80


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
        self.history = History(self.root, settings.history_limit)
        self.cycle = 0
        self.last_analysis: Analysis | None = None
        self.written: list[Path] = []
        """Every file this coordinator wrote (messages and reports), in order."""
        self._missing = False
        self._state_path = self.root / PRIVATE_FOLDER / ALERT_STATE_FILE
        self.state = self._load_state()

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
        reason = "stopped" if stop() else "done"
        self._log("stop", "info", f"Coordinator {reason} after {self.cycle} cycles", reason=reason)
        return self.cycle

    def run_cycle(self, stop: Callable[[], bool] = lambda: False) -> Analysis | None:
        """One cycle; between steps it returns early when ``stop()`` says so."""
        self.cycle += 1
        self._log("cycle", "info", f"=== Coordination cycle #{self.cycle} ===")
        analysis = self._analyse()
        if analysis is None:
            return None
        self.last_analysis = analysis
        steps: list[Callable[[Analysis], None]] = [
            self._sessions,
            self._duplicates,
            self._distribution,
            self._milestones,
            self._history,
            self._heartbeat,
            self._report,
        ]
        for step in steps:
            if stop():
                self._log("stop", "info", "Stop requested: ending after the current step")
                break
            step(analysis)
        return analysis

    # --- steps ------------------------------------------------------------------------------

    def _analyse(self) -> Analysis | None:
        change = self.store.scan()
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
        analysis = analyse(self.store.snapshot(), self.clock(), self.settings)
        for error in change.new_errors[:LOG_LIMIT]:
            self._log(
                "data",
                "warn" if error.severity == "error" else "info",
                f"{error.severity}: {display(error.path, 80)}: {display(error.reason, 160)}",
                path=error.path,
                reason=error.reason,
                severity=error.severity,
            )
        if len(change.new_errors) > LOG_LIMIT:
            self._log(
                "data",
                "info",
                f"… and {len(change.new_errors) - LOG_LIMIT} more file problems (see status)",
            )
        return analysis

    def _sessions(self, analysis: Analysis) -> None:
        c = analysis.counts
        self._log(
            "sessions",
            "info",
            f"Sessions: {c.total} files · {c.working} working · {c.idle} idle · {c.stale} stale · "
            f"{c.gone} gone · utilization {c.utilization:.0%} of {c.live} live",
            total=c.total,
            live=c.live,
            working=c.working,
            idle=c.idle,
            stale=c.stale,
            gone=c.gone,
            utilization=round(c.utilization, 4),
        )
        for view in analysis.stale_sessions[:LOG_LIMIT]:
            self._log(
                "sessions",
                "warn",
                f"stale: {display(view.id, 60)} last heartbeat {age_text(view.heartbeat_age_s)}",
                session=view.id,
            )

    def _duplicates(self, analysis: Analysis) -> None:
        groups = analysis.duplicates
        if not groups:
            with_work = sum(1 for v in analysis.sessions if v.health.live and not v.placeholder)
            self._log(
                "duplicates",
                "info",
                f"No duplicate work among {count_of(with_work, 'live session')} with work",
                groups=0,
            )
        for group in groups[:LOG_LIMIT]:
            self._log(
                "duplicates",
                "warn",
                f"Duplicate work: {display(group.work, _WORK)!r} "
                f"by {display(', '.join(group.sessions), 200)}",
                work=group.work,
                sessions=list(group.sessions),
            )
        if len(groups) > LOG_LIMIT:
            self._log(
                "duplicates", "warn", f"… and {len(groups) - LOG_LIMIT} more duplicate groups"
            )
        for overlap in analysis.overlaps[:3]:
            self._log(
                "duplicates",
                "info",
                f"possible overlap ({overlap.score:.2f}): {display(overlap.first, 40)} "
                f"{display(overlap.first_work, 40)!r} ~ {display(overlap.second, 40)} "
                f"{display(overlap.second_work, 40)!r}",
                sessions=[overlap.first, overlap.second],
                score=overlap.score,
            )
        for conflict in analysis.conflicts[:3]:
            self._log(
                "duplicates",
                "warn",
                f"claim conflict: {display(conflict.session, 40)} works on "
                f"{display(conflict.work, 40)!r} claimed by {display(conflict.claimed_by, 40)}",
                session=conflict.session,
                claim=conflict.claim,
                claimed_by=conflict.claimed_by,
            )

        current = {group.work_key: group.sessions for group in groups}
        changed = False
        for key in [key for key in self.state.duplicates if key not in current]:
            del self.state.duplicates[key]
            changed = True
        for group in groups:
            if self.state.duplicates.get(group.work_key) == group.sessions:
                continue
            subject, body = duplicate_alert(group)
            if self._broadcast(
                "duplicates", subject, body, work=group.work, sessions=list(group.sessions)
            ):
                self.state.duplicates[group.work_key] = group.sessions
                changed = True
        if changed:
            self._save_state()

    def _distribution(self, analysis: Analysis) -> None:
        idle = analysis.idle_sessions
        available = [p for p in analysis.priorities if p.available]
        if not analysis.counts.live:
            self._log("distribution", "info", "No live sessions to distribute work to", idle=0)
        elif not idle:
            self._log(
                "distribution",
                "info",
                f"All {analysis.counts.live} live sessions are working",
                idle=0,
            )
        else:
            names = ", ".join(display(v.id, 40) for v in idle[:LOG_LIMIT])
            more = f" … and {len(idle) - LOG_LIMIT} more" if len(idle) > LOG_LIMIT else ""
            self._log(
                "distribution",
                "warn",
                f"{count_of(len(idle), 'idle session')}: {names}{more}; "
                f"{count_of(len(available), 'priority', 'priorities')} available",
                idle=[v.id for v in idle],
                available=len(available),
            )
        for s in analysis.suggestions[:LOG_LIMIT]:
            self._log(
                "distribution",
                "info",
                f"suggest {display(s.session, 40)} → {display(s.priority, 60)} "
                f"({s.score:g}; {display(s.reason, 60)})",
                session=s.session,
                priority=s.priority,
            )
        pairs = tuple(sorted((s.session, s.priority) for s in analysis.suggestions))
        if pairs == self.state.suggestions:
            return
        if not pairs:
            self.state.suggestions = ()
            self._save_state()
            return
        subject, body = suggestion_alert(analysis)
        if self._broadcast("distribution", subject, body, pairs=[list(p) for p in pairs]):
            self.state.suggestions = pairs
            self._save_state()

    def _milestones(self, analysis: Analysis) -> None:
        m = analysis.milestones
        if not m.total:
            self._log("milestones", "info", "Milestones: none", total=0)
            return
        completed = m.by_status.get("completed", 0)
        self._log(
            "milestones",
            "info",
            f"Milestones: {completed}/{m.total} complete ({m.completion_pct:.0f}%), "
            f"{m.by_status.get('in_progress', 0)} in progress, "
            f"{m.by_status.get('blocked', 0)} blocked, "
            f"{m.stalled} stalled; mean progress {m.mean_progress:.0f}%",
            total=m.total,
            by_status=m.by_status,
            completion_pct=m.completion_pct,
            stalled=m.stalled,
        )

    def _history(self, analysis: Analysis) -> None:
        if self.options.dry_run:
            return
        try:
            self.history.append(Sample.from_analysis(analysis))
        except OSError as error:
            self._log(
                "history",
                "error",
                f"could not record the history sample: {display(str(error), 200)}",
            )

    def _heartbeat(self, analysis: Analysis) -> None:
        every = self.options.heartbeat_every
        if not every or self.cycle % every:
            return
        body = heartbeat_text(analysis, self.cycle)
        self._broadcast("heartbeat", "Coordination Heartbeat", body)

    def _report(self, analysis: Analysis) -> None:
        every = self.options.report_every
        if not every or self.cycle % every:
            return
        if self.options.dry_run:
            self._log(
                "report", "info", f"dry run: would write {report_path(self.root, analysis).name}"
            )
            return
        if not self.root.is_dir():
            self._log("report", "warn", "directory vanished; report not written")
            return
        try:
            path = write_report(self.root, analysis, self.history.load())
        except OSError as error:
            self._log("report", "error", f"could not write the report: {display(str(error), 200)}")
            return
        self.written.append(path)
        self._log("report", "info", f"Sprint report written: {display(str(path))}", path=str(path))

    # --- writing ------------------------------------------------------------------------------

    def _broadcast(self, step: str, subject: str, body: str, **data: Any) -> bool:
        """Write one broadcast (or say what would be written); True when it counts as sent."""
        if self.options.dry_run:
            self._log(
                step, "info", f"dry run: would broadcast {subject!r}", subject=subject, **data
            )
            return True
        if not self.root.is_dir():
            self._log(step, "warn", f"directory vanished; not broadcasting {subject!r}")
            return False
        draft = Draft(to=BROADCAST, subject=subject, body=body, sender=self.options.sender)
        try:
            path = write_message(self.root, draft, self.clock())
        except OSError as error:
            self._log(
                step,
                "error",
                f"could not write {subject!r}: {display(str(error), 200)}; will retry next cycle",
            )
            return False
        self.written.append(path)
        self._log(
            step,
            "info",
            f"broadcast {subject!r} → {display(str(path.relative_to(self.root)))}",
            subject=subject,
            path=str(path),
            **data,
        )
        return True

    def _load_state(self) -> AlertState:
        try:
            return AlertState.from_json(self._state_path.read_bytes())
        except FileNotFoundError:
            return AlertState()
        except (OSError, ValueError, UnicodeDecodeError) as error:
            self._log(
                "state",
                "warn",
                f"alert state {ALERT_STATE_FILE} unreadable "
                f"({display(str(error), 120)}); starting afresh",
            )
            return AlertState()

    def _save_state(self) -> None:
        if self.options.dry_run or not self.root.is_dir():
            return
        try:
            replace_file(self._state_path, self.state.to_json())
        except OSError as error:
            self._log(
                "state", "error", f"could not save the alert state: {display(str(error), 200)}"
            )

    def _log(self, step: str, level: str, text: str, **data: Any) -> None:
        self.emit(LogEvent(self.clock(), self.cycle, step, level, text, data))
