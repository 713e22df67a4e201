"""``run``'s acting step: resolve conflicts, suggest early, advise, escalate — once each.

Every cycle, after the analysis and the history sample:

1. the state of what was already done is re-read from ``.coordinator/``
   (``write.acting_state``), so a restarted coordinator, or a second one after
   it, never repeats itself;
2. ``act()`` decides (the same function the dashboard, ``status`` and the
   report call);
3. each new resolution becomes one direct message to the yielder (never to the
   keeper), once per situation, never again while it lasts, one message per
   yielder a cycle (``--no-resolve``: logged only); a session about to finish
   gets its next priority once per session and priority; the resource advice
   is logged when it changes;
4. escalation: ``escalate.step`` turns the incidents into raised/resolved
   events, each logged and handed to the ``Notifier`` (webhooks, Apprise, the
   desktop), which delivers in the background: a slow or failing endpoint never
   holds up or stops the loop, and its failures come back here as log lines;
5. the state is saved atomically, only when it changed, and only for what was
   really written (a failed message is tried again next cycle).

``dry_run`` decides and logs, and writes and sends nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from coordinator_tui.agents import receipts
from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.acting.act import Acting, HistorySample, act
from coordinator_tui.analysis.acting.escalate import EscalationEvent, step
from coordinator_tui.analysis.acting.resolve import Resolution, message_for, resolve, to_send
from coordinator_tui.analysis.receipts import hook_driven
from coordinator_tui.analysis.results import Suggestion
from coordinator_tui.clock import Clock
from coordinator_tui.headless.budget_notice import budget_line, budget_notices
from coordinator_tui.headless.notify import Notifier, redact
from coordinator_tui.render.log_lines import LogLine
from coordinator_tui.render.sanitize import display
from coordinator_tui.usage.tokens import UsageSnapshot
from coordinator_tui.write.acting_state import (
    ActingState,
    load_acting_state,
    load_escalation_state,
    remember,
    save_acting_state,
    save_escalation_state,
)
from coordinator_tui.write.messages import Draft, MessageError, write_message

NOTIFY_CLOSE_S = 10.0
"""How long the end of ``run`` waits for queued escalation events to be delivered."""
FORECASTS_LOGGED = 3


class ActingStep:
    """One coordinator's acting: call ``run`` once a cycle, ``close`` at the end."""

    def __init__(
        self,
        root: Path,
        clock: Clock,
        *,
        sender: str = "coordinator",
        resolve: bool = True,
        dry_run: bool = False,
        notify: Sequence[str] = (),
        notifier_factory: Callable[..., Notifier] = Notifier,
    ) -> None:
        self.root = Path(root)
        self.clock = clock
        self.sender = sender
        self.resolve = resolve
        self.dry_run = dry_run
        self._notes: deque[str] = deque(maxlen=200)
        self._lock = threading.Lock()
        self.notifier = notifier_factory(tuple(notify), log=self._note) if notify else None
        self._reported: set[str] = set()
        """Situation keys logged under --no-resolve or --dry-run (not persisted)."""
        self.last: Acting | None = None
        self._advice: Any = None
        self._budgets: Any = None

    # --- the cycle ----------------------------------------------------------------------------

    def run(
        self,
        analysis: Analysis,
        samples: Sequence[HistorySample],
        usage: UsageSnapshot | None = None,
    ) -> list[LogLine]:
        """Decide and act for one analysis; the log lines of what was done."""
        lines = self._take_notes()
        state, problem = load_acting_state(self.root)
        if problem is not None:
            lines.append(LogLine("acting", "warn", f"acting state: {display(problem, 160)}"))
        before = state.to_json()
        self._count_duplicates(state, analysis)
        book = receipts.book(str(self.root), hook_driven(analysis.sessions))
        acting = act(analysis, samples, state.duplicate_counts, usage, book)
        self.last = acting
        lines += self._resolutions(state, acting.resolutions)
        lines += self._early(state, acting.early_suggestions)
        lines += forecast_lines(acting)
        advice = resource_line(acting)
        if advice.data != self._advice:  # said when it changes, not every cycle
            self._advice = advice.data
            lines.append(advice)
        budgets = budget_line(acting.costs)
        if (budgets.data if budgets else None) != self._budgets:  # said when it changes
            self._budgets = budgets.data if budgets else None
            lines += [budgets] if budgets else []
        lines += self._escalate(acting, analysis)
        if state.to_json() != before:
            lines += self._save(lambda: save_acting_state(self.root, state), "acting state")
        return lines

    def close(self, timeout: float = NOTIFY_CLOSE_S) -> list[LogLine]:
        """Give queued escalation events ``timeout`` seconds; what the notifier said."""
        lines: list[LogLine] = []
        if self.notifier is not None and not self.notifier.close(timeout):
            lines.append(LogLine("notify", "warn", "escalation events still undelivered at exit"))
        return self._take_notes() + lines

    # --- the parts ----------------------------------------------------------------------------

    def _count_duplicates(self, state: ActingState, analysis: Analysis) -> None:
        """Add each new duplicate situation to its yielder's count (``quality``)."""
        current = {r.situation_key: r for r in resolve(analysis) if r.kind == "duplicate"}
        for key, resolution in current.items():
            if key not in state.counted:
                counts = state.duplicate_counts
                counts[resolution.yielder] = counts.get(resolution.yielder, 0) + 1
        state.counted = frozenset(current)

    def _resolutions(self, state: ActingState, resolutions: Sequence[Resolution]) -> list[LogLine]:
        new, current = to_send(resolutions, state.told)
        told = set(state.told) & current
        lines = []
        for resolution, also in _one_per_yielder(new):
            key = resolution.situation_key
            subject, body = message_for(resolution)
            data = _resolution_data(resolution)
            if not self.resolve or self.dry_run:
                if key not in self._reported:
                    why = "--dry-run" if self.dry_run else "--no-resolve"
                    text = f"{_resolution_text(resolution)} (not messaged: {why})"
                    lines.append(LogLine("resolve", "info", text, data))
                    self._reported.add(key)
                continue
            sent, line = self._direct(resolution.yielder, subject, body, "resolve", data)
            lines.append(line if not sent else LogLine("resolve", "info", _sent(resolution), data))
            if sent is not False:
                told.add(key)
                told.update(item.situation_key for item in also)
        self._reported &= current
        state.told = frozenset(told)
        return lines

    def _early(self, state: ActingState, suggestions: Sequence[Suggestion]) -> list[LogLine]:
        lines = []
        done: list[str] = []
        for suggestion in suggestions:
            key = f"{suggestion.session}|{suggestion.priority}"
            if key in state.early or key in self._reported:
                continue
            text = (
                f"early suggestion: {display(suggestion.session, 60)} → "
                f"{display(suggestion.priority, 60)} ({display(suggestion.reason, 100)})"
            )
            data = {"session": suggestion.session, "priority": suggestion.priority}
            if not self.resolve or self.dry_run:
                lines.append(LogLine("suggest", "info", text + " (not messaged)", data))
                self._reported.add(key)
                continue
            subject = f"Next up when you finish: {suggestion.priority}"
            body = (
                f"Your current work looks nearly done ({suggestion.reason}). When it is, "
                f"consider {suggestion.priority} (score {suggestion.score:g}): "
                f"{suggestion.description}."
            )
            sent, line = self._direct(suggestion.session, subject, body, "suggest", data)
            lines.append(LogLine("suggest", "info", text, data) if sent else line)
            if sent is not False:
                done.append(key)
        state.early = remember(state.early, done)
        return lines

    def _escalate(self, acting: Acting, analysis: Analysis) -> list[LogLine]:
        now = analysis.now
        escalation, problem = load_escalation_state(self.root)
        lines = []
        if problem is not None:
            lines.append(LogLine("escalate", "warn", display(problem, 200)))
        events, following = step(escalation, acting.incidents, now)
        for event in events:
            lines.append(_event_line(event, self.notifier))
            if self.notifier is not None and not self.dry_run:
                self.notifier.send(
                    event.payload(str(self.root)),
                    f"coordinator-tui: {event.action} {event.kind}",
                    event.title,
                )
        if events and not self.dry_run:
            lines += self._save(
                lambda: save_escalation_state(self.root, following), "escalation state"
            )
            for notice in budget_notices(events, analysis, acting.costs):
                data = {"to": notice.to, "subject": notice.subject}
                lines.append(
                    self._direct(notice.to, notice.subject, notice.body, "budget", data)[1]
                )
        return lines

    # --- writing ------------------------------------------------------------------------------

    def _direct(
        self, to: str, subject: str, body: str, step_name: str, data: dict[str, Any]
    ) -> tuple[bool | None, LogLine]:
        """Write one direct message: (True, _) sent; (False, line) retry next cycle;
        (None, line) never possible (an id that cannot be a folder name)."""
        if not self.root.is_dir():
            return False, LogLine(step_name, "warn", "directory vanished; message not written")
        draft = Draft(to=to, subject=subject, body=body, sender=self.sender)
        try:
            path = write_message(self.root, draft, self.clock())
        except MessageError as error:
            text = f"cannot message {display(to, 60)}: {display(str(error), 160)}"
            return None, LogLine(step_name, "warn", text, data)
        except OSError as error:
            text = f"could not message {display(to, 60)}: {display(str(error), 160)}; will retry"
            return False, LogLine(step_name, "error", text, data)
        return True, LogLine(step_name, "info", str(path.relative_to(self.root)), data)

    def _save(self, save: Callable[[], Path], what: str) -> list[LogLine]:
        if self.dry_run or not self.root.is_dir():
            return []
        try:
            save()
        except OSError as error:
            return [LogLine("acting", "error", f"could not save the {what}: {display(str(error))}")]
        return []

    def _note(self, text: str) -> None:
        """The notifier's log (called from its thread): kept for the next log flush."""
        with self._lock:
            self._notes.append(text)

    def _take_notes(self) -> list[LogLine]:
        with self._lock:
            notes = list(self._notes)
            self._notes.clear()
        return [LogLine("notify", "warn", display(note, 240)) for note in notes]


