"""Command line: parsing and dispatch only; each command lives in ``commands/``.

``coordinator-tui [DIR]`` opens the dashboard; the other commands are listed in
``EPILOG``. A bad command line prints one line and exits 2. Headless commands
never import Textual, and only the command that runs is imported.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from coordinator_tui import __version__
from coordinator_tui.commands.arguments import (
    Parser,
    Parsers,
    UsageError,
    non_negative_int,
    positive,
)
from coordinator_tui.settings import Settings, SettingsError, load_settings

HEADLESS = {
    "status": "coordinator_tui.commands.status",
    "report": "coordinator_tui.commands.report",
    "send": "coordinator_tui.commands.send",
    "run": "coordinator_tui.commands.run",
    "archive": "coordinator_tui.commands.archive",
    "init": "coordinator_tui.commands.init",
    "approvals": "coordinator_tui.commands.approvals",
    "approve": "coordinator_tui.commands.approve",
    "deny": "coordinator_tui.commands.deny",
    "start": "coordinator_tui.commands.start",
    "stop": "coordinator_tui.commands.stop",
}
"""Commands whose module gives ``add_parser(parsers)`` and ``main(args, settings)``;
imported by name, only the one that runs (``status --json`` pays for no other)."""
AGENT_SIDE = {
    "session": "coordinator_tui.commands.agents.session",
    "hooks": "coordinator_tui.commands.agents.hooks",
}
"""Commands a session runs on its own files: ``build_parser(Parser)`` and ``main(args)``."""
SELF_REGISTERED = {
    "sync": "coordinator_tui.commands.sync",
    "serve": "coordinator_tui.commands.serve",
    "schema": "coordinator_tui.commands.schema",
}
"""Commands that add their own parser through argparse's ``add_parser`` (see ``_Registry``)."""
COMMANDS = (*HEADLESS, "demo", "dashboard", *AGENT_SIDE, *SELF_REGISTERED)
EPILOG = """commands:
  coordinator-tui [DIR …]          live dashboard (default; several DIRs: one screen)
  coordinator-tui status [DIR]     print the state once (--json for scripts)
  coordinator-tui report [DIR]     write a sprint report (SPRINT_REPORT_<date>.md)
  coordinator-tui send [DIR]       write a broadcast or direct message (--wake: deliver now)
  coordinator-tui start            an agent on a priority in a new tmux window (--worktree)
  coordinator-tui stop SESSION     end an agent, its tmux window, its session and claims
  coordinator-tui run [DIR]        headless coordinator loop (cron, nohup, systemd)
  coordinator-tui archive [DIR]    move old heartbeat events and messages into a tar archive
  coordinator-tui demo             simulated collective + dashboard
  coordinator-tui init [DIR]       write a sample coordination directory to try things on
  coordinator-tui approvals [DIR]  permission requests agents wait on; answer them with
                                   'approve ID [--always]' or 'deny ID [--reason TEXT]'
  coordinator-tui session ACTION   a session's own files: start, beat, claim, release, inbox, end
  coordinator-tui hooks ACTION     install/uninstall hooks for Claude Code, Codex, Gemini CLI
  coordinator-tui sync [DIR]       share the directory with other machines through git
  coordinator-tui serve [DIR]      the dashboard in a web browser (extra: web)
  coordinator-tui schema           the JSON Schema of what status --json prints

DIR defaults to $COORDINATOR_DIR, ./docs/coordination, ./COORDINATION, or . when
it has a sessions/ folder. 'coordinator-tui COMMAND --help' for details.

A first word that is not a command is the dashboard's DIR, unless it is not an
existing path, has no '/' and is close to a command name: then it is a mistyped
command ('stauts': did you mean 'status'?), exit 2. The dashboard needs a
terminal: with stdin or stdout redirected it exits 2 (use 'status')."""


def _module(name: str) -> ModuleType:
    return importlib.import_module({**HEADLESS, **AGENT_SIDE, **SELF_REGISTERED}[name])


