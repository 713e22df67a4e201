"""``coordinator-tui demo``: a simulated collective, watched by the dashboard or headless.

The simulation runs in a background thread and writes the same files a real
collective writes; the dashboard (imported only here, lazily, so the headless
path never loads Textual) or the headless coordinator watches it. A temporary
directory is removed afterwards; ``--dir`` keeps the files. Before it goes,
the sprint reports the user wrote with ``r`` in the dashboard are copied to
the current folder (never over a file: ``-2``, ``-3``… as messages) and named
on stderr. SIGTERM or SIGINT ends ``demo --headless`` like ``run``: exit 0,
the temporary directory removed.

Writes the simulation could not do are never hidden: ``demo --headless`` logs
each one as an error line among the coordinator's, and whatever was not shown
by the time the demo ends is printed on stderr.

The simulated agents ask permission now and then (``demo.approvals``) in a state
folder of the demo's own, made outside the demo directory and removed afterwards: the
demo process points ``XDG_STATE_HOME`` and ``COORDINATOR_TUI_CONFIG`` there, so the
dashboard's inbox, its rules (``a``) and ``approve``/``deny`` with the printed
variables never touch the user's own state or config file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from coordinator_tui.clock import system_clock
from coordinator_tui.commands.common import CommandError, fail, no_terminal
from coordinator_tui.commands.run import _install_handlers as stop_on_signals
from coordinator_tui.commands.run import _restore_handlers as restore_signals
from coordinator_tui.demo.simulate import Problem, Simulation
from coordinator_tui.files.fsio import create_new
from coordinator_tui.headless.console import LogPrinter
from coordinator_tui.headless.coordinator import Coordinator, LogEvent, RunOptions
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings

HEADLESS_INTERVAL_S = 2.0
"""Seconds between headless coordinator cycles at ``--speed 1``."""
LEFT_OVER_SHOWN = 5
"""Problems printed one by one when the demo ends; the rest are counted."""
DEMO_APPROVAL_WAIT_S = 45.0
"""How long a simulated agent waits for an answer before its person answers in its pane."""
DEMO_TIME = {"resources_window_s": 10.0, "resources_idle_after_s": 20.0}
"""The demo lasts minutes, not hours: the resource advice looks back 10 seconds and
calls a session idle for long after 20, so start/stop advice shows up live."""


def main(args: argparse.Namespace, settings: Settings) -> int:
    terminal_problem = None if args.headless else no_terminal()
    if terminal_problem is not None:
        print(terminal_problem, file=sys.stderr)
        return 2
    try:
        root, temporary = _directory(args.dir)
    except CommandError as error:
        return fail(error)
    settings = settings.updated(**DEMO_TIME)
    private, before = _private_state()
    simulation = Simulation(
        root,
        sessions=args.sessions,
        seed=args.seed,
        speed=args.speed,
        approvals_state=os.path.join(private, "state", "coordinator-tui"),
        approval_wait_s=DEMO_APPROVAL_WAIT_S / args.speed,
    )
    try:
        simulation.setup()
    except OSError as error:
        _forget_private_state(private, before)
        return fail(CommandError(f"cannot write the demo directory: {display(str(error))}"))
    simulation.start()
    try:
        if args.headless:
            return _headless(root, settings, args, simulation)
        from coordinator_tui.tui.app import run_dashboard

        return run_dashboard(
            root,
            settings,
            compact=args.compact,
            problems=lambda: [problem.describe() for problem in simulation.take_problems()],
        )
    finally:
        simulation.stop()
        _forget_private_state(private, before)
        _print_left_over(simulation.take_problems())
        if temporary is not None and (args.headless or _keep_reports(root, Path.cwd())):
            shutil.rmtree(temporary, ignore_errors=True)
            if args.headless:
                print("demo directory removed (give --dir to keep the files)", file=sys.stderr)
        elif args.headless:
            print(f"demo files kept in {root}", file=sys.stderr)


PRIVATE_VARIABLES = ("XDG_STATE_HOME", "COORDINATOR_TUI_CONFIG")


def _private_state() -> tuple[str, dict[str, str | None]]:
    """A state folder and an empty config file of the demo's own, for this process (and
    what it starts): the simulated requests, their decisions and any rule added with
    ``a`` stay there, never in the user's. The variables as they were, to put back."""
    before = {name: os.environ.get(name) for name in PRIVATE_VARIABLES}
    private = tempfile.mkdtemp(prefix="coordinator-demo-state-")
    config = os.path.join(private, "config.toml")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("# the demo's own config: rules added in the demo land here\n")
    os.environ["XDG_STATE_HOME"] = os.path.join(private, "state")
    os.environ["COORDINATOR_TUI_CONFIG"] = config
    return private, before