def _one_per_yielder(
    resolutions: Sequence[Resolution],
) -> list[tuple[Resolution, tuple[Resolution, ...]]]:
    """One message per yielder a cycle: its duplicate first (else its first overlap), with
    the other new situations it yields in, which that message covers."""
    by_yielder: dict[str, list[Resolution]] = {}
    for resolution in resolutions:
        by_yielder.setdefault(resolution.yielder, []).append(resolution)
    result = []
    for items in by_yielder.values():
        items.sort(key=lambda item: (item.kind != "duplicate", item.situation_key))
        result.append((items[0], tuple(items[1:])))
    return result


# --- the words ---------------------------------------------------------------------------------


def _resolution_data(resolution: Resolution) -> dict[str, Any]:
    suggestion = resolution.suggestion
    return {
        "kind": resolution.kind,
        "work": resolution.work,
        "keeper": resolution.keeper,
        "yielder": resolution.yielder,
        "rule": resolution.rule,
        "suggestion": suggestion.priority if suggestion else None,
        "situation_key": resolution.situation_key,
    }


def _resolution_text(resolution: Resolution) -> str:
    suggestion = resolution.suggestion
    next_up = display(suggestion.priority, 60) if suggestion else "nothing free"
    return (
        f"{resolution.kind}: {display(resolution.keeper, 60)} keeps "
        f"'{display(resolution.work, 80)}' ({display(resolution.reason, 100)}); "
        f"{display(resolution.yielder, 60)} yields → {next_up}"
    )


