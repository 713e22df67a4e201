"""What ``S``, ``w`` and ``X`` do for a screen: the dialogs, the workers, the notices.

A screen holds one ``AgentActions`` and calls ``start``, ``wake`` or ``stop`` from its
``action_`` methods with the selected collective's directory and the selected row (it
works the same for one directory or several, and in the web view). tmux and git run in
thread workers (``exit_on_error=False``), never on the screen's thread; each outcome is
one notification in plain text. The work itself is ``launch`` (Textual-free).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.notifications import SeverityLevel
from textual.screen import Screen

from coordinator_tui.analysis.results import PriorityView
from coordinator_tui.launch import start as launching
from coordinator_tui.launch import stop as stopping
from coordinator_tui.launch import wake as waking
from coordinator_tui.settings import Settings
from coordinator_tui.tui.dialogs.start_agent import StartAgentScreen, StartChoice
from coordinator_tui.tui.dialogs.stop_agent import StopAgentScreen, StopChoice
from coordinator_tui.tui.rows import cell_text

GROUP = "agent-actions"


class AgentActions:
    """Start, wake and stop agents from ``screen``."""

    def __init__(self, screen: Screen[Any], settings: Settings) -> None:
        self.screen = screen
        self.settings = settings
        self.done: list[str] = []
        """Every outcome notified, oldest first (what a test or a log can read)."""

    def _say(self, text: str, severity: SeverityLevel = "information") -> None:
        """A notice from a worker thread, in plain text (its words came from files)."""
        line = cell_text(text, 400)
        self.done.append(line)
        app = self.screen.app
        app.call_from_thread(app.notify, line, severity=severity, markup=False)

    def _in_thread(self, work: Callable[[], None], name: str) -> None:
        self.screen.run_worker(work, name=name, group=GROUP, thread=True, exit_on_error=False)

    # --- S --------------------------------------------------------------------------------

    def start(
        self,
        root: Path,
        priorities: Sequence[PriorityView],
        chosen: Sequence[str],
        where: str = "",
    ) -> None:
        """The start dialog over ``priorities`` with ``chosen`` ticked; then each agent."""

        def started(choice: StartChoice | None) -> None:
            if choice is not None:
                self._in_thread(lambda: self._start_all(root, choice), "start agents")

        self.screen.app.push_screen(StartAgentScreen(priorities, chosen, where), started)

    def _start_all(self, root: Path, choice: StartChoice) -> None:
        for priority in choice.priorities:
            request = launching.StartRequest(
                root, priority, choice.agent, choice.worktree, choice.window
            )
            try:
                done = launching.start(request, self.settings)
            except (launching.LaunchError, OSError) as error:
                self._say(f"{priority}: not started: {error}", "error")
                continue
            where = f" in {done.worktree.path}" if done.worktree is not None else ""
            self._say(
                f"started {done.agent} on {priority}: session {done.session_id}, "
                f"window {done.window} ({done.pane}){where}"
            )

    # --- w --------------------------------------------------------------------------------

    def wake(self, root: Path, session: str) -> None:
        def work() -> None:
            try:
                self._say(waking.wake(root, session))
            except launching.LaunchError as error:
                self._say(f"{session}: {error}", "warning")

        self._in_thread(work, "wake")

    # --- X --------------------------------------------------------------------------------

    def stop(self, root: Path, session: str) -> None:
        """Look first (in a worker: tmux and git), then ask, then stop."""

        def look() -> None:
            try:
                plan = stopping.plan(root, session)
            except launching.LaunchError as error:
                self._say(str(error), "error")
                return
            app = self.screen.app
            app.call_from_thread(self._ask, plan)

        self._in_thread(look, "look before stopping")

    def _ask(self, plan: stopping.StopPlan) -> None:
        def answered(choice: StopChoice | None) -> None:
            if choice is not None:
                self._in_thread(lambda: self._stop(plan, choice), "stop")

        dialog = StopAgentScreen(plan.session_id, plan.describe(), plan.removable)
        self.screen.app.push_screen(dialog, answered)

    def _stop(self, plan: stopping.StopPlan, choice: StopChoice) -> None:
        try:
            lines = stopping.stop(plan, remove_worktree=choice.remove_worktree)
        except OSError as error:
            self._say(f"{plan.session_id}: not stopped: {error}", "error")
            return
        self._say(f"stopped {plan.session_id}: " + "; ".join(lines))
