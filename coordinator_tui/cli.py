"""Command line: parsing and dispatch only; each command lives in ``commands/``.

``coordinator-tui [DIR]`` opens the dashboard; ``status``, ``report``, ``send``,
``run`` and ``demo`` are the other commands. A bad command line prints one line
and exits 2. Headless commands never import Textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

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
}
"""Commands whose module gives ``add_parser(parsers)`` and ``main(args, settings)``;
imported by name, only the one that runs (``status --json`` pays for no other)."""
AGENT_SIDE = {
    "session": "coordinator_tui.commands.agents.session",
    "hooks": "coordinator_tui.commands.agents.hooks",
}
"""Commands a session runs on its own files: ``build_parser(Parser)`` and ``main(args)``."""
COMMANDS = (*HEADLESS, "demo", "dashboard", *AGENT_SIDE)
EPILOG = """commands:
  coordinator-tui [DIR]            live dashboard (default)
  coordinator-tui status [DIR]     print the state once (--json for scripts)
  coordinator-tui report [DIR]     write a sprint report (SPRINT_REPORT_<date>.md)
  coordinator-tui send [DIR]       write a broadcast or direct message
  coordinator-tui run [DIR]        headless coordinator loop (cron, nohup, systemd)
  coordinator-tui archive [DIR]    move old heartbeat events and messages into a tar archive
  coordinator-tui demo             simulated collective + dashboard
  coordinator-tui session ACTION   a session's own files: start, beat, claim, release, inbox, end
  coordinator-tui hooks ACTION     install/uninstall hooks for Claude Code, Codex, Gemini CLI

DIR defaults to $COORDINATOR_DIR, ./docs/coordination, ./COORDINATION, or . when
it has a sessions/ folder. 'coordinator-tui COMMAND --help' for details."""


def _module(name: str) -> ModuleType:
    return importlib.import_module({**HEADLESS, **AGENT_SIDE}[name])


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
    dashboard.add_argument("dir", nargs="?", metavar="DIR", help="coordination directory")
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
        help="polling interval in milliseconds (implies --poll; default 500)",
    )
    dashboard.add_argument("--version", action="version", version=f"coordinator-tui {__version__}")


def _add_demo(parsers: Parsers) -> None:
    """``demo``'s options, kept here so the demo's module is imported only when it runs."""
    demo = parsers.add("demo", "Start a simulated collective and watch it.")
    demo.add_argument("--dir", default=None, help="directory to simulate in (default: a temp dir)")
    demo.add_argument("--sessions", type=positive(int), default=12, metavar="N")
    demo.add_argument(
        "--speed",
        type=positive(float),
        default=1.0,
        metavar="X",
        help="simulation speed multiplier",
    )
    demo.add_argument("--seed", type=int, default=None)
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
        help="with --headless: coordinator cycles to run",
    )
    demo.add_argument("--compact", action="store_true")


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        "stale_after_s": getattr(args, "stale_after", None),
        "gone_after_s": getattr(args, "gone_after", None),
        "overlap_threshold": getattr(args, "overlap_threshold", None),
        "max_file_bytes": getattr(args, "max_file_bytes", None),
    }
    return load_settings(overrides)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # issue 13 early dispatch: `status --line` takes the stdlib-only path (statusline.py).
    if arguments[:1] == ["status"] and "--line" in arguments[1:]:
        from coordinator_tui.statusline import line as statusline

        return statusline.main(arguments[1:])
    command = arguments[0] if arguments and arguments[0] in COMMANDS else "dashboard"
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


def _dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    if command in HEADLESS:
        return int(_module(command).main(args, settings))
    if command in AGENT_SIDE:
        return int(_module(command).main(args))
    if command == "demo":
        from coordinator_tui.commands import demo

        return demo.main(args, settings)
    from coordinator_tui.tui import app  # Textual is loaded only for the dashboard

    return app.main(args, settings)