def _forget_private_state(private: str, before: dict[str, str | None]) -> None:
    shutil.rmtree(private, ignore_errors=True)
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _keep_reports(root: Path, destination: Path) -> bool:
    """Copy the sprint reports written in the demo to ``destination``, saying where each
    went; False (keep the demo directory, and say so) when one cannot be copied."""
    for report in sorted(root.glob("SPRINT_REPORT_*.md")):
        try:
            kept = create_new(destination, report.name, report.read_bytes())
        except OSError as error:
            reason = display(error.strerror or str(error))
            print(
                f"coordinator-tui: could not copy {report.name} to {display(str(destination))}"
                f" ({reason}); the demo directory is kept: {display(str(root))}",
                file=sys.stderr,
            )
            return False
        print(f"kept the report you wrote: {display(str(kept))}", file=sys.stderr)
    return True


def _directory(argument: str | None) -> tuple[Path, Path | None]:
    """The demo root and the temporary folder to remove afterwards (None with ``--dir``)."""
    if argument is None:
        temporary = Path(tempfile.mkdtemp(prefix="coordinator-demo-"))
        return temporary / "coordination", temporary
    root = Path(argument).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise CommandError(f"{root} is not a directory", code=2)
    if root.is_dir() and (root / "sessions").is_dir() and not (root / ".coordinator-demo").exists():
        raise CommandError(
            f"{root} already holds a coordination directory that the demo did not create; "
            "give an empty or new folder",
            code=2,
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / ".coordinator-demo").touch()
    except OSError as error:
        raise CommandError(f"cannot create {root}: {display(str(error))}") from None
    return root, None


def _headless(
    root: Path, settings: Settings, args: argparse.Namespace, simulation: Simulation
) -> int:
    cycles = args.cycles
    # The demo's coordinator acts like `run`: it tells yielders (resolve is the default).
    options = RunOptions(heartbeat_every=1, report_every=cycles or 10, resolve=True)
    printer = LogPrinter("text")

    def emit(event: LogEvent) -> None:
        """The coordinator's line, preceded by the simulation's failed writes since the last."""
        for problem in simulation.take_problems():
            printer(_problem_event(problem, event.cycle))
        printer(event)

    coordinator = Coordinator(root, settings, system_clock, options, emit)
    stop = threading.Event()
    previous = stop_on_signals(stop)
    _log_requests(root, printer, stop)
    try:
        coordinator.run(cycles, HEADLESS_INTERVAL_S / args.speed, stop.is_set, stop.wait)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()  # the request log's thread too
        restore_signals(previous)
    return 0


def _log_requests(root: Path, printer: LogPrinter, stop: threading.Event) -> None:
    """``demo --headless``: a log line per permission request the simulated agents make,
    and how to answer it from another terminal."""
    from coordinator_tui.approvals.inbox import Inbox
    from coordinator_tui.headless.approval_notices import ApprovalNotices

    state = os.environ["XDG_STATE_HOME"]
    print(
        f"demo: answer the simulated agents' permission requests from another terminal with\n"
        f"  XDG_STATE_HOME={state} coordinator-tui approvals {root}",
        file=sys.stderr,
    )

    class Lines:
        def send(self, payload: dict[str, object], title: str, body: str = "") -> None:
            text = display(body.replace("\n", " — "), 300)
            printer(LogEvent(system_clock(), 0, "approvals", "info", text, payload))

        def log(self, text: str) -> None:
            printer(LogEvent(system_clock(), 0, "approvals", "warn", display(text), {}))

    ApprovalNotices(Inbox([str(root)]), Lines(), link=lambda: None).start(stop)


def _problem_event(problem: Problem, cycle: int) -> LogEvent:
    text = display(problem.describe())
    data = {"path": problem.path, "reason": problem.reason}
    return LogEvent(problem.time, cycle, "demo", "error", text, data)


def _print_left_over(problems: list[Problem]) -> None:
    """Failed writes nobody showed yet (the dashboard's, or the last seconds')."""
    for problem in problems[:LEFT_OVER_SHOWN]:
        print(f"coordinator-tui: {display(problem.describe())}", file=sys.stderr)
    if len(problems) > LEFT_OVER_SHOWN:
        more = len(problems) - LEFT_OVER_SHOWN
        print(f"coordinator-tui: … and {more} more failed demo writes", file=sys.stderr)