def _sent(resolution: Resolution) -> str:
    return f"{_resolution_text(resolution)}; told {display(resolution.yielder, 60)}"


def forecast_lines(acting: Acting) -> list[LogLine]:
    """The soonest milestone ETAs (a hint; ``status --json`` has them all)."""
    timed = sorted(
        (item for item in acting.milestone_forecasts if item.eta is not None),
        key=lambda item: (item.eta, item.milestone_id),
    )
    lines = []
    for item in timed[:FORECASTS_LOGGED]:
        assert item.eta is not None
        text = (
            f"forecast: {display(item.milestone_id, 60)} at {item.progress:.0f} % → "
            f"ETA {item.eta:%Y-%m-%d %H:%M} UTC ({item.method}: {display(item.basis, 100)})"
        )
        lines.append(LogLine("forecast", "info", text, {"milestone": item.milestone_id}))
    if len(timed) > FORECASTS_LOGGED:
        lines.append(
            LogLine("forecast", "info", f"… and {len(timed) - FORECASTS_LOGGED} more ETAs")
        )
    return lines


def resource_line(acting: Acting) -> LogLine:
    advice = acting.resources
    if advice.action == "start":
        head = f"start {advice.count} more session(s)"
    elif advice.action == "stop":
        head = f"stop {advice.count} idle session(s): " + ", ".join(
            display(session, 40) for session in advice.sessions[:5]
        )
    else:
        head = "no change"
    data = {"action": advice.action, "count": advice.count, "sessions": list(advice.sessions)}
    level = "info" if advice.action == "none" else "warn"
    return LogLine("resources", level, f"resources: {head} ({display(advice.reason, 160)})", data)


def _event_line(event: EscalationEvent, notifier: Notifier | None) -> LogLine:
    targets = ", ".join(redact(target) for target in notifier.targets) if notifier else "nobody"
    level = "warn" if event.action == "raised" else "info"
    text = f"escalation {event.action}: {display(event.title, 200)} → {targets}"
    data = {"action": event.action, "incident": event.incident_id, "kind": event.kind}
    return LogLine("escalate", level, text, data)