def build_parser(only: str | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by name (or only the one of command ``only``, and the
    dashboard's); each command module adds its own."""
    parsers = Parsers()
    _add_dashboard(parsers)
    for name in HEADLESS:
        if only in (None, name):
            _module(name).add_parser(parsers)
    if only in (None, "demo"):
        _add_demo(parsers)
    for name in AGENT_SIDE:
        if only in (None, name):
            parsers.by_name[name] = _module(name).build_parser(Parser)
    for name in SELF_REGISTERED:
        if only in (None, name):
            _module(name).add_parser(_Registry(parsers.by_name))
    return parsers.by_name


def _add_dashboard(parsers: Parsers) -> None:
    """The default command; its parser is the top-level one (``--version``, the epilog)."""
    dashboard = parsers.add(
        "dashboard",
        "Watch and steer a collective of AI coding agents.",
        prog="coordinator-tui",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dashboard.add_argument(
        "dir",
        nargs="*",
        metavar="DIR",
        help="coordination directory; several: every collective in one screen",
    )
    dashboard.add_argument(
        "--compact", action="store_true", help="force the compact layout (tmux side pane)"
    )
    dashboard.add_argument(
        "--poll",
        action="store_true",
        help="poll the directory instead of native file events (network filesystems)",
    )
    dashboard.add_argument(
        "--poll-ms",
        type=positive(int),
        default=None,
        metavar="MS",
        help="polling interval in milliseconds (implies --poll; default: 500)",
    )
    dashboard.add_argument(
        "--read-only",
        action="store_true",
        help="no key that writes (broadcast, message, report): a wall display",
    )
    dashboard.add_argument("--version", action="version", version=f"coordinator-tui {__version__}")


def _add_demo(parsers: Parsers) -> None:
    """``demo``'s options, kept here so the demo's module is imported only when it runs."""
    demo = parsers.add("demo", "Start a simulated collective and watch it.")
    demo.add_argument("--dir", default=None, help="directory to simulate in (default: a temp dir)")
    demo.add_argument(
        "--sessions",
        type=positive(int),
        default=12,
        metavar="N",
        help="size of the simulated collective (default: 12)",
    )
    demo.add_argument(
        "--speed",
        type=positive(float),
        default=1.0,
        metavar="X",
        help="simulation speed multiplier (default: 1)",
    )
    demo.add_argument("--seed", type=int, default=None, help="make the simulation reproducible")
    demo.add_argument(
        "--headless",
        action="store_true",
        help="run the headless coordinator instead of the dashboard",
    )
    demo.add_argument(
        "--cycles",
        type=non_negative_int,
        default=3,
        metavar="N",
        help="with --headless: coordinator cycles to run (default: 3; 0 = until stopped)",
    )
    demo.add_argument("--compact", action="store_true", help="force the compact layout")


class _Registry:
    """The ``add_parser(name, **kwargs)`` of argparse sub-parsers, over ``parsers``."""

    def __init__(self, parsers: dict[str, argparse.ArgumentParser]) -> None:
        self.parsers = parsers

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.pop("help", None)
        self.parsers[name] = Parser(prog=f"coordinator-tui {name}", **kwargs)
        return self.parsers[name]


SETTING_FLAGS = {
    "stale_after_s": "--stale-after",
    "gone_after_s": "--gone-after",
    "overlap_threshold": "--overlap-threshold",
    "max_file_bytes": "--max-file-bytes",
}
"""The settings every command takes as a flag (``arguments.common_options``)."""


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, flag[2:].replace("-", "_"), None)
        for name, flag in SETTING_FLAGS.items()
    }
    return load_settings(overrides, SETTING_FLAGS)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # `status --line` takes the stdlib-only path (also dispatched early by __main__).
    if arguments[:1] == ["status"] and "--line" in arguments[1:]:
        from coordinator_tui.statusline import line as statusline

        return statusline.main(arguments[1:])
    command = arguments[0] if arguments and arguments[0] in COMMANDS else "dashboard"
    mistyped = _mistyped_command(arguments[0]) if command == "dashboard" and arguments else None
    if mistyped is not None:
        print(mistyped, file=sys.stderr)
        return 2
    parsers = build_parser(command)
    if (arguments and arguments[0] == "dashboard") or command != "dashboard":
        arguments = arguments[1:]
    try:
        args = parsers[command].parse_args(arguments)
        settings = settings_from(args)
    except (UsageError, SettingsError) as error:
        print(
            f"coordinator-tui: {error}" if isinstance(error, SettingsError) else error,
            file=sys.stderr,
        )
        return 2
    try:
        return _dispatch(command, args, settings)
    except KeyboardInterrupt:
        return 130


def _mistyped_command(word: str) -> str | None:
    """The error for a first word that looks like a misspelt command, or None when it may
    be the dashboard's DIR: an existing path, a word with a '/', or nothing like a command."""
    if word.startswith("-") or "/" in word or Path(word).exists():
        return None
    names = [name for name in COMMANDS if name != "dashboard"]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        return None
    return (
        f"coordinator-tui: unknown command {word!r} (did you mean {close[0]!r}?); "
        "'coordinator-tui --help' lists the commands"
    )


ONE_SHOT = {"status", "report"}
"""Commands that read, print and leave: the cyclic collector stays off while they run."""


def _dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    if command in ONE_SHOT:
        # A short life of tens of thousands of records and no cycles worth finding: without
        # the pause, status --json at 10k sessions took 7-13% more CPU (bench_history).
        from coordinator_tui.gcpause import paused_gc

        with paused_gc():
            return int(_module(command).main(args, settings))
    if command in HEADLESS or command in SELF_REGISTERED:
        return int(_module(command).main(args, settings))
    if command in AGENT_SIDE:
        return int(_module(command).main(args))
    if command == "demo":
        from coordinator_tui.commands import demo

        return demo.main(args, settings)
    if all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout)):
        _prefetch_first_scan(args, settings)  # first: the child reads while the rest loads
    from coordinator_tui.commands.common import no_terminal

    problem = no_terminal()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from coordinator_tui.tui import app  # Textual is loaded only for the dashboard

    return app.main(args, settings)


def _prefetch_first_scan(args: argparse.Namespace, settings: Settings) -> None:
    """One big directory: a forked child reads it while Textual loads (``prefetch``)."""
    names = getattr(args, "dir", None) or []
    if len(names) > 1:
        return
    from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
    from coordinator_tui.prefetch import fork_first_scan

    try:
        root = resolve_directory(names[0] if names else None, must_exist=False)
    except DirectoryNotFound:
        return  # the dashboard says why
    fork_first_scan(root, settings.max_file_bytes)
